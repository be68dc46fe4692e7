"""GET /sessions: newest first, limits, opaque cursors that walk every page once, and the
status filter read from its own index."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest

from tests.handlers import DynamoCall, DynamoCalls
from tests.replies import assert_problem, fields_of
from tests.unit.conftest import SESSIONS_TABLE
from tests.unit.harness import Api


def create_many(api: Api, count: int, user: str = "alice", **fields: Any) -> list[str]:
    """Ids of ``count`` new sessions, oldest first."""
    return [api.create(user, title=f"Session {n}", **fields)["id"] for n in range(count)]


def walk(api: Api, user: str = "alice", **query: str) -> list[dict[str, Any]]:
    """Every page of a listing, following nextCursor until it is null."""
    pages = []
    cursor = None
    while True:
        params = dict(query, **({"cursor": cursor} if cursor else {}))
        reply = api.get("/sessions", user=user, query=params)
        assert reply.status == 200, reply.body
        page = reply.json()
        pages.append(page)
        cursor = page["nextCursor"]
        if cursor is None:
            return pages
        assert len(pages) < 100, "the cursor never ran out"


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]


def test_newest_first(api: Api) -> None:
    created = []
    for title in ("first", "second", "third"):
        created.append(api.create(title=title)["id"])
        time.sleep(0.002)  # ids made in the same millisecond have no order between them

    assert ids(api.get("/sessions").json()) == created[::-1]


def test_the_default_page_holds_20(api: Api) -> None:
    created = create_many(api, 21)

    page = api.get("/sessions").json()

    assert len(page["items"]) == 20
    assert set(ids(page)) < set(created)
    assert page["nextCursor"] is not None


@pytest.mark.parametrize("limit", [1, 7, 100])
def test_a_limit_from_1_to_100_sets_the_page_size(api: Api, limit: int) -> None:
    create_many(api, 8)

    page = api.get("/sessions", query={"limit": str(limit)}).json()

    assert len(page["items"]) == min(limit, 8)
    assert (page["nextCursor"] is None) == (limit >= 8)


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5", ""])
def test_a_limit_outside_1_to_100_is_400(api: Api, calls: DynamoCalls, limit: str) -> None:
    problem = assert_problem(api.get("/sessions", query={"limit": limit}), 400)

    assert fields_of(problem) == ["limit"]
    assert calls.calls == []


@pytest.mark.parametrize(("count", "limit"), [(23, 5), (20, 5), (5, 5), (1, 20), (0, 3)])
def test_pages_visit_every_session_exactly_once(api: Api, count: int, limit: int) -> None:
    created = create_many(api, count)

    pages = walk(api, limit=str(limit))

    seen = [session_id for page in pages for session_id in ids(page)]
    assert seen == sorted(created, reverse=True)
    assert len(pages) == max(1, -(-count // limit))
    assert all(len(page["items"]) == limit for page in pages[:-1])
    assert pages[-1]["nextCursor"] is None


def test_a_page_reads_one_query_bounded_by_its_limit(api: Api, calls: DynamoCalls) -> None:
    # Other callers' sessions, and the caller's own beyond the page, are never read.
    create_many(api, 30, user="bob")
    create_many(api, 12)
    calls.reset()

    first = api.get("/sessions", query={"limit": "5"}).json()
    api.get("/sessions", query={"limit": "5", "cursor": first["nextCursor"]})

    assert calls.calls == [DynamoCall("Query", SESSIONS_TABLE, None, 6)] * 2


def test_a_cursor_still_works_when_its_last_session_is_deleted(api: Api) -> None:
    created = create_many(api, 6)
    first = api.get("/sessions", query={"limit": "3"}).json()
    assert api.delete(f"/sessions/{first['items'][-1]['id']}").status == 204

    rest = api.get("/sessions", query={"limit": "3", "cursor": first["nextCursor"]}).json()

    assert ids(rest) == sorted(created, reverse=True)[3:]


def test_a_cursor_can_be_used_again(api: Api) -> None:
    create_many(api, 4)
    cursor = api.get("/sessions", query={"limit": "2"}).json()["nextCursor"]

    again = [api.get("/sessions", query={"limit": "2", "cursor": cursor}).json() for _ in "ab"]

    assert again[0] == again[1]
    assert len(again[0]["items"]) == 2


# ------------------------------------------------------------------ status filter


def test_the_status_filter_lists_only_that_status_from_its_index(
    api: Api, calls: DynamoCalls
) -> None:
    active = create_many(api, 3, status="active")
    create_many(api, 2, status="completed")
    create_many(api, 2, user="bob", status="active")
    calls.reset()

    page = api.get("/sessions", query={"status": "active"}).json()

    assert ids(page) == sorted(active, reverse=True)
    assert {item["status"] for item in page["items"]} == {"active"}
    assert calls.calls == [DynamoCall("Query", SESSIONS_TABLE, "ByOwnerStatus", 21)]


def test_without_a_filter_the_table_itself_is_read(api: Api, calls: DynamoCalls) -> None:
    create_many(api, 2)
    calls.reset()

    api.get("/sessions")

    assert calls.calls == [DynamoCall("Query", SESSIONS_TABLE, None, 21)]


def test_filtered_pages_visit_every_matching_session_once(api: Api) -> None:
    cancelled = create_many(api, 7, status="cancelled")
    create_many(api, 5, status="scheduled")

    pages = walk(api, status="cancelled", limit="3")

    assert [i for page in pages for i in ids(page)] == sorted(cancelled, reverse=True)
    assert [len(page["items"]) for page in pages] == [3, 3, 1]


def test_a_status_change_moves_the_session_between_filtered_lists(api: Api) -> None:
    session = api.create(status="scheduled")
    api.put(f"/sessions/{session['id']}", json_body={"status": "active"})

    scheduled = api.get("/sessions", query={"status": "scheduled"}).json()
    active = api.get("/sessions", query={"status": "active"}).json()

    assert scheduled["items"] == []
    assert ids(active) == [session["id"]]
    assert active["items"][0]["status"] == "active"


@pytest.mark.parametrize("status", ["Active", "ACTIVE", "done", ""])
def test_an_unknown_status_filter_is_400(api: Api, status: str) -> None:
    assert fields_of(assert_problem(api.get("/sessions", query={"status": status}), 400)) == [
        "status"
    ]


# ------------------------------------------------------------------ cursors that are not ours


def flip(cursor: str, position: int) -> str:
    """The cursor with one character changed."""
    replacement = "A" if cursor[position] != "A" else "B"
    return cursor[:position] + replacement + cursor[position + 1 :]


def reencoded(cursor: str, change: bytes, into: bytes) -> str:
    """The cursor's bytes edited, keeping its encoding (as a curious client might)."""
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    assert change in raw
    return base64.urlsafe_b64encode(raw.replace(change, into)).decode().rstrip("=")


@pytest.fixture
def cursor(api: Api) -> str:
    create_many(api, 3)
    create_many(api, 3, user="bob")
    value: str = api.get("/sessions", query={"limit": "1"}).json()["nextCursor"]
    return value


def rejected_cursor(
    api: Api, calls: DynamoCalls, cursor: str, user: str = "alice", **query: str
) -> None:
    calls.reset()
    reply = api.get("/sessions", user=user, query={"cursor": cursor, **query})
    assert fields_of(assert_problem(reply, 400)) == ["cursor"]
    assert calls.calls == []


@pytest.mark.parametrize("position", [0, 5, 16, 25, -1])
def test_a_tampered_cursor_is_400(api: Api, calls: DynamoCalls, cursor: str, position: int) -> None:
    rejected_cursor(api, calls, flip(cursor, position))


def test_a_cursor_edited_to_skip_ahead_is_400(api: Api, calls: DynamoCalls, cursor: str) -> None:
    rejected_cursor(api, calls, reencoded(cursor, b'"after":"0', b'"after":"1'))


def test_a_cursor_edited_to_another_filter_is_400(
    api: Api, calls: DynamoCalls, cursor: str
) -> None:
    rejected_cursor(api, calls, reencoded(cursor, b"null", b'"active"'), status="active")


@pytest.mark.parametrize("garbage", ["x", "not a cursor", "%%%", "é", "A" * 1024, "AAAA" * 8])
def test_a_made_up_cursor_is_400(api: Api, calls: DynamoCalls, garbage: str) -> None:
    rejected_cursor(api, calls, garbage)


def test_a_truncated_cursor_is_400(api: Api, calls: DynamoCalls, cursor: str) -> None:
    rejected_cursor(api, calls, cursor[:-3])


def test_another_callers_cursor_is_400(api: Api, calls: DynamoCalls, cursor: str) -> None:
    rejected_cursor(api, calls, cursor, user="bob")


def test_a_cursor_used_with_another_status_filter_is_400(
    api: Api, calls: DynamoCalls, cursor: str
) -> None:
    rejected_cursor(api, calls, cursor, status="scheduled")


def test_a_filtered_cursor_used_without_the_filter_is_400(api: Api, calls: DynamoCalls) -> None:
    create_many(api, 3, status="active")
    filtered = api.get("/sessions", query={"status": "active", "limit": "1"}).json()["nextCursor"]

    rejected_cursor(api, calls, filtered)
    rejected_cursor(api, calls, filtered, status="completed")
    assert api.get("/sessions", query={"status": "active", "cursor": filtered}).status == 200
