"""The models of what the API answers, for the OpenAPI document and the tests.

The functions build their answers as plain dicts (``views``) and never import this; the
document publishes these schemas, and a contract test holds every view to ``Session``.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from session_actions.domain.ids import ULID_REGEX
from session_actions.domain.models import wire_name
from session_actions.domain.timestamps import UTC_TIMESTAMP_REGEX
from session_actions.domain.views import Status

UtcTimestamp = Annotated[
    str,
    Field(
        pattern=UTC_TIMESTAMP_REGEX,
        json_schema_extra={"format": "date-time", "examples": ["2030-01-31T08:00:00.000Z"]},
    ),
]


class Session(BaseModel):
    """A session as the API returns it: every field is always present."""

    model_config = ConfigDict(extra="forbid", field_title_generator=wire_name, defer_build=True)

    id: Annotated[str, Field(pattern=ULID_REGEX, description="A ULID, set by the server.")]
    title: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=2000)] | None
    status: Status
    startsAt: UtcTimestamp | None
    endsAt: UtcTimestamp | None
    tags: Annotated[list[str], Field(max_length=20, json_schema_extra={"uniqueItems": True})]
    createdAt: UtcTimestamp
    updatedAt: UtcTimestamp
    version: Annotated[
        int, Field(ge=1, description="1 on create, +1 on every update; the ETag quotes it.")
    ]


class SessionPage(BaseModel):
    """Body of GET /sessions: one page of the caller's sessions, newest first."""

    model_config = ConfigDict(extra="forbid", field_title_generator=wire_name, defer_build=True)

    items: Annotated[list[Session], Field(max_length=100)]
    nextCursor: Annotated[
        str | None,
        Field(description="Pass back as cursor for the next page; null when nothing follows."),
    ]


class ProblemField(BaseModel):
    """One invalid part of a request."""

    model_config = ConfigDict(field_title_generator=wire_name, defer_build=True)

    field: Annotated[
        str, Field(description="Dotted path of the field (tags.3), or the header's name.")
    ]
    message: str


class Problem(BaseModel):
    """An error, as application/problem+json (RFC 9457)."""

    model_config = ConfigDict(field_title_generator=wire_name, defer_build=True)

    type: Annotated[str, Field(examples=["about:blank"])]
    title: Annotated[str, Field(examples=["Bad Request"])]
    status: Annotated[int, Field(ge=400, le=599)]
    detail: str
    errors: Annotated[
        list[ProblemField], Field(description="Every invalid field of a 400; absent otherwise.")
    ] = []
    requestId: Annotated[str, Field(description="The same value as the X-Request-Id header.")]
