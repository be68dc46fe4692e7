"""``sessions-local invoke``: one function, as built, on one event, like ``sam local invoke``.

The function runs from ``sam build`` output under the Lambda runtime emulator, with no Docker,
set up by the same :class:`~sessions_local.deployment.LocalDeployment` as the local API. Its
DynamoDB is, in this order: the one ``--dynamodb-endpoint`` names (missing tables are created
there); the one a running local API uses (asked at ``--port``), so the invocation sees the data
``make dev`` shows; else an embedded, empty one for this invocation.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path
from typing import Any

from sessions_local import HEALTH_PATH
from sessions_local.cli import find_template, note
from sessions_local.deployment import DeploymentSettings, LocalDeployment
from sessions_local.runtimes.emulator import EmulatorError
from sessions_local.stack import TemplateError


class InvokeError(Exception):
    """What stops an invocation before the function runs, in the user's words."""


def read_event(source: str | None) -> Any:
    """The event: a JSON file, ``-`` for standard input, or ``{}`` (as ``sam local invoke``)."""
    if source is None:
        return {}
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        return json.loads(text)
    except OSError as error:
        raise InvokeError(f"cannot read the event {source}: {error.strerror}") from error
    except ValueError as error:
        raise InvokeError(f"the event {source} is not JSON: {error}") from error


def running_store(host: str, port: int) -> str | None:
    """The DynamoDB endpoint of a local API running there, or None when none answers."""
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}{HEALTH_PATH}"
    try:
        with urllib.request.urlopen(url, timeout=3) as answer:
            endpoint = json.loads(answer.read()).get("dynamodbEndpoint")
    except (OSError, ValueError, AttributeError):
        return None
    return endpoint if isinstance(endpoint, str) else None


def run(args: argparse.Namespace) -> int:
    """The payload on stdout; the function's log, the emulator's report and where its data
    was on stderr. Exit 1 when the function raised or timed out, 2 when it could not run."""
    endpoint = args.dynamodb_endpoint
    where = f"DynamoDB at {endpoint}"
    if endpoint is None and (endpoint := running_store(args.host, args.port)):
        where = f"the local API's DynamoDB ({endpoint}, port {args.port})"
    elif endpoint is None:
        where = f"an empty embedded DynamoDB (no local API answered on port {args.port})"
    try:
        event = read_event(args.event)
        template = (args.template or find_template(Path.cwd())).resolve()
        settings = DeploymentSettings(template, args.region, endpoint, built=True)
        deployment = LocalDeployment(settings, echo=note)
        if args.function not in deployment.stack.functions:
            known = ", ".join(sorted(deployment.stack.functions))
            raise InvokeError(f"the template has no function {args.function} (it has: {known})")
        deployment.start(user_pools=False)
        try:
            function = deployment.functions[args.function]
            assert deployment.emulator is not None  # noqa: S101 - built=True made it
            with deployment.emulator.function(function.spec, function.variables) as environment:
                invocation = environment.invoke(event)
        finally:
            deployment.stop()
    except (TemplateError, InvokeError, EmulatorError) as error:
        print(f"sessions-local invoke: {error}", file=sys.stderr)
        return 2
    report = invocation.report
    init = "" if report.init_ms is None else f", init {report.init_ms:.1f} ms"
    note(f"{args.function} ran against {where}")
    note(f"{args.function}: duration {report.duration_ms:.1f} ms{init}")
    print(json.dumps(invocation.payload), flush=True)
    return 1 if invocation.error else 0
