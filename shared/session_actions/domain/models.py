"""Request body models: every field rule of what a client may send, in one place.

Only the write routes import this (pydantic with it); what the API answers is described in
``response_models``.
"""

import unicodedata
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from session_actions.domain.timestamps import (
    TIMESTAMP_REGEX,
    normalise_timestamp,
)
from session_actions.domain.views import Status

# The text rules below as JSON Schema patterns, for the OpenAPI document. Trimming removes
# _SPACE (Unicode White_Space, some of it control characters: those go before the check);
# _CONTROL is Unicode category Cc.
_SPACE = r"\x09-\x0d\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_CONTROL = r"\x00-\x1f\x7f-\x9f"


def _trimmed_text_pattern(max_length: int) -> str:
    """1 to ``max_length`` characters once trimmed, and no control characters inside."""
    edge = f"[^{_CONTROL}{_SPACE}]"
    return f"^[{_SPACE}]*{edge}(?:[^{_CONTROL}]{{0,{max_length - 2}}}{edge})?[{_SPACE}]*$"


TITLE_PATTERN = _trimmed_text_pattern(200)
TAG_PATTERN = _trimmed_text_pattern(40)
DESCRIPTION_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"


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


# Each type carries the JSON Schema that says exactly what its validators accept.
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_control_characters),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": TITLE_PATTERN,
            "description": "1 to 200 characters once trimmed; no control characters. "
            "Stored and returned trimmed.",
            "examples": ["Design review"],
        }
    ),
]
Description = Annotated[
    str,
    StringConstraints(max_length=2000),
    AfterValidator(_only_text_controls),
    WithJsonSchema(
        {
            "type": "string",
            "maxLength": 2000,
            "pattern": DESCRIPTION_PATTERN,
            "description": "Free text; newline, carriage return and tab are the only "
            "control characters allowed.",
        }
    ),
]
Tag = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
    AfterValidator(_no_control_characters),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": TAG_PATTERN,
            "description": "1 to 40 characters once trimmed; no control characters.",
        }
    ),
]
Tags = Annotated[
    list[Tag],
    Field(
        max_length=20,
        description="At most 20, unique once trimmed (case-sensitive).",
        json_schema_extra={"uniqueItems": True},
    ),
    AfterValidator(_unique_tags),
]
Timestamp = Annotated[
    str,
    AfterValidator(normalise_timestamp),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": TIMESTAMP_REGEX,
            "description": "RFC 3339 with an offset, between the years 0001 and 9999 in UTC. "
            "Returned in UTC with milliseconds (extra digits are truncated).",
            "examples": ["2030-01-31T09:00:00+01:00"],
        }
    ),
]


def _check_range(starts_at: str | None, ends_at: str | None) -> None:
    # Normalised timestamps share one fixed-width UTC format, so string order is time order.
    if starts_at is not None and ends_at is not None and ends_at < starts_at:
        raise ValueError("endsAt must not be earlier than startsAt")


def wire_name(name: str, _: Any) -> str:
    # The schema calls each field by its name on the wire (startsAt, not "Startsat").
    return name


# Each model is built on first use (defer_build), not at import: a function builds only the
# one model its requests touch.
class _ClientFields(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, field_title_generator=wire_name, defer_build=True
    )


def _create_schema(schema: dict[str, Any]) -> None:
    schema["properties"]["tags"]["default"] = []


class SessionCreate(_ClientFields):
    """Body of POST /sessions. Unknown and server-set fields are refused."""

    model_config = ConfigDict(json_schema_extra=_create_schema)

    title: Title
    description: Description | None = None
    status: Status = "scheduled"
    startsAt: Timestamp | None = None
    endsAt: Timestamp | None = Field(None, description="Not earlier than startsAt.")
    tags: Tags = Field(default_factory=list)

    @field_validator("endsAt")
    @classmethod
    def _ends_after_start(cls, ends_at: str | None, info: ValidationInfo) -> str | None:
        # A field validator, so the error names endsAt; startsAt is validated before it.
        _check_range(info.data.get("startsAt"), ends_at)
        return ends_at


def _update_schema(schema: dict[str, Any]) -> None:
    # A field left out of an update keeps its value: none of them has a default.
    for field in schema.get("properties", {}).values():
        field.pop("default", None)
    schema["minProperties"] = 1


class SessionUpdate(_ClientFields):
    """Body of an update: any non-empty subset of the client fields.

    A field left out keeps its stored value; null clears a nullable field. endsAt must not be
    earlier than startsAt in the stored result, not only among the fields sent.
    """

    # Only the fields actually sent (model_fields_set) are applied; title, status and tags
    # default to None only to mark them absent: an explicit null for them is refused.
    model_config = ConfigDict(json_schema_extra=_update_schema)

    title: Title = None  # type: ignore[assignment]
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

    @field_validator("endsAt")
    @classmethod
    def _ends_after_start(cls, ends_at: str | None, info: ValidationInfo) -> str | None:
        # A field validator, so the error names endsAt; startsAt is validated before it.
        _check_range(info.data.get("startsAt"), ends_at)
        return ends_at

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, with their new values (None clears)."""
        return {name: getattr(self, name) for name in self.model_fields_set}
