"""A corpus of bad requests, straight to the handlers: each is a 4xx problem and changes nothing.

Every case runs against a table that already holds two users' sessions and an idempotency
record; afterwards both tables must hold exactly what they held before.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.contract.conftest import Functions, running_functions
from tests.replies import Reply, assert_problem

SESSION_FIELDS = {"title", "description", "status", "startsAt", "endsAt", "tags"}
UNKNOWN = "01HZZZZZZZZZZZZZZZZZZZZZZZ"  # a well-formed id no session has


@dataclass(frozen=True)
class Seeded:
    alice: dict[str, Any]
    bob: dict[str, Any]
    cursor: str  # alice's first page of one, unfiltered
    active_cursor: str  # alice's first page of one, status=active
    bob_cursor: str


@dataclass(frozen=True)
class Bad:
    """One bad request. ``{alice}``/``{bob}`` in the path become those users' session ids."""

    method: str
    path: str
    body: str | None = None
    json_body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    is_base64: bool = False
    status: int = 400
    fields: tuple[str, ...] | None = None  # the fields the problem must name, when it names any
    routed_as_id: bool = False


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


POST = "/sessions"
ONE = "/sessions/{alice}"
BIG_TAGS = [f"tag-{i}" for i in range(300)]

CORPUS: dict[str, Bad] = {
    # The body as bytes: not JSON, not an object, too large, not UTF-8.
    "not json": Bad("POST", POST, body="title=Design review"),
    "truncated json": Bad("POST", POST, body='{"title": "x"'),
    "json with trailing garbage": Bad("POST", POST, body='{"title": "x"} {}'),
    "NaN literal": Bad("POST", POST, body='{"title": "x", "description": NaN}'),
    "empty body": Bad("POST", POST, body=""),
    "whitespace body": Bad("PUT", ONE, body="  \n "),
    "json array": Bad("POST", POST, json_body=[{"title": "x"}]),
    "empty array": Bad("PUT", ONE, body="[]"),
    "json null": Bad("POST", POST, body="null"),
    "json null on update": Bad("PUT", ONE, body="null"),
    "json string": Bad("POST", POST, body='"title"'),
    "json number": Bad("PUT", ONE, body="42"),
    "json true": Bad("POST", POST, body="true"),
    "body over 16 KiB": Bad("POST", POST, json_body={"title": "x", "description": "d" * 17_000}),
    "16 KiB of whitespace": Bad("PUT", ONE, body='{"title": "x"}' + " " * 16_400),
    "invalid utf-8": Bad("POST", POST, body=b64(b'{"title": "\xff\xfe"}'), is_base64=True),
    "overlong utf-8": Bad("PUT", ONE, body=b64(b'{"title": "\xc0\xaf"}'), is_base64=True),
    "utf-16 body": Bad("POST", POST, body=b64('{"title": "x"}'.encode("utf-16")), is_base64=True),
    "not base64": Bad("POST", POST, body="{{not base64}}", is_base64=True),
    "deep nesting": Bad("POST", POST, body='{"title": ' + "[" * 5000 + "]" * 5000 + "}"),
    # Wrong types, for every field.
    "title number": Bad("POST", POST, json_body={"title": 1}, fields=("title",)),
    "title null": Bad("POST", POST, json_body={"title": None}, fields=("title",)),
    "title null on update": Bad("PUT", ONE, json_body={"title": None}, fields=("title",)),
    "title object": Bad("POST", POST, json_body={"title": {"text": "x"}}, fields=("title",)),
    "description number": Bad(
        "POST", POST, json_body={"title": "x", "description": 5}, fields=("description",)
    ),
    "status wrong case": Bad(
        "POST", POST, json_body={"title": "x", "status": "Active"}, fields=("status",)
    ),
    "status unknown": Bad("PUT", ONE, json_body={"status": "done"}, fields=("status",)),
    "status null": Bad("PUT", ONE, json_body={"status": None}, fields=("status",)),
    "tags string": Bad("POST", POST, json_body={"title": "x", "tags": "a,b"}, fields=("tags",)),
    "tags null": Bad("PUT", ONE, json_body={"tags": None}, fields=("tags",)),
    "tag number": Bad("POST", POST, json_body={"title": "x", "tags": ["a", 7]}, fields=("tags.1",)),
    "startsAt number": Bad(
        "POST", POST, json_body={"title": "x", "startsAt": 1893456000}, fields=("startsAt",)
    ),
    "startsAt without offset": Bad(
        "PUT", ONE, json_body={"startsAt": "2030-01-31T09:00:00"}, fields=("startsAt",)
    ),
    "startsAt date only": Bad(
        "POST", POST, json_body={"title": "x", "startsAt": "2030-01-31"}, fields=("startsAt",)
    ),
    "startsAt impossible date": Bad(
        "PUT", ONE, json_body={"startsAt": "2030-02-30T09:00:00Z"}, fields=("startsAt",)
    ),
    "startsAt leaves the years in UTC": Bad(
        "POST",
        POST,
        json_body={"title": "x", "endsAt": "9999-12-31T23:59:59-01:00"},
        fields=("endsAt",),
    ),
    "boolean as title": Bad("POST", POST, json_body={"title": True}, fields=("title",)),
    # Unknown and server-set fields: no mass assignment.
    "unknown field": Bad(
        "POST", POST, json_body={"title": "x", "colour": "red"}, fields=("colour",)
    ),
    "server fields on create": Bad(
        "POST",
        POST,
        json_body={
            "title": "x",
            "id": UNKNOWN,
            "owner": "someone-else",
            "version": 7,
            "createdAt": "2020-01-01T00:00:00.000Z",
            "updatedAt": "2020-01-01T00:00:00.000Z",
        },
        fields=("id", "owner", "version", "createdAt", "updatedAt"),
    ),
    "server fields on update": Bad(
        "PUT", ONE, json_body={"title": "x", "owner": "someone-else", "version": 99}
    ),
    "empty update": Bad("PUT", ONE, json_body={}),
    # Sizes and characters.
    "hundreds of tags": Bad("POST", POST, json_body={"title": "x", "tags": BIG_TAGS}),
    "21 tags on update": Bad("PUT", ONE, json_body={"tags": BIG_TAGS[:21]}, fields=("tags",)),
    "duplicate tags": Bad("POST", POST, json_body={"title": "x", "tags": ["a", "b", "a"]}),
    "duplicate once trimmed": Bad("PUT", ONE, json_body={"tags": ["a", " a "]}),
    "empty tag": Bad("POST", POST, json_body={"title": "x", "tags": [""]}, fields=("tags.0",)),
    "blank tag": Bad("PUT", ONE, json_body={"tags": ["ok", "   "]}, fields=("tags.1",)),
    "tag of 41": Bad(
        "POST", POST, json_body={"title": "x", "tags": ["t" * 41]}, fields=("tags.0",)
    ),
    "empty title": Bad("POST", POST, json_body={"title": ""}, fields=("title",)),
    "blank title": Bad("PUT", ONE, json_body={"title": " \t\u3000 "}, fields=("title",)),
    "title of 201": Bad("POST", POST, json_body={"title": "t" * 201}, fields=("title",)),
    "title of 10000": Bad("PUT", ONE, json_body={"title": "t" * 10_000}, fields=("title",)),
    "description of 2001": Bad(
        "POST", POST, json_body={"title": "x", "description": "d" * 2001}, fields=("description",)
    ),
    "NUL in title": Bad("POST", POST, json_body={"title": "a\u0000b"}, fields=("title",)),
    "escape in title": Bad("PUT", ONE, json_body={"title": "\u001b[31mred"}, fields=("title",)),
    "bell in tag": Bad(
        "POST", POST, json_body={"title": "x", "tags": ["\u0007"]}, fields=("tags.0",)
    ),
    "C1 control in description": Bad(
        "PUT", ONE, json_body={"description": "a\u0085b"}, fields=("description",)
    ),
    "lone surrogate": Bad("POST", POST, body='{"title": "\\ud800"}', fields=("title",)),
    "ends before it starts": Bad(
        "POST",
        POST,
        json_body={
            "title": "x",
            "startsAt": "2030-01-31T10:00:00Z",
            "endsAt": "2030-01-31T09:00:00Z",
        },
    ),
    "update ends before the stored start": Bad(
        "PUT", ONE, json_body={"endsAt": "2000-01-01T00:00:00Z"}, fields=("endsAt",)
    ),
    # Malformed ids.
    "lower-case id": Bad("GET", "/sessions/01hzzzzzzzzzzzzzzzzzzzzzzz", fields=("id",)),
    "short id": Bad("GET", "/sessions/01HZZZ", fields=("id",)),
    "27 characters": Bad("DELETE", "/sessions/01HZZZZZZZZZZZZZZZZZZZZZZZZ", fields=("id",)),
    "id beyond 128 bits": Bad(
        "PUT", "/sessions/81HZZZZZZZZZZZZZZZZZZZZZZZ", json_body={"title": "x"}
    ),
    "id with I, L, O, U": Bad("GET", "/sessions/01HZZZZZZZZZZZZZZZZZZZZIOU", fields=("id",)),
    "id with a euro sign": Bad("DELETE", "/sessions/\u20ac", routed_as_id=True, fields=("id",)),
    "id with a control character": Bad(
        "PUT", "/sessions/\u0084", json_body={"title": "x"}, routed_as_id=True, fields=("id",)
    ),
    "id with dots": Bad("GET", "/sessions/..", routed_as_id=True),
    # Query: tampered cursors, limits, status.
    "tampered cursor": Bad("GET", POST, query={"cursor": "<tampered>"}, fields=("cursor",)),
    "bob's cursor": Bad("GET", POST, query={"cursor": "<bob>"}, fields=("cursor",)),
    "cursor for another filter": Bad(
        "GET", POST, query={"cursor": "<active>", "status": "scheduled"}, fields=("cursor",)
    ),
    "filtered cursor without the filter": Bad(
        "GET", POST, query={"cursor": "<active>"}, fields=("cursor",)
    ),
    "cursor not base64": Bad("GET", POST, query={"cursor": "!!!"}, fields=("cursor",)),
    "cursor of random bytes": Bad(
        "GET", POST, query={"cursor": base64.urlsafe_b64encode(b"\x00" * 40).decode()}
    ),
    "non-ascii cursor": Bad("GET", POST, query={"cursor": "\u00e9t\u00e9"}, fields=("cursor",)),
    "empty cursor": Bad("GET", POST, query={"cursor": ""}),
    "cursor of 1025": Bad("GET", POST, query={"cursor": "A" * 1025}, fields=("cursor",)),
    "limit 0": Bad("GET", POST, query={"limit": "0"}, fields=("limit",)),
    "limit 101": Bad("GET", POST, query={"limit": "101"}, fields=("limit",)),
    "limit text": Bad("GET", POST, query={"limit": "ten"}, fields=("limit",)),
    "limit fraction": Bad("GET", POST, query={"limit": "1.5"}, fields=("limit",)),
    "status filter unknown": Bad("GET", POST, query={"status": "ACTIVE"}, fields=("status",)),
    # Headers.
    "weak etag": Bad("PUT", ONE, json_body={"title": "x"}, headers={"If-Match": 'W/"1"'}),
    "unquoted etag": Bad("DELETE", ONE, headers={"If-Match": "1"}, fields=("If-Match",)),
    "etag list": Bad("DELETE", ONE, headers={"If-Match": '"1", "2"'}, fields=("If-Match",)),
    "etag not a number": Bad("PUT", ONE, json_body={"title": "x"}, headers={"If-Match": '"one"'}),
    "empty idempotency key": Bad(
        "POST", POST, json_body={"title": "x"}, headers={"Idempotency-Key": ""}
    ),
    "idempotency key of 256": Bad(
        "POST", POST, json_body={"title": "x"}, headers={"Idempotency-Key": "k" * 256}
    ),
    "non-ascii idempotency key": Bad(
        "POST", POST, json_body={"title": "x"}, headers={"Idempotency-Key": "cl\u00e9"}
    ),
    "control character in key": Bad(
        "POST", POST, json_body={"title": "x"}, headers={"Idempotency-Key": "a\u0001b"}
    ),
    "key reused with another body": Bad(
        "POST",
        POST,
        json_body={"title": "another"},
        headers={"Idempotency-Key": "seeded"},
        status=422,
    ),
    # Existence, ownership and preconditions, which must change nothing either.
    "unknown id": Bad("PUT", f"/sessions/{UNKNOWN}", json_body={"title": "x"}, status=404),
    "bob's session": Bad("PUT", "/sessions/{bob}", json_body={"title": "mine"}, status=403),
    "delete bob's session": Bad("DELETE", "/sessions/{bob}", status=403),
    "stale version": Bad(
        "PUT", ONE, json_body={"title": "x"}, headers={"If-Match": '"9"'}, status=412
    ),
    "delete a stale version": Bad("DELETE", ONE, headers={"If-Match": '"2"'}, status=412),
}


