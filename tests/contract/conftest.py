"""The functions in this process, on moto's DynamoDB, as the contract tests drive them.

``Functions`` calls the real Lambda handlers with API Gateway REST proxy events (built by
tests.apigw, run by tests.handlers) and reads the tables with a client of its own, so a test
can compare what is stored before and after a request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.apigw import claims_for, rest_event
from tests.handlers import functions_on_moto, invoke
from tests.replies import Reply

TABLES = {"SessionsTable": "contract-sessions", "IdempotencyTable": "contract-keys"}
USERS = {
    "alice": "0b7e4c1a-0000-4000-8000-00000000a11c",
    "bob": "0b7e4c1a-0000-4000-8000-000000000b0b",
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
        return Reply.of(invoke(event), event)

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
    with functions_on_moto(TABLES) as admin:
        yield Functions(admin)


@pytest.fixture
def functions() -> Iterator[Functions]:
    with running_functions() as running:
        yield running
