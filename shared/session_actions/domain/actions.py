"""The use cases: create, list, get, update and delete a caller's sessions.

Each action takes the caller (``owner``, always from the verified token) and already
validated input, applies the rules, and talks to storage only through SessionRepository.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from session_actions.domain.cursor import decode_cursor, encode_cursor
from session_actions.domain.errors import (
    FieldError,
    InvalidRequest,
    SessionForbidden,
    SessionNotFound,
    VersionMismatch,
)
from session_actions.domain.ids import new_ulid
from session_actions.domain.queries import ListQuery
from session_actions.domain.timestamps import now
from session_actions.domain.views import SessionView, session_view
from session_actions.storage.repository import ConditionFailed, SessionRepository

if TYPE_CHECKING:
    # Only the write routes have bodies, and only they import the models.
    from session_actions.domain.models import SessionCreate, SessionUpdate


class SessionPage(TypedDict):
    items: list[SessionView]
    nextCursor: str | None


def _missing(repository: SessionRepository, session_id: str) -> Exception:
    """Why the caller has no session with this id: it is someone else's (403) or none (404)."""
    if repository.exists_for_anyone(session_id):
        return SessionForbidden("This session belongs to another user")
    return SessionNotFound("No session with this id")


def _refusal(
    repository: SessionRepository,
    session_id: str,
    failure: ConditionFailed,
    expected_version: int | None,
) -> Exception:
    """A write refused for the session's existence or version: 404, 403 or 412."""
    if failure.failure == "missing":
        return _missing(repository, session_id)
    if failure.failure == "changed" or failure.current is None:
        # The version the write was checked against is gone either way.
        return VersionMismatch("The session changed during this request")
    return VersionMismatch(
        f"The session is at version {failure.current['version']}, not {expected_version}"
    )


def create_session(repository: SessionRepository, owner: str, body: SessionCreate) -> SessionView:
    created_at = now()
    item: dict[str, Any] = {
        "owner": owner,
        "id": new_ulid(),
        **body.model_dump(),
        "createdAt": created_at,
        "updatedAt": created_at,
        "version": 1,
    }
    repository.insert(item)
    return session_view(item)


def list_sessions(
    repository: SessionRepository,
    owner: str,
    limit: int,
    cursor: str | None,
    query: ListQuery,
) -> SessionPage:
    """One page: newest first, or earliest start first when a window of start times is given."""
    if (
        query.starts_from is not None
        and query.starts_before is not None
        and query.starts_before <= query.starts_from
    ):
        raise InvalidRequest(
            "Request failed validation",
            [FieldError("startsBefore", "Must be later than startsFrom")],
        )
    after = decode_cursor(owner, query, cursor) if cursor is not None else None
    page = repository.page(owner, query, limit, after)
    next_cursor = encode_cursor(owner, query, page.next_after) if page.next_after else None
    return {"items": [session_view(item) for item in page.items], "nextCursor": next_cursor}


def get_session(repository: SessionRepository, owner: str, session_id: str) -> SessionView:
    item = repository.get(owner, session_id)
    if item is None:
        raise _missing(repository, session_id)
    return session_view(item)


def update_session(
    repository: SessionRepository,
    owner: str,
    session_id: str,
    body: SessionUpdate,
    expected_version: int | None,
) -> SessionView:
    changes = body.changes()
    try:
        item = repository.update(owner, session_id, changes, now(), expected_version)
    except ConditionFailed as failure:
        if failure.failure != "time_range":
            raise _refusal(repository, session_id, failure, expected_version) from None
        field = "endsAt" if "endsAt" in body.model_fields_set else "startsAt"
        raise InvalidRequest(
            "Request body failed validation",
            [FieldError(field, "endsAt must not be earlier than startsAt")],
        ) from None
    return session_view(item)


def delete_session(
    repository: SessionRepository, owner: str, session_id: str, expected_version: int | None
) -> None:
    try:
        repository.delete(owner, session_id, expected_version)
    except ConditionFailed as failure:
        raise _refusal(repository, session_id, failure, expected_version) from None
