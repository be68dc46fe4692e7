"""The functions' handlers in this process, set up from template.yaml as the local API sets them up.

For the suites that call the handlers directly (unit, contract, the sample events), with moto
in place of DynamoDB:

* ``function_environment``: the variables the template gives the functions (Globals and each
  function's own, intrinsics resolved, the cursor secret a random value), plus fake AWS
  credentials; the functions' cached clients are dropped on the way in and out;
* ``create_tables``: the template's tables, planned and created by the local API's own code;
* ``handler_of``, ``lambda_context`` and ``invoke``: a function's handler as its ``CodeUri``
  and ``Handler`` name it, called with a Lambda context of its memory and timeout; ``invoke``
  picks the function the template routes an event's method and resource to;
* ``DynamoCalls``: every call the functions' DynamoDB client makes.

The reading is sessions_local's (template, intrinsics, tables), so these tests exercise it
too; tests/test_template.py checks the template itself, independently.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws
from session_actions.domain.idempotency import _idempotent_create
from session_actions.settings import settings
from session_actions.storage.repository import dynamodb_client
from sessions_local.aws import create_template_tables
from sessions_local.runtimes import LOCAL_DEFAULTS, LambdaContext, SecretValues

from tests.cloudformation import ROOT, local_template

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

REGION = "us-east-1"
FAKE_AWS = {
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
}

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def environment_variables(tables: Mapping[str, str]) -> dict[str, str]:
    """Every function's template variables in one environment (the handlers share a process).

    ``tables`` names the tables by logical id (``{"SessionsTable": "..."}``), so that
    ``!Ref SessionsTable`` resolves to the name the test created it under.
    """
    template = local_template()
    resolver = template.resolver(REGION, physical_ids=tables)
    secret_values = SecretValues()
    variables = {**FAKE_AWS, **LOCAL_DEFAULTS}
    for spec in template.functions.values():
        for name, value in resolver.resolve(dict(spec.environment)).items():
            if value is not None:
                variables[str(name)] = secret_values.replace(str(value))
    return variables


def _fresh_clients() -> None:
    """The functions cache their DynamoDB client and idempotency store: start them anew."""
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
    """The template's tables (keys, indexes, time to live), under the names ``tables`` gives."""
    create_template_tables(client, local_template(), REGION, tables)


@contextmanager
def functions_on_moto(tables: Mapping[str, str]) -> Iterator[DynamoDBClient]:
    """The functions' environment and moto's DynamoDB holding the template's tables, empty;
    yields a DynamoDB client of the test's own."""
    with function_environment(tables), mock_aws():
        admin = boto3.client("dynamodb", region_name=REGION)
        create_tables(admin, tables)
        yield admin


def handler_of(function: str) -> Handler:
    """The handler of a function (logical id), imported from its CodeUri folder."""
    spec = local_template().functions[function]
    module, _, attribute = spec.handler.rpartition(".")
    package = ".".join(spec.code_uri.relative_to(ROOT).parts)
    handler: Handler = getattr(importlib.import_module(f"{package}.{module}"), attribute)
    return handler


def lambda_context(function: str) -> LambdaContext:
    """A new invocation's context, with the function's memory size and timeout."""
    spec = local_template().functions[function]
    return LambdaContext(spec.logical_id, spec.memory_mb, spec.timeout_s, REGION)


@cache
def _routes() -> dict[tuple[str, str], str]:
    return {(route.method, route.path): route.function for route in local_template().routes}


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    """The response of the function the template routes the event's method and resource to."""
    function = _routes()[event["httpMethod"], event["resource"]]
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
