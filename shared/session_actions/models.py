"""Request and response models: every field rule of the API contract, in one place."""

import re
import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

Status = Literal["scheduled", "active", "completed", "cancelled"]
STATUSES: tuple[Status, ...] = ("scheduled", "active", "completed", "cancelled")

# Fields the server owns; a body that names one is rejected with a message that says so.
SERVER_FIELDS = frozenset({"id", "owner", "createdAt", "updatedAt", "version"})

# An RFC 3339 date-time with an offset, as a client may send it; ASCII digits only.
TIMESTAMP_REGEX = (
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
_RFC3339 = re.compile(TIMESTAMP_REGEX)


def format_timestamp(moment: datetime) -> str:
    """UTC, millisecond precision, ending in Z: the one timestamp format of the API."""
    utc = moment.astimezone(UTC)
    # Not strftime: its %Y does not pad years before 1000 to four digits on every platform.
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:"
        f"{utc.second:02d}.{utc.microsecond // 1000:03d}Z"
    )


def _normalise_timestamp(value: str) -> str:
    match = _RFC3339.fullmatch(value)
    if not match:
        raise ValueError("must be an RFC 3339 date-time with an offset, e.g. 2030-01-31T09:00:00Z")
    fraction = (match.group(7) or "0")[:6]
    offset = match.group(8).upper()
    text = "{}-{}-{}T{}:{}:{}.{}{}".format(*match.groups()[:6], fraction, offset)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("is not a valid date-time") from None
    try:
        return format_timestamp(moment)
    except OverflowError:
        # 9999-12-31T23:00:00-02:00 is a valid date-time whose UTC year has five digits.
        raise ValueError("must fall between the years 0001 and 9999 in UTC") from None


def _no_control_characters(value: str) -> str:
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError("must not contain control characters")
    return value


def _only_text_controls(value: str) -> str:
    # A description is free text: newlines and tabs are fine, other control characters are not.
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in value):
        raise ValueError("must not contain control characters other than newline and tab")
    return value


def _unique_tags(tags: list[str]) -> list[str]:
    if len(set(tags)) != len(tags):
        raise ValueError("tags must be unique")
    return tags


Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_control_characters),
]
Description = Annotated[
    str, StringConstraints(max_length=2000), AfterValidator(_only_text_controls)
]
Tag = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
    AfterValidator(_no_control_characters),
]
Tags = Annotated[list[Tag], Field(max_length=20), AfterValidator(_unique_tags)]
Timestamp = Annotated[str, AfterValidator(_normalise_timestamp)]


def _check_range(starts_at: str | None, ends_at: str | None) -> None:
    # Normalised timestamps share one fixed-width UTC format, so string order is time order.
    if starts_at is not None and ends_at is not None and ends_at < starts_at:
        raise ValueError("endsAt must not be earlier than startsAt")


class _ClientFields(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class SessionCreate(_ClientFields):
    """Body of POST /sessions."""

    title: Title
    description: Description | None = None
    status: Status = "scheduled"
    startsAt: Timestamp | None = None
    endsAt: Timestamp | None = None
    tags: Tags = Field(default_factory=list)

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        _check_range(self.startsAt, self.endsAt)
        return self


class SessionUpdate(_ClientFields):
    """Body of PUT /sessions/{id}: any non-empty subset of the client fields.

    A field left out keeps its stored value; ``null`` clears a nullable field.
    Only the fields actually sent (``model_fields_set``) are applied.
    """

    title: Title = None  # type: ignore[assignment]  # absent, never null: see _not_null
    description: Description | None = None
    status: Status = None  # type: ignore[assignment]
    startsAt: Timestamp | None = None
    endsAt: Timestamp | None = None
    tags: Tags = None  # type: ignore[assignment]

    @model_validator(mode="before")
    @classmethod
    def _not_empty(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data:
            raise ValueError("send at least one field to change")
        return data

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        _check_range(self.startsAt, self.endsAt)
        return self

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, with their new values (None clears)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class Session(BaseModel):
    """A session as the API returns it."""

    id: str
    title: str
    description: str | None
    status: Status
    startsAt: str | None
    endsAt: str | None
    tags: list[str]
    createdAt: str
    updatedAt: str
    version: int


class SessionPage(BaseModel):
    """Body of GET /sessions."""

    items: list[Session]
    nextCursor: str | None
