"""Fixtures: the functions' environment, moto's DynamoDB with the stack's tables, and the
instruments of harness.py bound to the very client the functions use."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.retries import standard
from moto import mock_aws
from moto.core.models import MockAWS
from session_actions.observability import logger
from session_actions.storage.repository import dynamodb_client

from tests.handlers import REGION, DynamoCalls, create_tables, function_environment
from tests.unit.harness import Api, Faults, Store

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

SESSIONS_TABLE = "sessions-unit-test"
IDEMPOTENCY_TABLE = "sessions-idempotency-unit-test"
TABLES = {"SessionsTable": SESSIONS_TABLE, "IdempotencyTable": IDEMPOTENCY_TABLE}


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The SDK's retries still run in full; only their waiting is skipped.
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    # Every test starts with a new client and idempotency store, bound to its own moto.
    with function_environment(TABLES):
        yield


@pytest.fixture(scope="package")
def mocked_aws() -> Iterator[MockAWS]:
    """One moto for these tests (starting it anew costs a new boto3 session every test)."""
    with mock_aws() as mock:
        yield mock


@pytest.fixture(scope="package")
def admin(mocked_aws: MockAWS) -> DynamoDBClient:
    """A client of the tests' own, for setting up and reading tables behind the functions."""
    return boto3.client("dynamodb", region_name=REGION)


@pytest.fixture(autouse=True)
def aws(environment: None, mocked_aws: MockAWS, admin: DynamoDBClient) -> None:
    """moto's DynamoDB holding just the two tables of template.yaml, empty."""
    mocked_aws.reset()
    create_tables(admin, TABLES)


@pytest.fixture
def api() -> Api:
    return Api()


@pytest.fixture
def calls() -> DynamoCalls:
    return DynamoCalls(dynamodb_client(), SESSIONS_TABLE)


@pytest.fixture
def faults() -> Faults:
    return Faults(dynamodb_client())


@pytest.fixture
def store(admin: DynamoDBClient) -> Store:
    return Store(admin, SESSIONS_TABLE, IDEMPOTENCY_TABLE)


class Logs:
    """The functions' log lines (JSON, as CloudWatch receives them) written during a test."""

    def __init__(self, stream: io.StringIO) -> None:
        self._stream = stream

    @property
    def text(self) -> str:
        return self._stream.getvalue()

    @property
    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@pytest.fixture
def logs() -> Iterator[Logs]:
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield Logs(stream)
    finally:
        handler.setStream(previous)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Powertools warns on every request of a function that published no metric of its own
    # (the read routes); that says nothing about the behaviour under test.
    here = Path(__file__).parent
    for item in items:
        if not item.path.is_relative_to(here):
            continue
        item.add_marker(
            pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")
        )
