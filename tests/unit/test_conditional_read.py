"""GET /sessions/{id} with If-None-Match: 304 when it names the current version, compared
weakly; a malformed header is a 400; existence and ownership are checked first."""

from __future__ import annotations

import pytest

from tests.handlers import DynamoCalls
from tests.replies import assert_common_headers, assert_problem, fields_of
from tests.unit.harness import UNKNOWN_ID, Api


@pytest.mark.parametrize(
    "header", ['"2"', 'W/"2"', '"1", "2"', 'W/"9",W/"2"', "*", ' "2" ', '"x", "2"']
)
def test_a_matching_if_none_match_is_304_with_the_etag_and_no_body(api: Api, header: str) -> None:
    session = api.create()
    api.put(f"/sessions/{session['id']}", json_body={"title": "Second version"})
    reply = api.get(f"/sessions/{session['id']}", headers={"If-None-Match": header})
    assert reply.status == 304
    assert reply.body == b""
    assert reply.header("ETag") == '"2"'
    assert reply.header("Content-Type") is None
    assert_common_headers(reply)


@pytest.mark.parametrize("header", ['"1"', 'W/"1"', '"1", "3"', '"02"', '"abc"'])
def test_an_if_none_match_without_the_current_version_gets_the_session(
    api: Api, header: str
) -> None:
    session = api.create()
    api.put(f"/sessions/{session['id']}", json_body={"title": "Second version"})
    reply = api.get(f"/sessions/{session['id']}", headers={"If-None-Match": header})
    assert reply.status == 200
    assert reply.json()["title"] == "Second version"
    assert reply.header("ETag") == '"2"'


@pytest.mark.parametrize("header", ["2", '"2', "W/2", '"2",', "**", '"2" "3"', 'w/"2"', ""])
def test_a_malformed_if_none_match_is_400_naming_it(
    api: Api, calls: DynamoCalls, header: str
) -> None:
    session = api.create()
    calls.reset()
    problem = assert_problem(
        api.get(f"/sessions/{session['id']}", headers={"If-None-Match": header}), 400
    )
    assert fields_of(problem) == ["If-None-Match"]
    assert calls.on_sessions == []


@pytest.mark.parametrize("header", ['"1"', "*"])
def test_ownership_and_existence_come_before_the_precondition(api: Api, header: str) -> None:
    theirs = api.create("bob")
    assert_problem(api.get(f"/sessions/{theirs['id']}", headers={"If-None-Match": header}), 403)
    assert_problem(api.get(f"/sessions/{UNKNOWN_ID}", headers={"If-None-Match": header}), 404)


def test_a_conditional_read_costs_the_same_one_call(api: Api, calls: DynamoCalls) -> None:
    session = api.create()
    calls.reset()
    assert api.get(f"/sessions/{session['id']}", headers={"If-None-Match": '"1"'}).status == 304
    assert [call.operation for call in calls.on_sessions] == ["GetItem"]
