"""The local API both the integration and the resilience suites talk to over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import localapi
from tests.localapi import LocalApi


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--built",
        action="store_true",
        help="run the local API on the `sam build` output under the Lambda runtime emulator",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--built"):
        localapi.SERVE_OPTIONS = ("--built",)


@pytest.fixture(scope="session")
def local_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApi]:
    """One ``sessions-local serve`` for the whole run: each test works as users of its own, so
    they can share it. Ctrl-C stops it cleanly at the end."""
    server = LocalApi(tmp_path_factory.mktemp("local-api")).start()
    yield server
    assert server.stop() == 0, server.stderr
