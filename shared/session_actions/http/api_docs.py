"""What each route answers, said where the route is declared.

The handlers put these in their ``Route`` declarations, and the OpenAPI document is generated
from those: status codes, problem+json bodies, headers and the links between operations.
Bodies refer to the models in ``response_models`` by name (``#/components/schemas/Session``); the
document generator publishes those models' own schemas. Plain data: a Lambda pays nothing for
it, and imports no models for it.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from session_actions.domain.ids import ULID_REGEX
from session_actions.http.envelope import PROBLEM_JSON

OpenAPIResponse = dict[str, Any]

TAGS = ["sessions"]
JSON = "application/json"

# Operation ids, which the links below refer to.
CREATE = "createSession"
LIST = "listSessions"
GET = "getSession"
UPDATE = "updateSession"
DELETE = "deleteSession"

# Parameters that more than one route takes.
SESSION_ID = "The session's id: a ULID, 26 upper-case Crockford base32 characters."
IF_MATCH = (
    'Apply only if the session is at this version: its ETag ("3"), or * for any version. '
    "Without it, the change applies to the current version."
)
IF_NONE_MATCH = (
    "Answer 304 Not Modified, with no body, if the session is at one of these versions: ETags "
    'separated by commas, weak (W/"3") or strong ("3"), compared weakly; or * for any version.'
)
IDEMPOTENCY_KEY = (
    "1 to 255 printable ASCII characters, chosen by the client. The same key and body within "
    "24 hours get the first response again and create nothing new. Keys are per user."
)

_REQUEST_ID = {
    "description": "The request's id (API Gateway's); an error body repeats it as requestId.",
    "schema": {"type": "string", "minLength": 1},
}
_ETAG = {
    "description": 'The session\'s version, quoted ("3"). Send it back in If-Match.',
    "schema": {"type": "string", "pattern": '^"[0-9]+"$'},
}
_LOCATION = {
    "description": "The new session's path.",
    "schema": {"type": "string", "pattern": "^/sessions/" + ULID_REGEX.removeprefix("^")},
}
_RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "string", "pattern": "^[0-9]+$"},
}

# One meaning per status, whichever route answers it.
_ERRORS: dict[int, str] = {
    400: "The request is not valid: path, query, a header or the body. `errors` lists every "
    "invalid field. Bodies that are not JSON, not an object, larger than 16 KiB or not UTF-8 "
    "are refused here too.",
    401: "No valid access token with one of the route's scopes: none, expired, not from the "
    "user pool, an ID token, or without an accepted scope (the authorizer answers; the function "
    "checks the same again, and its `detail` then names the scopes the route accepts).",
    403: "The session exists but belongs to another user.",
    404: "No session has this id.",
    409: "A request with this Idempotency-Key is still in progress; retry shortly.",
    412: "If-Match does not name the stored version; nothing changed.",
    422: "This Idempotency-Key was already used with a different body.",
    500: "An unexpected error. The body says nothing about internals; the log has the error "
    "under the same requestId.",
    503: "The database is throttled or unreachable, after the SDK's own retries; nothing was "
    "written. Retry after Retry-After seconds.",
}


def _schema(model: str) -> dict[str, Any]:
    """A body of one of the models in ``response_models``, by its name."""
    return {"schema": {"$ref": f"#/components/schemas/{model}"}}


def _headers(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"X-Request-Id": _REQUEST_ID, **(extra or {})}


def _problem(status: int) -> OpenAPIResponse:
    return {
        "description": f"{HTTPStatus(status).phrase}. {_ERRORS[status]}",
        "headers": _headers({"Retry-After": _RETRY_AFTER} if status == 503 else None),
        "content": {PROBLEM_JSON: _schema("Problem")},
    }


def _session_links(session_id: str) -> dict[str, Any]:
    """What a client can do next with a session and the ETag it was just given."""
    by_id = {"path.id": session_id}
    by_id_and_version = {**by_id, "header.If-Match": "$response.header.ETag"}
    return {
        "GetSession": {"operationId": GET, "parameters": by_id},
        "UpdateSession": {"operationId": UPDATE, "parameters": by_id_and_version},
        "DeleteSession": {"operationId": DELETE, "parameters": by_id_and_version},
    }


def created() -> OpenAPIResponse:
    return {
        "description": "Created: the new session. A repeated Idempotency-Key with the same "
        "body gets the first response again.",
        "headers": _headers({"ETag": _ETAG, "Location": _LOCATION}),
        "content": {JSON: _schema("Session")},
        "links": _session_links("$response.body#/id"),
    }


def session(description: str) -> OpenAPIResponse:
    return {
        "description": description,
        "headers": _headers({"ETag": _ETAG}),
        "content": {JSON: _schema("Session")},
        "links": _session_links("$response.body#/id"),
    }


def not_modified() -> OpenAPIResponse:
    return {
        "description": "Not Modified: the session is at a version If-None-Match names. No "
        "body; ETag is the current version.",
        "headers": _headers({"ETag": _ETAG}),
    }


def page() -> OpenAPIResponse:
    return {
        "description": "One page of the caller's sessions, newest first.",
        "headers": _headers(),
        "content": {JSON: _schema("SessionPage")},
        "links": {
            "GetSession": {
                "operationId": GET,
                "parameters": {"path.id": "$response.body#/items/0/id"},
            }
        },
    }


def deleted() -> OpenAPIResponse:
    return {
        "description": "Deleted; no body.",
        "headers": _headers(),
        "content": {},
        "links": {
            "GetSession": {"operationId": GET, "parameters": {"path.id": "$request.path.id"}}
        },
    }


def responses(success: dict[int, OpenAPIResponse], *errors: int) -> dict[int, OpenAPIResponse]:
    """A route's answers: its success, then each error it can give, as problem+json."""
    return {**success, **{status: _problem(status) for status in sorted(errors)}}


def operation(
    operation_id: str,
    summary: str,
    description: str,
    success: dict[int, OpenAPIResponse],
    errors: tuple[int, ...],
) -> dict[str, Any]:
    """A route's OpenAPI operation, but for its parameters and body (``Route`` adds those)."""
    return {
        "tags": TAGS,
        "summary": summary,
        "description": description,
        "operationId": operation_id,
        "responses": responses(success, *errors),
    }
