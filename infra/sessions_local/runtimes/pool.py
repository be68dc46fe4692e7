"""The template's functions, each with a pool of execution environments, one request each at a
time as in Lambda; from source, an environment is a child process running the handler."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import multiprocessing
import os
import pkgutil
import signal
import sys
import threading
import time
import traceback
import uuid
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sessions_local.stack import ACCOUNT_ID, FunctionSpec

if TYPE_CHECKING:
    from sessions_local.runtimes.emulator import EmulatedFunction

log = logging.getLogger("sessions_local")

# Lambda's init phase may take 10 s; a busy laptop starting several environments at once gets more.
INIT_TIMEOUT_S = 30.0
# API Gateway stops waiting for an integration after 29 s.
INTEGRATION_TIMEOUT_S = 29.0
MAX_ENVIRONMENTS = 4
# Loaded once by the process that forks environments, so a cold start does not import them again:
# the SDKs the template's functions import, none of which reads its configuration at import.
PRELOAD = [
    "boto3",
    "pydantic",
    "aws_xray_sdk.core",
    "aws_lambda_powertools",  # its Logger, Metrics and Tracer
    "aws_lambda_powertools.utilities.idempotency",
]


class FunctionFailed(Exception):
    """The function raised, timed out, could not run or answered something not a proxy response."""

    def __init__(self, message: str, *, gateway_timeout: bool = False) -> None:
        super().__init__(message)
        self.gateway_timeout = gateway_timeout


@dataclass
class ProxyResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def layer_path(layer: Path) -> Path:
    """On ``sys.path``: a built layer's ``python/`` (Lambda's /opt/python), else the layer."""
    return layer / "python" if (layer / "python").is_dir() else layer


def _process_context() -> BaseContext:
    """Environments fork from a clean, single-threaded server process with the SDKs preloaded;
    where there is no fork (Windows), each starts a fresh interpreter."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([*PRELOAD, "sessions_local.runtimes.pool"])
    return context


