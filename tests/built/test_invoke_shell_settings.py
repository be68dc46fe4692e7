"""``sessions-local invoke`` reads none of the shell's AWS settings either."""

from __future__ import annotations

from pathlib import Path

import pytest
from sessions_local.runtimes import Emulator

from tests.built.test_invoke_command import payload_of, run_invoke
from tests.localapi import free_port


def test_a_missing_profile_does_not_stop_an_invocation(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "nosuchprofile")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "missing" / "config"))
    done = run_invoke(
        "ListSessionsFunction", "-e", "events/list_sessions.json", "--port", str(free_port())
    )
    assert payload_of(done)["statusCode"] == 200
