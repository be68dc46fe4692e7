"""The HTTP side: a thread per connection, one access log line per request, and local CORS: a
local web app may run on any dev server port, so any loopback origin, or one named at start-up,
gets its ``Origin`` back (``Vary: Origin``) where the deployed API sends ``AllowedOrigin``."""

from __future__ import annotations

import logging
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from sessions_local.gateway.events import IncomingRequest
from sessions_local.gateway.local_gateway import GATEWAY, Outcome
from sessions_local.gateway.responses import GatewayResponses
from sessions_local.runtimes.pool import ProxyResponse

log = logging.getLogger("sessions_local")
access_log = logging.getLogger("sessions_local.access")

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's
# A body over the limit is read and dropped up to this size, so the client gets the answer
# instead of a reset connection; past it the connection is just closed after the answer.
DRAIN_LIMIT_BYTES = 64 * 1024 * 1024

ANY_ORIGIN = "*"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
# An origin as a browser serialises it: nothing but scheme, host and a port without a leading zero.
# [0-9], as \d matches other scripts' digits; fullmatch, as $ would accept a trailing newline.
_ORIGIN = re.compile(
    r"(?P<scheme>https?)://(?P<host>[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[::1\])"
    r"(?::(?P<port>[1-9][0-9]{0,4}))?"
)
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _origin(text: str) -> re.Match[str] | None:
    """An origin written exactly as a browser sends one (port at most 65535), else None."""
    found = _ORIGIN.fullmatch(text)
    return found if found is not None and int(found["port"] or 0) <= 65535 else None


def is_loopback_origin(origin: str) -> bool:
    """Exactly ``localhost``, ``127.0.0.1`` or ``[::1]``: ``localhost.evil.example`` is not."""
    found = _origin(origin)
    return found is not None and found["host"] in LOOPBACK_HOSTS


def canonical_origin(text: str) -> str:
    """A named origin as a browser sends it (lower case, no default port), or ``*``."""
    if text == ANY_ORIGIN:
        return text
    found = _origin(text.lower())
    if found is None:
        raise ValueError(f"{text!r} is not an origin (such as http://192.168.1.20:8080) or *")
    scheme, host, port = found.groups()
    suffix = "" if port in (None, _DEFAULT_PORTS[scheme]) else f":{port}"
    return f"{scheme}://{host}{suffix}"


@dataclass(frozen=True)
class LocalOrigins:
    """The origins allowed locally: every loopback origin and ``named`` (canonical forms)."""

    named: tuple[str, ...] = ()

    def allows(self, origin: str) -> bool:
        return ANY_ORIGIN in self.named or is_loopback_origin(origin) or origin in self.named

    def describe(self) -> str:
        """For the banner: where a browser may call from."""
        if ANY_ORIGIN in self.named:
            return "any origin (*)"
        hosts = ", ".join(f"http://{host}:<port>" for host in LOOPBACK_HOSTS)
        named = f" and {', '.join(self.named)}" if self.named else ""
        return f"any loopback origin ({hosts}){named}"

    def answer(self, response: ProxyResponse, origin: str | None) -> ProxyResponse:
        """``response`` with its CORS origin (if any, and not ``*``) fitted to the ``Origin``."""
        allow = "access-control-allow-origin"
        current = [value for name, value in response.headers if name.lower() == allow]
        if not current or ANY_ORIGIN in current or origin is None or not self.allows(origin):
            return response
        headers = [
            (name, origin if name.lower() == allow else value) for name, value in response.headers
        ]
        varies = ",".join(value for name, value in headers if name.lower() == "vary")
        if "origin" not in {token.strip().lower() for token in varies.split(",")}:
            headers.append(("Vary", "Origin"))
        return replace(response, headers=headers)


class LocalHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        listening: socket.socket,
        app: Callable[[IncomingRequest], Outcome],
        responses: GatewayResponses,
        origins: LocalOrigins,
    ) -> None:
        super().__init__(listening.getsockname()[:2], RequestHandler, bind_and_activate=False)
        self.socket.close()
        self.socket = listening
        self.app = app
        self.responses = responses
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

    def _read_body(self) -> bytes | None:
        """The body, None when it is over the limit; ValueError when it is badly framed."""
        if self.body_refused:
            return None
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            total = 0
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                total += size
                if total > MAX_PAYLOAD_BYTES:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_PAYLOAD_BYTES:
            if length <= DRAIN_LIMIT_BYTES:
                while length > 0 and (dropped := self.rfile.read(min(length, 65536))):
                    length -= len(dropped)
            return None
        return self.rfile.read(length) if length > 0 else b""

    def handle_expect_100(self) -> bool:
        """No 100 Continue for a body that is refused anyway: oversized or badly framed."""
        try:
            self.body_refused = int(self.headers.get("Content-Length") or 0) > MAX_PAYLOAD_BYTES
        except ValueError:
            return True  # _read_body raises it again: a 400
        return self.body_refused or super().handle_expect_100()

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
        outcome = self._outcome(request)
        # Here rather than in the gateway, so that the errors the server makes itself (an
        # oversized or badly framed body) are fitted to the browser's origin as well.
        fitted = self.server.origins.answer(outcome.response, request.header("Origin"))
        self._send(fitted)
        elapsed_ms = (time.perf_counter() - started) * 1000
        answered = f"{request.method} {self.path} {fitted.status} {elapsed_ms:.1f}ms"
        note = f" ({outcome.note})" if outcome.note else ""
        access_log.info("%s %s %s%s", answered, outcome.handled_by, request.request_id, note)

    def _outcome(self, request: IncomingRequest) -> Outcome:
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            detail = "The request body is not framed correctly"
            return self._error(request, "BAD_REQUEST_BODY", HTTPStatus.BAD_REQUEST, detail)
        if body is None:
            self.close_connection = True
            detail = "The request body is larger than the gateway's 10 MB limit"
            status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
            return self._error(request, "REQUEST_TOO_LARGE", status, detail)
        try:
            return self.server.app(replace(request, body=body))
        except Exception:
            log.exception("the local API failed on %s %s", request.method, request.path)
            detail = "The local API failed; its console has the details"
            status = HTTPStatus.INTERNAL_SERVER_ERROR
            return self._error(request, "DEFAULT_5XX", status, detail)

    def _error(
        self, request: IncomingRequest, kind: str, status: HTTPStatus, detail: str
    ) -> Outcome:
        response = self.server.responses.error(kind, status, detail, request.request_id)
        return Outcome(response, GATEWAY, detail)

    def _send(self, response: ProxyResponse) -> None:
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

    # http.server dispatches on do_<METHOD>; every method goes through the gateway, also those
    # no route has (TRACE, QUERY), which it answers 405 where http.server would answer 501.
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle  # noqa: N815
    do_TRACE = do_QUERY = _handle  # noqa: N815


def configure_logging() -> None:
    """Our lines on stderr, after the time of day; the functions' own loggers are left alone."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    package = logging.getLogger("sessions_local")
    package.handlers[:] = [handler]
    package.setLevel(logging.INFO)
    package.propagate = False
