"""When things break: a 500 tells the client nothing and the log everything, by requestId;
a throttled or unreachable database is a 503 with Retry-After, after the SDK's own retries,
with nothing written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from session_actions.domain import actions
from session_actions.observability import metrics
from session_actions.settings import settings
from session_actions.storage.repository import SDK_ATTEMPTS, SessionRepository

from tests import route_table
from tests.handlers import DynamoCalls
from tests.replies import Reply, assert_problem
from tests.unit.conftest import IDEMPOTENCY_TABLE, SESSIONS_TABLE, Logs
from tests.unit.harness import Api, Faults, Store

ROUTES = [route.key for route in route_table.ROUTES]


def send(api: Api, route: str, session_id: str, **options: Any) -> Reply:
    method, path = route.split(" ")
    body = {"title": "Planning"} if method in ("POST", "PUT") else None
    return api.request(method, path.replace("{id}", session_id), json_body=body, **options)


def assert_reveals_nothing(reply: Reply, *secrets: str) -> None:
    problem = assert_problem(reply, 500)
    assert problem["detail"] == "An unexpected error occurred"
    assert "errors" not in problem
    for text in (*secrets, "Traceback", "botocore", "DynamoDB", "Exception", "File "):
        assert text.lower() not in reply.text.lower()


def error_log(logs: Logs, reply: Reply) -> dict[str, Any]:
    """The one ERROR record of this request, found by its requestId."""
    (record,) = [r for r in logs.records if r["level"] == "ERROR"]
    assert record["correlation_id"] == reply.request_id
    return record


# ------------------------------------------------------------------ 500


@pytest.mark.parametrize("route", ROUTES)
def test_a_missing_table_is_a_500_that_reveals_nothing_and_is_logged(
    api: Api, logs: Logs, monkeypatch: pytest.MonkeyPatch, route: str
) -> None:
    session_id = api.create()["id"]
    monkeypatch.setenv("SESSIONS_TABLE_NAME", "sessions-table-that-is-not-there")
    settings.cache_clear()  # read again, as a new environment would

    reply = send(api, route, session_id)

    assert_reveals_nothing(reply, "sessions-table-that-is-not-there", "ResourceNotFound")
    record = error_log(logs, reply)
    assert "ResourceNotFoundException" in record["exception"]
    assert "Traceback" in record["exception"]


@pytest.mark.parametrize(
    ("route", "method"),
    [
        ("POST /sessions", "insert"),
        ("GET /sessions", "page"),
        ("GET /sessions/{id}", "get"),
        ("PUT /sessions/{id}", "update"),
        ("DELETE /sessions/{id}", "delete"),
    ],
)
def test_an_unexpected_exception_is_a_500_that_reveals_nothing_and_is_logged(
    api: Api, logs: Logs, monkeypatch: pytest.MonkeyPatch, route: str, method: str
) -> None:
    session_id = api.create()["id"]
    secret = f"KeyError: table {SESSIONS_TABLE} said AKIAEXAMPLE"

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(secret)

    monkeypatch.setattr(SessionRepository, method, broken)

    reply = send(api, route, session_id)

    assert_reveals_nothing(reply, SESSIONS_TABLE, "AKIAEXAMPLE", "RuntimeError")
    record = error_log(logs, reply)
    assert secret in record["exception"]
    assert record["exception_name"] == "RuntimeError"


def test_a_missing_idempotency_table_is_a_500_not_a_503(
    api: Api, store: Store, logs: Logs, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A deployment mistake does not go away with retries: it is not "unavailable".
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", "idempotency-table-that-is-not-there")
    settings.cache_clear()  # read again, as a new environment would

    reply = api.post(json_body={"title": "t"}, headers={"Idempotency-Key": "k"})

    assert_reveals_nothing(reply, "idempotency-table-that-is-not-there")
    assert reply.header("Retry-After") is None
    assert "ResourceNotFoundException" in error_log(logs, reply)["exception"]
    assert store.sessions() == []


# ------------------------------------------------------------------ 503

THROTTLING = [
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
]


def assert_unavailable(reply: Reply) -> None:
    problem = assert_problem(reply, 503)
    assert reply.header("Retry-After") == "2"
    assert "try again" in problem["detail"]
    assert "errors" not in problem


@pytest.mark.parametrize("code", THROTTLING)
@pytest.mark.parametrize("route", ROUTES)
def test_throttling_is_a_503_after_the_sdk_retries_and_writes_nothing(
    api: Api, store: Store, faults: Faults, route: str, code: str
) -> None:
    session_id = api.create()["id"]
    before = store.sessions()
    throttled = faults.throttle(table=SESSIONS_TABLE, code=code)

    reply = send(api, route, session_id)

    assert_unavailable(reply)
    assert throttled.attempts == SDK_ATTEMPTS
    assert store.sessions() == before


@pytest.mark.parametrize("route", ROUTES)
def test_an_unreachable_database_is_a_503_after_the_sdk_retries(
    api: Api, store: Store, faults: Faults, route: str
) -> None:
    session_id = api.create()["id"]
    before = store.sessions()
    unreachable = faults.unreachable(table=SESSIONS_TABLE)

    reply = send(api, route, session_id)

    assert_unavailable(reply)
    assert unreachable.attempts == SDK_ATTEMPTS
    assert store.sessions() == before


def test_throttling_that_ends_within_the_retries_is_not_seen(
    api: Api, store: Store, faults: Faults
) -> None:
    throttled = faults.throttle("PutItem", SESSIONS_TABLE, times=SDK_ATTEMPTS - 1)

    reply = api.post(json_body={"title": "t"})

    assert reply.status == 201
    assert throttled.attempts == SDK_ATTEMPTS - 1
    assert len(store.sessions()) == 1


def test_a_throttled_ownership_check_is_a_503(api: Api, faults: Faults) -> None:
    bobs = api.create("bob")
    faults.throttle("Query", SESSIONS_TABLE)

    assert_unavailable(api.get(f"/sessions/{bobs['id']}"))


def test_the_503_is_logged_with_the_request_id(api: Api, faults: Faults, logs: Logs) -> None:
    faults.throttle(table=SESSIONS_TABLE)

    reply = api.get("/sessions")

    assert_unavailable(reply)
    (record,) = [r for r in logs.records if r["level"] == "WARNING"]
    assert record["correlation_id"] == reply.request_id
    assert "ProvisionedThroughputExceededException" in record["exception"]


class Published:
    """The metrics the handlers publish (EMF lines on stdout), by name, one per datapoint."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self._capsys = capsys

    def names(self) -> list[str]:
        """What was published since the last call."""
        names = []
        for line in self._capsys.readouterr().out.splitlines():
            record = json.loads(line) if line.startswith("{") else {}
            for directive in record.get("_aws", {}).get("CloudWatchMetrics", []):
                for metric in directive["Metrics"]:
                    value = record[metric["Name"]]
                    names += [metric["Name"]] * (len(value) if isinstance(value, list) else 1)
        return names


