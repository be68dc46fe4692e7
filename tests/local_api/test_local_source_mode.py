"""``make dev`` runs the functions from source: no Linux binary (the Lambda runtime emulator
is one), no build, and on a platform without ``fork`` (Windows) each environment is a fresh
interpreter."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest
from sessions_local.deployment import DeploymentSettings, LocalDeployment
from sessions_local.gateway import IncomingRequest
from sessions_local.local_api import LocalApi
from sessions_local.runtimes import emulator, pool

REPO = Path(__file__).resolve().parents[2]


def refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError("the source mode used the runtime emulator or sam build")


@pytest.fixture(params=["forkserver", "spawn"])
def start_method(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in ("prepare", "build", "find_rie", "prepare_runtime"):
        monkeypatch.setattr(emulator, name, refuse)
    if request.param == "spawn":
        monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    return str(request.param)


def test_the_source_mode_serves_without_the_emulator(start_method: str) -> None:
    deployment = LocalDeployment(DeploymentSettings(REPO / "template.yaml")).start()
    api = LocalApi(deployment)
    try:
        assert pool._process_context().get_start_method() == start_method
        assert api.token_pool is not None
        token = api.token_pool.issue_tokens("source-mode").id_token
        request = IncomingRequest(
            method="POST",
            path="/sessions",
            query=[],
            headers=[("Authorization", f"Bearer {token}")],
            body=json.dumps({"title": "From source"}).encode(),
            source_ip="127.0.0.1",
        )
        outcome = api.handle(request)
        assert outcome.response.status == 201, outcome.response.body
        assert json.loads(outcome.response.body)["title"] == "From source"
    finally:
        api.stop()
