"""Idempotent create: the same Idempotency-Key and body from the same caller creates once."""

from __future__ import annotations

import threading
import time

import pytest

from tests.handlers import DynamoCalls
from tests.replies import Reply, assert_problem, fields_of
from tests.unit.conftest import SESSIONS_TABLE
from tests.unit.harness import Api, Faults, Store

KEY = "5b0c7e9e-checkout-attempt-1"


def create_with_key(api: Api, key: str = KEY, user: str = "alice", title: str = "Once") -> Reply:
    return api.post(user=user, json_body={"title": title}, headers={"Idempotency-Key": key})


def test_a_repeated_request_returns_the_first_response(api: Api, store: Store) -> None:
    first = create_with_key(api)
    second = create_with_key(api)

    assert first.status == second.status == 201
    assert second.json() == first.json()
    assert second.header("Location") == first.header("Location")
    assert second.header("ETag") == first.header("ETag")
    assert len(store.sessions()) == 1


def test_the_first_response_is_replayed_even_after_the_session_changed(
    api: Api, store: Store
) -> None:
    first = create_with_key(api).json()
    api.put(f"/sessions/{first['id']}", json_body={"title": "Changed"})

    again = create_with_key(api)

    assert again.status == 201
    assert again.json() == first
    assert len(store.sessions()) == 1


def test_the_same_key_with_another_body_is_422(api: Api, store: Store) -> None:
    first = create_with_key(api, title="One")

    reply = create_with_key(api, title="Another")

    problem = assert_problem(reply, 422)
    assert "different request body" in problem["detail"]
    assert [item["id"]["S"] for item in store.sessions()] == [first.json()["id"]]


def test_the_same_body_after_validation_is_the_same_request(api: Api, store: Store) -> None:
    first = create_with_key(api, title="Talk")

    again = create_with_key(api, title="  Talk  ")

    assert again.json() == first.json()
    assert len(store.sessions()) == 1


def test_keys_are_per_caller(api: Api, store: Store) -> None:
    alices = create_with_key(api, user="alice").json()

    bobs = create_with_key(api, user="bob")

    assert bobs.status == 201
    assert bobs.json()["id"] != alices["id"]
    assert api.get(f"/sessions/{bobs.json()['id']}", user="bob").status == 200
    assert len(store.sessions()) == 2
    # Bob's different body under the same key is his own first request, not a 422.
    assert create_with_key(api, user="bob", title="Other").status == 422


def test_different_keys_create_different_sessions(api: Api, store: Store) -> None:
    first = create_with_key(api, key="key-1").json()
    second = create_with_key(api, key="key-2").json()

    assert first["id"] != second["id"]
    assert len(store.sessions()) == 2


def test_without_a_key_every_request_creates(api: Api, store: Store) -> None:
    api.post(json_body={"title": "t"})
    api.post(json_body={"title": "t"})

    assert len(store.sessions()) == 2


@pytest.mark.parametrize("key", ["k", "x" * 255, " spaces and ~!@#$%^&*() are printable "])
def test_a_key_of_1_to_255_printable_characters_is_accepted(api: Api, key: str) -> None:
    assert create_with_key(api, key=key).status == 201
    assert create_with_key(api, key=key).status == 201


@pytest.mark.parametrize(
    "key",
    ["", "x" * 256, "tab\there", "new\nline", "trailing newline\n", "nul\x00", "é", "\x7f"],
)
def test_a_key_outside_1_to_255_printable_characters_is_400(
    api: Api, store: Store, key: str
) -> None:
    problem = assert_problem(create_with_key(api, key=key), 400)

    assert fields_of(problem) == ["Idempotency-Key"]
    assert store.sessions() == []
    assert store.idempotency_records() == []


def test_a_request_with_the_key_in_flight_is_409(api: Api, store: Store, faults: Faults) -> None:
    first: list[Reply] = []
    with faults.hold("PutItem", SESSIONS_TABLE) as (reached, release):
        worker = threading.Thread(target=lambda: first.append(create_with_key(api)))
        worker.start()
        assert reached.wait(5), "the first request never reached DynamoDB"

        second = create_with_key(api)

        problem = assert_problem(second, 409)
        assert "in progress" in problem["detail"]
        release.set()
        worker.join(5)

    assert first[0].status == 201
    third = create_with_key(api)
    assert third.status == 201
    assert third.json() == first[0].json()
    assert len(store.sessions()) == 1


def test_a_failed_request_does_not_hold_its_key(api: Api, store: Store, faults: Faults) -> None:
    faults.throttle("PutItem", SESSIONS_TABLE)
    assert_problem(create_with_key(api), 503)
    assert store.sessions() == []
    faults.clear()

    retry = create_with_key(api)

    assert retry.status == 201
    assert len(store.sessions()) == 1


def test_keys_expire_after_24_hours(api: Api, store: Store) -> None:
    create_with_key(api)

    (record,) = store.idempotency_records()

    expires = int(record["expiration"]["N"])
    assert abs(expires - (time.time() + 24 * 60 * 60)) < 60


def test_a_replay_touches_only_the_idempotency_table(api: Api, calls: DynamoCalls) -> None:
    create_with_key(api)
    calls.reset()

    create_with_key(api)

    assert calls.on_sessions == []
    assert [call.operation for call in calls.elsewhere] == ["PutItem"]


@pytest.mark.parametrize("name", ["idempotency-key", "IDEMPOTENCY-KEY"])
def test_the_key_is_honoured_whatever_the_case_of_its_name(
    api: Api, store: Store, name: str
) -> None:
    first = api.post(json_body={"title": "t"}, headers={name: KEY})
    second = api.post(json_body={"title": "t"}, headers={"Idempotency-Key": KEY})

    assert second.json() == first.json()
    assert len(store.sessions()) == 1