@pytest.fixture
def published(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Published:
    # The functions' test environment turns metrics off, as the local API does; Powertools then
    # keeps what earlier tests added instead of publishing it.
    metrics.clear_metrics()
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    return Published(capsys)


@pytest.mark.parametrize("route", ROUTES)
def test_each_503_is_counted_once_as_store_unavailable(
    api: Api, faults: Faults, published: Published, route: str
) -> None:
    session_id = api.create()["id"]
    assert "StoreUnavailable" not in published.names()
    faults.throttle(table=SESSIONS_TABLE)

    assert_unavailable(send(api, route, session_id))

    assert published.names().count("StoreUnavailable") == 1


def test_answers_other_than_503_count_no_store_unavailable(
    api: Api, published: Published, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id = api.create()["id"]
    assert api.get(f"/sessions/{session_id}").status == 200
    assert api.get("/sessions/01ARZ3NDEKTSV4RRFFQ69G5FAV").status == 404
    monkeypatch.setenv("SESSIONS_TABLE_NAME", "sessions-table-that-is-not-there")
    settings.cache_clear()  # read again, as a new environment would
    assert api.get("/sessions").status == 500

    names = published.names()

    assert "SessionCreated" in names
    assert "StoreUnavailable" not in names


def test_idempotent_create_with_the_idempotency_table_throttled_is_503_and_writes_nothing(
    api: Api, store: Store, faults: Faults
) -> None:
    faults.throttle(table=IDEMPOTENCY_TABLE)

    reply = api.post(json_body={"title": "t"}, headers={"Idempotency-Key": "k"})

    assert_unavailable(reply)
    assert store.sessions() == []
    assert store.idempotency_records() == []


def test_idempotent_create_that_cannot_record_its_response_still_answers_201(
    api: Api, store: Store, faults: Faults
) -> None:
    # The session is written; only saving the response for replays failed. A 503 here
    # would leave the session behind and invite a retry that creates it twice.
    faults.throttle("UpdateItem", IDEMPOTENCY_TABLE)

    reply = api.post(json_body={"title": "t"}, headers={"Idempotency-Key": "k"})

    assert reply.status == 201
    assert [item["id"]["S"] for item in store.sessions()] == [reply.json()["id"]]
    # Its key stays in progress (until the function's time is up): a repeat is a 409.
    faults.clear()
    repeat = api.post(json_body={"title": "t"}, headers={"Idempotency-Key": "k"})
    assert_problem(repeat, 409)
    assert len(store.sessions()) == 1


def test_idempotent_create_with_the_sessions_table_throttled_is_503_and_writes_nothing(
    api: Api, store: Store, faults: Faults
) -> None:
    faults.throttle("PutItem", SESSIONS_TABLE)

    reply = api.post(json_body={"title": "t"}, headers={"Idempotency-Key": "k"})

    assert_unavailable(reply)
    assert store.sessions() == []
    assert store.idempotency_records() == []


# ------------------------------------------------------------------ retried writes


def test_a_create_whose_answer_was_lost_is_retried_into_one_session(
    api: Api, store: Store, faults: Faults, calls: DynamoCalls
) -> None:
    # The first attempt is stored but its answer times out; the SDK's retry finds that item.
    lost = faults.lose_response("PutItem", SESSIONS_TABLE)

    reply = api.post(json_body={"title": "Once"})

    assert reply.status == 201
    assert lost.attempts == 1
    assert [item["id"]["S"] for item in store.sessions()] == [reply.json()["id"]]
    assert [call.operation for call in calls.on_sessions] == ["PutItem"]


def test_a_create_never_overwrites_a_session_with_the_same_id(
    api: Api, store: Store, logs: Logs, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = api.create(title="First")
    monkeypatch.setattr(actions, "new_ulid", lambda: first["id"])

    reply = api.post(json_body={"title": "Second"})

    assert_reveals_nothing(reply)
    assert api.get(f"/sessions/{first['id']}").json() == first
    assert len(store.sessions()) == 1
    assert "ConditionalCheckFailedException" in error_log(logs, reply)["exception"]
