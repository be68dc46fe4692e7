"""The mapping from errors to HTTP answers: every error is application/problem+json (RFC 9457)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from session_actions.domain.errors import (
    FieldError,
    IdempotencyInFlight,
    IdempotencyKeyReused,
    InvalidRequest,
    NotAuthenticated,
    SessionError,
    SessionForbidden,
    SessionNotFound,
    StoreUnavailable,
    VersionMismatch,
)
from session_actions.domain.views import SERVER_FIELDS
from session_actions.http.envelope import PROBLEM_JSON, problem_body

RETRY_AFTER_SECONDS = "2"

STATUS_OF: dict[type[SessionError], HTTPStatus] = {
    NotAuthenticated: HTTPStatus.UNAUTHORIZED,
    InvalidRequest: HTTPStatus.BAD_REQUEST,
    SessionForbidden: HTTPStatus.FORBIDDEN,
    SessionNotFound: HTTPStatus.NOT_FOUND,
    IdempotencyInFlight: HTTPStatus.CONFLICT,
    VersionMismatch: HTTPStatus.PRECONDITION_FAILED,
    IdempotencyKeyReused: HTTPStatus.UNPROCESSABLE_ENTITY,
    StoreUnavailable: HTTPStatus.SERVICE_UNAVAILABLE,
}


def problem(
    status: HTTPStatus,
    detail: str,
    request_id: str,
    errors: list[FieldError] | None = None,
) -> tuple[dict[str, str], str]:
    """Headers and body of a problem response."""
    fields = [{"field": e.field, "message": e.message} for e in errors or ()]
    body = problem_body(status, detail, request_id, fields)
    headers = {"Content-Type": PROBLEM_JSON}
    if status == HTTPStatus.SERVICE_UNAVAILABLE:
        headers["Retry-After"] = RETRY_AFTER_SECONDS
    return headers, json.dumps(body, ensure_ascii=False)


def problem_for(error: SessionError, request_id: str) -> tuple[HTTPStatus, dict[str, str], str]:
    status = next(s for kind, s in STATUS_OF.items() if isinstance(error, kind))
    errors = error.errors if isinstance(error, InvalidRequest) else None
    headers, body = problem(status, error.detail, request_id, errors)
    return status, headers, body


def field_errors(validation_errors: Iterable[Mapping[str, Any]]) -> list[FieldError]:
    """A body's validation errors (pydantic's) as dotted field paths and readable messages."""
    result = []
    for error in validation_errors:
        path = [str(part) for part in error.get("loc", ())]
        field = ".".join(path) or "body"
        message = str(error.get("msg", "Invalid value"))
        if error.get("type") == "extra_forbidden":
            message = (
                "Set by the server; it cannot be sent"
                if path and path[-1] in SERVER_FIELDS
                else "Unknown field"
            )
        elif message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        result.append(FieldError(field, message))
    return result
