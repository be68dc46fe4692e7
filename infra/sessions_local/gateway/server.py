"""The HTTP side: a threaded server that turns sockets into IncomingRequests and back.

One thread per connection (so requests are served concurrently); one log line per request on
stderr: method, path, status, milliseconds, who answered (the gateway or a function) and the
request id.
"""

from __future__ import annotations

import logging
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from sessions_local.gateway.events import IncomingRequest
from sessions_local.gateway.local_gateway import GATEWAY, MAX_PAYLOAD_BYTES, Outcome, too_large
from sessions_local.gateway.origins import LocalOrigins
from sessions_local.gateway.responses import GatewayResponses

log = logging.getLogger("sessions_local")
access_log = logging.getLogger("sessions_local.access")

Application = Callable[[IncomingRequest], Outcome]


# A body over the limit is read and dropped up to this size, so the client gets the answer
# instead of a reset connection; past it the connection is just closed after the answer.
DRAIN_LIMIT_BYTES = 64 * 1024 * 1024


class BodyTooLarge(Exception):
    pass


class LocalHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        listening: socket.socket,
        app: Application,
        responses: GatewayResponses,
        origins: LocalOrigins | None = None,
    ) -> None:
        """Serve on a socket already listening (see :func:`listen`)."""
        address = listening.getsockname()[:2]
        super().__init__(address, RequestHandler, bind_and_activate=False)
        self.socket.close()
        self.socket, self.server_address = listening, address
        self.server_name, self.server_port = str(address[0]), int(address[1])
        self.app = app
        self.responses = responses
        # None: every response goes out with the configured CORS origin, as deployed.
        self.origins = origins


def listen(host: str, port: int) -> socket.socket:
    """A listening socket (0 picks a free port); OSError when the address is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # socketserver's backlog of 5 resets connections when a client opens 20 at once.
    return socket.create_server((host, port), family=family, backlog=128)


class RequestHandler(BaseHTTPRequestHandler):
    server: LocalHttpServer
    protocol_version = "HTTP/1.1"
    server_version = "sessions-local"
    sys_version = ""
    body_refused = False

    def log_message(self, format: str, *args: object) -> None:
        """The base class's access log is replaced by our one line per request."""

    def _read_body(self) -> bytes:
        if self.body_refused:
            raise BodyTooLarge
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_PAYLOAD_BYTES:
                    raise BodyTooLarge
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_PAYLOAD_BYTES:
            if length <= DRAIN_LIMIT_BYTES:
                while length > 0:
                    dropped = self.rfile.read(min(length, 65536))
                    if not dropped:
                        break
                    length -= len(dropped)
            raise BodyTooLarge
        return self.rfile.read(length) if length > 0 else b""

    def handle_expect_100(self) -> bool:
        """Refuse an announced oversized body before the client sends it (no 100 Continue)."""
        if int(self.headers.get("Content-Length") or 0) > MAX_PAYLOAD_BYTES:
            self.body_refused = True
            return True
        return super().handle_expect_100()

    def _handle(self) -> None:
        started = time.perf_counter()
        target = urlsplit(self.path)
        request = IncomingRequest(
            method=self.command,
            path=target.path or "/",
            query=parse_qsl(target.query, keep_blank_values=True),
            headers=list(self.headers.items()),
            body=b"",
            source_ip=self.client_address[0],
            protocol=self.request_version,
        )
        try:
            body = self._read_body()
        except BodyTooLarge:
            self.close_connection = True
            kind, status, detail = too_large()
            outcome = self._gateway_error(request, kind, status, detail)
        except ValueError:
            self.close_connection = True
            outcome = self._gateway_error(
                request,
                "BAD_REQUEST_BODY",
                HTTPStatus.BAD_REQUEST,
                "The request body is not framed correctly",
            )
        else:
            request = IncomingRequest(
                method=request.method,
                path=request.path,
                query=request.query,
                headers=request.headers,
                body=body,
                source_ip=request.source_ip,
                protocol=request.protocol,
                request_id=request.request_id,
                received_ms=request.received_ms,
            )
            try:
                outcome = self.server.app(request)
            except Exception:
                log.exception("the local API failed on %s %s", request.method, request.path)
                outcome = self._gateway_error(
                    request,
                    "DEFAULT_5XX",
                    HTTPStatus.INTERNAL_SERVER_ERROR,
                    "The local API failed; its console has the details",
                )
        if self.server.origins is not None:
            # Here rather than in the gateway, so the errors the server makes itself (an
            # oversized or badly framed body) are fitted to the browser's origin as well.
            fitted = self.server.origins.answer(outcome.response, request.header("Origin"))
            outcome = replace(outcome, response=fitted)
        self._send(outcome)
        elapsed_ms = (time.perf_counter() - started) * 1000
        note = f" ({outcome.note})" if outcome.note else ""
        access_log.info(
            "%s %s %d %.1fms %s %s%s",
            request.method,
            self.path,
            outcome.response.status,
            elapsed_ms,
            outcome.handled_by,
            request.request_id,
            note,
        )

    def _gateway_error(
        self, request: IncomingRequest, kind: str, status: HTTPStatus, detail: str
    ) -> Outcome:
        response = self.server.responses.error(kind, status, detail, request.request_id)
        return Outcome(response, GATEWAY, detail)

    def _send(self, outcome: Outcome) -> None:
        response = outcome.response
        self.send_response_only(response.status)
        self.send_header("Date", self.date_time_string())
        for name, value in response.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)

    # http.server dispatches on do_<METHOD>; every method goes through the gateway.
    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def do_OPTIONS(self) -> None:
        self._handle()

    # Methods no route has still reach the gateway, which answers 405 (http.server: 501).
    def do_TRACE(self) -> None:
        self._handle()

    def do_QUERY(self) -> None:
        self._handle()


def configure_logging() -> None:
    """Our lines on stderr, after the time of day; the functions' own loggers are left alone."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    package = logging.getLogger("sessions_local")
    package.handlers[:] = [handler]
    package.setLevel(logging.INFO)
    package.propagate = False
