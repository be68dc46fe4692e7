"""Opaque pagination cursors, signed so a client can neither forge nor swap them.

A cursor carries the id of the last session on the page and the status filter it was
made for; the signature covers the caller's ``sub`` too, so another caller's cursor, a
cursor made for another filter, or any edited byte is rejected as a bad request.
"""

import base64
import binascii
import hashlib
import hmac
import json
import os

from session_actions.errors import FieldError, InvalidRequest
from session_actions.ids import is_ulid

_SIGNATURE_BYTES = 16


def _key() -> bytes:
    return os.environ["CURSOR_SECRET"].encode()


def _sign(owner: str, payload: bytes) -> bytes:
    message = owner.encode() + b"\x00" + payload
    return hmac.new(_key(), message, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def encode_cursor(owner: str, status: str | None, last_id: str) -> str:
    payload = json.dumps({"after": last_id, "status": status}, separators=(",", ":")).encode()
    token = _sign(owner, payload) + payload
    return base64.urlsafe_b64encode(token).decode().rstrip("=")


def decode_cursor(owner: str, status: str | None, cursor: str) -> str:
    """The id to continue after; InvalidRequest for anything we did not issue to this caller."""
    invalid = InvalidRequest(
        "The cursor is not valid for this request",
        [FieldError("cursor", "Pass back nextCursor unchanged, with the same status filter")],
    )
    try:
        token = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise invalid from None
    signature, payload = token[:_SIGNATURE_BYTES], token[_SIGNATURE_BYTES:]
    if not hmac.compare_digest(signature, _sign(owner, payload)):
        raise invalid
    data = json.loads(payload)
    if data.get("status") != status or not is_ulid(str(data.get("after"))):
        raise invalid
    return str(data["after"])
