"""The local API under test: ``sessions-local serve`` started by the tests, on a free port."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from tests.integration.localapi import LocalApi, claims_of


@pytest.fixture(scope="session")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApi]:
    server = LocalApi(tmp_path_factory.mktemp("local-api")).start()
    yield server
    assert server.stop() == 0, server.stderr


@pytest.fixture
def new_user(api: LocalApi) -> Callable[[], tuple[str, str]]:
    """A fresh user of the local pool per call: (token, sub)."""

    def make() -> tuple[str, str]:
        token = api.token(f"user-{uuid.uuid4().hex[:12]}")
        return token, str(claims_of(token)["sub"])

    return make
