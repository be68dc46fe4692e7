"""``sessions-local invoke``: one function, as built, on one event, like ``sam local invoke``.

The function runs from ``sam build`` output under the Lambda runtime emulator, with no Docker,
set up by the same :class:`~sessions_local.deployment.LocalDeployment` as the local API. Its
DynamoDB is, in this order: the one ``--dynamodb-endpoint`` names (missing tables are created
there); the one a running local API uses (asked at ``--port``), so the invocation sees the data
``make dev`` shows; else an embedded, empty one for this invocation.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sessions_local import HEALTH_PATH
from sessions_local.deployment import DeploymentSettings, LocalDeployment
from sessions_local.runtimes.emulator import Invocation


class InvokeError(Exception):
    """What stops an invocation before the function runs, in the user's words."""


def read_event(source: str | None) -> Any:
    """The event: a JSON file, ``-`` for standard input, or ``{}`` (as ``sam local invoke``)."""
    if source is None:
        return {}
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as error:
        raise InvokeError(f"cannot read the event {source}: {error.strerror}") from error
    try:
        return json.loads(text)
    except ValueError as error:
        raise InvokeError(f"the event {source} is not JSON: {error}") from error


def running_store(host: str, port: int) -> str | None:
    """The DynamoDB endpoint of a local API running there, or None when none answers."""
    host_part = f"[{host}]" if ":" in host else host
    try:
        with urllib.request.urlopen(f"http://{host_part}:{port}{HEALTH_PATH}", timeout=3) as answer:
            endpoint = json.loads(answer.read()).get("dynamodbEndpoint")
    except (urllib.error.URLError, OSError, ValueError, AttributeError):
        return None
    return endpoint if isinstance(endpoint, str) else None


def invoke(
    template: Path,
    function: str,
    event: Any,
    *,
    region: str,
    dynamodb_endpoint: str | None,
    host: str,
    port: int,
    echo: Callable[[str], None] | None = None,
) -> tuple[Invocation, str]:
    """Run ``function`` once on ``event``; its invocation and where its DynamoDB was."""
    where = f"DynamoDB at {dynamodb_endpoint}"
    if dynamodb_endpoint is None and (dynamodb_endpoint := running_store(host, port)):
        where = f"the local API's DynamoDB ({dynamodb_endpoint}, port {port})"
    elif dynamodb_endpoint is None:
        where = f"an empty embedded DynamoDB (no local API answered on port {port})"
    settings = DeploymentSettings(
        template, region=region, dynamodb_endpoint=dynamodb_endpoint, built=True
    )
    deployment = LocalDeployment(settings, echo=echo)
    if function not in deployment.stack.functions:
        known = ", ".join(sorted(deployment.stack.functions))
        raise InvokeError(f"the template has no function {function} (it has: {known})")
    deployment.start(user_pools=False)
    try:
        assert deployment.emulator is not None  # noqa: S101 - built=True made it
        chosen = deployment.functions[function]
        with deployment.emulator.function(chosen.spec, chosen.variables) as environment:
            return environment.invoke(event), where
    finally:
        deployment.stop()
