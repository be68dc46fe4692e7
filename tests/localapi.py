"""``sessions-local serve`` in a subprocess, its tokens, and plain HTTP to it (standard library).

The suites that use it treat the local API as a client would: a URL, an access token (from the
local token endpoint, or from ``sessions-local token`` as a developer gets one), requests and
what comes back; besides that only the process's own output (banner, access log, exit code).
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from tests.replies import Reply

REPO = Path(__file__).resolve().parents[1]
READY = re.compile(r"listening on (http://127\.0\.0\.1:(\d+))")
START_TIMEOUT_S = 60.0
# More `serve` options for every local API of this project's template: `pytest --built` sets
# ("--built",), so that the HTTP suites run against the functions as they ship.
SERVE_OPTIONS: tuple[str, ...] = ()
STOP_TIMEOUT_S = 20.0


def write_project(folder: Path, template: str, functions: dict[str, str]) -> Path:
    """A project of its own in ``folder``: ``template.yaml`` and each function's ``app.py``, by
    its CodeUri folder; ``folder`` itself, to start a local API in."""
    (folder / "template.yaml").write_text(template)
    for code_uri, source in functions.items():
        (folder / code_uri).mkdir()
        (folder / code_uri / "app.py").write_text(textwrap.dedent(source))
    return folder


def command() -> list[str]:
    """The installed console script, as a developer runs it."""
    script = Path(sys.executable).with_name("sessions-local")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sessions_local"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LocalApi:
    """One ``sessions-local serve`` process, started on a free port and stopped with Ctrl-C.

    Its standard output and error go to files in ``workdir``; ``args`` are more options of
    ``serve``, and ``cwd`` is where it looks for ``template.yaml``.
    """

    def __init__(self, workdir: Path, *args: str, cwd: Path = REPO) -> None:
        self.stdout_path = workdir / "stdout.txt"
        self.stderr_path = workdir / "stderr.txt"
        self.args = args
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.port = 0

    def options(self) -> tuple[str, ...]:
        """SERVE_OPTIONS for the project's own template; another project is served as it is."""
        return SERVE_OPTIONS if self.cwd == REPO else ()

    def start(self) -> LocalApi:
        self.stdout_path.parent.mkdir(parents=True, exist_ok=True)
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(  # noqa: S603 - the project's own console script
                [*command(), "serve", "--port", "0", *self.options(), *self.args],
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                cwd=self.cwd,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            found = READY.search(self.stdout)
            if found:
                self.url, self.port = found.group(1), int(found.group(2))
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the local API did not start:\n{self.stdout}\n{self.stderr}")

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def log_line(self, request_id: str) -> str:
        """The access-log line of one request (waits briefly: it is written after the reply)."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for line in self.stderr.splitlines():
                if request_id in line and re.match(r"^\S+ [A-Z]+ /", line):
                    return line
            time.sleep(0.02)
        raise AssertionError(f"no log line for {request_id}:\n{self.stderr}")

    def stop(self) -> int:
        """Ctrl-C, as a developer stops it, and wait; the exit code."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        code = self.process.returncode
        self.process = None
        return code

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        json_body: Any = None,
        timeout: float = 60,
    ) -> Reply:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent.setdefault("Content-Type", "application/json")
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return Reply(response.status, response.getheaders(), response.read())
        finally:
            connection.close()

    def raw_request(self, method: str, path: str, headers: list[tuple[str, str]]) -> Reply:
        """A request with exactly these headers, repeats and malformed values included (no body,
        and none of the headers ``request`` adds)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.putrequest(method, path)
            for name, value in headers:
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            return Reply(response.status, response.getheaders(), response.read())
        finally:
            connection.close()

    def token(
        self,
        username: str,
        ttl: int | None = None,
        *,
        cli: bool = False,
        scopes: list[str] | None = None,
        id_token: bool = False,
    ) -> str:
        """An access token for ``username`` (the same name is the same user): the user's own,
        with ``aws.cognito.signin.user.admin``, or with only ``scopes``; or its ID token.

        ``cli=True`` gets it as a developer does, ``sessions-local token USER --port PORT``;
        otherwise straight from the local token endpoint that command calls (no process start).
        """
        if cli:
            options = ["--port", str(self.port)] + ([] if ttl is None else ["--ttl", str(ttl)])
            options += [f"--scope={scope}" for scope in scopes or ()]
            options += ["--id-token"] if id_token else []
            result = subprocess.run(  # noqa: S603 - the project's own console script
                [*command(), "token", username, *options],
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
            return result.stdout.strip()
        asked = {"username": username, "ttl": ttl, "scopes": scopes}
        reply = self.request("POST", "/_local/token", json_body=asked)
        assert reply.status == 200, reply.body
        token: str = reply.json()["idToken" if id_token else "accessToken"]
        return token


def claims_of(token: str) -> dict[str, Any]:
    """A JWT's payload, unverified (for tests that inspect or forge tokens)."""
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded
