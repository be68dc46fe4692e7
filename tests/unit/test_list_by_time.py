"""GET /sessions?startsFrom=…&startsBefore=…: the caller's sessions whose startsAt lies in the
window, earliest first (ties by id), read from an index; cursors bound to the whole query."""

from __future__ import annotations

from typing import Any

import pytest

from tests.handlers import DynamoCall, DynamoCalls
from tests.replies import assert_problem, fields_of
from tests.unit.conftest import SESSIONS_TABLE
from tests.unit.harness import Api
from tests.unit.test_list import ids, walk

JAN = "2030-01-{:02d}T09:00:00.000Z"


def at(day: int, api: Api, user: str = "alice", **fields: Any) -> str:
    """A new session starting on that day of January 2030; its id."""
    return str(api.create(user, startsAt=JAN.format(day), **fields)["id"])


def window(api: Api, user: str = "alice", **query: str) -> list[str]:
    """Every id the window lists, page after page, in order."""
    return [session_id for page in walk(api, user, **query) for session_id in ids(page)]


def test_the_window_holds_starts_from_its_start_up_to_before_its_end(api: Api) -> None:
    first, second, third, fourth = (at(day, api) for day in (1, 2, 3, 4))
    api.create()  # no startsAt: never in a window

    assert window(api, startsFrom=JAN.format(2), startsBefore=JAN.format(4)) == [second, third]
    assert window(api, startsFrom=JAN.format(3)) == [third, fourth]
    assert window(api, startsBefore=JAN.format(3)) == [first, second]
    assert first not in window(api, startsFrom="2030-01-01T09:00:00.001Z")


def test_earliest_first_whatever_the_creation_order_and_ties_by_id(api: Api) -> None:
    late = at(20, api)
    early = at(5, api)
    tied = sorted([at(10, api), at(10, api), at(10, api)])

    assert window(api, startsFrom="2030-01-01T00:00:00Z") == [early, *tied, late]


def test_bounds_in_any_offset_mean_the_same_moment(api: Api) -> None:
    session = at(2, api)  # 09:00 UTC
    assert window(api, startsFrom="2030-01-02T10:00:00+01:00") == [session]
    assert window(api, startsFrom="2030-01-02T10:00:00.001+01:00") == []
    assert window(api, startsBefore="2030-01-02t04:00:00.001-05:00") == [session]


def test_pages_walk_the_window_once_each_reading_one_bounded_query(
    api: Api, calls: DynamoCalls
) -> None:
    created = [at(day, api) for day in range(1, 12)]
    calls.reset()

    pages = walk(api, startsFrom=JAN.format(1), startsBefore=JAN.format(12), limit="4")

    assert [ids(page) for page in pages] == [created[0:4], created[4:8], created[8:11]]
    assert calls.calls == [DynamoCall("Query", SESSIONS_TABLE, "ByOwnerStart", 5)] * 3


def test_with_a_status_the_window_is_read_from_the_status_index(
    api: Api, calls: DynamoCalls
) -> None:
    active = [at(day, api, status="active") for day in (3, 1, 2)]
    at(2, api, status="completed")
    at(2, api, "bob", status="active")
    calls.reset()

    listed = api.get("/sessions", query={"status": "active", "startsFrom": JAN.format(1)})

    assert ids(listed.json()) == sorted(active, key=[active[1], active[2], active[0]].index)
    assert calls.calls == [DynamoCall("Query", SESSIONS_TABLE, "ByOwnerStatusStart", 21)]


def test_only_the_callers_sessions_are_in_their_window(api: Api) -> None:
    mine = at(2, api)
    at(2, api, "bob")
    assert window(api, startsFrom=JAN.format(1)) == [mine]


def test_a_session_is_listed_at_its_new_start_status_or_not_at_all(api: Api) -> None:
    moving, staying = at(2, api), at(3, api)
    later = {"startsFrom": JAN.format(1)}

    api.put(f"/sessions/{moving}", json_body={"startsAt": JAN.format(9)})
    assert window(api, **later) == [staying, moving]

    api.put(f"/sessions/{moving}", json_body={"status": "active"})
    assert window(api, status="active", **later) == [moving]
    assert window(api, status="scheduled", **later) == [staying]

    api.put(f"/sessions/{moving}", json_body={"startsAt": None})
    assert window(api, **later) == [staying]
    assert window(api, status="active", **later) == []


def test_a_deleted_session_leaves_every_window(api: Api) -> None:
    gone = at(2, api, status="active")
    api.delete(f"/sessions/{gone}")
    assert window(api, startsFrom=JAN.format(1)) == []
    assert window(api, status="active", startsFrom=JAN.format(1)) == []


@pytest.mark.parametrize("before", [JAN.format(2), JAN.format(1), "2030-01-02T10:00:00+01:00"])
def test_a_window_that_ends_before_it_starts_is_400_naming_starts_before(
    api: Api, calls: DynamoCalls, before: str
) -> None:
    calls.reset()
    reply = api.get("/sessions", query={"startsFrom": JAN.format(2), "startsBefore": before})
    assert fields_of(assert_problem(reply, 400)) == ["startsBefore"]
    assert calls.on_sessions == []


@pytest.mark.parametrize("name", ["startsFrom", "startsBefore"])
@pytest.mark.parametrize(
    "value", ["2030-01-02", "2030-01-02T09:00:00", "2030-02-30T09:00:00Z", "soon", ""]
)
def test_a_bound_that_is_not_an_rfc3339_date_time_is_400_naming_it(
    api: Api, name: str, value: str
) -> None:
    reply = api.get("/sessions", query={name: value})
    assert fields_of(assert_problem(reply, 400)) == [name]


@pytest.mark.parametrize(
    "other",
    [
        {"startsFrom": JAN.format(2)},
        {"startsFrom": JAN.format(1), "startsBefore": JAN.format(20)},
        {"startsFrom": JAN.format(1), "status": "scheduled"},
        {},
    ],
)
def test_a_cursor_belongs_to_its_whole_query(api: Api, other: dict[str, str]) -> None:
    for day in range(1, 6):
        at(day, api)
    query = {"startsFrom": JAN.format(1), "limit": "2"}
    cursor = api.get("/sessions", query=query).json()["nextCursor"]
    assert cursor is not None

    reply = api.get("/sessions", query={**other, "limit": "2", "cursor": cursor})

    assert fields_of(assert_problem(reply, 400)) == ["cursor"]


def test_a_newest_first_cursor_is_no_cursor_for_a_window(api: Api) -> None:
    for day in range(1, 4):
        at(day, api)
    cursor = api.get("/sessions", query={"limit": "1"}).json()["nextCursor"]
    reply = api.get("/sessions", query={"startsFrom": JAN.format(1), "cursor": cursor})
    assert fields_of(assert_problem(reply, 400)) == ["cursor"]
