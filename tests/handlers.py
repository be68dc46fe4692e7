"""The functions' handlers in this process, set up from the library's settings and the
template's tables, with moto in place of DynamoDB (for the unit, contract and sample-event
suites, which need no local API):

* ``function_environment``: what the functions read (the library's settings, the cursor secret a
  random value) and Powertools' own, plus fake AWS credentials; the functions' cached clients
  and settings are dropped on the way in and out;
* ``create_tables``: the template's tables as AWS SAM's tools read them (keys and indexes);
* ``handler_of``, ``lambda_context`` and ``invoke``: the handler of the function the template
  serves a route with, called with a Lambda context of the function's memory and timeout;
* ``DynamoCalls``: every call the functions' DynamoDB client makes.
"""

from __future__ import annotations

import importlib
import secrets
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws
from session_actions.domain.idempotency import _idempotent_create
from session_actions.settings import VARIABLES, settings
from session_actions.storage.repository import dynamodb_client

from tests import route_table
from tests.cloudformation import expanded, resources
from tests.replies import ALLOWED_ORIGIN

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

REGION = "us-east-1"
FAKE_AWS = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
}
# Powertools as the template configures it, without X-Ray or metrics output (no daemon here).
POWERTOOLS = {
    "POWERTOOLS_SERVICE_NAME": "sessions-api",
    "POWERTOOLS_METRICS_NAMESPACE": "SessionsApi",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
}

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def environment_variables(tables: Mapping[str, str]) -> dict[str, str]:
    """What every function reads, in one environment (the handlers share a process).

    ``tables`` names the tables by logical id (``{"SessionsTable": "..."}``).
    """
    given = {
        "sessions_table": tables["SessionsTable"],
        "idempotency_table": tables["IdempotencyTable"],
        "cursor_secret": secrets.token_urlsafe(32),
        "allowed_origin": ALLOWED_ORIGIN,
        "region": REGION,
    }
    return {**FAKE_AWS, **POWERTOOLS, **{VARIABLES[name]: value for name, value in given.items()}}


def _fresh_clients() -> None:
    """The functions cache their DynamoDB client, idempotency store and settings: anew."""
    dynamodb_client.cache_clear()
    _idempotent_create.cache_clear()
    settings.cache_clear()


@contextmanager
def function_environment(tables: Mapping[str, str]) -> Iterator[None]:
    """This process's environment as the functions' (restored afterwards), with new clients."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment_variables(tables).items():
            patch.setenv(name, value)
        _fresh_clients()
        try:
            yield
        finally:
            _fresh_clients()


def create_tables(client: DynamoDBClient, tables: Mapping[str, str]) -> None:
    """The template's tables (keys and indexes), under the names ``tables`` gives them."""
    for logical_id, table in resources("AWS::DynamoDB::Table").items():
        properties = table["Properties"]
        indexes = [
            {key: index[key] for key in ("IndexName", "KeySchema", "Projection")}
            for index in properties.get("GlobalSecondaryIndexes", [])
        ]
        client.create_table(
            TableName=tables[logical_id],
            AttributeDefinitions=properties["AttributeDefinitions"],
            KeySchema=properties["KeySchema"],
            BillingMode="PAY_PER_REQUEST",
            **({"GlobalSecondaryIndexes": indexes} if indexes else {}),  # type: ignore[arg-type]
        )


@contextmanager
def functions_on_moto(tables: Mapping[str, str]) -> Iterator[DynamoDBClient]:
    """The functions' environment and moto's DynamoDB holding the template's tables, empty;
    yields a DynamoDB client of the test's own."""
    with function_environment(tables), mock_aws():
        admin = boto3.client("dynamodb", region_name=REGION)
        create_tables(admin, tables)
        yield admin


def handler_of(function: str) -> Handler:
    """The handler of a function (logical id), imported from its folder under functions/."""
    folder = next(f.folder for f in route_table.served_by().values() if f.logical_id == function)
    module, _, attribute = expanded()["Globals"]["Function"]["Handler"].rpartition(".")
    handler: Handler = getattr(importlib.import_module(f"functions.{folder}.{module}"), attribute)
    return handler


@dataclass
class LambdaContext:
    """What a Lambda handler's ``context`` offers (Powertools reads these)."""

    function_name: str
    memory_limit_in_mb: int
    timeout_s: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self.invoked_function_arn = (
            f"arn:aws:lambda:{REGION}:123456789012:function:{self.function_name}"
        )
        self._deadline = time.monotonic() + self.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def lambda_context(function: str) -> LambdaContext:
    """A new invocation's context, with the functions' memory size and timeout."""
    function_globals = expanded()["Globals"]["Function"]
    return LambdaContext(function, function_globals["MemorySize"], function_globals["Timeout"])


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    """The response of the function the template serves the event's method and resource with."""
    function = route_table.served_by()[f"{event['httpMethod']} {event['resource']}"].logical_id
    return handler_of(function)(event, lambda_context(function))


@dataclass(frozen=True)
class DynamoCall:
    operation: str
    table: str
    index: str | None = None
    limit: int | None = None  # a Query's Limit: the most items it may read


class DynamoCalls:
    """Every API call the functions' DynamoDB client makes (one per call, not per retry)."""

    def __init__(self, client: DynamoDBClient, sessions_table: str) -> None:
        self.calls: list[DynamoCall] = []
        self._sessions_table = sessions_table
        client.meta.events.register("before-parameter-build.dynamodb", self._record)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append(
            DynamoCall(
                model.name, params["TableName"], params.get("IndexName"), params.get("Limit")
            )
        )

    def reset(self) -> None:
        self.calls.clear()

    @property
    def on_sessions(self) -> list[DynamoCall]:
        """The calls to the sessions table and its indexes, in order."""
        return [call for call in self.calls if call.table == self._sessions_table]

    @property
    def elsewhere(self) -> list[DynamoCall]:
        return [call for call in self.calls if call.table != self._sessions_table]
