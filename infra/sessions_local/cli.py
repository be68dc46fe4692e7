"""``sessions-local``: ``serve`` runs the local API, ``token`` prints a token from it,
``invoke`` runs one built function on one event, like ``sam local invoke`` without Docker."""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sessions_local import AUTH_PATH, HEALTH_PATH, MAX_TOKEN_TTL_S, TOKEN_PATH, local_url

if TYPE_CHECKING:
    from sessions_local.local_api import LocalApi

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3000


def _bounded(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"from {low} to {high}")
        return value

    return parse


def _origin(text: str) -> str:
    from sessions_local.gateway.server import canonical_origin

    try:
        return canonical_origin(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sessions-local", description=__doc__)
    local_api = argparse.ArgumentParser(add_help=False)
    local_api.add_argument("--host", default=DEFAULT_HOST, help="where the local API listens")
    local_api.add_argument("--port", type=_bounded(0, 65535), default=DEFAULT_PORT, help="0: any")
    deployment = argparse.ArgumentParser(add_help=False, parents=[local_api])
    deployment.add_argument("--region", default="us-east-1", help="AWS region the functions see")
    deployment.add_argument("--template", type=Path, help="default: the nearest template.yaml")
    deployment.add_argument("--dynamodb-endpoint", metavar="URL", help="another DynamoDB")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", parents=[deployment], help="run the local API")
    serve.add_argument(
        "--allowed-origin",
        metavar="ORIGIN",
        type=_origin,
        action="append",
        default=[],
        help="a browser origin to allow besides loopback (repeatable; the first is AllowedOrigin)",
    )
    serve.add_argument("--built", action="store_true", help="the functions as sam build built them")
    invoke = commands.add_parser("invoke", parents=[deployment], help="run one built function")
    invoke.add_argument("function", metavar="FUNCTION", help="its logical id in the template")
    invoke.add_argument("-e", "--event", metavar="FILE", help="JSON file, or - for stdin")
    token = commands.add_parser("token", parents=[local_api], help="print a token for USERNAME")
    token.add_argument("username")
    token.add_argument("--ttl", type=_bounded(1, MAX_TOKEN_TTL_S), help="default: the client's")
    kind = token.add_mutually_exclusive_group()
    kind.add_argument(
        "--scope",
        action="append",
        dest="scopes",
        metavar="SCOPE",
        help="an access token with only these custom scopes (repeatable; e.g. sessions/read)",
    )
    kind.add_argument("--id-token", action="store_true", help="the ID token (the API refuses it)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "serve" and "*" in args.allowed_origin and len(args.allowed_origin) > 1:
        parser.error("--allowed-origin '*' already allows every origin: give it alone")
    if args.command == "token":
        return token(args)
    return serve(args) if args.command == "serve" else invoke(args)


def token(args: argparse.Namespace) -> int:
    """Prints the access token (or the ID token) the local API issues for the user."""
    base = local_url(args.host, args.port)
    asked = {"username": args.username, "ttl": args.ttl, "scopes": args.scopes}
    request = urllib.request.Request(  # noqa: S310 - the local API, on loopback
        base + TOKEN_PATH,
        data=json.dumps(asked).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            issued = json.loads(response.read())
    except urllib.error.HTTPError as error:
        detail = json.loads(error.read() or b"{}").get("detail", error.reason)
        print(f"sessions-local token: {detail}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError):
        hint = "(start it with `make dev`, or pass its --port)"
        print(f"sessions-local token: no local API at {base} {hint}", file=sys.stderr)
        return 1
    print(issued["idToken" if args.id_token else "accessToken"])
    return 0


def note(text: str) -> None:
    print(f"sessions-local: {text}", file=sys.stderr, flush=True)


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
    from sessions_local.deployment import DeploymentSettings, LocalDeployment
    from sessions_local.gateway.server import LocalHttpServer, configure_logging, listen
    from sessions_local.local_api import LocalApi
    from sessions_local.runtimes.emulator import EmulatorError
    from sessions_local.stack import TemplateError

    configure_logging()
    try:
        listening = listen(args.host, args.port)
    except OSError as error:
        note(f"cannot listen on {args.host}:{args.port}: {error.strerror}")
        return 1
    # Explicitly: a shell starting it in the background would otherwise leave SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    api: LocalApi | None = None
    try:
        settings = DeploymentSettings(
            template=(args.template or find_template(Path.cwd())).resolve(),
            region=args.region,
            dynamodb_endpoint=args.dynamodb_endpoint,
            allowed_origin=args.allowed_origin[0] if args.allowed_origin else None,
            built=args.built,
        )
        deployment = LocalDeployment(settings, echo=note).start()
        port = listening.getsockname()[1]
        api = LocalApi(deployment, tuple(args.allowed_origin), port, args.host)
        server = LocalHttpServer(listening, api.handle, api.responses, api.origins)
        _print_banner(api, args.host, port, time.perf_counter() - started)
        api.warm()
        server.serve_forever(poll_interval=0.2)
    except (TemplateError, EmulatorError) as error:
        note(str(error))
        return 2
    except KeyboardInterrupt:
        pass
    finally:
        listening.close()
        if api is not None:
            api.stop()
        note("stopped")
    return 0


def invoke(args: argparse.Namespace) -> int:
    """The payload on stdout, logs on stderr; exit 1 when the function failed, 2 when it could
    not run. Its DynamoDB: the option's, else a local API's running at ``--port``, else new."""
    from sessions_local.deployment import DeploymentSettings, LocalDeployment
    from sessions_local.runtimes.emulator import EmulatorError
    from sessions_local.stack import TemplateError

    def refuse(reason: str) -> int:
        print(f"sessions-local invoke: {reason}", file=sys.stderr)
        return 2

    endpoint = args.dynamodb_endpoint
    where = f"DynamoDB at {endpoint}"
    if endpoint is None and (endpoint := _running_store(args.host, args.port)):
        where = f"the local API's DynamoDB ({endpoint}, port {args.port})"
    elif endpoint is None:
        where = f"an empty embedded DynamoDB (no local API answered on port {args.port})"
    event: Any = {}  # without --event, as `sam local invoke`
    if args.event is not None:
        try:
            text = sys.stdin.read() if args.event == "-" else Path(args.event).read_text("utf-8")
            event = json.loads(text)
        except OSError as error:
            return refuse(f"cannot read the event {args.event}: {error.strerror}")
        except ValueError as error:
            return refuse(f"the event {args.event} is not JSON: {error}")
    try:
        template = (args.template or find_template(Path.cwd())).resolve()
        settings = DeploymentSettings(template, args.region, endpoint, built=True)
        deployment = LocalDeployment(settings, echo=note)
        if args.function not in deployment.stack.functions:
            known = ", ".join(sorted(deployment.stack.functions))
            return refuse(f"the template has no function {args.function} (it has: {known})")
        deployment.start(user_pools=False)
        try:
            function = deployment.functions[args.function]
            assert deployment.emulator is not None  # noqa: S101 - built=True made it
            with deployment.emulator.function(function.spec, function.variables) as environment:
                invocation = environment.invoke(event)
        finally:
            deployment.stop()
    except (TemplateError, EmulatorError) as error:
        return refuse(str(error))
    report = invocation.report
    init = "" if report.init_ms is None else f", init {report.init_ms:.1f} ms"
    note(f"{args.function} ran against {where}")
    note(f"{args.function}: duration {report.duration_ms:.1f} ms{init}")
    print(json.dumps(invocation.payload), flush=True)
    return 1 if invocation.error else 0


def _running_store(host: str, port: int) -> str | None:
    """The DynamoDB endpoint of a local API running there, or None when none answers."""
    try:
        url = local_url(host, port) + HEALTH_PATH
        with urllib.request.urlopen(url, timeout=3) as answer:  # noqa: S310 - the local API
            endpoint = json.loads(answer.read()).get("dynamodbEndpoint")
    except (OSError, ValueError, AttributeError):
        return None
    return endpoint if isinstance(endpoint, str) else None


def _command_path() -> str:
    """How the user can run this command again from the current folder."""
    argv0 = Path(sys.argv[0]).resolve()
    if argv0.name != "sessions-local":
        return "sessions-local"
    return str(argv0.relative_to(Path.cwd()) if argv0.is_relative_to(Path.cwd()) else argv0)


def _print_banner(api: LocalApi, host: str, port: int, seconds: float) -> None:
    base = api.url
    port_option = "" if port == DEFAULT_PORT else f" --port {port}"
    host_option = "" if host == DEFAULT_HOST else f" --host {shlex.quote(host)}"
    token_command = f"{_command_path()} token alice{port_option}{host_option}"
    deployment = api.deployment
    sign_in = api.sign_in_settings() or {}
    built = "as sam build built them, under the Lambda runtime emulator"
    source = "from source; a change to a function or its layer is served on the next request"
    lines = [
        f"Sessions API (local) listening on {base}  (ready in {seconds:.1f}s)",
        "Routes:",
        *(
            f"  {route.method:<7} {route.path:<18} -> {route.function}"
            + ("" if route.authorizer else "  (no token)")
            for route in deployment.stack.routes
        ),
        f"DynamoDB: {deployment.settings.dynamodb_endpoint or 'embedded, in memory'}",
        f"CORS: browsers may call from {api.origins.describe()}",
        f"Functions: {source if deployment.emulator is None else built}",
        f"Docs: {base}/docs",
        *([f"Sign in with Cognito's SDKs (GET {AUTH_PATH} answers the same):"] if sign_in else []),
        *(f"  {name}: {value}" for name, value in sign_in.items()),
        "Get an access token (same username, same user):",
        f"  {token_command}",
        "Create a session:",
        f"  curl -i -X POST {base}/sessions \\",
        f'    -H "Authorization: Bearer $({token_command})" \\',
        "    -H 'Content-Type: application/json' -d '{\"title\": \"My first session\"}'",
        *(f"note: {line}" for line in deployment.notes),
        *(f"warning: {line}" for line in deployment.warnings),
        "Ctrl-C stops it.",
    ]
    print("\n".join(lines), flush=True)
