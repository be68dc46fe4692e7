"""A slice of the bad-input corpus (tests/contract/test_bad_input.py) over real HTTP.

Raw bytes on the wire, through the local API's gateway: each request is a 4xx problem+json
whose requestId is the X-Request-Id header, and afterwards the user's sessions read back
exactly as they were.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.localapi import LocalApi
from tests.replies import Reply, assert_problem

UNKNOWN = "01HZZZZZZZZZZZZZZZZZZZZZZZ"


@pytest.fixture(scope="module")
def seeded(local_api: LocalApi) -> dict[str, Any]:
    token = local_api.token(f"corpus-{uuid.uuid4().hex[:8]}", cli=True)
    other = local_api.token(f"other-{uuid.uuid4().hex[:8]}", cli=True)
    mine = [
        local_api.request("POST", "/sessions", token=token, json_body={"title": f"Mine {i}"})
        for i in range(3)
    ]
    theirs = local_api.request("POST", "/sessions", token=other, json_body={"title": "Theirs"})
    assert {reply.status for reply in [*mine, theirs]} == {201}
    page = local_api.request("GET", "/sessions?limit=1", token=token).json()
    return {
        "token": token,
        "other": other,
        "id": mine[0].json()["id"],
        "their_id": theirs.json()["id"],
        "cursor": page["nextCursor"],
    }


def snapshot(local_api: LocalApi, seeded: dict[str, Any]) -> Any:
    mine = local_api.request("GET", "/sessions?limit=100", token=seeded["token"]).json()
    theirs = local_api.request("GET", "/sessions?limit=100", token=seeded["other"]).json()
    return mine, theirs


# name -> (method, path, body bytes, extra headers, expected status)
CASES: dict[str, tuple[str, str, bytes | None, dict[str, str], int]] = {
    "not json": ("POST", "/sessions", b"title=x", {}, 400),
    "json array": ("POST", "/sessions", b'[{"title": "x"}]', {}, 400),
    "json null": ("PUT", "/sessions/{id}", b"null", {}, 400),
    "over 16 KiB": ("POST", "/sessions", b'{"title": "x", "d": "' + b"d" * 17_000 + b'"}', {}, 400),
    "invalid utf-8": ("POST", "/sessions", b'{"title": "\xff\xfe\xfd"}', {}, 400),
    "latin-1 declared": (
        "PUT",
        "/sessions/{id}",
        '{"title": "caf\u00e9"}'.encode("latin-1"),
        {"Content-Type": "application/json; charset=latin-1"},
        400,
    ),
    "wrong types": ("POST", "/sessions", b'{"title": 5, "tags": "a", "status": true}', {}, 400),
    "server fields": ("PUT", "/sessions/{id}", b'{"version": 99, "owner": "me"}', {}, 400),
    "unknown field": ("POST", "/sessions", b'{"title": "x", "admin": true}', {}, 400),
    "hundreds of tags": (
        "POST",
        "/sessions",
        json.dumps({"title": "x", "tags": [f"t{i}" for i in range(400)]}).encode(),
        {},
        400,
    ),
    "control characters": ("PUT", "/sessions/{id}", b'{"title": "a\\u0000\\u001b"}', {}, 400),
    "very long title": (
        "POST",
        "/sessions",
        json.dumps({"title": "t" * 12_000}).encode(),
        {},
        400,
    ),
    "lower-case id": ("GET", "/sessions/01hzzzzzzzzzzzzzzzzzzzzzzz", None, {}, 400),
    "euro sign id": ("DELETE", "/sessions/%E2%82%AC", None, {}, 400),
    "NUL in id": ("GET", "/sessions/%00", None, {}, 400),
    "tampered cursor": ("GET", "/sessions?cursor={tampered}", None, {}, 400),
    "limit 0": ("GET", "/sessions?limit=0", None, {}, 400),
    "weak If-Match": ("DELETE", "/sessions/{id}", None, {"If-Match": 'W/"1"'}, 400),
    "stale If-Match": ("DELETE", "/sessions/{id}", None, {"If-Match": '"7"'}, 412),
    "someone else's": ("PUT", "/sessions/{their_id}", b'{"title": "mine now"}', {}, 403),
    "nobody's": ("DELETE", f"/sessions/{UNKNOWN}", None, {}, 404),
    "PATCH a session": ("PATCH", "/sessions/{id}", b'{"title": "x"}', {}, 405),
    "POST to a session": ("POST", "/sessions/{id}", b'{"title": "x"}', {}, 405),
    "DELETE the collection": ("DELETE", "/sessions", None, {}, 405),
    "TRACE": ("TRACE", "/sessions", None, {}, 405),
    "no token": ("POST", "/sessions", b'{"title": "x"}', {"Authorization": ""}, 401),
    "forged token": (
        "DELETE",
        "/sessions/{id}",
        None,
        {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."},
        401,
    ),
}


def send(local_api: LocalApi, seeded: dict[str, Any], name: str) -> Reply:
    method, path, body, headers, _ = CASES[name]
    cursor = seeded["cursor"]
    middle = len(cursor) // 2
    tampered = cursor[:middle] + ("A" if cursor[middle] != "A" else "B") + cursor[middle + 1 :]
    path = path.format(id=seeded["id"], their_id=seeded["their_id"], tampered=tampered)
    sent = {"Content-Type": "application/json", **headers} if body is not None else dict(headers)
    token = seeded["token"] if "Authorization" not in headers else None
    if headers.get("Authorization") == "":
        sent.pop("Authorization")
    return local_api.request(method, path, token=token, headers=sent, body=body)


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_over_http_is_a_4xx_problem_and_changes_nothing(
    local_api: LocalApi, seeded: dict[str, Any], name: str
) -> None:
    before = snapshot(local_api, seeded)

    reply = send(local_api, seeded, name)

    assert_problem(reply, CASES[name][4])
    assert snapshot(local_api, seeded) == before
