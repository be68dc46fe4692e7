"""Every route of the contract over real HTTP, through the gateway's token checks."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.localapi import LocalApi
from tests.replies import Reply, assert_problem

ULID = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")
MISSING_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"

User = Callable[[], tuple[str, str]]


def create(local_api: LocalApi, token: str, **fields: object) -> Reply:
    return local_api.request(
        "POST", "/sessions", token=token, json_body={"title": "Talk", **fields}
    )


def test_create_read_update_delete(local_api: LocalApi, new_user: User) -> None:
    token, _ = new_user()
    created = create(local_api, token, tags=["python"], startsAt="2030-01-31T10:00:00+01:00")
    assert created.status == 201, created.body
    session = created.json()
    assert ULID.match(session["id"])
    assert session["version"] == 1
    assert session["startsAt"] == "2030-01-31T09:00:00.000Z"
    assert created.header("Location") == f"/sessions/{session['id']}"
    assert created.header("ETag") == '"1"'

    fetched = local_api.request("GET", f"/sessions/{session['id']}", token=token)
    assert fetched.status == 200
    assert fetched.json() == session
    assert fetched.header("ETag") == '"1"'

    updated = local_api.request(
        "PUT",
        f"/sessions/{session['id']}",
        token=token,
        headers={"If-Match": '"1"'},
        json_body={"status": "active", "description": None},
    )
    assert updated.status == 200, updated.body
    assert updated.json()["version"] == 2
    assert updated.json()["status"] == "active"
    assert updated.header("ETag") == '"2"'

    stale = local_api.request(
        "PUT",
        f"/sessions/{session['id']}",
        token=token,
        headers={"If-Match": '"1"'},
        json_body={"title": "Lost update"},
    )
    assert_problem(stale, 412)
    stale_delete = local_api.request(
        "DELETE", f"/sessions/{session['id']}", token=token, headers={"If-Match": '"1"'}
    )
    assert_problem(stale_delete, 412)
    assert (
        local_api.request("GET", f"/sessions/{session['id']}", token=token).json()["version"] == 2
    )

    deleted = local_api.request(
        "DELETE", f"/sessions/{session['id']}", token=token, headers={"If-Match": '"2"'}
    )
    assert deleted.status == 204
    assert deleted.body == b""
    assert_problem(local_api.request("GET", f"/sessions/{session['id']}", token=token), 404)


def test_list_is_newest_first_and_pages_with_a_cursor(local_api: LocalApi, new_user: User) -> None:
    token, _ = new_user()
    ids = [create(local_api, token, title=f"Session {n}").json()["id"] for n in range(3)]
    first = local_api.request("GET", "/sessions?limit=2", token=token)
    assert first.status == 200
    page = first.json()
    assert [item["id"] for item in page["items"]] == ids[::-1][:2]
    assert page["nextCursor"]
    second = local_api.request("GET", f"/sessions?limit=2&cursor={page['nextCursor']}", token=token)
    assert [item["id"] for item in second.json()["items"]] == ids[:1]
    assert second.json()["nextCursor"] is None


def test_list_by_status(local_api: LocalApi, new_user: User) -> None:
    token, _ = new_user()
    create(local_api, token, title="Later")
    active = create(local_api, token, title="Now", status="active").json()
    listed = local_api.request("GET", "/sessions?status=active", token=token)
    assert [item["id"] for item in listed.json()["items"]] == [active["id"]]


def test_a_second_user_sees_none_and_is_forbidden(local_api: LocalApi, new_user: User) -> None:
    alice, _ = new_user()
    bob, _ = new_user()
    session = create(local_api, alice).json()
    assert local_api.request("GET", "/sessions", token=bob).json() == {
        "items": [],
        "nextCursor": None,
    }
    path = f"/sessions/{session['id']}"
    assert_problem(local_api.request("GET", path, token=bob), 403)
    assert_problem(local_api.request("PUT", path, token=bob, json_body={"title": "Mine now"}), 403)
    assert_problem(local_api.request("DELETE", path, token=bob), 403)
    assert local_api.request("GET", path, token=alice).json() == session


def test_bad_requests_are_400_with_every_field(local_api: LocalApi, new_user: User) -> None:
    token, _ = new_user()
    invalid = local_api.request(
        "POST",
        "/sessions",
        token=token,
        json_body={"title": " ", "status": "Active", "tags": ["a", "a"], "id": "x"},
    )
    problem = assert_problem(invalid, 400)
    fields = {error["field"] for error in problem["errors"]}
    assert {"title", "status", "tags", "id"} <= fields

    not_json = local_api.request(
        "POST",
        "/sessions",
        token=token,
        body=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert_problem(not_json, 400)
    not_utf8 = local_api.request(
        "POST",
        "/sessions",
        token=token,
        body=b'{"title": "\xff\xfe"}',
        headers={"Content-Type": "application/json"},
    )
    assert "UTF-8" in assert_problem(not_utf8, 400)["detail"]
    too_large = local_api.request(
        "POST", "/sessions", token=token, json_body={"title": "x", "description": "y" * 17000}
    )
    assert "16 KiB" in assert_problem(too_large, 400)["detail"]
    assert_problem(local_api.request("GET", "/sessions/not-a-ulid", token=token), 400)
    assert_problem(local_api.request("GET", "/sessions?limit=0", token=token), 400)
    assert_problem(local_api.request("GET", "/sessions?cursor=forged", token=token), 400)
    assert local_api.request("GET", "/sessions", token=token).json()["items"] == []


def test_unknown_session_is_404(local_api: LocalApi, new_user: User) -> None:
    token, _ = new_user()
    assert_problem(local_api.request("GET", f"/sessions/{MISSING_ID}", token=token), 404)
    assert_problem(
        local_api.request("PUT", f"/sessions/{MISSING_ID}", token=token, json_body={"title": "t"}),
        404,
    )
    assert_problem(local_api.request("DELETE", f"/sessions/{MISSING_ID}", token=token), 404)


def test_idempotent_create(local_api: LocalApi, new_user: User) -> None:
    token, _ = new_user()
    key = {"Idempotency-Key": "create-talk-1"}
    first = local_api.request(
        "POST", "/sessions", token=token, headers=key, json_body={"title": "A"}
    )
    again = local_api.request(
        "POST", "/sessions", token=token, headers=key, json_body={"title": "A"}
    )
    assert first.status == again.status == 201
    assert again.json() == first.json()
    different = local_api.request(
        "POST", "/sessions", token=token, headers=key, json_body={"title": "B"}
    )
    assert_problem(different, 422)
    bad_key = local_api.request(
        "POST", "/sessions", token=token, headers={"Idempotency-Key": "x" * 256}, json_body={}
    )
    assert_problem(bad_key, 400)
    assert len(local_api.request("GET", "/sessions", token=token).json()["items"]) == 1

    # Keys are per caller: the same key from someone else creates their own session.
    other, _ = new_user()
    theirs = local_api.request(
        "POST", "/sessions", token=other, headers=key, json_body={"title": "A"}
    )
    assert theirs.status == 201
    assert theirs.json()["id"] != first.json()["id"]


def test_a_window_of_start_times_pages_earliest_first(local_api: LocalApi, new_user: User) -> None:
    token, _ = new_user()
    starts = ["2030-03-05T09:00:00Z", "2030-03-01T09:00:00Z", "2030-03-03T09:00:00+02:00"]
    made = [create(local_api, token, startsAt=start).json()["id"] for start in starts]
    create(local_api, token)  # no start: in no window
    query = "startsFrom=2030-03-01T00:00:00Z&startsBefore=2030-03-05T09:00:00Z&limit=1"

    first = local_api.request("GET", f"/sessions?{query}", token=token)
    assert first.status == 200, first.body
    cursor = first.json()["nextCursor"]
    second = local_api.request("GET", f"/sessions?{query}&cursor={cursor}", token=token).json()

    assert [first.json()["items"][0]["id"], second["items"][0]["id"]] == [made[1], made[2]]
    assert second["nextCursor"] is None
    backwards = local_api.request(
        "GET",
        "/sessions?startsFrom=2030-03-02T00:00:00Z&startsBefore=2030-03-01T00:00:00Z",
        token=token,
    )
    problem = assert_problem(backwards, 400)
    assert [error["field"] for error in problem["errors"]] == ["startsBefore"]


def test_a_conditional_read_of_an_unchanged_session_is_304(
    local_api: LocalApi, new_user: User
) -> None:
    token, _ = new_user()
    session = create(local_api, token).json()
    path = f"/sessions/{session['id']}"

    unchanged = local_api.request("GET", path, token=token, headers={"If-None-Match": 'W/"1"'})
    changed = local_api.request("GET", path, token=token, headers={"If-None-Match": '"0"'})

    assert unchanged.status == 304
    assert unchanged.body == b""
    assert unchanged.header("ETag") == '"1"'
    assert unchanged.header("X-Request-Id")
    assert unchanged.header("Access-Control-Allow-Origin") == "https://app.example.com"
    assert changed.status == 200
    assert changed.json() == session
