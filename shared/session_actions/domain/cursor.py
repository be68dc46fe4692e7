"""Opaque pagination cursors, signed so a client can neither forge nor swap them.

A cursor carries the position of the last session on the page (its id, or its start key for
a window of start times) and the query it was made for: status, startsFrom and startsBefore.
The signature covers the caller's ``sub`` too, so another caller's cursor, a cursor made for
another query, or any edited byte is rejected as a bad request.
"""

import base64
import binascii
import hashlib
import hmac
import json
import re

from session_actions.domain.errors import FieldError, InvalidRequest
from session_actions.domain.ids import ULID_REGEX
from session_actions.domain.queries import ListQuery
from session_actions.domain.timestamps import UTC_TIMESTAMP_REGEX
from session_actions.settings import settings

_SIGNATURE_BYTES = 16
_BY_ID = re.compile(ULID_REGEX)
_BY_START = re.compile(UTC_TIMESTAMP_REGEX.removesuffix("$") + "#" + ULID_REGEX.removeprefix("^"))


def _key() -> bytes:
    return settings().require("cursor_secret").encode()


def _sign(owner: str, payload: bytes) -> bytes:
    message = owner.encode() + b"\x00" + payload
    return hmac.new(_key(), message, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def _query_fields(query: ListQuery) -> dict[str, str | None]:
    return {"status": query.status, "from": query.starts_from, "before": query.starts_before}


def encode_cursor(owner: str, query: ListQuery, position: str) -> str:
    fields = {"after": position, **_query_fields(query)}
    payload = json.dumps(fields, separators=(",", ":")).encode()
    token = _sign(owner, payload) + payload
    return base64.urlsafe_b64encode(token).decode().rstrip("=")


def decode_cursor(owner: str, query: ListQuery, cursor: str) -> str:
    """The position to continue after; InvalidRequest for anything not issued for this query."""
    invalid = InvalidRequest(
        "The cursor is not valid for this request",
        [
            FieldError(
                "cursor",
                "Pass back nextCursor unchanged, with the same status, startsFrom and startsBefore",
            )
        ],
    )
    try:
        token = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise invalid from None
    signature, payload = token[:_SIGNATURE_BYTES], token[_SIGNATURE_BYTES:]
    if not hmac.compare_digest(signature, _sign(owner, payload)):
        raise invalid
    data = json.loads(payload)
    position = str(data.get("after"))
    shape = _BY_START if query.by_start else _BY_ID
    if any(data.get(k) != v for k, v in _query_fields(query).items()):
        raise invalid
    if not shape.fullmatch(position):
        raise invalid
    return position
