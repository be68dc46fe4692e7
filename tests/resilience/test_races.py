"""Concurrent writers over real HTTP: the local API runs each function in several execution
environments at once, so these requests really overlap in the functions and in DynamoDB.

Each test is one user of its own, and releases its 20 requests together from 20 threads.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.localapi import LocalApi
from tests.replies import Reply

WRITERS = 20


@pytest.fixture
def token(local_api: LocalApi) -> str:
    return local_api.token(f"racer-{uuid.uuid4().hex[:8]}", cli=True)


def all_at_once(send: Callable[[int], Reply]) -> list[Reply]:
    """``send(i)`` for i in 0..19, from 20 threads released together."""
    start = threading.Barrier(WRITERS)

    def one(index: int) -> Reply:
        start.wait(timeout=30)
        return send(index)

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        return list(pool.map(one, range(WRITERS)))


def create(local_api: LocalApi, token: str, **fields: Any) -> dict[str, Any]:
    reply = local_api.request(
        "POST", "/sessions", token=token, json_body={"title": "Race", **fields}
    )
    assert reply.status == 201, reply.body
    session: dict[str, Any] = reply.json()
    return session


def statuses(replies: list[Reply]) -> Counter[int]:
    return Counter(reply.status for reply in replies)


def test_puts_with_the_same_if_match_one_wins_the_rest_get_412(
    local_api: LocalApi, token: str
) -> None:
    session = create(local_api, token)
    path = f"/sessions/{session['id']}"

    replies = all_at_once(
        lambda i: local_api.request(
            "PUT", path, token=token, headers={"If-Match": '"1"'}, json_body={"title": f"W{i}"}
        )
    )

    assert statuses(replies) == {200: 1, 412: WRITERS - 1}, [r.body for r in replies]
    (winner,) = [reply.json() for reply in replies if reply.status == 200]
    for reply in replies:
        assert (reply.header("Content-Type") or "").startswith(
            "application/json" if reply.status == 200 else "application/problem+json"
        )
    stored = local_api.request("GET", path, token=token)
    assert stored.json() == winner
    assert stored.json()["version"] == 2
    assert stored.header("ETag") == '"2"'


def test_puts_without_if_match_lose_no_increment(local_api: LocalApi, token: str) -> None:
    session = create(local_api, token)
    path = f"/sessions/{session['id']}"

    replies = all_at_once(
        lambda i: local_api.request("PUT", path, token=token, json_body={"tags": [f"w{i}"]})
    )

    assert statuses(replies) == {200: WRITERS}
    # Each writer saw its own version: every increment from 2 to 21, once.
    assert sorted(reply.json()["version"] for reply in replies) == list(range(2, WRITERS + 2))
    assert local_api.request("GET", path, token=token).json()["version"] == WRITERS + 1


def test_posts_with_one_idempotency_key_create_one_session(local_api: LocalApi, token: str) -> None:
    key = f"race-{uuid.uuid4()}"
    body = {"title": "Exactly once", "tags": ["race"]}

    replies = all_at_once(
        lambda i: local_api.request(
            "POST", "/sessions", token=token, headers={"Idempotency-Key": key}, json_body=body
        )
    )

    counts = statuses(replies)
    assert set(counts) <= {201, 409}, [r.body for r in replies]
    assert counts[201] >= 1
    created = [reply.json() for reply in replies if reply.status == 201]
    # The others replay the first 201: the same session, the same Location and ETag.
    assert all(session == created[0] for session in created)
    locations = {reply.header("Location") for reply in replies if reply.status == 201}
    assert locations == {f"/sessions/{created[0]['id']}"}
    for reply in replies:
        if reply.status == 409:
            assert reply.header("Content-Type") == "application/problem+json"
    listed = local_api.request("GET", "/sessions?limit=100", token=token).json()
    assert [session["id"] for session in listed["items"]] == [created[0]["id"]]
    # The key is free again for nobody else, and still replays for its owner afterwards.
    again = local_api.request(
        "POST", "/sessions", token=token, headers={"Idempotency-Key": key}, json_body=body
    )
    assert (again.status, again.json()) == (201, created[0])


def test_deletes_of_one_session_one_204_the_rest_404(local_api: LocalApi, token: str) -> None:
    session = create(local_api, token)
    path = f"/sessions/{session['id']}"

    replies = all_at_once(lambda i: local_api.request("DELETE", path, token=token))

    assert statuses(replies) == {204: 1, 404: WRITERS - 1}, [r.body for r in replies]
    (deleted,) = [reply for reply in replies if reply.status == 204]
    assert deleted.body == b""
    assert local_api.request("GET", path, token=token).status == 404


def test_deletes_with_if_match_one_204_the_rest_404(local_api: LocalApi, token: str) -> None:
    session = create(local_api, token)
    path = f"/sessions/{session['id']}"

    replies = all_at_once(
        lambda i: local_api.request("DELETE", path, token=token, headers={"If-Match": '"1"'})
    )

    assert statuses(replies) == {204: 1, 404: WRITERS - 1}, [r.body for r in replies]