@pytest.fixture(scope="module")
def functions() -> Iterator[Functions]:
    # One table for the whole corpus: every case must leave it as it was, which each checks.
    with running_functions() as running:
        yield running


@pytest.fixture(scope="module")
def seeded(functions: Functions) -> Seeded:
    alice = functions.create(
        "alice",
        title="Alice's",
        status="active",
        startsAt="2030-01-31T09:00:00Z",
        endsAt="2030-01-31T10:00:00Z",
        tags=["a"],
    )
    functions.create("alice", title="Alice's second")
    reply = functions.call(
        "POST", POST, json_body={"title": "Keyed"}, headers={"Idempotency-Key": "seeded"}
    )
    assert reply.status == 201
    functions.create("alice", title="Alice's active", status="active")
    bob = functions.create("bob", title="Bob's")
    functions.create("bob", title="Bob's second")

    def first_page_cursor(user: str, query: dict[str, str]) -> str:
        page = functions.call("GET", POST, user=user, query={"limit": "1", **query}).json()
        assert page["nextCursor"], page
        return str(page["nextCursor"])

    return Seeded(
        alice=alice,
        bob=bob,
        cursor=first_page_cursor("alice", {}),
        active_cursor=first_page_cursor("alice", {"status": "active"}),
        bob_cursor=first_page_cursor("bob", {}),
    )


