"""The functions in this process, on moto's DynamoDB, as the contract tests drive them.

``Functions`` calls the real Lambda handlers with API Gateway REST proxy events (built by
tests.unit.apigw) and reads the tables with a client of its own, so a test can compare what is
stored before and after a request.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from moto import mock_aws
from session_actions.idempotency import _idempotent_create
from session_actions.repository import dynamodb_client

from tests.unit.apigw import LambdaContext, Reply, claims_for, rest_event
from tests.unit.tables import table_definitions

REGION = "us-east-1"
TABLES = {"SESSIONS_TABLE_NAME": "contract-sessions", "IDEMPOTENCY_TABLE_NAME": "contract-keys"}
USERS = {
    "alice": "0b7e4c1a-0000-4000-8000-00000000a11c",
    "bob": "0b7e4c1a-0000-4000-8000-000000000b0b",
}
FUNCTIONS = {
    ("POST", "/sessions"): "create_session",
    ("GET", "/sessions"): "list_sessions",
    ("GET", "/sessions/{id}"): "get_session",
    ("PUT", "/sessions/{id}"): "update_session",
    ("DELETE", "/sessions/{id}"): "delete_session",
}


class Functions:
    def __init__(self, admin: Any) -> None:
        self.admin = admin

    def call(
        self,
        method: str,
        path: str,
        *,
        user: str | None = "alice",
        body: str | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        is_base64: bool = False,
        resource: str | None = None,
    ) -> Reply:
        if json_body is not None:
            body = json.dumps(json_body)
        claims = claims_for(USERS[user], user) if user else None
        extra_headers: Any = headers  # rest_event's own type also allows None values
        event = rest_event(
            method,
            path,
            claims=claims,
            headers=extra_headers,
            query=query,
            body=body,
            is_base64=is_base64,
        )
        if resource is not None:
            # A path API Gateway routed to {id} whatever its characters.
            event["resource"] = resource
            event["pathParameters"] = {"id": path.removeprefix("/sessions/")}
        module = importlib.import_module(f"functions.{FUNCTIONS[method, event['resource']]}.app")
        return Reply.of(module.handler(event, LambdaContext()), event)

    def create(self, user: str = "alice", **fields: Any) -> dict[str, Any]:
        reply = self.call("POST", "/sessions", user=user, json_body={"title": "Seed", **fields})
        assert reply.status == 201, reply.body
        session: dict[str, Any] = reply.json()
        return session

    def stored(self) -> dict[str, list[dict[str, Any]]]:
        """Every item of both tables, as DynamoDB holds them."""
        return {
            name: sorted(
                self.admin.scan(TableName=name, ConsistentRead=True)["Items"],
                key=lambda item: json.dumps(item, sort_keys=True),
            )
            for name in TABLES.values()
        }


@contextmanager
def running_functions() -> Iterator[Functions]:
    """The functions' environment and moto's DynamoDB with the stack's two tables."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "CURSOR_SECRET": "contract-cursor-secret",
            "ALLOWED_ORIGIN": "https://app.example.com",
            "POWERTOOLS_TRACE_DISABLED": "1",
            "POWERTOOLS_METRICS_DISABLED": "1",
            **TABLES,
        }.items():
            patch.setenv(name, value)
        dynamodb_client.cache_clear()
        _idempotent_create.cache_clear()
        try:
            with mock_aws():
                admin = boto3.client("dynamodb", region_name=REGION)
                for variable, definition in table_definitions().items():
                    admin.create_table(TableName=TABLES[variable], **definition)
                yield Functions(admin)
        finally:
            dynamodb_client.cache_clear()
            _idempotent_create.cache_clear()


@pytest.fixture
def functions() -> Iterator[Functions]:
    with running_functions() as running:
        yield running
