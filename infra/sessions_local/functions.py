"""Loading the template's functions and invoking them as Lambda would, in this process.

A function's module is loaded from its ``CodeUri`` folder by file (``app.handler`` is
``<CodeUri>/app.py``'s ``handler``), under a module name of its own, so five ``app.py`` files
live side by side. The response must be a proxy response; anything else is the 502 API Gateway
answers for a malformed Lambda response, and so is an exception or a run past the Timeout.
"""

from __future__ import annotations

import base64
import binascii
import importlib.util
import logging
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from sessions_local.events import LambdaContext
from sessions_local.template import FunctionSpec

log = logging.getLogger("sessions_local")

Handler = Callable[[dict[str, Any], Any], Any]


class FunctionFailed(Exception):
    """The function raised, timed out or answered something that is not a proxy response."""


@dataclass
class ProxyResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def _module_name(spec: FunctionSpec) -> str:
    return f"sessions_local_function_{spec.logical_id}"


class LocalFunction:
    def __init__(self, spec: FunctionSpec, region: str) -> None:
        self.spec = spec
        self.region = region
        self.module: ModuleType | None = None
        self._handler: Handler | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.spec.logical_id

    def load(self) -> ModuleType:
        """Import the handler's module (once): the cold start."""
        with self._lock:
            if self.module is not None:
                return self.module
            module_path, _, attribute = self.spec.handler.rpartition(".")
            file = self.spec.code_uri.joinpath(*module_path.split(".")).with_suffix(".py")
            if not file.is_file():
                raise FunctionFailed(f"{self.name}: handler module {file} does not exist")
            name = _module_name(self.spec)
            loader_spec = importlib.util.spec_from_file_location(name, file)
            if loader_spec is None or loader_spec.loader is None:
                raise FunctionFailed(f"{self.name}: cannot load {file}")
            module = importlib.util.module_from_spec(loader_spec)
            sys.modules[name] = module
            try:
                loader_spec.loader.exec_module(module)
            except Exception as error:
                del sys.modules[name]
                raise FunctionFailed(f"{self.name}: importing {file} failed: {error!r}") from error
            handler = getattr(module, attribute, None)
            if not callable(handler):
                raise FunctionFailed(f"{self.name}: {file} has no callable {attribute}")
            self._handler = handler
            self.module = module
            return module

    def invoke(self, event: dict[str, Any]) -> ProxyResponse:
        self.load()
        if self._handler is None:  # pragma: no cover - load() sets it or raises
            raise FunctionFailed(f"{self.name} has no handler")
        context = LambdaContext(
            function_name=self.name,
            memory_mb=self.spec.memory_mb,
            timeout_s=self.spec.timeout_s,
            region=self.region,
        )
        started = time.monotonic()
        try:
            result = self._handler(event, context)
        except Exception as error:
            log.error(
                "%s raised %s\n%s", self.name, type(error).__name__, traceback.format_exc().rstrip()
            )
            raise FunctionFailed(f"{self.name} raised {type(error).__name__}") from error
        elapsed = time.monotonic() - started
        if elapsed > self.spec.timeout_s:
            log.error(
                "%s ran %.1fs, past its Timeout of %ss: Lambda would have stopped it",
                self.name,
                elapsed,
                self.spec.timeout_s,
            )
            raise FunctionFailed(f"{self.name} timed out")
        return to_proxy_response(result, self.name)


def to_proxy_response(result: Any, name: str = "function") -> ProxyResponse:
    """API Gateway's reading of a Lambda proxy response; FunctionFailed when malformed."""
    if not isinstance(result, dict):
        raise FunctionFailed(f"{name} returned {type(result).__name__}, not a proxy response")
    status = result.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise FunctionFailed(f"{name} returned no valid statusCode")
    headers: list[tuple[str, str]] = []
    multi = result.get("multiValueHeaders") or {}
    single = result.get("headers") or {}
    if not isinstance(multi, dict) or not isinstance(single, dict):
        raise FunctionFailed(f"{name} returned headers that are not an object")
    for key, values in multi.items():
        if not isinstance(values, list):
            raise FunctionFailed(f"{name} returned multiValueHeaders.{key} that is not a list")
        headers.extend((str(key), _text(value)) for value in values)
    for key, value in single.items():
        if (str(key), _text(value)) not in headers:
            headers.append((str(key), _text(value)))
    body = result.get("body")
    if body is None:
        raw = b""
    elif not isinstance(body, str):
        raise FunctionFailed(f"{name} returned a body that is not a string")
    elif result.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as error:
            raise FunctionFailed(f"{name} returned isBase64Encoded with a bad body") from error
    else:
        raw = body.encode("utf-8")
    return ProxyResponse(status=status, headers=headers, body=raw)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
