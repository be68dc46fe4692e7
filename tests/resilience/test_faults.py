"""DynamoDB faults under the local API, met by the functions' real SDK clients over HTTP.

The local API runs with ``--dynamodb-endpoint`` at a proxy (dynamo_proxy.py) in front of a
DynamoDB of each store (tests/stores.py). Throttling, dropped connections, a refused port and a
database that stops answering must each be a 503 problem with Retry-After, after the SDK's own
retries, never a 500; and nothing may be half-written: the tables hold afterwards exactly what
they held before.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from session_actions.storage.repository import READ_TIMEOUT_S, SDK_ATTEMPTS

from tests.localapi import LocalApi
from tests.replies import Reply, assert_problem
from tests.resilience.dynamo_proxy import DynamoProxy
from tests.stores import endpoint

# What template.yaml gives every function (Globals.Function.Timeout).
LAMBDA_TIMEOUT_S = 10


@pytest.fixture(scope="module")
def proxy(dynamodb_store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DynamoProxy]:
    workdir = tmp_path_factory.mktemp(f"faulty-{dynamodb_store}")
    with endpoint(dynamodb_store, workdir) as upstream:
        proxy = DynamoProxy(upstream)
        try:
            yield proxy
        finally:
            proxy.close()


@pytest.fixture(scope="module")
def faulty_api(proxy: DynamoProxy, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApi]:
    logs = Path(tmp_path_factory.mktemp("faulty-api"))
    api = LocalApi(logs, "--dynamodb-endpoint", proxy.url).start()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture
def user(faulty_api: LocalApi, proxy: DynamoProxy) -> Iterator[Any]:
    """A user with one session and the session's id; the proxy behaves again afterwards."""
    proxy.clear()
    if not proxy.listening:
        proxy.start()
    token = faulty_api.token(f"faulty-{uuid.uuid4().hex[:8]}", cli=True)
    reply = faulty_api.request(
        "POST", "/sessions", token=token, json_body={"title": "Before the fault"}
    )
    assert reply.status == 201, reply.body
    yield token, reply.json()["id"]
    proxy.clear()
    if not proxy.listening:
        proxy.start()


ROUTES: dict[str, tuple[str, str, Any, dict[str, str]]] = {
    "create": ("POST", "/sessions", {"title": "During the fault"}, {}),
    "create with a key": (
        "POST",
        "/sessions",
        {"title": "During the fault"},
        {"Idempotency-Key": "fault-key"},
    ),
    "list": ("GET", "/sessions", None, {}),
    "get": ("GET", "/sessions/{id}", None, {}),
    "update": ("PUT", "/sessions/{id}", {"title": "Changed"}, {"If-Match": '"1"'}),
    "delete": ("DELETE", "/sessions/{id}", None, {}),
}


def send(api: LocalApi, token: str, session_id: str, route: str) -> Reply:
    method, path, body, headers = ROUTES[route]
    return api.request(
        method, path.replace("{id}", session_id), token=token, json_body=body, headers=headers
    )


def assert_unavailable(reply: Reply) -> dict[str, Any]:
    problem = assert_problem(reply, 503)
    assert reply.header("Retry-After") == "2"
    assert problem["title"] == "Service Unavailable"
    text = reply.body.decode().lower()
    for internal in ("throttl", "botocore", "exception", "table", "traceback", "127.0.0.1"):
        assert internal not in text, reply.body
    return problem


Stored = dict[str, list[dict[str, Any]]]


@contextmanager
def fault(
    proxy: DynamoProxy, message: str = "a failed request changed the stored data"
) -> Iterator[Stored]:
    """A fault set up in the block, on tables whose content is yielded; afterwards the proxy
    behaves again (no faults, listening) and the tables must hold exactly that content.

    Attempts are counted from the start of the block.
    """
    before: Stored = proxy.stored()
    proxy.attempts.clear()
    yield before
    proxy.clear()
    if not proxy.listening:
        proxy.start()
    assert proxy.stored() == before, message


@pytest.mark.parametrize("route", list(ROUTES))
def test_throttling_is_a_503_after_the_sdk_retries_and_writes_nothing(
    faulty_api: LocalApi, proxy: DynamoProxy, user: Any, route: str
) -> None:
    token, session_id = user
    with fault(proxy):
        proxy.throttle(code="ProvisionedThroughputExceededException")

        reply = send(faulty_api, token, session_id, route)

        assert_unavailable(reply)
        # The first call the function made was tried as often as the SDK is configured to.
        assert max(proxy.attempts.values()) == SDK_ATTEMPTS, proxy.attempts


@pytest.mark.parametrize("route", ["create", "update", "get"])
def test_throttling_that_clears_within_the_retries_is_not_seen(
    faulty_api: LocalApi, proxy: DynamoProxy, user: Any, route: str
) -> None:
    token, session_id = user
    proxy.throttle(times=SDK_ATTEMPTS - 1)

    reply = send(faulty_api, token, session_id, route)

    assert reply.status in (200, 201), reply.body


