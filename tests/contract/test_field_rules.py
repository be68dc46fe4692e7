"""Field rules at their edges: what the validators accept is what the document says.

Regressions found while writing the OpenAPI document and fuzzing it are pinned here.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st
from pydantic import ValidationError
from session_actions.domain.errors import InvalidRequest
from session_actions.domain.idempotency import check_key
from session_actions.domain.models import SessionCreate, SessionUpdate
from session_actions.domain.timestamps import UTC_TIMESTAMP_REGEX
from session_actions.http.lambda_api import IF_MATCH, SESSION_ID, SessionWrite
from session_actions.http.routes import Route
from sessions_openapi import DOCUMENT


@pytest.mark.parametrize(
    "timestamp",
    [
        # Valid RFC 3339, but the UTC moment falls outside years 0001-9999: was a 500.
        "9999-12-31T23:59:59-01:00",
        "9999-12-31T23:30:00-00:31",
        "0001-01-01T00:00:00+00:01",
        "0001-01-01T00:59:59.999+01:00",
    ],
)
def test_timestamps_outside_the_utc_range_are_a_field_error(timestamp: str) -> None:
    for model, body in ((SessionCreate, {"title": "x"}), (SessionUpdate, {})):
        with pytest.raises(ValidationError) as raised:
            model.model_validate({**body, "startsAt": timestamp})
        (error,) = raised.value.errors()
        assert error["loc"] == ("startsAt",)
        assert "between the years 0001 and 9999 in UTC" in error["msg"]


@pytest.mark.parametrize(
    ("timestamp", "stored"),
    [
        ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59.000Z"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"),  # was "1-01-01T…"
        ("0999-12-31T23:00:00-01:00", "1000-01-01T00:00:00.000Z"),
        ("0042-06-01T00:00:00.5+00:00", "0042-06-01T00:00:00.500Z"),
    ],
)
def test_years_keep_four_digits_at_the_edges_of_the_range(timestamp: str, stored: str) -> None:
    assert SessionCreate(title="x", startsAt=timestamp).startsAt == stored


def test_string_order_is_time_order_across_the_year_1000() -> None:
    # endsAt >= startsAt compares the stored strings; "999-…" sorted after "1000-…".
    with pytest.raises(ValidationError):
        SessionCreate(title="x", startsAt="1000-01-01T00:00:00Z", endsAt="0999-12-31T00:00:00Z")
    SessionCreate(title="x", startsAt="0999-12-31T00:00:00Z", endsAt="1000-01-01T00:00:00Z")


@pytest.mark.parametrize(
    "timestamp",
    [
        "2030-01-01T00:00:00Z\n",  # `$` used to let one trailing newline through
        "\u0662\u0660\u0663\u0660-01-01T00:00:00Z",  # Arabic-Indic digits
        "2030-01-01T00:00:00.\u0661Z",
    ],
)
def test_timestamps_are_ascii_and_nothing_after(timestamp: str) -> None:
    with pytest.raises(ValidationError):
        SessionCreate.model_validate({"title": "x", "startsAt": timestamp})


def expected_version(if_match: str) -> int | None:
    """The version a write route reads from this If-Match header."""
    route = Route(
        "PUT", "/s/{id}", {}, params=SessionWrite, scopes=(), parameters=(SESSION_ID, IF_MATCH)
    )
    event = {"pathParameters": {"id": "0" * 26}, "headers": {"If-Match": if_match}}
    return route.read(event)[0].if_match


@pytest.mark.parametrize(
    ("header", "version"), [('"3"', 3), ("*", None), (' \t"12" ', 12), ('"0"', 0)]
)
def test_if_match_accepts_one_strong_etag_or_star(header: str, version: int | None) -> None:
    assert expected_version(header) == version


@pytest.mark.parametrize(
    "header",
    ['"3"\n', '"\u0661"', 'W/"3"', '"3", "4"', "3", '""', '"1234567890123456"', "\u00a0*"],
)
def test_if_match_refuses_anything_else(header: str) -> None:
    with pytest.raises(InvalidRequest) as raised:
        expected_version(header)
    assert [e.field for e in raised.value.errors] == ["If-Match"]


@pytest.mark.parametrize("key", ["k\n", "", "é", "k" * 256, "tab\there"])
def test_idempotency_keys_are_1_to_255_printable_ascii(key: str) -> None:
    with pytest.raises(InvalidRequest):
        check_key(key)
    assert check_key("k" * 255) == "k" * 255


# --- The document's patterns say exactly what the validators accept --------------------------

# Characters at the edges of the rules: each kind of whitespace trimming removes, control
# characters (C0, DEL, C1), the whitespace it keeps, letters beyond the BMP.
EDGE_CHARACTERS = [
    " ", "\t", "\n", "\r", "\x0b", "\x0c", "\x85", "\xa0", "\u1680", "\u2000", "\u2028",
    "\u3000", "\ufeff", "\u200b", "\x00", "\x1b", "\x1c", "\x7f", "\x9f", "a", "Z", "é",
    "\U0001f600",
]  # fmt: skip


def _document_schemas() -> dict[str, Any]:
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    schemas: dict[str, Any] = document["components"]["schemas"]
    return schemas


def _string_schema(field: dict[str, Any]) -> dict[str, Any]:
    return next((v for v in field.get("anyOf", [field]) if v.get("type") == "string"), field)


def _matches(schema: dict[str, Any], value: str) -> bool:
    # JSON Schema's pattern searches the whole string the way re.fullmatch does with ^...$.
    if not re.fullmatch(schema["pattern"].removeprefix("^").removesuffix("$"), value):
        return False
    longest: int = schema.get("maxLength", len(value))
    return len(value) <= longest


def _texts(longest: int) -> st.SearchStrategy[str]:
    edge = st.text(alphabet=st.sampled_from(EDGE_CHARACTERS), max_size=4)
    body = st.one_of(
        st.text(alphabet=st.sampled_from(EDGE_CHARACTERS), max_size=8),
        st.integers(longest - 3, longest + 2).map(lambda n: "x" * max(n, 0)),
        st.text(max_size=12),
    )
    return st.builds(lambda left, middle, right: left + middle + right, edge, body, edge)


def _accepted(body: dict[str, Any]) -> bool:
    try:
        SessionCreate.model_validate(body)
    except ValidationError:
        return False
    return True


@settings(max_examples=400, deadline=None)
@given(value=_texts(200))
def test_the_documented_title_is_the_validated_title(value: str) -> None:
    title = _document_schemas()["SessionCreate"]["properties"]["title"]
    assert _matches(title, value) == _accepted({"title": value})


@settings(max_examples=400, deadline=None)
@given(value=_texts(40))
def test_the_documented_tag_is_the_validated_tag(value: str) -> None:
    tag = _document_schemas()["SessionCreate"]["properties"]["tags"]["items"]
    assert _matches(tag, value) == _accepted({"title": "x", "tags": [value]})


@settings(max_examples=400, deadline=None)
@given(value=_texts(2000))
def test_the_documented_description_is_the_validated_description(value: str) -> None:
    description = _string_schema(_document_schemas()["SessionCreate"]["properties"]["description"])
    assert _matches(description, value) == _accepted({"title": "x", "description": value})


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        # RFC 3339 offsets are whole minutes, up to 23:59 either way.
        timezones=st.integers(-1439, 1439).map(lambda m: timezone(timedelta(minutes=m))),
    ),
    separator=st.sampled_from("Tt"),
)
def test_any_documented_date_time_well_inside_the_range_is_accepted(
    moment: datetime, separator: str
) -> None:
    text = moment.isoformat(sep=separator)
    starts_at = _string_schema(_document_schemas()["SessionCreate"]["properties"]["startsAt"])
    assert _matches(starts_at, text), text
    stored = SessionCreate(title="x", startsAt=text).startsAt
    assert stored is not None
    assert re.fullmatch(UTC_TIMESTAMP_REGEX, stored)
    expected = moment.astimezone(UTC).replace(microsecond=moment.microsecond // 1000 * 1000)
    assert datetime.fromisoformat(stored) == expected


@settings(max_examples=400, deadline=None)
@given(value=st.text(alphabet="0123456789-:.+TtZz \u0660", max_size=32))
def test_an_accepted_date_time_always_matches_the_documented_pattern(value: str) -> None:
    starts_at = _string_schema(_document_schemas()["SessionCreate"]["properties"]["startsAt"])
    if _accepted({"title": "x", "startsAt": value}):
        assert _matches(starts_at, value)
