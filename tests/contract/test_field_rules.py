"""Field rules at their edges: what the validators accept is what the document says.

Regressions found while writing the OpenAPI document and fuzzing it are pinned here.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from session_actions.errors import InvalidRequest
from session_actions.idempotency import check_key
from session_actions.lambda_api import expected_version
from session_actions.models import SessionCreate, SessionUpdate


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
