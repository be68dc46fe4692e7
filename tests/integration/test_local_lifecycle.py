"""Start-up and Ctrl-C: what a developer sees, and nothing left running after."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from tests.localapi import LocalApi, command, free_port


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_ctrl_c_stops_everything(tmp_path: Path) -> None:
    server = LocalApi(tmp_path).start()
    try:
        token = server.token("leaving")
        assert server.request("GET", "/sessions", token=token).status == 200
        assert server.process is not None
        below = descendants(server.process.pid)
        assert below, "the functions' environments run in processes of their own"
    finally:
        code = server.stop()
    assert code == 0, server.stderr
    assert "sessions-local: stopped" in server.stderr
    # The process server that forks environments notices its parent is gone a moment later.
    deadline = time.monotonic() + 10
    while [pid for pid in below if alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in below if alive(pid)], "processes left running"


def test_the_banner_says_how_to_use_it(tmp_path: Path) -> None:
    server = LocalApi(tmp_path).start()
    try:
        banner = server.stdout
        port = server.port
        assert f"listening on http://127.0.0.1:{port}" in banner
        assert re.search(r"ready in \d+\.\ds", banner)
        assert f"token alice --port {port}" in banner
        curl = next(line for line in banner.splitlines() if "curl -i -X POST" in line)
        assert f"http://127.0.0.1:{port}/sessions" in curl
        for route in ("POST    /sessions", "GET     /sessions/{id}", "DELETE  /sessions/{id}"):
            assert route in banner
        # What a front end signs in with, as GET /_local/auth answers it.
        auth = server.request("GET", "/_local/auth").json()
        assert auth["cognitoEndpoint"] == f"http://127.0.0.1:{port}/_local/cognito"
        assert "(GET /_local/auth answers the same)" in banner
        for name, value in auth.items():
            assert f"  {name}: {value}\n" in banner
        assert "Get an access token" in banner
    finally:
        assert server.stop() == 0


def test_the_shells_aws_settings_are_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A profile that exists nowhere, in a config file that does not exist: no real AWS is used."""
    monkeypatch.setenv("AWS_PROFILE", "nosuchprofile")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "missing" / "config"))
    server = LocalApi(tmp_path).start()
    try:
        token = server.token("profiled")
        assert server.request("GET", "/sessions", token=token).status == 200
    finally:
        assert server.stop() == 0, server.stderr


def test_a_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    server = LocalApi(tmp_path).start()
    try:
        result = subprocess.run(  # noqa: S603 - our own console script
            [*server_command(), "serve", "--port", str(server.port)],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            env={**os.environ},
        )
    finally:
        server.stop()
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{server.port}" in result.stderr


def test_a_missing_template_is_a_clear_error(tmp_path: Path) -> None:
    result = subprocess.run(  # noqa: S603 - our own console script
        [*server_command(), "serve", "--port", str(free_port())],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "no template.yaml" in result.stderr


def server_command() -> list[str]:
    return command()
