"""A failed conditional write is explained the same whether or not the store returns the item.

DynamoDB answers a failed condition with the item it met (``ReturnValuesOnConditionCheckFailure``);
some compatible stores answer with none. Each test runs on both: ``returned`` is moto as it
answers, ``withheld`` the same answers without the item (harness.FailedItems). Either way a
stale If-Match on one's own session is a 412, someone else's session a 403, no session a 404,
a stored time range the update would break a 400, and a create whose answer was lost is one
session. Only a failure may cost more calls than a success, and only on a store that withholds
the item: one consistent read of the caller's key, before the ById index is asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from session_actions.domain import actions
from session_actions.storage.repository import dynamodb_client

from tests.handlers import DynamoCalls
from tests.replies import Reply, assert_problem, fields_of
from tests.unit.conftest import SESSIONS_TABLE
from tests.unit.harness import ALICE, UNKNOWN_ID, Api, FailedItems, Faults, Store

STARTS = "2030-01-31T09:00:00.000Z"
EARLIER = "2030-01-31T08:00:00Z"


@pytest.fixture(params=["returned", "withheld"])
def failed_items(request: pytest.FixtureRequest) -> FailedItems:
    items = FailedItems(dynamodb_client())
    if request.param == "withheld":
        items.withhold()
    return items


@pytest.fixture
def withheld() -> FailedItems:
    items = FailedItems(dynamodb_client())
    items.withhold()
    return items


def withholds(request: pytest.FixtureRequest) -> bool:
    return bool(request.node.callspec.params["failed_items"] == "withheld")


def path(session_id: str) -> str:
    return f"/sessions/{session_id}"


def assert_item_was_withheld(failed_items: FailedItems, request: pytest.FixtureRequest) -> None:
    """On the withholding store the failure really came without its item."""
    if withholds(request):
        assert failed_items.withheld >= 1


# ------------------------------------------------------------------ what the client is told


@pytest.mark.parametrize("if_match", ['"2"', '"7"'])
def test_a_stale_if_match_on_my_session_is_412_and_changes_nothing(
    api: Api,
    store: Store,
    failed_items: FailedItems,
    request: pytest.FixtureRequest,
    if_match: str,
) -> None:
    mine = api.create(title="Mine")
    before = store.sessions()

    update = api.put(path(mine["id"]), json_body={"title": "Lost"}, headers={"If-Match": if_match})
    delete = api.delete(path(mine["id"]), headers={"If-Match": if_match})

    assert "at version 1" in assert_problem(update, 412)["detail"]
    assert "at version 1" in assert_problem(delete, 412)["detail"]
    assert store.sessions() == before
    assert_item_was_withheld(failed_items, request)


@pytest.mark.parametrize("if_match", [None, '"1"', "*"])
def test_another_users_session_is_403_and_none_is_404(
    api: Api,
    store: Store,
    failed_items: FailedItems,
    if_match: str | None,
) -> None:
    bobs = api.create("bob", title="Bob's")
    before = store.sessions()
    headers = {"If-Match": if_match}

    for session_id, status in ((bobs["id"], 403), (UNKNOWN_ID, 404)):
        assert_problem(
            api.put(path(session_id), json_body={"title": "Mine now"}, headers=headers), status
        )
        assert_problem(api.delete(path(session_id), headers=headers), status)

    assert store.sessions() == before


@pytest.mark.parametrize("if_match", [None, '"1"'])
def test_an_update_that_breaks_the_stored_time_range_is_400(
    api: Api,
    store: Store,
    failed_items: FailedItems,
    request: pytest.FixtureRequest,
    if_match: str | None,
) -> None:
    mine = api.create(title="Mine", startsAt=STARTS)
    before = store.sessions()

    reply = api.put(path(mine["id"]), json_body={"endsAt": EARLIER}, headers={"If-Match": if_match})

    assert fields_of(assert_problem(reply, 400)) == ["endsAt"]
    assert store.sessions() == before
    assert_item_was_withheld(failed_items, request)


def test_a_session_that_changes_between_the_failed_write_and_its_read_is_412(
    api: Api, withheld: FailedItems, admin: Any
) -> None:
    """If-Match named a version the session had not reached; by the time the function reads
    the item it is there. The write still did not apply: the precondition failed, not the
    body (which breaks nothing)."""
    mine = api.create(title="Mine")
    api.put(path(mine["id"]), json_body={"title": "v2"})
    key = {"owner": {"S": ALICE}, "id": {"S": mine["id"]}}

    def bump() -> None:
        admin.update_item(
            TableName=SESSIONS_TABLE,
            Key=key,
            UpdateExpression="SET #v = :three",
            ExpressionAttributeNames={"#v": "version"},
            ExpressionAttributeValues={":three": {"N": "3"}},
        )

    withheld.then = bump

    reply = api.put(path(mine["id"]), json_body={"title": "Late"}, headers={"If-Match": '"3"'})

    assert_problem(reply, 412)
    assert api.get(path(mine["id"])).json()["title"] == "v2"


def test_a_create_whose_answer_was_lost_is_one_session(
    api: Api,
    store: Store,
    faults: Faults,
    calls: DynamoCalls,
    failed_items: FailedItems,
    request: pytest.FixtureRequest,
) -> None:
    # The first attempt is stored, its answer lost; the SDK's retry fails on that very item,
    # which is read when the store does not return it.
    faults.lose_response("PutItem", SESSIONS_TABLE)

    reply = api.post(json_body={"title": "Once"})

    assert reply.status == 201, reply.body
    assert [item["id"]["S"] for item in store.sessions()] == [reply.json()["id"]]
    made = [call.operation for call in calls.on_sessions]
    assert made == (["PutItem", "GetItem"] if withholds(request) else ["PutItem"])
    calls.reset()
    location = reply.header("Location")
    assert location
    assert api.get(location).json() == reply.json()
    assert_item_was_withheld(failed_items, request)


def test_a_create_never_takes_another_item_for_its_own(
    api: Api, store: Store, failed_items: FailedItems, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A put that fails on an item it did not write is an error, not a success."""
    first = api.create(title="First")
    monkeypatch.setattr(actions, "new_ulid", lambda: first["id"])

    reply = api.post(json_body={"title": "Second"})

    assert_problem(reply, 500)
    assert api.get(path(first["id"])).json() == first
    assert len(store.sessions()) == 1


