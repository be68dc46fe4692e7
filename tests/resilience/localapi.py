"""``sessions-local serve`` in a subprocess, its tokens, and plain HTTP to it (standard library).

The tests here treat the local API as a client would: a URL and an ID token from
``sessions-local token``; nothing of its insides.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
_READY = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")
START_TIMEOUT_S = 60.0


def sessions_local() -> list[str]:
    script = Path(sys.executable).with_name("sessions-local")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sessions_local"]


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class LocalApi:
    """One local API process on a free port; ``stop`` sends Ctrl-C and waits."""

    def __init__(self, logs: Path, *options: str) -> None:
        self.logs = logs
        self.options = options
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LocalApi:
        self.logs.mkdir(parents=True, exist_ok=True)
        out = (self.logs / "stdout.txt").open("wb")
        err = (self.logs / "stderr.txt").open("wb")
        with out, err:
            self.process = subprocess.Popen(  # noqa: S603 - the project's own console script
                [*sessions_local(), "serve", "--port", "0", *self.options],
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                cwd=REPO,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            found = _READY.search(self.output("stdout"))
            if found:
                self.port = int(found.group(1))
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(
            f"the local API did not start:\n{self.output('stdout')}\n{self.output('stderr')}"
        )

    def output(self, stream: str) -> str:
        return (self.logs / f"{stream}.txt").read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def token(self, username: str) -> str:
        """An ID token, as a developer gets one: ``sessions-local token USER --port PORT``."""
        result = subprocess.run(  # noqa: S603 - the project's own console script
            [*sessions_local(), "token", username, "--port", str(self.port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return result.stdout.strip()

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
            received = {name.lower(): value for name, value in response.getheaders()}
            return Reply(response.status, received, response.read())
        finally:
            connection.close()
