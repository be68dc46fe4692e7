"""What can go wrong in a use case, said in the domain's words.

``http.problems`` maps each of these to a status code and a problem+json body; nothing
here knows about HTTP.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class SessionError(Exception):
    """Base of every error a client can cause or be told about."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotAuthenticated(SessionError):
    """No caller identity reached the function."""


class InvalidRequest(SessionError):
    """The request itself is wrong: path, query, headers or body."""

    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or []


class SessionNotFound(SessionError):
    """No session with this id exists anywhere."""


class SessionForbidden(SessionError):
    """The session exists but belongs to another caller."""


class VersionMismatch(SessionError):
    """If-Match named a version other than the stored one."""


class IdempotencyInFlight(SessionError):
    """The first request with this Idempotency-Key has not finished yet."""


class IdempotencyKeyReused(SessionError):
    """The Idempotency-Key was already used with a different body."""


class StoreUnavailable(SessionError):
    """DynamoDB throttled or could not be reached, after the SDK's own retries."""
