"""Each function as ``sam build`` builds it, under the runtime emulator with ``awslambdaric``,
on its sample event in events/ (the files ``sam local invoke -e`` takes)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from session_actions.storage.repository import SessionRepository
from sessions_local.aws import client
from sessions_local.runtimes import EmulatedFunction, Emulator, parse_report
from sessions_local.stack import Stack

from tests.built.conftest import REGION
from tests.replies import Reply, assert_common_headers, assert_problem

# CASES: event file -> (logical id, status once the event's session exists)
from tests.test_events import CASES, load_event


def seed(endpoint: str, event: dict[str, Any]) -> None:
    """The session the event names, stored under the event's caller."""
    owner = event["requestContext"]["authorizer"]["claims"]["sub"]
    SessionRepository(client("dynamodb", REGION, endpoint), "SessionsTable").insert(
        {
            "owner": owner,
            "id": event["pathParameters"]["id"],
            "title": "Weekly design review",
            "status": "scheduled",
            "tags": [],
            "createdAt": "2026-11-29T09:00:00.000Z",
            "updatedAt": "2026-11-29T09:00:00.000Z",
            "version": 1,
        }
    )


def emulated(
    emulator: Emulator, template: Stack, variables: dict[str, dict[str, str]], name: str
) -> EmulatedFunction:
    """One environment of the built function; its log goes to stderr, shown when a test fails."""
    return emulator.function(template.functions[name], variables[name])


def test_the_build_is_this_machines_and_precompiled(emulator: Emulator) -> None:
    layer = emulator.build.root / "SessionActionsLayer" / "python"
    (wheel,) = layer.glob("pydantic_core-*.dist-info/WHEEL")
    machine = {"x86_64": "x86_64", "arm64": "aarch64"}[emulator.build.architecture]
    assert f"_{machine}" in wheel.read_text()
    sources = list(emulator.build.root.rglob("*.py"))
    bare = [
        p for p in sources if not (p.parent / "__pycache__" / f"{p.stem}.cpython-313.pyc").exists()
    ]
    assert sources
    assert not bare


@pytest.mark.parametrize("name", sorted(CASES))
def test_function_answers_its_event(
    name: str,
    emulator: Emulator,
    stack: Stack,
    variables: dict[str, dict[str, str]],
    dynamodb: str,
) -> None:
    logical_id, status = CASES[name]
    event = load_event(name)
    if event["pathParameters"]:
        seed(dynamodb, event)
    with emulated(emulator, stack, variables, logical_id) as function:
        invocation = function.invoke(event)

    assert invocation.error is None, invocation.payload
    reply = Reply.of(invocation.payload, event)
    assert reply.status == status, reply.body
    assert_common_headers(reply)
    if status == 204:
        assert not reply.body
    else:
        body = reply.json()
        assert reply.header("Content-Type") == "application/json"
        if name == "list_sessions":
            assert set(body) == {"items", "nextCursor"}
        else:
            assert body["title"]
            assert body["version"] >= 1
    # The first invocation of an environment is its cold start: the report says so.
    report = invocation.report
    assert report.cold
    assert report.init_ms is not None
    assert 0 < report.init_ms < report.duration_ms
    assert report.memory_mb == stack.functions[logical_id].memory_mb


def test_a_missing_session_is_a_problem_and_the_second_call_is_warm(
    emulator: Emulator, stack: Stack, variables: dict[str, dict[str, str]]
) -> None:
    event = load_event("get_session")
    stored = event["pathParameters"]["id"]
    event = json.loads(json.dumps(event).replace(stored, "01M8K9AJ8RETQRSM13Y7XM8D3B"))  # path too
    with emulated(emulator, stack, variables, "GetSessionFunction") as function:
        first = function.invoke(event)
        second = function.invoke(event)
    for invocation in (first, second):
        assert_problem(Reply.of(invocation.payload, event), 404)
    assert first.report.cold
    assert not second.report.cold
    assert first.report.request_id != second.report.request_id


def test_a_function_error_is_lambdas_error_object(
    emulator: Emulator, stack: Stack, variables: dict[str, dict[str, str]]
) -> None:
    """An event that is not an API Gateway event at all makes the handler raise."""
    with emulated(emulator, stack, variables, "GetSessionFunction") as function:
        invocation = function.invoke("not an event")
    assert invocation.error is not None
    assert "errorMessage" in invocation.payload


def test_nothing_of_the_development_virtualenv_is_on_the_path(
    emulator: Emulator, stack: Stack, variables: dict[str, dict[str, str]]
) -> None:
    function = emulated(emulator, stack, variables, "GetSessionFunction")
    environment = function.environment()
    path = environment["PYTHONPATH"].split(":")
    build = emulator.build.root
    assert path == [
        str(build / "GetSessionFunction"),
        str(build / "SessionActionsLayer" / "python"),
        str(emulator.runtime_dir),
    ]
    assert environment["PYTHONDONTWRITEBYTECODE"] == "1"
    assert "VIRTUAL_ENV" not in environment
    assert ".venv" not in str(function.emulator.python)


def test_report_lines_are_read_field_by_field() -> None:
    line = (
        "REPORT RequestId: 4f357b26-e05a-4647-90f6-750b649f19e1\tInit Duration: 0.06 ms\t"
        "Duration: 2258.62 ms\tBilled Duration: 2259 ms\tMemory Size: 512 MB\t"
        "Max Memory Used: 512 MB\t"
    )
    assert parse_report(line) == {
        "RequestId": "4f357b26-e05a-4647-90f6-750b649f19e1",
        "Init Duration": "0.06 ms",
        "Duration": "2258.62 ms",
        "Billed Duration": "2259 ms",
        "Memory Size": "512 MB",
        "Max Memory Used": "512 MB",
    }
