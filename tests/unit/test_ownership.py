"""Two callers: each acts only on their own sessions, and nothing a client sends can name an
owner; only the verified ``sub`` claim does."""

from __future__ import annotations

import pytest

from tests.apigw import claims_for
from tests.replies import assert_problem
from tests.unit.harness import ALICE, BOB, Api, Store


def test_bob_cannot_read_alices_session(api: Api) -> None:
    alices = api.create("alice", title="Alice's 1:1")

    problem = assert_problem(api.get(f"/sessions/{alices['id']}", user="bob"), 403)

    assert "Alice" not in problem["detail"]
    assert alices["title"] not in problem["detail"]


def test_bob_cannot_update_alices_session(api: Api) -> None:
    alices = api.create("alice")

    for headers in ({}, {"If-Match": '"1"'}, {"If-Match": "*"}):
        reply = api.put(
            f"/sessions/{alices['id']}", user="bob", json_body={"title": "Mine"}, headers=headers
        )
        assert_problem(reply, 403)

    assert api.get(f"/sessions/{alices['id']}").json() == alices


def test_bob_cannot_delete_alices_session(api: Api, store: Store) -> None:
    alices = api.create("alice")

    for headers in ({}, {"If-Match": '"1"'}, {"If-Match": "*"}):
        assert_problem(api.delete(f"/sessions/{alices['id']}", user="bob", headers=headers), 403)

    assert api.get(f"/sessions/{alices['id']}").json() == alices
    assert len(store.sessions()) == 1


def test_lists_show_only_the_callers_sessions(api: Api) -> None:
    alices = {api.create("alice", title=f"a{n}", status="active")["id"] for n in range(3)}
    bobs = {api.create("bob", title=f"b{n}", status="active")["id"] for n in range(2)}

    for user, own in (("alice", alices), ("bob", bobs)):
        for query in ({}, {"status": "active"}, {"limit": "100"}):
            page = api.get("/sessions", user=user, query=query).json()
            assert {item["id"] for item in page["items"]} == own


def test_a_caller_with_no_sessions_gets_an_empty_list(api: Api) -> None:
    api.create("alice")

    assert api.get("/sessions", user="bob").json() == {"items": [], "nextCursor": None}


def test_a_query_cannot_name_an_owner(api: Api) -> None:
    alices = api.create("alice")

    listing = api.get("/sessions", user="bob", query={"owner": ALICE, "sub": ALICE})
    one = api.get(f"/sessions/{alices['id']}", user="bob", query={"owner": ALICE})

    assert listing.json()["items"] == []
    assert_problem(one, 403)


def test_a_body_cannot_name_an_owner(api: Api, store: Store) -> None:
    assert_problem(api.post(user="bob", json_body={"title": "t", "owner": ALICE}), 400)
    alices = api.create("alice")
    reply = api.put(f"/sessions/{alices['id']}", user="alice", json_body={"owner": BOB})

    assert_problem(reply, 400)
    assert [item["owner"]["S"] for item in store.sessions()] == [ALICE]


def test_headers_cannot_name_an_owner(api: Api) -> None:
    alices = api.create("alice")

    reply = api.get(
        f"/sessions/{alices['id']}", user="bob", headers={"X-Owner": ALICE, "X-User-Sub": ALICE}
    )

    assert_problem(reply, 403)


def test_the_owner_is_the_sub_claim_alone(api: Api, store: Store) -> None:
    # Bob's token, whatever its other claims say, acts for Bob.
    claims = {**claims_for(ALICE, "alice"), "sub": BOB}

    created = api.post(claims=claims, json_body={"title": "t"}).json()

    assert [item["owner"]["S"] for item in store.sessions()] == [BOB]
    assert api.get(f"/sessions/{created['id']}", user="bob").status == 200
    assert_problem(api.get(f"/sessions/{created['id']}", user="alice"), 403)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_403_and_404_differ_only_in_whether_the_id_exists(api: Api, method: str) -> None:
    bobs = api.create("bob")
    api.delete(f"/sessions/{bobs['id']}", user="bob")

    reply = api.request(method, f"/sessions/{bobs['id']}", json_body={"title": "x"})

    assert_problem(reply, 404)
