"""What the API returns: a stored session as the wire's Session, and a page of them.

Plain dicts built in the order of ``models.Session`` (the schema the OpenAPI document
publishes; a contract test holds the two together), so the routes that only read need no
models at run time.
"""

from __future__ import annotations

import json
from typing import Any, Literal, TypedDict

Status = Literal["scheduled", "active", "completed", "cancelled"]
STATUSES: tuple[Status, ...] = ("scheduled", "active", "completed", "cancelled")

# Fields the server owns; a request body that names one is refused, saying so.
SERVER_FIELDS = frozenset({"id", "owner", "createdAt", "updatedAt", "version"})


class SessionView(TypedDict):
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


def session_view(item: dict[str, Any]) -> SessionView:
    """A stored item as the client sees it: every field present, absent ones null (tags [])."""
    return {
        "id": item["id"],
        "title": item["title"],
        "description": item.get("description"),
        "status": item["status"],
        "startsAt": item.get("startsAt"),
        "endsAt": item.get("endsAt"),
        "tags": item.get("tags", []),
        "createdAt": item["createdAt"],
        "updatedAt": item["updatedAt"],
        "version": item["version"],
    }


def to_json(value: Any) -> str:
    """Compact JSON, non-ASCII characters kept as they are."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
