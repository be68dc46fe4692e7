"""``sessions-local invoke FUNCTION -e EVENT``, as a developer runs it: the built function under
the emulator, its payload on stdout, its logs and the emulator's report on stderr."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
from sessions_local.runtimes import Emulator

from tests import route_table
from tests.cloudformation import ROOT
from tests.localapi import LocalApi, command, free_port

# On an empty table: what each function answers to its sample event (a route that names a
# session finds none).
EMPTY = {
    served.logical_id: (served.folder, 404 if route.names_a_session else route.success)
    for route in route_table.ROUTES
    for served in [route_table.served_by()[route.key]]
}


def run_invoke(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - the project's own console script
        [*command(), "invoke", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )


def payload_of(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.returncode == 0, done.stderr
    payload: dict[str, Any] = json.loads(done.stdout)
    return payload


@pytest.mark.parametrize("function", sorted(EMPTY))
def test_each_function_answers_its_event(function: str, emulator: Emulator) -> None:
    name, status = EMPTY[function]
    # A port where nothing listens: an embedded, empty DynamoDB, whatever runs on 3000.
    done = run_invoke(function, "-e", f"events/{name}.json", "--port", str(free_port()))
    payload = payload_of(done)
    assert payload["statusCode"] == status, payload
    assert "an empty embedded DynamoDB" in done.stderr
    assert "REPORT RequestId:" in done.stderr
    assert f"{function}: duration " in done.stderr
    assert ", init " in done.stderr


def test_it_reaches_the_data_of_a_running_local_api(
    local_api: LocalApi, emulator: Emulator
) -> None:
    created = payload_of(
        run_invoke(
            "CreateSessionFunction",
            "-e",
            "events/create_session.json",
            "--port",
            str(local_api.port),
        )
    )
    assert created["statusCode"] == 201
    session = json.loads(created["body"])
    listed = run_invoke(
        "ListSessionsFunction", "-e", "events/list_sessions.json", "--port", str(local_api.port)
    )
    assert "the local API's DynamoDB" in listed.stderr
    items = json.loads(payload_of(listed)["body"])["items"]
    assert session["id"] in [item["id"] for item in items]


def test_unknown_function_and_bad_event_are_refused(emulator: Emulator, tmp_path: Any) -> None:
    done = run_invoke("NoSuchFunction", "--port", str(free_port()))
    assert done.returncode == 2
    assert "has no function NoSuchFunction" in done.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    done = run_invoke("GetSessionFunction", "-e", str(bad), "--port", str(free_port()))
    assert done.returncode == 2
    assert "is not JSON" in done.stderr
