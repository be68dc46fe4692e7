"""A ``sessions-local serve`` subprocess and a small HTTP client for it (standard library only)."""

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
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
READY = re.compile(r"listening on (http://127\.0\.0\.1:(\d+))")
START_TIMEOUT_S = 60.0


def command() -> list[str]:
    """The installed console script, as a developer runs it."""
    script = Path(sys.executable).with_name("sessions-local")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sessions_local"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return values[-1] if values else None

    def json(self) -> Any:
        return json.loads(self.body)


class LocalApi:
    """One ``sessions-local serve`` process, started on a free port and stopped with Ctrl-C."""

    def __init__(self, workdir: Path, *args: str, cwd: Path = REPO) -> None:
        self.stdout_path = workdir / "stdout.txt"
        self.stderr_path = workdir / "stderr.txt"
        self.args = args
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.port = 0
        self.startup_s = 0.0

    def start(self) -> LocalApi:
        started = time.monotonic()
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(  # noqa: S603 - our own console script
                [*command(), "serve", "--port", "0", *self.args],
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                cwd=self.cwd,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        while time.monotonic() - started < START_TIMEOUT_S:
            found = READY.search(self.stdout)
            if found:
                self.url, self.port = found.group(1), int(found.group(2))
                self.startup_s = time.monotonic() - started
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
        """Ctrl-C, as a developer stops it; the exit code."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
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
    ) -> Reply:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent.setdefault("Content-Type", "application/json")
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return Reply(response.status, response.getheaders(), response.read())
        finally:
            connection.close()

    def token(self, username: str, ttl: int | None = None) -> str:
        reply = self.request("POST", "/_local/token", json_body={"username": username, "ttl": ttl})
        assert reply.status == 200, reply.body
        token: str = reply.json()["idToken"]
        return token


def claims_of(token: str) -> dict[str, Any]:
    """A JWT's payload, unverified (for tests that inspect or forge tokens)."""
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded
