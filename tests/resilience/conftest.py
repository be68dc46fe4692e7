"""One local API for the whole run: each test works as users of its own, so they can share it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.resilience.localapi import LocalApi


@pytest.fixture(scope="session")
def local_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApi]:
    api = LocalApi(Path(tmp_path_factory.mktemp("local-api"))).start()
    try:
        yield api
    finally:
        api.stop()
