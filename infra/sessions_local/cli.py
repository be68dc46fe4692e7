"""``sessions-local``: ``serve`` runs the local API, ``token`` prints an ID token from it,
``invoke`` runs one built function on one event."""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from sessions_local import MAX_TOKEN_TTL_S, TOKEN_PATH

if TYPE_CHECKING:
    from sessions_local.local_api import LocalApi

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3000
DEFAULT_REGION = "us-east-1"


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("a port is 0-65535")
    return value


def _ttl(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_TOKEN_TTL_S:
        raise argparse.ArgumentTypeError(f"from 1 to {MAX_TOKEN_TTL_S} seconds")
    return value


def _origin(text: str) -> str:
    from sessions_local.gateway.server import canonical_origin

    try:
        return canonical_origin(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sessions-local",
        description="The Sessions API on this machine: the real functions behind Cognito-style "
        "token checks, with an embedded DynamoDB and user pool.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the local API")
    serve.add_argument("--host", default=DEFAULT_HOST, help="address to listen on")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT, help="port (0 picks a free one)")
    serve.add_argument(
        "--dynamodb-endpoint",
        metavar="URL",
        help="use this DynamoDB (DynamoDB Local, LocalStack, ...) instead of the embedded one; "
        "missing tables are created there",
    )
    serve.add_argument("--region", default=DEFAULT_REGION, help="AWS region the functions see")
    serve.add_argument(
        "--allowed-origin",
        metavar="ORIGIN",
        type=_origin,
        action="append",
        default=[],
        help="a browser origin allowed besides any loopback one (repeat for more); the first is "
        "the AllowedOrigin the functions see (default: the template's)",
    )
    serve.add_argument(
        "--template", type=Path, help="SAM template (default: the nearest template.yaml)"
    )
    serve.add_argument(
        "--built",
        action="store_true",
        help="serve the functions as `sam build` builds them, under the Lambda runtime emulator",
    )
    invoke = commands.add_parser(
        "invoke",
        help="run one function as built, on one event (like `sam local invoke`, without Docker)",
    )
    invoke.add_argument("function", metavar="FUNCTION", help="its logical id in the template")
    invoke.add_argument(
        "-e", "--event", metavar="FILE", help="the event, a JSON file or - for stdin (default {})"
    )
    invoke.add_argument(
        "--dynamodb-endpoint",
        metavar="URL",
        help="use this DynamoDB (default: the running local API's, else an empty embedded one)",
    )
    invoke.add_argument("--host", default=DEFAULT_HOST, help="where the local API listens")
    invoke.add_argument("--port", type=_port, default=DEFAULT_PORT, help="its port")
    invoke.add_argument("--region", default=DEFAULT_REGION, help="AWS region the function sees")
    invoke.add_argument(
        "--template", type=Path, help="SAM template (default: the nearest template.yaml)"
    )
    token = commands.add_parser("token", help="print an ID token for USERNAME")
    token.add_argument("username")
    token.add_argument("--host", default=DEFAULT_HOST, help="where the local API listens")
    token.add_argument("--port", type=_port, default=DEFAULT_PORT, help="its port")
    token.add_argument(
        "--ttl", type=_ttl, metavar="SECONDS", help="token lifetime (default: the app client's)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "serve" and "*" in args.allowed_origin and len(args.allowed_origin) > 1:
        parser.error("--allowed-origin '*' already allows every origin: give it alone")
    if args.command == "token":
        return token(args.host, args.port, args.username, args.ttl)
    if args.command == "invoke":
        return invoke(args)
    return serve(args)


def invoke(args: argparse.Namespace) -> int:
    """The function's payload on stdout; its logs, the emulator's report and where its data
    was on stderr. Exit 1 when the function raised or timed out."""
    from sessions_local.invoke import InvokeError, invoke, read_event
    from sessions_local.runtimes.emulator import EmulatorError
    from sessions_local.stack import TemplateError

    def note(text: str) -> None:
        print(f"sessions-local: {text}", file=sys.stderr, flush=True)

    try:
        template = (args.template or find_template(Path.cwd())).resolve()
        invocation, where = invoke(
            template,
            args.function,
            read_event(args.event),
            region=args.region,
            dynamodb_endpoint=args.dynamodb_endpoint,
            host=args.host,
            port=args.port,
            echo=note,
        )
    except (TemplateError, InvokeError, EmulatorError) as error:
        print(f"sessions-local invoke: {error}", file=sys.stderr)
        return 2
    report = invocation.report
    init = "" if report.init_ms is None else f", init {report.init_ms:.1f} ms"
    note(f"{args.function} ran against {where}")
    note(f"{args.function}: duration {report.duration_ms:.1f} ms{init}")
    print(json.dumps(invocation.payload), flush=True)
    return 1 if invocation.error else 0


def token(host: str, port: int, username: str, ttl: int | None) -> int:
    url = f"http://{_url_host(host)}:{port}{TOKEN_PATH}"
    payload = json.dumps({"username": username, "ttl": ttl}).encode()
    request = urllib.request.Request(
        url, data=payload, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            issued = json.loads(response.read())
    except urllib.error.HTTPError as error:
        detail = json.loads(error.read() or b"{}").get("detail", error.reason)
        print(f"sessions-local token: {detail}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError):
        print(
            f"sessions-local token: no local API at http://{_url_host(host)}:{port} "
            "(start it with `make dev`, or pass its --port)",
            file=sys.stderr,
        )
        return 1
    print(issued["idToken"])
    return 0


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _command_path() -> str:
    """How the user can run this command again from the current folder."""
    argv0 = Path(sys.argv[0])
    if argv0.name != "sessions-local":
        return "sessions-local"
    try:
        relative = argv0.resolve().relative_to(Path.cwd())
    except ValueError:
        return str(argv0)
    return str(relative)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def find_template(start: Path) -> Path:
    """``template.yaml`` in ``start`` or the nearest folder above it."""
    from sessions_local.stack import TemplateError

    for folder in (start, *start.parents):
        if (folder / "template.yaml").is_file():
            return folder / "template.yaml"
    raise TemplateError(f"no template.yaml in {start} or any folder above it")


def serve(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    # Imported here: `sessions-local token` needs none of this and should start fast.
    from sessions_local.aws.embedded import isolate_environment
    from sessions_local.deployment import DeploymentSettings, LocalDeployment
    from sessions_local.gateway.server import LocalHttpServer, configure_logging, listen
    from sessions_local.local_api import LocalApi
    from sessions_local.runtimes.emulator import EmulatorError
    from sessions_local.stack import TemplateError

    configure_logging()
    try:
        listening = listen(args.host, args.port)
    except OSError as error:
        print(
            f"sessions-local: cannot listen on {args.host}:{args.port}: {error.strerror}",
            file=sys.stderr,
        )
        return 1
    # Explicitly: a shell starting it in the background would otherwise leave SIGINT ignored.
    signal.signal(signal.SIGINT, _raise_interrupt)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    origins = tuple(dict.fromkeys(args.allowed_origin))
    try:
        template = (args.template or find_template(Path.cwd())).resolve()
    except TemplateError as error:
        print(f"sessions-local: {error}", file=sys.stderr, flush=True)
        return 2
    settings = DeploymentSettings(
        template=template,
        region=args.region,
        dynamodb_endpoint=args.dynamodb_endpoint,
        allowed_origin=origins[0] if origins else None,
        built=args.built,
    )
    api: LocalApi | None = None
    try:
        try:
            deployment = LocalDeployment(settings, echo=log_line).start()
            # This process's own AWS calls, too, go to the local endpoints only.
            aws = deployment.aws.endpoint
            isolate_environment(settings.region, aws, deployment.dynamodb_endpoint)
        except (TemplateError, EmulatorError) as error:
            print(f"sessions-local: {error}", file=sys.stderr, flush=True)
            return 2
        port = listening.getsockname()[1]
        api = LocalApi(deployment, origins, port)
        server = LocalHttpServer(listening, api.handle, api.responses, api.origins)
        _print_banner(api, args.host, port, time.perf_counter() - started)
        api.warm()
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        listening.close()
        if api is not None:
            api.stop()
        print("sessions-local: stopped", file=sys.stderr, flush=True)
    return 0


def log_line(text: str) -> None:
    print(f"sessions-local: {text}", file=sys.stderr, flush=True)


def _print_banner(api: LocalApi, host: str, port: int, seconds: float) -> None:
    base = f"http://{_url_host(host)}:{port}"
    command = _command_path()
    port_option = "" if port == DEFAULT_PORT else f" --port {port}"
    host_option = "" if host == DEFAULT_HOST else f" --host {shlex.quote(host)}"
    token_command = f"{command} token alice{port_option}{host_option}"
    deployment = api.deployment
    storage = deployment.settings.dynamodb_endpoint or "embedded, in memory"
    tables = deployment.tables.plans if deployment.tables else []
    emulator = deployment.emulator
    lines = [
        f"Sessions API (local) listening on {base}  (ready in {seconds:.1f}s)",
        "",
        "Routes:",
        *(
            f"  {route.method:<7} {route.path:<18} -> {route.function}"
            + ("" if route.authorizer else "  (no token)")
            for route in deployment.stack.routes
        ),
        f"DynamoDB: {storage}; tables: " + ", ".join(plan.name for plan in tables),
        f"CORS: browsers may call from {api.origins.describe()}",
        "  (another origin: --allowed-origin ORIGIN, or make dev ORIGIN=...)",
        (
            f"Functions: as built by sam build ({emulator.build.architecture}, "
            f"{emulator.build.root}), under the Lambda runtime emulator"
            if emulator is not None
            else "Functions: from source; a change to a function or the library is served on "
            "the next request (no restart)"
        ),
        f"Docs: {base}/docs  (OpenAPI: {base}/openapi.json)",
        "",
        "Get an ID token (same username, same user):",
        f"  {token_command}",
        "Create a session:",
        f"  curl -i -X POST {base}/sessions \\",
        f'    -H "Authorization: Bearer $({token_command})" \\',
        "    -H 'Content-Type: application/json' -d '{\"title\": \"My first session\"}'",
        "List them:",
        f'  curl -i {base}/sessions -H "Authorization: Bearer $({token_command})"',
        "",
        *(f"note: {note}" for note in deployment.notes),
        *(f"warning: {warning}" for warning in deployment.warnings),
        "Ctrl-C stops it.",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
