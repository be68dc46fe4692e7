"""Each function, run in-process on its sample event in events/, answers with its success status.

The tables are moto's, created from template.yaml's own definitions. Every DynamoDB call a
function makes is recorded and must be allowed by that function's IAM policy in the template,
so the policies are checked against what the code really does, not only against a list.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from session_actions.storage.repository import SessionRepository, dynamodb_client

from tests import route_table
from tests.cloudformation import ROOT
from tests.handlers import DynamoCalls, functions_on_moto, handler_of, lambda_context
from tests.replies import Reply, assert_common_headers
from tests.test_template import PERMISSIONS

# A read-only request publishes no application metric; Powertools says so, and that is fine.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")

TABLES = {"SessionsTable": "sessions-events-test", "IdempotencyTable": "idempotency-events-test"}

# function folder (its sample event's name) -> (logical id, the route's success status)
CASES = {
    served.folder: (served.logical_id, route.success)
    for route in route_table.ROUTES
    for served in [route_table.served_by()[route.key]]
}


@pytest.fixture(autouse=True)
def aws() -> Iterator[None]:
    with functions_on_moto(TABLES):
        yield


def load_event(name: str) -> dict[str, Any]:
    """A sample event of events/, the file ``sam local invoke -e`` takes."""
    event: dict[str, Any] = json.loads((ROOT / "events" / f"{name}.json").read_text())
    return event


def seed_session(event: dict[str, Any]) -> None:
    """The session a get/update/delete event names, stored under the event's caller."""
    owner = event["requestContext"]["authorizer"]["claims"]["sub"]
    SessionRepository(dynamodb_client(), TABLES["SessionsTable"]).insert(
        {
            "owner": owner,
            "id": event["pathParameters"]["id"],
            "title": "Weekly design review",
            "description": "Walk through the new onboarding flow.",
            "status": "scheduled",
            "startsAt": "2026-12-03T14:00:00.000Z",
            "endsAt": "2026-12-03T15:00:00.000Z",
            "tags": ["design", "weekly"],
            "createdAt": "2026-11-29T09:00:00.000Z",
            "updatedAt": "2026-11-29T09:00:00.000Z",
            "version": 1,
        }
    )


def iam_calls(calls: DynamoCalls) -> list[tuple[str, str]]:
    """(IAM action, resource) of every call the functions' client made."""
    logical_ids = {table_name: logical_id for logical_id, table_name in TABLES.items()}
    return [
        (
            f"dynamodb:{call.operation}",
            logical_ids[call.table] + (f"/index/{call.index}" if call.index else ""),
        )
        for call in calls.calls
    ]


def test_every_function_has_an_event() -> None:
    assert {path.stem for path in (ROOT / "events").glob("*.json")} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_handler_answers_its_event(name: str) -> None:
    logical_id, status = CASES[name]
    event = load_event(name)
    if event["pathParameters"]:
        seed_session(event)
    recorded = DynamoCalls(dynamodb_client(), TABLES["SessionsTable"])
    handler = handler_of(logical_id)

    reply = Reply.of(handler(event, lambda_context(logical_id)), event)

    assert reply.status == status, reply.body
    assert_common_headers(reply)
    if status == 204:
        assert not reply.body
    else:
        assert isinstance(reply.json(), dict)
    # Every call the code made is one the template's IAM policy allows for this function.
    allowed = PERMISSIONS[logical_id]
    calls = iam_calls(recorded)
    assert calls, "the function made no DynamoDB call"
    for action, resource in calls:
        assert resource in allowed.get(action, set()), f"{logical_id}: {action} on {resource}"


def test_created_session_is_the_callers() -> None:
    event = load_event("create_session")
    handler = handler_of("CreateSessionFunction")
    reply = Reply.of(handler(event, lambda_context("CreateSessionFunction")), event)
    assert reply.status == 201
    session = reply.json()
    assert reply.header("Location") == f"/sessions/{session['id']}"
    owner = event["requestContext"]["authorizer"]["claims"]["sub"]
    stored = SessionRepository(dynamodb_client(), TABLES["SessionsTable"]).get(owner, session["id"])
    assert stored is not None
    assert stored["title"] == json.loads(event["body"])["title"]
