"""A second local API pointed at a DynamoDB that does not answer: the contract's 503."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.localapi import LocalApi, free_port
from tests.replies import assert_problem


@pytest.fixture(scope="module")
def store_down(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApi]:
    dead = f"http://127.0.0.1:{free_port()}"
    server = LocalApi(tmp_path_factory.mktemp("store-down"), "--dynamodb-endpoint", dead)
    server.start()
    yield server
    assert server.stop() == 0, server.stderr


def test_start_up_says_the_store_is_unreachable(store_down: LocalApi) -> None:
    assert "is not reachable" in store_down.stdout


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/sessions", {"title": "Never stored"}),
        ("GET", "/sessions", None),
        ("GET", "/sessions/01ARZ3NDEKTSV4RRFFQ69G5FAV", None),
    ],
)
def test_an_unreachable_store_is_503_with_retry_after(
    store_down: LocalApi, method: str, path: str, body: object
) -> None:
    token = store_down.token("alice")
    reply = store_down.request(method, path, token=token, json_body=body)
    assert_problem(reply, 503)
    assert reply.header("Retry-After")
    for internal in ("SessionsTable", "127.0.0.1", "Traceback", "botocore"):
        assert internal not in reply.body.decode()
