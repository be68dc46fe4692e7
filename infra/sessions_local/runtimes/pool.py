"""The template's functions, each with a pool of execution environments as Lambda has them: one
request per environment at a time. From source, each is a child process (``sandbox.py``)."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import multiprocessing
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any, Protocol

from sessions_local.runtimes import sandbox
from sessions_local.stack import FunctionSpec

log = logging.getLogger("sessions_local")

# Lambda's init phase may take 10 s; a busy laptop starting several environments at once gets more.
INIT_TIMEOUT_S = 30.0
# API Gateway stops waiting for an integration after 29 s.
INTEGRATION_TIMEOUT_S = 29.0
MAX_ENVIRONMENTS = 4
# Loaded once by the process that forks environments, so a cold start does not import them again:
# the SDKs a Python function commonly imports, none of which reads its configuration at import.
PRELOAD = [
    "boto3",
    "botocore.client",
    "botocore.session",
    "pydantic",
    "aws_xray_sdk.core",
    "aws_lambda_powertools.logging",
    "aws_lambda_powertools.metrics",
    "aws_lambda_powertools.tracing",
    "aws_lambda_powertools.utilities.idempotency",
]


class FunctionFailed(Exception):
    """The function raised, timed out or answered something that is not a proxy response."""

    def __init__(self, message: str, *, gateway_timeout: bool = False) -> None:
        super().__init__(message)
        self.gateway_timeout = gateway_timeout


@dataclass
class ProxyResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def python_paths(layer: Path) -> list[Path]:
    """A layer's folders on ``sys.path``, as Lambda adds them from ``/opt`` (source: itself)."""
    base = layer / "python"
    if not base.is_dir():
        return [layer]
    return [path for path in (base, base / "lib" / "python3.13" / "site-packages") if path.is_dir()]


def _process_context() -> BaseContext:
    """Environments fork from a clean, single-threaded server process with the SDKs preloaded;
    where there is no fork (Windows), each starts a fresh interpreter."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([*PRELOAD, "sessions_local.runtimes.sandbox"])
    return context


class ExecutionEnvironment(Protocol):
    """One environment of a function's pool, however it runs the function: ``handle`` gives the
    handler's result, FunctionFailed when it raised, timed out or could not run."""

    def handle(self, event: Mapping[str, Any]) -> Any: ...

    @property
    def alive(self) -> bool: ...

    def stop(self) -> None: ...


class Environment:
    """An environment from source: a child process with the function's handler loaded."""

    def __init__(self, spec: FunctionSpec, region: str, variables: Mapping[str, str]) -> None:
        self.spec = spec
        self.region = region
        context = _process_context()
        self._connection, child = context.Pipe()
        # Lambda's sys.path order: the function's code folder, then its layers'.
        layers = [str(path) for layer in spec.layers for path in python_paths(layer)]
        self._process = context.Process(  # type: ignore[attr-defined]
            target=sandbox.run,
            args=(child, [str(spec.code_uri), *layers], spec.handler, dict(variables)),
            name=f"{spec.logical_id}-environment",
            daemon=True,
        )
        self._process.start()
        child.close()
        if not self._connection.poll(INIT_TIMEOUT_S):
            self.stop()
            raise FunctionFailed(f"{spec.logical_id}: init took longer than {INIT_TIMEOUT_S:.0f}s")
        try:
            kind, detail = self._connection.recv()
        except EOFError:
            kind, detail = "init_error", "the environment exited during init"
        if kind != "ready":
            self.stop()
            raise FunctionFailed(f"{spec.logical_id}: init failed: {detail}")

    def handle(self, event: Mapping[str, Any]) -> Any:
        spec = self.spec
        name = spec.logical_id
        context = (name, spec.memory_mb, spec.timeout_s, self.region, str(uuid.uuid4()))
        self._connection.send(("invoke", json.dumps(event), context))  # context: LambdaContext's
        limit = min(float(spec.timeout_s), INTEGRATION_TIMEOUT_S)
        if not self._connection.poll(limit + 0.25):
            self.stop()  # as Lambda stops an environment that timed out
            gateway = spec.timeout_s > INTEGRATION_TIMEOUT_S
            raise FunctionFailed(
                f"{name} timed out after {limit:.0f}s"
                + (" (API Gateway's integration limit)" if gateway else ""),
                gateway_timeout=gateway,
            )
        try:
            kind, payload = self._connection.recv()
        except EOFError:
            self.stop()
            raise FunctionFailed(f"{name}: the environment exited during the invocation") from None
        if kind != "ok":
            raise FunctionFailed(f"{name} raised {payload}")
        return json.loads(payload)

    @property
    def alive(self) -> bool:
        return bool(self._process.is_alive())

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # already gone
            self._connection.send(("stop", None, None))
        self._process.join(timeout=1)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=1)
        self._connection.close()


