"""ETag and If-Match: a writer that read an old version never overwrites a newer one, and no
version increment is ever lost."""

from __future__ import annotations

from typing import Any

import pytest

from tests.replies import assert_problem, fields_of
from tests.unit.harness import Api, Store


@pytest.fixture
def session(api: Api) -> dict[str, Any]:
    return api.create(title="Original")


def path_of(session: dict[str, Any]) -> str:
    return f"/sessions/{session['id']}"


def test_if_match_with_the_current_version_updates(api: Api, session: dict[str, Any]) -> None:
    reply = api.put(path_of(session), json_body={"title": "New"}, headers={"If-Match": '"1"'})

    assert reply.status == 200
    assert reply.json()["version"] == 2
    assert reply.header("ETag") == '"2"'


def test_the_etag_of_each_answer_is_the_next_if_match(api: Api, session: dict[str, Any]) -> None:
    etag = api.get(path_of(session)).header("ETag")
    for n in range(3):
        reply = api.put(path_of(session), json_body={"title": f"v{n}"}, headers={"If-Match": etag})
        assert reply.status == 200
        etag = reply.header("ETag")

    assert etag == '"4"'
    assert api.get(path_of(session)).header("ETag") == '"4"'


@pytest.mark.parametrize("stale", ['"0"', '"2"', '"10"'])
def test_a_stale_if_match_is_412_and_changes_nothing(
    api: Api, store: Store, session: dict[str, Any], stale: str
) -> None:
    before = store.sessions()

    reply = api.put(path_of(session), json_body={"title": "Lost"}, headers={"If-Match": stale})

    problem = assert_problem(reply, 412)
    assert "version 1" in problem["detail"]
    assert store.sessions() == before
    assert api.get(path_of(session)).json() == session


@pytest.mark.parametrize("any_version", ["*", " * "])
def test_if_match_star_updates_any_version(
    api: Api, session: dict[str, Any], any_version: str
) -> None:
    api.put(path_of(session), json_body={"title": "v2"})

    reply = api.put(path_of(session), json_body={"title": "v3"}, headers={"If-Match": any_version})

    assert reply.status == 200
    assert reply.json()["version"] == 3


def test_if_match_star_on_an_unknown_id_is_still_404(api: Api) -> None:
    reply = api.put("/sessions/01HZZZZZZZZZZZZZZZZZZZZZZZ", json_body={"title": "x"})
    assert_problem(reply, 404)


@pytest.mark.parametrize(
    "if_match",
    [
        "1",  # not quoted
        'W/"1"',  # weak
        '"1", "2"',  # a list
        '"one"',
        '"-1"',
        '"1.0"',
        '""',
        "",
        "**",
        '"1',
        '"\u0661"',  # a digit, but not an ASCII one
        '"1"\n',
        '"1234567890123456"',  # more digits than any version
    ],
)
@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_a_malformed_if_match_is_400_and_changes_nothing(
    api: Api, store: Store, session: dict[str, Any], method: str, if_match: str
) -> None:
    before = store.sessions()

    reply = api.request(
        method, path_of(session), json_body={"title": "x"}, headers={"If-Match": if_match}
    )

    assert fields_of(assert_problem(reply, 400)) == ["If-Match"]
    assert store.sessions() == before


def test_two_writers_of_the_same_version_one_wins_one_gets_412(
    api: Api, session: dict[str, Any]
) -> None:
    # Both read version 1, then both write with what they read.
    etag_a = api.get(path_of(session)).header("ETag")
    etag_b = api.get(path_of(session)).header("ETag")

    first = api.put(path_of(session), json_body={"title": "A"}, headers={"If-Match": etag_a})
    second = api.put(path_of(session), json_body={"title": "B"}, headers={"If-Match": etag_b})

    assert first.status == 200
    assert_problem(second, 412)
    stored = api.get(path_of(session)).json()
    assert (stored["title"], stored["version"]) == ("A", 2)


def test_updates_without_if_match_never_lose_an_increment(
    api: Api, session: dict[str, Any]
) -> None:
    first = api.put(path_of(session), json_body={"title": "A"})
    second = api.put(path_of(session), json_body={"description": "B"})

    assert (first.json()["version"], second.json()["version"]) == (2, 3)
    stored = api.get(path_of(session)).json()
    assert (stored["title"], stored["description"], stored["version"]) == ("A", "B", 3)


def test_a_rejected_update_does_not_use_up_a_version(api: Api, session: dict[str, Any]) -> None:
    assert api.put(path_of(session), json_body={"title": ""}).status == 400
    assert api.put(path_of(session), json_body={"endsAt": "x"}).status == 400
    api.put(path_of(session), json_body={"title": "x"}, headers={"If-Match": '"9"'})

    assert api.put(path_of(session), json_body={"title": "ok"}).json()["version"] == 2


# ------------------------------------------------------------------ delete


def test_delete_with_a_stale_if_match_is_412_then_the_right_one_204_then_404(
    api: Api, store: Store, session: dict[str, Any]
) -> None:
    api.put(path_of(session), json_body={"title": "v2"})

    stale = api.delete(path_of(session), headers={"If-Match": '"1"'})
    assert_problem(stale, 412)
    assert len(store.sessions()) == 1

    current = api.delete(path_of(session), headers={"If-Match": '"2"'})
    assert current.status == 204
    assert store.sessions() == []

    again = api.delete(path_of(session), headers={"If-Match": '"2"'})
    assert_problem(again, 404)


@pytest.mark.parametrize("headers", [{}, {"If-Match": "*"}])
def test_delete_without_a_version_deletes_any_version(
    api: Api, store: Store, session: dict[str, Any], headers: dict[str, str | None]
) -> None:
    api.put(path_of(session), json_body={"title": "v2"})

    assert api.delete(path_of(session), headers=headers).status == 204
    assert store.sessions() == []
    assert_problem(api.delete(path_of(session), headers=headers), 404)


def test_an_update_after_delete_is_404_and_creates_nothing(
    api: Api, store: Store, session: dict[str, Any]
) -> None:
    api.delete(path_of(session))

    assert_problem(api.put(path_of(session), json_body={"title": "back"}), 404)
    assert store.sessions() == []


@pytest.mark.parametrize("name", ["if-match", "IF-MATCH", "If-Match"])
def test_if_match_is_honoured_whatever_the_case_of_its_name(
    api: Api, session: dict[str, Any], name: str
) -> None:
    # HTTP/2 clients send header names in lower case; API Gateway passes them on as sent.
    stale = api.put(path_of(session), json_body={"title": "x"}, headers={name: '"7"'})
    current = api.delete(path_of(session), headers={name: '"1"'})

    assert_problem(stale, 412)
    assert current.status == 204
