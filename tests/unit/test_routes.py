"""The route table of the contract: every route answers every status it lists, in the
problem+json shape for errors, and checks authentication, then the request, then existence
and ownership, then preconditions."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from session_actions.settings import settings

from tests import route_table
from tests.apigw import claims_for
from tests.handlers import DynamoCalls
from tests.replies import Reply, assert_common_headers, assert_problem, fields_of
from tests.unit.conftest import Logs
from tests.unit.harness import ALICE, ULID, UNKNOWN_ID, UTC_MILLIS, Api, Faults, Store

# The contract's route table: method and path -> the statuses it may answer.
CONTRACT = {route.key: route.statuses for route in route_table.ROUTES}
ROUTES = list(CONTRACT)


@dataclass
class World:
    api: Api
    faults: Faults
    store: Store
    monkeypatch: pytest.MonkeyPatch


@pytest.fixture
def world(api: Api, faults: Faults, store: Store, monkeypatch: pytest.MonkeyPatch) -> World:
    return World(api, faults, store, monkeypatch)


def send(w: World, route: str, session_id: str | None = None, **options: Any) -> Reply:
    """A valid request on ``route`` (alice's own new session, a small body) unless told."""
    method, path = route.split(" ")
    if "{id}" in path:
        path = path.replace("{id}", session_id or w.api.create()["id"])
    if method in ("POST", "PUT") and "json_body" not in options and "body" not in options:
        options["json_body"] = {"title": "Planning"}
    return w.api.request(method, path, **options)


Scenario = Callable[[World, str], Reply]
SCENARIOS: dict[tuple[str, int], Scenario] = {}


def scenario(*cases: tuple[str, int]) -> Callable[[Scenario], Scenario]:
    def register(function: Scenario) -> Scenario:
        for case in cases:
            SCENARIOS[case] = function
        return function

    return register


@scenario(
    ("POST /sessions", 201),
    ("GET /sessions", 200),
    ("GET /sessions/{id}", 200),
    ("PUT /sessions/{id}", 200),
    ("DELETE /sessions/{id}", 204),
)
def succeeds(w: World, route: str) -> Reply:
    return send(w, route)


@scenario(*[(route, 401) for route in ROUTES])
def without_identity(w: World, route: str) -> Reply:
    return send(w, route, user=None)


@scenario(
    ("POST /sessions", 400),
    ("GET /sessions", 400),
    ("GET /sessions/{id}", 400),
    ("PUT /sessions/{id}", 400),
    ("DELETE /sessions/{id}", 400),
)
def bad_request(w: World, route: str) -> Reply:
    if route == "POST /sessions":
        return send(w, route, json_body={"title": ""})
    if route == "GET /sessions":
        return send(w, route, query={"limit": "0"})
    if route == "PUT /sessions/{id}":
        return send(w, route, json_body={})
    return send(w, route, session_id="not-a-ulid")


@scenario(*[(route, 403) for route in ROUTES if "{id}" in route])
def someone_elses(w: World, route: str) -> Reply:
    return send(w, route, w.api.create("bob")["id"])


@scenario(*[(route, 404) for route in ROUTES if "{id}" in route])
def nowhere(w: World, route: str) -> Reply:
    return send(w, route, UNKNOWN_ID)


@scenario(("PUT /sessions/{id}", 412), ("DELETE /sessions/{id}", 412))
def stale_version(w: World, route: str) -> Reply:
    return send(w, route, headers={"If-Match": '"7"'})


@scenario(("GET /sessions/{id}", 304))
def unchanged(w: World, route: str) -> Reply:
    return send(w, route, headers={"If-None-Match": '"1"'})


@scenario(("POST /sessions", 409))
def key_in_flight(w: World, route: str) -> Reply:
    key = {"Idempotency-Key": "order-1"}
    first: list[Reply] = []
    with w.faults.hold("PutItem", w.store.sessions_table) as (reached, release):
        thread = threading.Thread(target=lambda: first.append(send(w, route, headers=key)))
        thread.start()
        assert reached.wait(5)
        second = send(w, route, headers=key)
        release.set()
        thread.join(5)
    assert first[0].status == 201
    return second


@scenario(("POST /sessions", 422))
def key_reused(w: World, route: str) -> Reply:
    key = {"Idempotency-Key": "order-1"}
    assert send(w, route, headers=key, json_body={"title": "One"}).status == 201
    return send(w, route, headers=key, json_body={"title": "Another"})


@scenario(*[(route, 500) for route in ROUTES])
def misconfigured(w: World, route: str) -> Reply:
    session_id = w.api.create()["id"]
    w.monkeypatch.setenv("SESSIONS_TABLE_NAME", "no-such-table")
    settings.cache_clear()  # read again, as a new environment would
    return send(w, route, session_id)


@scenario(*[(route, 503) for route in ROUTES])
def throttled(w: World, route: str) -> Reply:
    session_id = w.api.create()["id"]
    w.faults.throttle(table=w.store.sessions_table)
    return send(w, route, session_id)


CASES = [(route, status) for route, statuses in CONTRACT.items() for status in statuses]


@pytest.mark.parametrize(("route", "status"), CASES, ids=[f"{r} {s}" for r, s in CASES])
def test_route_answers_each_listed_status(world: World, route: str, status: int) -> None:
    reply = SCENARIOS[route, status](world, route)
    if status >= 400:
        assert_problem(reply, status)
        if status == 503:
            assert reply.header("Retry-After") == "2"
    else:
        assert reply.status == status, reply.body
        assert_common_headers(reply)


# ------------------------------------------------------------------ successes in detail


def test_create_answers_201_with_location_etag_and_the_stored_session(api: Api) -> None:
    reply = api.post(json_body={"title": "Design review"})

    assert reply.status == 201
    assert reply.header("Content-Type") == "application/json"
    session = reply.json()
    assert reply.header("Location") == f"/sessions/{session['id']}"
    assert reply.header("ETag") == '"1"'
    assert ULID.match(session["id"])
    assert session == {
        "id": session["id"],
        "title": "Design review",
        "description": None,
        "status": "scheduled",
        "startsAt": None,
        "endsAt": None,
        "tags": [],
        "createdAt": session["createdAt"],
        "updatedAt": session["createdAt"],
        "version": 1,
    }
    assert UTC_MILLIS.match(session["createdAt"])
    location = reply.header("Location")
    assert location
    assert api.get(location).json() == session


def test_get_answers_200_with_the_session_and_its_etag(api: Api) -> None:
    created = api.create(title="Retro", tags=["team"], description="Notes")

    reply = api.get(f"/sessions/{created['id']}")

    assert reply.status == 200
    assert reply.header("Content-Type") == "application/json"
    assert reply.header("ETag") == '"1"'
    assert reply.json() == created


def test_update_answers_200_with_the_new_version_and_etag(api: Api) -> None:
    created = api.create(title="Retro")

    reply = api.put(f"/sessions/{created['id']}", json_body={"status": "active"})

    assert reply.status == 200
    assert reply.header("ETag") == '"2"'
    updated = reply.json()
    assert updated["status"] == "active"
    assert updated["version"] == 2
    assert updated["createdAt"] == created["createdAt"]
    assert updated["updatedAt"] >= created["updatedAt"]
    assert UTC_MILLIS.match(updated["updatedAt"])
    assert api.get(f"/sessions/{created['id']}").json() == updated


def test_delete_answers_204_with_an_empty_body_and_the_session_is_gone(
    api: Api, store: Store
) -> None:
    created = api.create()

    reply = api.delete(f"/sessions/{created['id']}")

    assert reply.status == 204
    assert reply.body == b""
    assert reply.header("ETag") is None
    assert_common_headers(reply)
    assert store.sessions() == []
    assert api.get(f"/sessions/{created['id']}").status == 404


def test_list_answers_200_with_items_and_next_cursor(api: Api) -> None:
    created = api.create()

    reply = api.get("/sessions")

    assert reply.status == 200
    assert reply.header("Content-Type") == "application/json"
    assert reply.json() == {"items": [created], "nextCursor": None}


# ------------------------------------------------------------------ 401 first

NO_IDENTITY = {
    "no authorizer": None,
    "claims without sub": {k: v for k, v in claims_for(ALICE).items() if k != "sub"},
    "empty sub": {**claims_for(ALICE), "sub": ""},
}


@pytest.mark.parametrize("claims", NO_IDENTITY.values(), ids=NO_IDENTITY.keys())
@pytest.mark.parametrize("route", ROUTES)
def test_no_sub_claim_is_401_on_every_route(
    world: World, calls: DynamoCalls, route: str, claims: dict[str, str] | None
) -> None:
    session_id = world.api.create()["id"]
    before = world.store.sessions()
    calls.reset()

    if claims is None:
        reply = send(world, route, session_id, user=None)
    else:
        reply = send(world, route, session_id, claims=claims)

    problem = assert_problem(reply, 401)
    assert "errors" not in problem
    assert calls.calls == []
    assert world.store.sessions() == before


# What an access token's scope claim may hold; None: no scope claim at all.
GRANTS: dict[str, tuple[str, ...] | None] = {
    "sessions/read only": ("sessions/read",),
    "sessions/write only": ("sessions/write",),
    "aws.cognito.signin.user.admin only": ("aws.cognito.signin.user.admin",),
    "both custom scopes": ("sessions/read", "sessions/write"),
    "no scope claim": None,
    "an empty scope claim": (),
    "an unrelated scope": ("inventory/read",),
    "a longer name that starts like an accepted one": ("sessions/reader",),
}


@pytest.mark.parametrize("grant", GRANTS.values(), ids=GRANTS.keys())
@pytest.mark.parametrize("route", route_table.ROUTES, ids=lambda route: route.key)
def test_a_route_serves_an_access_token_with_one_of_its_scopes_only(
    world: World, calls: DynamoCalls, route: route_table.Route, grant: tuple[str, ...] | None
) -> None:
    session_id = world.api.create()["id"]
    before = world.store.sessions()
    calls.reset()

    reply = send(world, route.key, session_id, claims=claims_for(ALICE, scopes=grant))

    if set(grant or ()) & set(route.scopes):
        assert reply.status == route.success, reply.body
        changes = route.method != "GET"
        assert (world.store.sessions() != before) == changes
    else:
        problem = assert_problem(reply, 401)
        assert all(scope in problem["detail"] for scope in route.scopes), problem["detail"]
        assert calls.calls == []
        assert world.store.sessions() == before


NOT_ACCESS_TOKENS = {"an ID token": "id", "no token_use": None, "another token_use": "refresh"}


@pytest.mark.parametrize("token_use", NOT_ACCESS_TOKENS.values(), ids=NOT_ACCESS_TOKENS.keys())
@pytest.mark.parametrize("route", ROUTES)
def test_only_an_access_token_is_served(
    world: World, calls: DynamoCalls, route: str, token_use: str | None
) -> None:
    session_id = world.api.create()["id"]
    before = world.store.sessions()
    calls.reset()

    # Scopes every route accepts: the token's use alone is wrong.
    reply = send(world, route, session_id, claims=claims_for(ALICE, token_use=token_use))

    problem = assert_problem(reply, 401)
    assert "access token (token_use access)" in problem["detail"]
    # Only a token that is one is called an ID token.
    assert ("ID token" in problem["detail"]) == (token_use == "id")
    assert calls.calls == []
    assert world.store.sessions() == before


def test_a_401_repeats_nothing_of_the_token(world: World, logs: Logs) -> None:
    token = "eyJraWQiOiJzZWNyZXQifQ.eyJzdWIiOiJzZWNyZXQifQ.c2VjcmV0"
    claims = claims_for(ALICE, scopes=("inventory/read",))

    reply = send(
        world, "GET /sessions", claims=claims, headers={"Authorization": f"Bearer {token}"}
    )

    assert_problem(reply, 401)
    for secret in (token, "inventory/read", claims["jti"]):
        assert secret not in reply.text
        assert secret not in logs.text


# Each request is wrong in every way it can be for its route; authentication still comes first.
INVALID_EVERYWHERE: dict[str, dict[str, Any]] = {
    "POST /sessions": {"body": "{not json", "headers": {"Idempotency-Key": ""}},
    "GET /sessions": {"query": {"limit": "0", "cursor": "forged", "status": "Active"}},
    "GET /sessions/{id}": {"session_id": "not-a-ulid"},
    "PUT /sessions/{id}": {"session_id": "not-a-ulid", "body": "[]", "headers": {"If-Match": "1"}},
    "DELETE /sessions/{id}": {"session_id": "not-a-ulid", "headers": {"If-Match": "W/1"}},
}


# Callers the functions refuse, each for another reason.
REFUSED: dict[str, dict[str, Any]] = {
    "no identity": {"user": None},
    "an ID token": {"claims": claims_for(ALICE, token_use="id")},
    "no accepted scope": {"claims": claims_for(ALICE, scopes=("inventory/read",))},
}


@pytest.mark.parametrize("caller", REFUSED.values(), ids=REFUSED.keys())
@pytest.mark.parametrize("route", ROUTES)
def test_401_comes_before_400(world: World, route: str, caller: dict[str, Any]) -> None:
    options = dict(INVALID_EVERYWHERE[route])
    with_identity = send(world, route, **options)
    assert_problem(with_identity, 400)

    refused = send(world, route, **caller, **options)

    assert_problem(refused, 401)


# ------------------------------------------------------------------ then 400, 404/403, 412


@pytest.mark.parametrize("owner", ["bob", None])
def test_a_bad_body_is_400_whoever_owns_the_id(api: Api, owner: str | None) -> None:
    session_id = api.create(owner)["id"] if owner else UNKNOWN_ID

    reply = api.put(f"/sessions/{session_id}", json_body={"title": ""})

    assert_problem(reply, 400)


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
@pytest.mark.parametrize("owner", ["bob", None])
def test_a_malformed_if_match_is_400_whoever_owns_the_id(
    api: Api, method: str, owner: str | None
) -> None:
    session_id = api.create(owner)["id"] if owner else UNKNOWN_ID

    reply = api.request(
        method, f"/sessions/{session_id}", json_body={"title": "x"}, headers={"If-Match": "v1"}
    )

    assert fields_of(assert_problem(reply, 400)) == ["If-Match"]


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_someone_elses_session_is_403_before_any_precondition(api: Api, method: str) -> None:
    bobs = api.create("bob")

    reply = api.request(
        method, f"/sessions/{bobs['id']}", json_body={"title": "x"}, headers={"If-Match": '"9"'}
    )

    assert_problem(reply, 403)
    assert api.get(f"/sessions/{bobs['id']}", user="bob").json() == bobs


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_an_unknown_id_is_404_before_any_precondition(api: Api, method: str) -> None:
    reply = api.request(
        method, f"/sessions/{UNKNOWN_ID}", json_body={"title": "x"}, headers={"If-Match": '"9"'}
    )

    assert_problem(reply, 404)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
@pytest.mark.parametrize(
    "session_id",
    [
        "not-a-ulid",
        "01hzzzzzzzzzzzzzzzzzzzzzzz",  # lower case
        "01HZZZZZZZZZZZZZZZZZZZZZZ",  # 25 characters
        "01HZZZZZZZZZZZZZZZZZZZZZZZZ",  # 27 characters
        "81HZZZZZZZZZZZZZZZZZZZZZZZ",  # more than 128 bits
        "01HZZZZZZZZZZZZZZZZZZZZZZU",  # U is not Crockford base32
    ],
)
def test_a_malformed_id_is_400_naming_the_id(api: Api, method: str, session_id: str) -> None:
    reply = api.request(method, f"/sessions/{session_id}", json_body={"title": "x"})

    assert fields_of(assert_problem(reply, 400)) == ["id"]