class LocalFunction:
    """A template function and its environments; ``watch`` reloads its code when it changes."""

    def __init__(
        self, spec: FunctionSpec, region: str, variables: Mapping[str, str], *, watch: bool = False
    ) -> None:
        self.spec = spec
        self.region = region
        self.variables = dict(variables)
        self._idle: list[ExecutionEnvironment] = []
        self._started = 0
        self._stopping = False
        self._condition = threading.Condition()
        self._sources = _sources(spec) if watch else None
        self._generation = 0  # of the code: environments of an older one are not reused

    @property
    def name(self) -> str:
        return self.spec.logical_id

    def start_environment(self) -> ExecutionEnvironment:
        """A new environment of this function, its handler loaded (or loading)."""
        return Environment(self.spec, self.region, self.variables)

    def _reload_if_changed(self) -> None:
        """After a code change, idle environments stop and busy ones when they finish."""
        if self._sources is None:
            return
        before, now = self._sources, _sources(self.spec)
        if now == before:
            return
        self._sources = now
        changed = min(
            path for path in now.keys() | before.keys() if now.get(path) != before.get(path)
        )
        log.info("%s: %s changed; the next request runs the new code", self.name, changed)
        with self._condition:
            self._generation += 1
            idle, self._idle = self._idle, []
            self._started -= len(idle)
            self._condition.notify_all()
        for environment in idle:
            environment.stop()

    def _acquire(self) -> tuple[ExecutionEnvironment, int]:
        self._reload_if_changed()
        with self._condition:
            while True:
                if self._stopping:
                    raise FunctionFailed(f"{self.name} is stopping")
                if self._idle:
                    return self._idle.pop(), self._generation
                if self._started < MAX_ENVIRONMENTS:
                    self._started += 1
                    break
                self._condition.wait()
            generation = self._generation
        try:
            return self.start_environment(), generation  # a cold start
        except BaseException:
            with self._condition:
                self._started -= 1
                self._condition.notify()
            raise

    def _release(self, environment: ExecutionEnvironment, generation: int) -> None:
        with self._condition:
            current = generation == self._generation
            if environment.alive and current and not self._stopping:
                self._idle.append(environment)
            else:
                self._started -= 1
                environment.stop()
            self._condition.notify()

    def warm(self) -> None:
        """Start one environment now (and so surface import errors at start-up)."""
        self._release(*self._acquire())

    def invoke(self, event: Mapping[str, Any]) -> ProxyResponse:
        environment, generation = self._acquire()
        try:
            result = environment.handle(event)
        finally:
            self._release(environment, generation)
        return to_proxy_response(result, self.name)

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            idle, self._idle = self._idle, []
            self._condition.notify_all()
        for environment in idle:
            environment.stop()


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
    return json.dumps(value) if isinstance(value, bool) else str(value)  # true, not True


def _sources(spec: FunctionSpec) -> dict[Path, int]:
    """The modification times of the function's and its layers' source files."""
    return {
        path: path.stat().st_mtime_ns
        for folder in (spec.code_uri, *spec.layers)
        for path in folder.rglob("*.py")
        if "__pycache__" not in path.parts
    }