def test_a_create_whose_write_is_throttled_leaves_its_key_free(
    faulty_api: LocalApi, proxy: DynamoProxy, user: Any
) -> None:
    """The idempotency record is written, then the session's write fails: no half-state."""
    token, _ = user
    key = f"half-{uuid.uuid4()}"
    body = {"title": "Once"}
    with fault(proxy, "a failed create left an idempotency record or a session") as before:
        sessions_table = next(n for n in before if "ession" in n and "dempot" not in n)
        proxy.throttle("PutItem", table=sessions_table)

        reply = faulty_api.request(
            "POST", "/sessions", token=token, json_body=body, headers={"Idempotency-Key": key}
        )

        assert_unavailable(reply)
    again = faulty_api.request(
        "POST", "/sessions", token=token, json_body=body, headers={"Idempotency-Key": key}
    )
    assert again.status == 201, again.body
    listed = faulty_api.request("GET", "/sessions?limit=100", token=token).json()["items"]
    assert [s["title"] for s in listed].count("Once") == 1


# A database that cannot be reached (nothing listens: connection refused), on every route, and
# one whose connections close without an answer, on the writes.
UNANSWERED = [("refused", route) for route in ROUTES] + [
    ("closed", route) for route in ("create", "update", "delete")
]


@pytest.mark.parametrize(("failure", "route"), UNANSWERED)
def test_a_database_that_does_not_answer_is_a_503_and_writes_nothing(
    faulty_api: LocalApi, proxy: DynamoProxy, user: Any, failure: str, route: str
) -> None:
    token, session_id = user
    with fault(proxy):
        if failure == "refused":
            proxy.stop()
        else:
            proxy.drop()

        assert_unavailable(send(faulty_api, token, session_id, route))


@pytest.mark.parametrize("route", ["get", "update", "create with a key"])
def test_a_database_that_stops_answering_is_a_503_within_the_lambda_timeout(
    faulty_api: LocalApi, proxy: DynamoProxy, user: Any, route: str
) -> None:
    """Read timeouts, retried, still leave the function time to answer 503 itself."""
    token, session_id = user
    with fault(proxy):
        proxy.stall(LAMBDA_TIMEOUT_S * 2)

        started = time.monotonic()
        reply = send(faulty_api, token, session_id, route)
        elapsed = time.monotonic() - started

        assert_unavailable(reply)
        # Every attempt waited out its read timeout, and the function still answered in time.
        assert SDK_ATTEMPTS * READ_TIMEOUT_S <= elapsed < LAMBDA_TIMEOUT_S, elapsed
        assert max(proxy.attempts.values()) == SDK_ATTEMPTS, proxy.attempts


def test_the_longest_chain_of_stalled_calls_still_ends_in_a_503_within_the_timeout(
    faulty_api: LocalApi, proxy: DynamoProxy, user: Any
) -> None:
    """An idempotent create records its key, then its write stalls, then so does the key's
    release: two calls' worth of timeouts, still answered by the function itself.

    The key's record could not be released, so it stays "in progress" until the time the
    first request had left (the function's Timeout) has passed: until then the same key is a
    409, afterwards it creates the session, once.
    """
    token, _ = user
    tables = list(proxy.stored())
    sessions = next(name for name in tables if "dempot" not in name)
    keys = next(name for name in tables if "dempot" in name)
    proxy.stall(LAMBDA_TIMEOUT_S * 2, "PutItem", table=sessions)
    proxy.stall(LAMBDA_TIMEOUT_S * 2, "DeleteItem", table=keys)
    key, body = f"chain-{uuid.uuid4()}", {"title": "Chained"}

    started = time.monotonic()
    reply = faulty_api.request(
        "POST", "/sessions", token=token, json_body=body, headers={"Idempotency-Key": key}
    )
    elapsed = time.monotonic() - started

    assert_unavailable(reply)
    assert 2 * SDK_ATTEMPTS * READ_TIMEOUT_S <= elapsed < LAMBDA_TIMEOUT_S, elapsed
    proxy.clear()
    answers = []
    while time.monotonic() - started < LAMBDA_TIMEOUT_S + 5:
        again = faulty_api.request(
            "POST", "/sessions", token=token, json_body=body, headers={"Idempotency-Key": key}
        )
        answers.append(again.status)
        if again.status != 409:
            break
        time.sleep(0.5)
    assert answers[-1] == 201, answers
    assert set(answers[:-1]) <= {409}
    listed = faulty_api.request("GET", "/sessions?limit=100", token=token).json()["items"]
    assert [s["title"] for s in listed].count("Chained") == 1
