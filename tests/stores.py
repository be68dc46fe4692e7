"""The DynamoDB implementations the HTTP suites run against, each in memory, started by the tests.

* ``embedded``: moto, as ``sessions-local serve`` embeds it by default (or moto's own server,
  where a test needs a DynamoDB endpoint of its own);
* ``dynalite``: another implementation, in a node process, reached with ``--dynamodb-endpoint``.
  It is installed from ``tests/dynalite/package-lock.json`` into ``tests/dynalite/node_modules``
  (``make test`` does that; by hand: ``npm ci --ignore-scripts --prefix tests/dynalite``).

Stores differ where DynamoDB leaves room or where they are incomplete (docs/reliability.md), so
the same suites run once per store: ``pytest --store dynalite`` picks one, the default is both.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3

from tests.localapi import REPO, free_port

STORES = ("embedded", "dynalite")
REGION = "us-east-1"
DYNALITE_HOME = REPO / "tests" / "dynalite"
DYNALITE_CLI = DYNALITE_HOME / "node_modules" / "dynalite" / "cli.js"
_LISTENING = re.compile(r"listening at: http://")
START_TIMEOUT_S = 20.0


def admin_client(endpoint: str) -> Any:
    """A DynamoDB client of the tests' own for ``endpoint``, with fake credentials."""
    return boto3.client(
        "dynamodb",
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


class Dynalite:
    """One dynalite, in memory, on a free loopback port; stopped (and its data gone) by stop()."""

    def __init__(self, workdir: Path) -> None:
        self.log_path = workdir / "dynalite.txt"
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> Dynalite:
        node = shutil.which("node")
        if node is None or not DYNALITE_CLI.exists():
            raise RuntimeError(
                "dynalite is not installed: `make test` installs it, or run "
                "`npm ci --ignore-scripts --prefix tests/dynalite` (needs node 20 or later); "
                "`pytest --store embedded` runs without it"
            )
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # dynalite takes no port 0; another process may take a free port first, so try again.
        for _ in range(3):
            port = free_port()
            with self.log_path.open("wb") as log:
                self.process = subprocess.Popen(  # noqa: S603 - the pinned dynalite
                    [
                        node,
                        str(DYNALITE_CLI),
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        # Tables are ACTIVE at once, as in the embedded store.
                        "--createTableMs",
                        "0",
                        "--deleteTableMs",
                        "0",
                        "--updateTableMs",
                        "0",
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            if self._wait_until_listening():
                self.url = f"http://127.0.0.1:{port}"
                return self
            self.stop()
        raise RuntimeError(f"dynalite did not start:\n{self.log}")

    def _wait_until_listening(self) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if _LISTENING.search(self.log):
                return True
            if self.process.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@contextlib.contextmanager
def dynalite(workdir: Path) -> Iterator[Dynalite]:
    server = Dynalite(workdir).start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def endpoint(store: str, workdir: Path) -> Iterator[str]:
    """A DynamoDB endpoint of ``store``, empty, for as long as the block runs."""
    if store == "dynalite":
        with dynalite(workdir) as server:
            yield server.url
        return
    from moto.server import ThreadedMotoServer

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    try:
        host, port = moto.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        moto.stop()


@contextlib.contextmanager
def serve_options(store: str, workdir: Path) -> Iterator[tuple[str, ...]]:
    """The ``sessions-local serve`` options that put the local API on ``store``."""
    if store == "embedded":
        yield ()
        return
    with endpoint(store, workdir) as url:
        yield ("--dynamodb-endpoint", url)
