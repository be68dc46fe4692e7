"""What each request costs in DynamoDB calls, counted on the functions' own client.

Every success is exactly one call to the sessions table (or one of its indexes). Errors cost:
  * 401 and every 400 (body, path, query, headers, cursor): no call at all;
  * 404 and 403: the failed read or conditional write, then one keys-only ById query (with
    If-Match, a consistent read of the caller's key comes between: test_condition_failures.py);
  * 412, and an update that breaks the stored time range: the one conditional write, which
    returns the stored item it failed against;
  * idempotent create: two idempotency-table calls around the one sessions-table call;
    a replay, a 409 and a 422 are one idempotency-table call and none to the sessions table.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.handlers import DynamoCalls
from tests.replies import Reply
from tests.unit.conftest import IDEMPOTENCY_TABLE, SESSIONS_TABLE
from tests.unit.harness import UNKNOWN_ID, Api, Faults

Setup = Callable[[Api], dict[str, Any]]
Request = Callable[[Api, dict[str, Any]], Reply]


def alices(api: Api) -> dict[str, Any]:
    return {"id": api.create(title="Mine", startsAt="2030-01-31T09:00:00Z")["id"]}


def bobs(api: Api) -> dict[str, Any]:
    return {"id": api.create("bob")["id"]}


def nothing(api: Api) -> dict[str, Any]:
    return {"id": UNKNOWN_ID}


def keyed(api: Api) -> dict[str, Any]:
    api.post(json_body={"title": "Once"}, headers={"Idempotency-Key": "k"})
    return {}


@dataclass
class Case:
    setup: Setup
    request: Request
    status: int
    sessions: list[tuple[str, str | None]]  # (operation, index) on the sessions table
    idempotency: list[str] = field(default_factory=list)  # operations on the other table


def put(body: dict[str, Any], if_match: str | None = None) -> Request:
    headers = {"If-Match": if_match}
    return lambda api, s: api.put(f"/sessions/{s['id']}", json_body=body, headers=headers)


def delete(if_match: str | None = None) -> Request:
    headers = {"If-Match": if_match}
    return lambda api, s: api.delete(f"/sessions/{s['id']}", headers=headers)


def get(api: Api, s: dict[str, Any]) -> Reply:
    return api.get(f"/sessions/{s['id']}")


CASES = {
    # ---- successes: one call each
    "create": Case(
        nothing, lambda api, s: api.post(json_body={"title": "t"}), 201, [("PutItem", None)]
    ),
    "create with a key": Case(
        nothing,
        lambda api, s: api.post(json_body={"title": "t"}, headers={"Idempotency-Key": "k"}),
        201,
        [("PutItem", None)],
        ["PutItem", "UpdateItem"],
    ),
    "get": Case(alices, get, 200, [("GetItem", None)]),
    "list": Case(alices, lambda api, s: api.get("/sessions"), 200, [("Query", None)]),
    "list by status": Case(
        alices,
        lambda api, s: api.get("/sessions", query={"status": "scheduled"}),
        200,
        [("Query", "ByOwnerStatus")],
    ),
    "update": Case(alices, put({"title": "New"}), 200, [("UpdateItem", None)]),
    "update with If-Match": Case(alices, put({"title": "New"}, '"1"'), 200, [("UpdateItem", None)]),
    "delete": Case(alices, delete(), 204, [("DeleteItem", None)]),
    "delete with If-Match": Case(alices, delete('"1"'), 204, [("DeleteItem", None)]),
    # ---- errors
    "401": Case(alices, lambda api, s: api.get(f"/sessions/{s['id']}", user=None), 401, []),
    "400 body": Case(alices, put({"title": ""}), 400, []),
    "400 id": Case(alices, lambda api, s: api.get("/sessions/nope"), 400, []),
    "400 If-Match": Case(alices, delete("1"), 400, []),
    "400 cursor": Case(
        alices, lambda api, s: api.get("/sessions", query={"cursor": "forged"}), 400, []
    ),
    "400 Idempotency-Key": Case(
        nothing,
        lambda api, s: api.post(json_body={"title": "t"}, headers={"Idempotency-Key": ""}),
        400,
        [],
    ),
    "get 404": Case(nothing, get, 404, [("GetItem", None), ("Query", "ById")]),
    "get 403": Case(bobs, get, 403, [("GetItem", None), ("Query", "ById")]),
    "update 404": Case(
        nothing, put({"title": "x"}), 404, [("UpdateItem", None), ("Query", "ById")]
    ),
    "update 403": Case(bobs, put({"title": "x"}), 403, [("UpdateItem", None), ("Query", "ById")]),
    "update 412": Case(alices, put({"title": "x"}, '"5"'), 412, [("UpdateItem", None)]),
    "update 400 stored range": Case(
        alices, put({"endsAt": "2030-01-31T08:00:00Z"}), 400, [("UpdateItem", None)]
    ),
    "delete 404": Case(nothing, delete(), 404, [("DeleteItem", None), ("Query", "ById")]),
    "delete 403": Case(bobs, delete(), 403, [("DeleteItem", None), ("Query", "ById")]),
    "delete 412": Case(alices, delete('"5"'), 412, [("DeleteItem", None)]),
    "create replay": Case(
        keyed,
        lambda api, s: api.post(json_body={"title": "Once"}, headers={"Idempotency-Key": "k"}),
        201,
        [],
        ["PutItem"],
    ),
    "create 422": Case(
        keyed,
        lambda api, s: api.post(json_body={"title": "Twice"}, headers={"Idempotency-Key": "k"}),
        422,
        [],
        ["PutItem"],
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_calls_per_request(api: Api, calls: DynamoCalls, case: Case) -> None:
    state = case.setup(api)
    calls.reset()

    reply = case.request(api, state)

    assert reply.status == case.status, reply.body
    assert [(call.operation, call.index) for call in calls.on_sessions] == case.sessions
    assert [call.operation for call in calls.elsewhere] == case.idempotency


def test_a_create_with_its_key_in_flight_costs_one_idempotency_call(
    api: Api, calls: DynamoCalls, faults: Faults
) -> None:
    def create() -> Reply:
        return api.post(json_body={"title": "t"}, headers={"Idempotency-Key": "k"})

    with faults.hold("PutItem", SESSIONS_TABLE) as (reached, release):
        first = threading.Thread(target=create)
        first.start()
        assert reached.wait(5)
        calls.reset()

        reply = create()
        seen = list(calls.calls)

        release.set()
        first.join(5)

    assert reply.status == 409
    assert [(call.operation, call.table) for call in seen] == [("PutItem", IDEMPOTENCY_TABLE)]
