"""Cold starts of the built artifacts, as they ship, under Lambda's runtime emulator.

Each sample is one fresh execution environment: the emulator starts ``awslambdaric`` on the
function's build folder, its layer and the runtime folder (the SDK precompiled, as the managed
runtime carries it), and the sample is the first invocation's ``REPORT`` Duration on the
function's sample event (``events/``): init and first request together. The bare function is
``import boto3``, a DynamoDB client at module level and one GetItem, under the same emulator
and runtime folder; each round runs it and the function back to back, so the ratio is taken
between neighbours. A copy of one function's build with its bytecode removed shows what the
precompiled build buys. DynamoDB is an embedded one on loopback holding the template's tables,
reseeded with the events' session before every sample so each route takes its success path.
"""

from __future__ import annotations

import compileall
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sessions_local.aws import client
from sessions_local.deployment import DeploymentSettings, LocalDeployment
from sessions_local.runtimes import EmulatedFunction
from sessions_local.stack import read_stack

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
EVENTS = ROOT / "events"


def logical_ids() -> dict[str, str]:
    """Each function's folder under functions/ (its sample event's name) -> its logical id."""
    stack = read_stack(ROOT / "template.yaml")
    return {spec.code_uri.name: name for name, spec in stack.functions.items()}


NO_BYTECODE = "get_session"

BARE_HANDLER = """\
import json
import os

import boto3

client = boto3.client("dynamodb")


def handler(event, context):
    key = {"owner": {"S": os.environ["BARE_OWNER"]}, "id": {"S": os.environ["BARE_ID"]}}
    item = client.get_item(TableName=os.environ["SESSIONS_TABLE_NAME"], Key=key).get("Item")
    return {
        "statusCode": 200 if item else 404,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"found": item is not None}),
    }
"""


@dataclass
class Sample:
    """One subject's cold starts against the bare function's, round by round."""

    function: str
    variant: str = "built"
    ratios: list[float] = field(default_factory=list)  # duration / bare duration
    durations: list[float] = field(default_factory=list)  # ms: init + first request
    inits: list[float] = field(default_factory=list)  # ms: init alone
    bare: list[float] = field(default_factory=list)
    bare_inits: list[float] = field(default_factory=list)
    statuses: set[int] = field(default_factory=set)