def _tampered(cursor: str) -> str:
    middle = len(cursor) // 2
    flipped = "B" if cursor[middle] != "B" else "C"
    return cursor[:middle] + flipped + cursor[middle + 1 :]


def _resolve(bad: Bad, seeded: Seeded) -> tuple[str, dict[str, str]]:
    path = bad.path.replace("{alice}", seeded.alice["id"]).replace("{bob}", seeded.bob["id"])
    cursors = {
        "<tampered>": _tampered(seeded.cursor),
        "<bob>": seeded.bob_cursor,
        "<active>": seeded.active_cursor,
    }
    query = {name: cursors.get(value, value) for name, value in bad.query.items()}
    return path, query


def send(functions: Functions, bad: Bad, seeded: Seeded) -> Reply:
    path, query = _resolve(bad, seeded)
    return functions.call(
        bad.method,
        path,
        body=bad.body,
        json_body=bad.json_body,
        headers=bad.headers,
        query=query,
        is_base64=bad.is_base64,
        resource="/sessions/{id}" if bad.routed_as_id else None,
    )


@pytest.mark.parametrize("name", list(CORPUS))
def test_bad_input_is_a_4xx_problem_and_changes_nothing(
    name: str, functions: Functions, seeded: Seeded
) -> None:
    bad = CORPUS[name]
    before = functions.stored()
    reply = send(functions, bad, seeded)
    problem = assert_problem(reply, bad.status)
    if bad.fields is not None:
        assert [error["field"] for error in problem.get("errors", [])] == list(bad.fields)
    if bad.status == 400 and "errors" in problem:
        # A 400 that names fields names only fields the client can fix.
        for error in problem["errors"]:
            assert error["field"].split(".")[0] in (
                SESSION_FIELDS
                | {"id", "cursor", "limit", "status", "If-Match", "Idempotency-Key", "body"}
                | {"owner", "version", "createdAt", "updatedAt", "colour"}
            ), error
    assert functions.stored() == before, "a refused request changed the stored data"
    # A refusal says nothing about internals.
    text = json.dumps(problem).lower()
    for secret in ("contract-sessions", "contract-keys", "traceback", "botocore", "exception"):
        assert secret not in text


def test_the_corpus_leaves_every_session_readable_as_it_was(
    functions: Functions, seeded: Seeded
) -> None:
    for name, bad in CORPUS.items():
        send(functions, bad, seeded)
        assert name
    again = functions.call("GET", f"/sessions/{seeded.alice['id']}").json()
    assert again == seeded.alice
    assert functions.call("GET", f"/sessions/{seeded.bob['id']}", user="bob").json() == seeded.bob
