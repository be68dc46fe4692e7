"""``sessions-local invoke``: one function, as built, on one event, like ``sam local invoke``.

The function runs from ``sam build`` output under the Lambda runtime emulator, with no Docker.
Its environment is the template's, resolved as the local API resolves it, and its DynamoDB is,
in this order: the one ``--dynamodb-endpoint`` names (missing tables are created there); the one
a running local API uses (asked at ``--port``), with that API's own function settings, so the
invocation sees the data ``make dev`` shows; else an embedded, empty one for this invocation.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sessions_local import FUNCTIONS_PATH
from sessions_local.aws_local import EmbeddedAws, client, isolated_settings
from sessions_local.emulator import Invocation, prepare
from sessions_local.intrinsics import ACCOUNT_ID
from sessions_local.lambda_env import PROCESS_BASICS, SecretValues, function_variables
from sessions_local.tables import TableProvisioner, plan_table
from sessions_local.template import FunctionSpec, LocalTemplate


class InvokeError(Exception):
    """What stops an invocation before the function runs, in the user's words."""


@dataclass(frozen=True)
class Target:
    """Where the function's AWS calls go, and the variables it starts with."""

    variables: dict[str, str]
    description: str


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


def running_api(host: str, port: int) -> dict[str, Any] | None:
    """A running local API's function settings, or None when none answers there."""
    host_part = f"[{host}]" if ":" in host else host
    url = f"http://{host_part}:{port}{FUNCTIONS_PATH}"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            settings: dict[str, Any] = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None
    return settings


def _template_variables(
    template: LocalTemplate, spec: FunctionSpec, region: str, aws: dict[str, str]
) -> dict[str, str]:
    """The function's variables as the local API would give them (tables under their
    template names), on the AWS settings ``aws``."""
    resolver = template.resolver(region)
    physical: dict[str, str] = {}
    attributes: dict[tuple[str, str], str] = {}
    for table in template.tables:
        plan = plan_table(table, resolver)
        physical[plan.logical_id] = plan.name
        attributes[(plan.logical_id, "Arn")] = (
            f"arn:aws:dynamodb:{region}:{ACCOUNT_ID}:table/{plan.name}"
        )
    resolved = template.resolver(region, None, physical, attributes)
    parent = {name: os.environ[name] for name in PROCESS_BASICS if name in os.environ}
    parent.update(aws)
    parent.update({k: v for k, v in os.environ.items() if k.startswith("POWERTOOLS_")})
    return function_variables(
        spec, resolved.resolve(dict(spec.environment)), region, SecretValues(), parent
    )


def ensure_tables(template: LocalTemplate, region: str, endpoint: str) -> list[str]:
    """Create the template's tables at ``endpoint`` where they are missing."""
    plans = [plan_table(table, template.resolver(region)) for table in template.tables]
    return TableProvisioner(client("dynamodb", region, endpoint), plans).ensure()


def invoke(
    template: LocalTemplate,
    function: str,
    event: Any,
    *,
    region: str,
    dynamodb_endpoint: str | None,
    host: str,
    port: int,
    echo: Any = None,
) -> tuple[Invocation, str]:
    """Run ``function`` once on ``event``; its invocation and where its DynamoDB was."""
    spec = template.functions.get(function)
    if spec is None:
        known = ", ".join(sorted(template.functions))
        raise InvokeError(f"the template has no function {function} (it has: {known})")
    embedded: EmbeddedAws | None = None
    try:
        if dynamodb_endpoint is not None:
            aws = isolated_settings(region, dynamodb_endpoint, dynamodb_endpoint)
            ensure_tables(template, region, dynamodb_endpoint)
            variables = _template_variables(template, spec, region, aws)
            where = f"DynamoDB at {dynamodb_endpoint}"
        elif (settings := running_api(host, port)) is not None and function in settings.get(
            "functions", {}
        ):
            variables = dict(settings["functions"][function])
            basics = {name: os.environ[name] for name in PROCESS_BASICS if name in os.environ}
            variables.update(basics)
            where = f"the local API's DynamoDB ({settings['dynamodbEndpoint']}, port {port})"
        else:
            embedded = EmbeddedAws()
            endpoint = embedded.start()
            ensure_tables(template, region, endpoint)
            aws = isolated_settings(region, endpoint, endpoint)
            variables = _template_variables(template, spec, region, aws)
            where = f"an empty embedded DynamoDB (no local API answered on port {port})"
        emulator = prepare(template.path, echo=echo)
        with emulator.function(spec, variables) as environment:
            return environment.invoke(event), where
    finally:
        if embedded is not None:
            embedded.stop()