def load_event(function: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{function}.json").read_text())
    return event


def _quiet(_line: str) -> None:
    """The function's log is not part of the measurement."""


class Store:
    """The embedded DynamoDB with the template's tables, emptied and reseeded per sample."""

    def __init__(self, deployment: LocalDeployment) -> None:
        assert deployment.tables is not None
        self._plans = deployment.tables.plans
        self._client = client("dynamodb", REGION, deployment.dynamodb_endpoint)
        event = load_event("get_session")
        self.owner = event["requestContext"]["authorizer"]["claims"]["sub"]
        self.session_id = event["pathParameters"]["id"]
        self.sessions_table = next(p.name for p in self._plans if p.logical_id == "SessionsTable")

    def reset(self) -> None:
        """Every table empty, then the events' session stored (version 1)."""
        for plan in self._plans:
            keys = [
                k["AttributeName"]
                for k in self._client.describe_table(TableName=plan.name)["Table"]["KeySchema"]
            ]
            for item in self._client.scan(TableName=plan.name).get("Items", []):
                key = {name: item[name] for name in keys}
                self._client.delete_item(TableName=plan.name, Key=key)
        from session_actions.storage.repository import SessionRepository

        SessionRepository(self._client, self.sessions_table).insert(
            {
                "owner": self.owner,
                "id": self.session_id,
                "title": "Weekly design review",
                "status": "scheduled",
                "tags": [],
                "createdAt": "2026-11-29T09:00:00.000Z",
                "updatedAt": "2026-11-29T09:00:00.000Z",
                "version": 1,
            }
        )


@contextmanager
def _folders(
    deployment: LocalDeployment, logical_id: str
) -> Iterator[tuple[Path, Path, list[Path]]]:
    """The bare function's folder (precompiled) and a copy of the build folder and layer folders
    of the function ``logical_id`` (the no-bytecode one), every ``.pyc`` removed."""
    with tempfile.TemporaryDirectory(prefix="bench-emulated-") as scratch:
        base = Path(scratch)
        bare = base / "bare"
        bare.mkdir()
        (bare / "app.py").write_text(BARE_HANDLER)
        compileall.compile_dir(bare, quiet=1)
        spec = deployment.stack.functions[logical_id]
        code = base / "nobytecode" / logical_id
        shutil.copytree(spec.code_uri, code)
        layers = []
        for layer in spec.layers:
            shutil.copytree(layer, base / "nobytecode" / layer.name)
            layers.append(base / "nobytecode" / layer.name)
        for cache in sorted((base / "nobytecode").rglob("__pycache__")):
            shutil.rmtree(cache, ignore_errors=True)
        for stray in (base / "nobytecode").rglob("*.pyc"):
            stray.unlink()
        yield bare, code, layers


def _cold(function: EmulatedFunction, event: dict[str, Any]) -> tuple[float, float, int]:
    """One fresh environment's first invocation: Duration, init and the answer's status."""
    with function as running:
        invocation = running.invoke(event)
    report = invocation.report
    payload = invocation.payload
    status = payload.get("statusCode", 0) if isinstance(payload, dict) else 0
    return report.duration_ms, report.init_ms or 0.0, int(status) if not invocation.error else 0


def measure(
    rounds: int, functions: list[str], echo: Callable[[str], None] | None = None
) -> list[Sample]:
    """Per function (and the no-bytecode copy), ``rounds`` cold starts against the bare
    function's, interleaved round by round."""
    settings = DeploymentSettings(ROOT / "template.yaml", region=REGION, built=True)
    deployment = LocalDeployment(settings, echo=echo).start(user_pools=False)
    assert deployment.emulator is not None
    emulator = deployment.emulator
    template = deployment.stack
    store = Store(deployment)
    ids = logical_ids()
    try:
        variables = {name: f.variables for name, f in deployment.functions.items()}
        bare_variables = {
            **variables[ids["get_session"]],
            "BARE_OWNER": store.owner,
            "BARE_ID": store.session_id,
        }
        with _folders(deployment, ids[NO_BYTECODE]) as (bare_dir, plain_code, plain_layers):
            subjects: list[tuple[Sample, Callable[[], EmulatedFunction]]] = []

            def built(name: str) -> Callable[[], EmulatedFunction]:
                spec = template.functions[ids[name]]
                return lambda: emulator.function(spec, variables[spec.logical_id], output=_quiet)

            for name in functions:
                subjects.append((Sample(name), built(name)))
            if NO_BYTECODE in functions:
                spec = template.functions[ids[NO_BYTECODE]]

                def plain() -> EmulatedFunction:
                    copy = replace(spec, code_uri=plain_code, layers=tuple(plain_layers))
                    return emulator.function(copy, variables[spec.logical_id], output=_quiet)

                subjects.append((Sample(NO_BYTECODE, "no bytecode"), plain))
            get_spec = template.functions[ids["get_session"]]

            def bare() -> EmulatedFunction:
                bare_spec = replace(
                    get_spec,
                    logical_id="BareFunction",
                    code_uri=bare_dir,
                    handler="app.handler",
                    layers=(),
                )
                return emulator.function(bare_spec, bare_variables, output=_quiet)

            bare_event = load_event("get_session")
            for index in range(rounds):
                for sample, make in subjects:
                    store.reset()
                    event = load_event(sample.function)
                    first, second = ("bare", "function") if index % 2 == 0 else ("function", "bare")
                    timings: dict[str, tuple[float, float, int]] = {}
                    for which in (first, second):
                        timings[which] = (
                            _cold(bare(), bare_event) if which == "bare" else _cold(make(), event)
                        )
                    duration, init, status = timings["function"]
                    bare_duration, bare_init, _ = timings["bare"]
                    sample.ratios.append(duration / bare_duration)
                    sample.durations.append(duration)
                    sample.inits.append(init)
                    sample.bare.append(bare_duration)
                    sample.bare_inits.append(bare_init)
                    sample.statuses.add(status)
            return [sample for sample, _ in subjects]
    finally:
        deployment.stop()
