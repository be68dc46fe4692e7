"""A DynamoDB endpoint for fault tests: a DynamoDB (moto's server, dynalite) behind a proxy that
can misbehave.

The local API is started with ``--dynamodb-endpoint`` pointing here, so its functions' own SDK
clients (their timeouts, their retries) meet the faults over real HTTP:

* ``throttle``: DynamoDB's throttling answer (HTTP 400, ThrottlingException or
  ProvisionedThroughputExceededException), for some operations and tables, some attempts;
* ``drop``: the connection closes without an answer;
* ``stall``: no answer for a while, then the connection closes;
* ``stop``/``start``: nothing listens on the port (connection refused), then it is back.

Every attempt that reaches the proxy is counted, by operation.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.stores import admin_client


@dataclass
class Rule:
    """What to do with matching attempts: the first ``times`` of them (None: all)."""

    action: Callable[[BaseHTTPRequestHandler], None]
    operations: frozenset[str] | None = None
    table: str | None = None
    times: int | None = None
    hits: int = 0

    def applies(self, operation: str, table: str | None) -> bool:
        if self.operations is not None and operation not in self.operations:
            return False
        if self.table is not None and table != self.table:
            return False
        return self.times is None or self.hits < self.times


class DynamoProxy:
    """Listens on a free loopback port and forwards to the DynamoDB at ``upstream``."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream_host, self.upstream_port = parsed.hostname or "127.0.0.1", parsed.port
        self.port = 0
        self.attempts: Counter[str] = Counter()
        self.rules: list[Rule] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._connections: set[socket.socket] = set()
        self.start()

    @property
    def listening(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # The listener -------------------------------------------------------------------------

    def start(self) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                with proxy._lock:
                    proxy._connections.add(self.connection)

            def finish(self) -> None:
                with proxy._lock:
                    proxy._connections.discard(self.connection)
                super().finish()

            def do_POST(self) -> None:
                proxy._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        server.allow_reuse_address = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Nothing listens on the port any more, and the clients' open connections are cut."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._lock:
            for connection in self._connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            self._connections.clear()

    def close(self) -> None:
        self.stop()

    # Faults -------------------------------------------------------------------------------

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            self.attempts.clear()

    def add(self, rule: Rule) -> Rule:
        with self._lock:
            self.rules.append(rule)
        return rule

    def throttle(
        self,
        *operations: str,
        table: str | None = None,
        times: int | None = None,
        code: str = "ThrottlingException",
    ) -> Rule:
        body = json.dumps(
            {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "Rate exceeded"}
        ).encode()

        def answer(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(400)
            handler.send_header("Content-Type", "application/x-amz-json-1.0")
            handler.send_header("x-amzn-RequestId", "THROTTLED")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)

        return self.add(Rule(answer, frozenset(operations) or None, table, times))

    def drop(self, *operations: str, table: str | None = None) -> Rule:
        def hang_up(handler: BaseHTTPRequestHandler) -> None:
            handler.close_connection = True

        return self.add(Rule(hang_up, frozenset(operations) or None, table))

    def stall(self, seconds: float, *operations: str, table: str | None = None) -> Rule:
        def wait(handler: BaseHTTPRequestHandler) -> None:
            time.sleep(seconds)
            handler.close_connection = True

        return self.add(Rule(wait, frozenset(operations) or None, table))

    # Forwarding ---------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        operation = (handler.headers.get("X-Amz-Target") or "").rpartition(".")[2]
        try:
            table = json.loads(body or b"{}").get("TableName")
        except ValueError:
            table = None
        with self._lock:
            self.attempts[operation] += 1
            rule = next((r for r in self.rules if r.applies(operation, table)), None)
            if rule is not None:
                rule.hits += 1
        if rule is not None:
            rule.action(handler)
            return
        upstream = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=30)
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() != "host"}
            upstream.request(handler.command, handler.path, body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
            handler.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        finally:
            upstream.close()

    # Reading what is stored, around the proxy -----------------------------------------------

    def admin(self) -> Any:
        return admin_client(self.upstream)

    def stored(self) -> dict[str, list[dict[str, Any]]]:
        """Every item of every table, straight from the DynamoDB behind the proxy."""
        admin = self.admin()
        return {
            name: sorted(
                admin.scan(TableName=name, ConsistentRead=True)["Items"],
                key=lambda item: json.dumps(item, sort_keys=True),
            )
            for name in admin.list_tables()["TableNames"]
        }