class LambdaContext:
    """The part of a Lambda handler's ``context`` that the handlers and Powertools read."""

    def __init__(self, function_name: str, memory_mb: int, timeout_s: int, region: str) -> None:
        self.function_name = function_name
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{function_name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _child(
    connection: Connection, search_path: list[str], handler: str, environment: dict[str, str]
) -> None:
    """Imports the handler (the init), sends None or the init's error, then per event (True, the
    result as JSON) or (False, the error), until the parent closes the connection."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops us
    os.environ.clear()
    os.environ.update(environment)
    # PYTHONWARNINGS is read when an interpreter starts; a forked one applies it here.
    for option in filter(None, environment.get("PYTHONWARNINGS", "").split(",")):
        action, _, message = option.partition(":")
        warnings.filterwarnings(action, message=message.partition(":")[0])  # type: ignore[arg-type]
    os.chdir(search_path[0])
    sys.path[:0] = search_path
    try:
        function = pkgutil.resolve_name(handler)
    except Exception as error:
        traceback.print_exc()
        connection.send(f"{type(error).__name__}: {error}")
        return
    connection.send(None)
    while True:
        try:
            event_json, context = connection.recv()
        except (EOFError, OSError):
            return
        try:
            result = function(json.loads(event_json), LambdaContext(*context))
            reply = (True, json.dumps(result))
        except Exception as error:
            traceback.print_exc()
            reply = (False, f"{type(error).__name__}: {error}")
        sys.stdout.flush()
        sys.stderr.flush()
        with contextlib.suppress(BrokenPipeError):  # the parent gave up waiting: a timeout
            connection.send(reply)


class Environment:
    """An environment from source: a child process with the function's handler loaded."""

    def __init__(self, spec: FunctionSpec, variables: Mapping[str, str]) -> None:
        self.spec = spec
        region = variables["AWS_REGION"]
        self._context = (spec.logical_id, spec.memory_mb, spec.timeout_s, region)  # LambdaContext's
        context = _process_context()
        self._connection, child = context.Pipe()
        # Lambda's sys.path order: the function's code folder, then its layers'.
        search_path = [str(path) for path in (spec.code_uri, *map(layer_path, spec.layers))]
        self._process = context.Process(  # type: ignore[attr-defined]
            target=_child,
            args=(child, search_path, spec.handler, dict(variables)),
            name=f"{spec.logical_id}-environment",
            daemon=True,
        )
        self._process.start()
        child.close()
        try:
            ready = self._connection.poll(INIT_TIMEOUT_S)
            error = self._connection.recv() if ready else f"over {INIT_TIMEOUT_S:.0f}s"
        except EOFError:
            error = "the environment exited"
        if error is not None:
            self.stop()
            raise FunctionFailed(f"{spec.logical_id}: init failed: {error}")

    def handle(self, event: Mapping[str, Any]) -> Any:
        name, timeout = self.spec.logical_id, self.spec.timeout_s
        self._connection.send((json.dumps(event), self._context))
        limit = min(float(timeout), INTEGRATION_TIMEOUT_S)
        if not self._connection.poll(limit + 0.25):
            self.stop()  # as Lambda stops an environment that timed out
            gateway = timeout > INTEGRATION_TIMEOUT_S
            raise FunctionFailed(f"{name} timed out after {limit:.0f}s", gateway_timeout=gateway)
        try:
            ok, payload = self._connection.recv()
        except EOFError:
            self.stop()
            raise FunctionFailed(f"{name}: the environment exited during the invocation") from None
        if not ok:
            raise FunctionFailed(f"{name} raised {payload}")
        return json.loads(payload)

    @property
    def alive(self) -> bool:
        return bool(self._process.is_alive())

    def stop(self) -> None:
        self._connection.close()  # the child's cue to exit
        self._process.join(timeout=1)
        self._process.kill()  # if it has not exited
        self._process.join(timeout=1)


class LocalFunction:
    """A template function and its environments; ``watch`` reloads its code when it changes."""

    def __init__(
        self, spec: FunctionSpec, variables: Mapping[str, str], *, watch: bool = False
    ) -> None:
        self.spec = spec
        self.variables = dict(variables)
        self._idle: list[Environment | EmulatedFunction] = []
        self._slots = threading.BoundedSemaphore(MAX_ENVIRONMENTS)
        self._lock = threading.Lock()
        self._stopping = False
        self._sources = _sources(spec) if watch else None
        self._generation = 0  # of the code: environments of an older one are not reused

    @property
    def name(self) -> str:
        return self.spec.logical_id

    def start_environment(self) -> Environment | EmulatedFunction:
        return Environment(self.spec, self.variables)

    def _reload_if_changed(self) -> None:
        before = self._sources
        if before is None or (now := _sources(self.spec)) == before:
            return
        self._sources = now
        changed, _ = min(now.items() ^ before.items())  # the first path added, removed or changed
        log.info("%s: %s changed; the next request runs the new code", self.name, changed)
        self._retire()

    def _retire(self, *, stopping: bool = False) -> None:
        """Idle environments stop now, busy ones when they finish."""
        with self._lock:
            self._generation += 1
            self._stopping |= stopping
            idle, self._idle = self._idle, []
        for environment in idle:
            environment.stop()

    @contextlib.contextmanager
    def _environment(self) -> Iterator[Environment | EmulatedFunction]:
        """An idle environment, else a new one (a cold start); one request each at a time."""
        self._reload_if_changed()
        with self._slots:
            with self._lock:
                if self._stopping:
                    raise FunctionFailed(f"{self.name} is stopping")
                generation = self._generation
                environment = self._idle.pop() if self._idle else None
            environment = environment or self.start_environment()
            try:
                yield environment
            finally:
                with self._lock:
                    reuse = environment.alive and generation == self._generation
                    if reuse:
                        self._idle.append(environment)
                if not reuse:
                    environment.stop()

    def warm(self) -> None:
        """Start one environment now (and so surface import errors at start-up)."""
        with self._environment():
            pass

    def invoke(self, event: Mapping[str, Any]) -> ProxyResponse:
        with self._environment() as environment:
            result = environment.handle(event)
        return to_proxy_response(result, self.name)

    def stop(self) -> None:
        self._retire(stopping=True)


def to_proxy_response(result: Any, name: str = "function") -> ProxyResponse:
    """API Gateway's reading of a Lambda proxy response; FunctionFailed when malformed."""
    if not isinstance(result, dict):
        raise FunctionFailed(f"{name} returned {type(result).__name__}, not a proxy response")
    status = result.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if type(status) is not int or not 100 <= status <= 599:  # not a bool either
        raise FunctionFailed(f"{name} returned no valid statusCode")
    multi = result.get("multiValueHeaders") or {}
    single = result.get("headers") or {}
    if not isinstance(multi, dict) or not isinstance(single, dict):
        raise FunctionFailed(f"{name} returned headers that are not an object")
    headers: list[tuple[str, str]] = []
    for key, values in multi.items():
        if not isinstance(values, list):
            raise FunctionFailed(f"{name} returned multiValueHeaders.{key} that is not a list")
        headers.extend((str(key), _text(value)) for value in values)
    pairs = [(str(key), _text(value)) for key, value in single.items()]
    headers += [pair for pair in pairs if pair not in headers]
    body = result.get("body")
    if not isinstance(body, str | None):
        raise FunctionFailed(f"{name} returned a body that is not a string")
    if not result.get("isBase64Encoded"):
        return ProxyResponse(status, headers, (body or "").encode("utf-8"))
    try:
        return ProxyResponse(status, headers, base64.b64decode(body or "", validate=True))
    except ValueError as error:  # binascii.Error is one
        raise FunctionFailed(f"{name} returned isBase64Encoded with a bad body") from error


def _text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)  # true, not True


def _sources(spec: FunctionSpec) -> dict[Path, int]:
    return {
        path: path.stat().st_mtime_ns
        for folder in (spec.code_uri, *spec.layers)
        for path in folder.rglob("*.py")
        if "__pycache__" not in path.parts
    }
