"""Field rules on create and update: what a client may send, and the 400 it gets otherwise.

Every 400 names each invalid field with its dotted path, and nothing is stored or changed.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.replies import assert_problem, fields_of
from tests.unit.harness import Api, Store

# ------------------------------------------------------------------ create: each field


def rejected_on_create(api: Api, store: Store, body: dict[str, Any]) -> list[str]:
    """POST ``body`` is a 400 that stores nothing; the fields it names."""
    problem = assert_problem(api.post(json_body=body), 400)
    assert store.sessions() == []
    return fields_of(problem)


def test_title_is_stored_and_returned_trimmed(api: Api, store: Store) -> None:
    session = api.create(title="  Design review \t")

    assert session["title"] == "Design review"
    assert store.sessions()[0]["title"] == {"S": "Design review"}
    assert api.get(f"/sessions/{session['id']}").json()["title"] == "Design review"


@pytest.mark.parametrize("title", ["x", "x" * 200, "  " + "x" * 200 + "  ", "Ünïcødé 🎉"])
def test_title_of_1_to_200_characters_after_trimming_is_accepted(api: Api, title: str) -> None:
    assert api.create(title=title)["title"] == title.strip()


@pytest.mark.parametrize("title", ["", "   ", "\t\n", "x" * 201, 42, None, ["x"], "a\x00b"])
def test_title_outside_the_rules_is_rejected(api: Api, store: Store, title: Any) -> None:
    assert rejected_on_create(api, store, {"title": title}) == ["title"]


def test_title_is_required_on_create(api: Api, store: Store) -> None:
    assert rejected_on_create(api, store, {"description": "no title"}) == ["title"]


def test_description_of_up_to_2000_characters_is_accepted(api: Api) -> None:
    text = "line one\nline two\t" + "x" * 1982
    assert len(text) == 2000
    assert api.create(description=text)["description"] == text


@pytest.mark.parametrize("description", ["x" * 2001, 7, ["x"], "bell\x07"])
def test_description_outside_the_rules_is_rejected(
    api: Api, store: Store, description: Any
) -> None:
    body = {"title": "t", "description": description}
    assert rejected_on_create(api, store, body) == ["description"]


@pytest.mark.parametrize("status", ["scheduled", "active", "completed", "cancelled"])
def test_each_status_is_accepted(api: Api, status: str) -> None:
    assert api.create(status=status)["status"] == status


@pytest.mark.parametrize("status", ["Active", "ACTIVE", "done", "", None, 1])
def test_status_is_an_enum_and_case_sensitive(api: Api, store: Store, status: Any) -> None:
    assert rejected_on_create(api, store, {"title": "t", "status": status}) == ["status"]


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("2030-01-31T09:00:00Z", "2030-01-31T09:00:00.000Z"),
        ("2030-01-31t09:00:00z", "2030-01-31T09:00:00.000Z"),
        ("2030-01-31T10:00:00+01:00", "2030-01-31T09:00:00.000Z"),
        ("2030-01-31T01:30:00-07:30", "2030-01-31T09:00:00.000Z"),
        ("2030-01-01T00:30:00+01:00", "2029-12-31T23:30:00.000Z"),
        ("2030-01-31T09:00:00.5Z", "2030-01-31T09:00:00.500Z"),
        ("2030-01-31T09:00:00.123456789+00:00", "2030-01-31T09:00:00.123Z"),
        ("0999-06-01T12:00:00Z", "0999-06-01T12:00:00.000Z"),
    ],
)
def test_times_are_normalised_to_utc_with_milliseconds(api: Api, sent: str, stored: str) -> None:
    session = api.create(startsAt=sent, endsAt=sent)

    assert (session["startsAt"], session["endsAt"]) == (stored, stored)
    assert api.get(f"/sessions/{session['id']}").json()["startsAt"] == stored


@pytest.mark.parametrize(
    "value",
    [
        "2030-01-31T09:00:00",  # no offset
        "2030-01-31",  # no time
        "2030-01-31 09:00:00Z",  # space, not T
        "2030-02-30T09:00:00Z",  # no such day
        "2030-01-31T24:00:00Z",
        "2030-01-31T09:00:00+25:00",
        "2030-01-31T09:00:00Z\n",
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
        "9999-12-31T23:00:00-02:00",  # after year 9999 in UTC
        "tomorrow",
        1767225600,
    ],
)
@pytest.mark.parametrize("field", ["startsAt", "endsAt"])
def test_times_must_be_rfc3339_with_an_offset(
    api: Api, store: Store, field: str, value: Any
) -> None:
    assert rejected_on_create(api, store, {"title": "t", field: value}) == [field]


def test_ends_at_may_equal_starts_at(api: Api) -> None:
    session = api.create(startsAt="2030-01-31T10:00:00+01:00", endsAt="2030-01-31T09:00:00Z")
    assert session["startsAt"] == session["endsAt"]


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [
        ("2030-01-31T09:00:00Z", "2030-01-31T08:59:59.999Z"),
        # Earlier in UTC, though it reads later before normalising.
        ("2030-01-31T09:00:00Z", "2030-01-31T09:30:00+01:00"),
        # A year before 1000 is still earlier.
        ("2030-01-31T09:00:00Z", "0999-01-31T09:00:00Z"),
    ],
)
def test_ends_at_before_starts_at_is_rejected_naming_ends_at(
    api: Api, store: Store, starts_at: str, ends_at: str
) -> None:
    body = {"title": "t", "startsAt": starts_at, "endsAt": ends_at}
    assert rejected_on_create(api, store, body) == ["endsAt"]


def test_tags_are_trimmed_and_keep_their_order(api: Api) -> None:
    assert api.create(tags=[" b", "a ", "C"])["tags"] == ["b", "a", "C"]


def test_up_to_20_tags_of_1_to_40_characters_are_accepted(api: Api) -> None:
    tags = [f"tag-{n:02d}" + "x" * 34 for n in range(20)]
    assert {len(tag) for tag in tags} == {40}
    assert api.create(tags=tags)["tags"] == tags


@pytest.mark.parametrize(
    ("tags", "fields"),
    [
        ([f"t{n}" for n in range(21)], ["tags"]),
        (["a", "b", "a"], ["tags"]),
        (["a", " a "], ["tags"]),  # the same once trimmed
        (["ok", "ok2", "ok3", "x" * 41], ["tags.3"]),
        (["", "ok", "   "], ["tags.0", "tags.2"]),
        (["ok", 5], ["tags.1"]),
        ("a,b", ["tags"]),
        (None, ["tags"]),
    ],
)
def test_tags_outside_the_rules_are_rejected_with_dotted_paths(
    api: Api, store: Store, tags: Any, fields: list[str]
) -> None:
    assert rejected_on_create(api, store, {"title": "t", "tags": tags}) == fields


def test_every_invalid_field_is_listed(api: Api, store: Store) -> None:
    body = {
        "title": "",
        "description": "x" * 2001,
        "status": "Done",
        "startsAt": "soon",
        "endsAt": "2030-01-31",
        "tags": ["ok", "x" * 41],
        "colour": "red",
    }
    fields = rejected_on_create(api, store, body)
    assert sorted(fields) == sorted(
        ["title", "description", "status", "startsAt", "endsAt", "tags.1", "colour"]
    )


@pytest.mark.parametrize("field", ["id", "owner", "createdAt", "updatedAt", "version"])
def test_server_set_fields_are_rejected_on_create(api: Api, store: Store, field: str) -> None:
    reply = api.post(json_body={"title": "t", field: "01HZZZZZZZZZZZZZZZZZZZZZZZ"})

    problem = assert_problem(reply, 400)
    assert problem["errors"] == [
        {"field": field, "message": "Set by the server; it cannot be sent"}
    ]
    assert store.sessions() == []


@pytest.mark.parametrize("field", ["colour", "Title", "ownerStatus", "starts_at"])
def test_unknown_fields_are_rejected(api: Api, store: Store, field: str) -> None:
    reply = api.post(json_body={"title": "t", field: "x"})

    problem = assert_problem(reply, 400)
    assert problem["errors"] == [{"field": field, "message": "Unknown field"}]
    assert store.sessions() == []


@pytest.mark.parametrize("field", ["description", "startsAt", "endsAt"])
def test_null_is_accepted_for_nullable_fields(api: Api, field: str) -> None:
    reply = api.post(json_body={"title": "t", field: None})

    assert reply.status == 201
    assert reply.json()[field] is None


@pytest.mark.parametrize("field", ["title", "status", "tags"])
def test_null_is_rejected_for_other_fields(api: Api, store: Store, field: str) -> None:
    body = {"title": "t", field: None}
    assert rejected_on_create(api, store, body) == [field]


# ------------------------------------------------------------------ update: the same rules


@pytest.fixture
def session(api: Api) -> dict[str, Any]:
    return api.create(
        title="Kick-off",
        description="Agenda",
        status="scheduled",
        startsAt="2030-01-31T09:00:00Z",
        endsAt="2030-01-31T10:00:00Z",
        tags=["team"],
    )


def rejected_on_update(api: Api, session: dict[str, Any], body: Any) -> list[str]:
    """PUT ``body`` is a 400 that changes nothing; the fields it names."""
    problem = assert_problem(api.put(f"/sessions/{session['id']}", json_body=body), 400)
    assert api.get(f"/sessions/{session['id']}").json() == session
    return fields_of(problem)


def test_update_changes_only_the_fields_sent(api: Api, session: dict[str, Any]) -> None:
    reply = api.put(f"/sessions/{session['id']}", json_body={"title": "  Kick-off, day 2 "})

    updated = reply.json()
    assert updated["title"] == "Kick-off, day 2"
    unchanged = {"title", "updatedAt", "version"}
    assert {k: v for k, v in updated.items() if k not in unchanged} == {
        k: v for k, v in session.items() if k not in unchanged
    }


def test_update_with_every_field_at_once(api: Api, session: dict[str, Any]) -> None:
    body = {
        "title": "New",
        "description": "New agenda",
        "status": "completed",
        "startsAt": "2031-01-01T00:00:00+02:00",
        "endsAt": "2031-01-01T00:00:00Z",
        "tags": ["a", "b"],
    }
    updated = api.put(f"/sessions/{session['id']}", json_body=body).json()

    assert {k: updated[k] for k in body} == {
        **body,
        "startsAt": "2030-12-31T22:00:00.000Z",
        "endsAt": "2031-01-01T00:00:00.000Z",
    }


@pytest.mark.parametrize("field", ["description", "startsAt", "endsAt"])
def test_null_clears_a_nullable_field(api: Api, session: dict[str, Any], field: str) -> None:
    updated = api.put(f"/sessions/{session['id']}", json_body={field: None}).json()

    assert updated[field] is None
    assert api.get(f"/sessions/{session['id']}").json()[field] is None


def test_tags_can_be_emptied(api: Api, session: dict[str, Any]) -> None:
    assert api.put(f"/sessions/{session['id']}", json_body={"tags": []}).json()["tags"] == []


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"title": None}, ["title"]),
        ({"status": None}, ["status"]),
        ({"tags": None}, ["tags"]),
        ({"title": "  "}, ["title"]),
        ({"status": "Completed"}, ["status"]),
        ({"description": "x" * 2001}, ["description"]),
        ({"startsAt": "2030-01-31T09:00:00"}, ["startsAt"]),
        ({"tags": ["a", "x" * 41, "a"]}, ["tags.1"]),
        ({"id": "01HZZZZZZZZZZZZZZZZZZZZZZZ"}, ["id"]),
        ({"version": 7}, ["version"]),
        ({"owner": "someone-else"}, ["owner"]),
        ({"createdAt": "2030-01-31T09:00:00Z"}, ["createdAt"]),
        ({"updatedAt": "2030-01-31T09:00:00Z"}, ["updatedAt"]),
        ({"title": "ok", "colour": "red"}, ["colour"]),
    ],
)
def test_update_applies_the_field_rules(
    api: Api, session: dict[str, Any], body: dict[str, Any], fields: list[str]
) -> None:
    assert rejected_on_update(api, session, body) == fields


def test_an_empty_update_is_rejected(api: Api, session: dict[str, Any]) -> None:
    reply = api.put(f"/sessions/{session['id']}", json_body={})

    problem = assert_problem(reply, 400)
    assert problem["errors"][0]["message"] == "send at least one field to change"
    assert api.get(f"/sessions/{session['id']}").json() == session


def test_update_with_both_times_out_of_order_is_rejected(api: Api, session: dict[str, Any]) -> None:
    body = {"startsAt": "2030-02-01T10:00:00Z", "endsAt": "2030-02-01T09:00:00Z"}
    assert rejected_on_update(api, session, body) == ["endsAt"]


def test_ends_at_alone_before_the_stored_starts_at_is_rejected(
    api: Api, session: dict[str, Any]
) -> None:
    body = {"endsAt": "2030-01-31T08:59:59Z"}
    assert rejected_on_update(api, session, body) == ["endsAt"]


def test_starts_at_alone_after_the_stored_ends_at_is_rejected(
    api: Api, session: dict[str, Any]
) -> None:
    body = {"startsAt": "2030-01-31T10:00:00.001Z"}
    assert rejected_on_update(api, session, body) == ["startsAt"]


def test_times_alone_that_keep_the_stored_range_are_accepted(
    api: Api, session: dict[str, Any]
) -> None:
    path = f"/sessions/{session['id']}"
    assert api.put(path, json_body={"endsAt": "2030-01-31T09:00:00Z"}).status == 200
    assert api.put(path, json_body={"startsAt": "2030-01-31T08:00:00Z"}).status == 200
    stored = api.get(path).json()
    assert (stored["startsAt"], stored["endsAt"]) == (
        "2030-01-31T08:00:00.000Z",
        "2030-01-31T09:00:00.000Z",
    )


def test_clearing_one_time_frees_the_other(api: Api, session: dict[str, Any]) -> None:
    path = f"/sessions/{session['id']}"
    assert api.put(path, json_body={"startsAt": None}).status == 200

    reply = api.put(path, json_body={"endsAt": "2000-01-01T00:00:00Z"})

    assert reply.status == 200
    assert reply.json()["endsAt"] == "2000-01-01T00:00:00.000Z"


def test_a_time_sent_with_the_other_cleared_is_accepted(api: Api, session: dict[str, Any]) -> None:
    body = {"startsAt": "2031-01-01T00:00:00Z", "endsAt": None}
    updated = api.put(f"/sessions/{session['id']}", json_body=body).json()

    assert (updated["startsAt"], updated["endsAt"]) == ("2031-01-01T00:00:00.000Z", None)
