"""The local API both the integration and the resilience suites talk to over HTTP, once per
DynamoDB implementation (tests/stores.py): ``--store NAME`` runs only that one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import localapi
from tests.localapi import LocalApi
from tests.stores import STORES, serve_options


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--store",
        action="append",
        choices=STORES,
        dest="stores",
        help="run the HTTP suites against this DynamoDB only (repeatable; default: all of "
        + ", ".join(STORES)
        + ")",
    )
    parser.addoption(
        "--built",
        action="store_true",
        help="run the local API on the `sam build` output under the Lambda runtime emulator",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Session scope: pytest groups the tests by store, so each store's local API starts once.
    if "dynamodb_store" in metafunc.fixturenames:
        stores = metafunc.config.getoption("stores") or list(STORES)
        metafunc.parametrize("dynamodb_store", stores, indirect=True, scope="session")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--built"):
        localapi.SERVE_OPTIONS = ("--built",)


@pytest.fixture(scope="session")
def dynamodb_store(request: pytest.FixtureRequest) -> str:
    """The DynamoDB implementation this test runs against (tests/stores.py)."""
    name: str = request.param
    return name


@pytest.fixture(scope="session")
def local_api(dynamodb_store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApi]:
    """One ``sessions-local serve`` per store for the whole run: each test works as users of
    its own, so they can share it. Ctrl-C stops it cleanly at the end."""
    workdir = tmp_path_factory.mktemp(f"local-api-{dynamodb_store}")
    with serve_options(dynamodb_store, workdir) as options:
        server = LocalApi(workdir, *options).start()
        yield server
        assert server.stop() == 0, server.stderr