# ------------------------------------------------------------------ what it costs


Setup = Callable[[Api], str]
Request = Callable[[Api, str], Reply]


def mine(api: Api) -> str:
    return str(api.create(title="Mine", startsAt=STARTS)["id"])


def bobs(api: Api) -> str:
    return str(api.create("bob")["id"])


def nobodys(api: Api) -> str:
    return UNKNOWN_ID


def put(body: dict[str, Any], if_match: str | None = None) -> Request:
    return lambda api, sid: api.put(path(sid), json_body=body, headers={"If-Match": if_match})


def delete(if_match: str | None = None) -> Request:
    return lambda api, sid: api.delete(path(sid), headers={"If-Match": if_match})


@dataclass
class Cost:
    setup: Setup
    request: Request
    status: int
    returned: list[str]  # calls on the sessions table when the store returns the item
    withheld: list[str]  # ... and when it does not


UPDATE, DELETE, READ, BY_ID = "UpdateItem", "DeleteItem", "GetItem", "Query ById"

COSTS = {
    "update": Cost(mine, put({"title": "t"}, '"1"'), 200, [UPDATE], [UPDATE]),
    "delete": Cost(mine, delete('"1"'), 204, [DELETE], [DELETE]),
    "update 412": Cost(mine, put({"title": "t"}, '"5"'), 412, [UPDATE], [UPDATE, READ]),
    "update 400 range": Cost(mine, put({"endsAt": EARLIER}), 400, [UPDATE], [UPDATE, READ]),
    "update 403 with If-Match": Cost(
        bobs, put({"title": "t"}, '"1"'), 403, [UPDATE, READ, BY_ID], [UPDATE, READ, BY_ID]
    ),
    "update 404 with If-Match": Cost(
        nobodys, put({"title": "t"}, '"1"'), 404, [UPDATE, READ, BY_ID], [UPDATE, READ, BY_ID]
    ),
    # Existence is the whole condition: its failure alone says the caller has no such item.
    "update 403": Cost(bobs, put({"title": "t"}), 403, [UPDATE, BY_ID], [UPDATE, BY_ID]),
    "update 404": Cost(nobodys, put({"title": "t"}), 404, [UPDATE, BY_ID], [UPDATE, BY_ID]),
    "delete 412": Cost(mine, delete('"5"'), 412, [DELETE], [DELETE, READ]),
    "delete 403 with If-Match": Cost(
        bobs, delete('"1"'), 403, [DELETE, READ, BY_ID], [DELETE, READ, BY_ID]
    ),
    "delete 403": Cost(bobs, delete(), 403, [DELETE, BY_ID], [DELETE, BY_ID]),
    "delete 404": Cost(nobodys, delete(), 404, [DELETE, BY_ID], [DELETE, BY_ID]),
}


@pytest.mark.parametrize("cost", COSTS.values(), ids=COSTS.keys())
def test_what_a_failure_costs(
    api: Api,
    calls: DynamoCalls,
    failed_items: FailedItems,
    request: pytest.FixtureRequest,
    cost: Cost,
) -> None:
    session_id = cost.setup(api)
    calls.reset()

    reply = cost.request(api, session_id)

    assert reply.status == cost.status, reply.body
    made = [" ".join(filter(None, (c.operation, c.index))) for c in calls.on_sessions]
    assert made == (cost.withheld if withholds(request) else cost.returned)
