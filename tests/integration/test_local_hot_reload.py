"""Edit, save, request: ``make dev`` serves a change to a function's or its layer's code on the
next request, with no restart, as ``sam local start-api`` does, and says so in its log."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.localapi import LocalApi

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.13
    Handler: app.handler
Resources:
  Greeting:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layer/}
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello/
      Layers: [!Ref Greeting]
      Events:
        Hello:
          Type: Api
          Properties: {Path: /hello, Method: get}
"""

FUNCTION = """\
import greeting


def handler(event, context):
    return {"statusCode": 200, "body": f"{greeting.WORD} from version {VERSION}"}


VERSION = {version}
"""


def write(path: Path, text: str) -> None:
    """Write ``text``, its modification time surely later than before (coarse clocks)."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    os.utime(path, ns=(before + 10**9, before + 10**9))


@pytest.fixture
def project(tmp_path: Path) -> Iterator[tuple[Path, LocalApi]]:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "hello").mkdir()
    (tmp_path / "layer").mkdir()
    write(tmp_path / "hello" / "app.py", FUNCTION.replace("{version}", "1"))
    write(tmp_path / "layer" / "greeting.py", 'WORD = "hello"\n')
    server = LocalApi(tmp_path / "run", cwd=tmp_path).start()
    yield tmp_path, server
    assert server.stop() == 0, server.stderr


def body_of(server: LocalApi) -> str:
    reply = server.request("GET", "/hello")
    assert reply.status == 200, reply.body
    return reply.body.decode()


def test_a_change_is_served_on_the_next_request(project: tuple[Path, LocalApi]) -> None:
    folder, server = project
    assert body_of(server) == "hello from version 1"
    assert "served on the next request" in server.stdout

    write(folder / "hello" / "app.py", FUNCTION.replace("{version}", "2"))
    assert body_of(server) == "hello from version 2"
    write(folder / "layer" / "greeting.py", 'WORD = "hi"\n')
    assert body_of(server) == "hi from version 2"

    deadline = time.monotonic() + 5
    while "layer/greeting.py changed" not in server.stderr and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "hello/app.py changed; the next request runs the new code" in server.stderr
    assert "layer/greeting.py changed" in server.stderr
