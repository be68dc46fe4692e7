"""The functions as they ship: ``sam build`` output run by ``awslambdaric`` under Lambda's
runtime emulator (``aws-lambda-rie``, inside the SAM CLI package), without Docker."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import platform
import queue
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from sessions_local.runtimes.pool import INIT_TIMEOUT_S, FunctionFailed, LocalFunction, layer_path
from sessions_local.stack import FunctionSpec, translate
from sessions_local.stack.model import SAM, SAM_OFFLINE, SAM_PINS, project_root

# Lambda's names for the instruction sets, as Linux reports them (the emulator is a Linux binary).
ARCHITECTURES = {"x86_64": "x86_64", "aarch64": "arm64"}
INVOKE_PATH = "/2015-03-31/functions/function/invocations"
START_TIMEOUT_S = 10.0
# The REPORT line follows the answer closely; this bounds the wait when the emulator is gone.
REPORT_WAIT_S = 5.0
# Written by the emulator, not the function: kept for the report, not passed to the log.
_RAPID = re.compile(r"^\d{2} \w{3} \d{4} [\d:,]+ \[\w+\] \(rapid\) ")
_INIT_REPORT = re.compile(r"INIT REPORT\(durationMs: ([\d.]+)\)")
_REPORT_FIELD = re.compile(r"([A-Za-z ]+): ([^\t]+)")

Echo = Callable[[str], None]


class EmulatorError(FunctionFailed):
    """The build, the runtime folder or the emulator could not be made, started or reached."""


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One build at a time per folder, across processes (a test run and a `serve --built`)."""
    import fcntl  # POSIX only, like the emulator; the source mode imports this module too

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:  # closing it releases the lock
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _digest(files: Sequence[tuple[str, Path]], extra: str) -> str:
    digest = hashlib.sha256(extra.encode() + b"\0")
    for name, path in sorted(files):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _run(command: list[str], what: str, **options: Any) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False, **options)  # noqa: S603
    if done.returncode != 0:
        raise EmulatorError(f"{what} failed:\n{done.stdout}\n{done.stderr}")


@dataclass(frozen=True)
class Build:
    """One ``sam build``: a folder per function and layer, and the template that names them."""

    root: Path
    architecture: str

    @property
    def template(self) -> Path:
        return self.root / "template.yaml"


def _build_inputs(template: Path, document: Mapping[str, Any]) -> list[tuple[str, Path]]:
    """What ``sam build`` reads: the template, samconfig.toml and the folders it builds from."""
    root = template.parent
    files = [(path.name, path) for path in (template, root / "samconfig.toml") if path.is_file()]
    folders = set()
    for resource in document["Resources"].values():
        properties = resource.get("Properties", {})
        # CodeUri, a layer's ContentUri, and the folder of the Makefile that builds them
        named = [properties.get("CodeUri"), properties.get("ContentUri")]
        for value in [*named, resource.get("Metadata", {}).get("ContextPath")]:
            if isinstance(value, str):
                folders.add((root / value).resolve())
    for folder in sorted(folders):
        files.extend(
            (path.relative_to(root).as_posix(), path)
            for path in folder.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
        )
    return files


def build(template: Path, root: Path, architecture: str, echo: Echo) -> Build:
    """``sam build`` for ``architecture``, not in the deploy build; skipped if nothing changed."""
    output = root / ".aws-sam" / "native" / architecture
    result = Build(output / "build", architecture)
    inputs = _build_inputs(template, translate(template)["expanded"])
    digest = _digest([*inputs, ("SAM CLI", root / SAM_PINS)], architecture)
    stamp = output / "inputs.sha256"
    with _locked(output / "build.lock"):
        if stamp.is_file() and stamp.read_text().strip() == digest and result.template.is_file():
            return result
        sam = root / SAM / "bin" / "sam"
        stamp.unlink(missing_ok=True)
        folder = template.parent
        command = [str(sam), "build", "--template-file", str(template), "--base-dir", str(folder)]
        # The stamp decides whether to build: SAM's own cache would miss a Makefile change.
        command += ["--build-dir", str(result.root), "--no-cached"]
        # The interpreter that compiles: SAM's own Python 3.13, as `make check-template` uses.
        python = str(sam.with_name("python"))
        environment = (
            os.environ | SAM_OFFLINE | {"BUILD_ARCHITECTURE": architecture, "PYTHON": python}
        )
        echo(f"sam build for {architecture} into {result.root} ...")
        started = time.monotonic()
        _run(command, "sam build", cwd=folder, env=environment)
        stamp.write_text(digest + "\n")
        echo(f"sam build done in {time.monotonic() - started:.1f}s")
    return result


def prepare_runtime(root: Path, architecture: str) -> Path:
    """Lambda's ``/var/runtime``: awslambdaric and the SDK, as ``lambda-runtime.txt`` pins them."""
    requirements = root / "infra" / "tools" / "lambda-runtime.txt"
    target = (root / ".tools" / "lambda-runtime" / architecture).resolve()
    digest = _digest([("requirements", requirements)], sys.version)
    stamp = target / ".inputs.sha256"
    with _locked(target.with_name(target.name + ".lock")):
        if stamp.is_file() and stamp.read_text().strip() == digest:
            return target
        shutil.rmtree(target, ignore_errors=True)
        pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        pip += ["--no-compile", "--only-binary=:all:", "--target", str(target)]
        pip += ["-r", str(requirements)]
        _run(pip, "installing the runtime's packages")
        shutil.rmtree(target / "bin", ignore_errors=True)
        compile_all = [sys.executable, "-m", "compileall", "-q", "-j", "0"]
        compile_all += ["--invalidation-mode", "unchecked-hash", str(target)]
        _run(compile_all, "compiling the runtime's packages")
        stamp.write_text(digest + "\n")  # last: an interrupted install is made again
    return target


def find_rie(root: Path, architecture: str) -> Path:
    name = f"aws-lambda-rie-{architecture}"
    found = sorted((root / SAM).glob(f"lib/python*/site-packages/samcli/local/rapid/{name}"))
    if not found:
        raise EmulatorError(f"{name} not found under {root / SAM}: run `make setup` first")
    return found[0]


def prepare(template: Path, echo: Echo | None = None) -> Emulator:
    """The build, runtime folder and emulator: once per run, then a function per environment."""
    template = template.resolve()
    root = project_root(template)
    machine = platform.machine()
    if machine not in ARCHITECTURES:
        raise EmulatorError(f"Lambda has no architecture for this machine ({machine})")
    architecture = ARCHITECTURES[machine]
    return Emulator(
        build(template, root, architecture, echo or (lambda line: None)),
        prepare_runtime(root, architecture),
        find_rie(root, architecture),
        Path(getattr(sys, "_base_executable", sys.executable)),
    )


def _to_stderr(line: str) -> None:
    # One write, line and newline together: print's two would let the access log's line, written
    # from another thread, land between them.
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


@dataclass(frozen=True)
class Emulator:
    """What an environment needs; ``python`` is the interpreter the virtualenv was made from."""

    build: Build
    runtime_dir: Path
    rie: Path
    python: Path

    def function(
        self, spec: FunctionSpec, variables: Mapping[str, str], output: Echo = _to_stderr
    ) -> EmulatedFunction:
        return EmulatedFunction(self, spec, variables, output)


@dataclass(frozen=True)
class Report:
    """The emulator's account of an invocation; ``init_ms`` (part of ``duration_ms``) if cold."""

    request_id: str
    duration_ms: float
    memory_mb: int
    init_ms: float | None

    @property
    def cold(self) -> bool:
        return self.init_ms is not None


def parse_report(line: str) -> dict[str, str]:
    """The fields of a ``REPORT RequestId: ...\\tDuration: 1.23 ms\\t...`` line, by name."""
    fields = _REPORT_FIELD.findall(line.removeprefix("REPORT "))
    return {name.strip(): value.strip() for name, value in fields}


@dataclass(frozen=True)
class Invocation:
    """The payload: Lambda's error object, with its type in ``error``, when the function raised."""

    payload: Any
    error: str | None
    report: Report


@dataclass(eq=False, repr=False)  # no variables (secrets) in a repr
class EmulatedFunction:
    """One execution environment under the emulator, also one of a BuiltFunction's pool."""

    emulator: Emulator
    spec: FunctionSpec
    variables: Mapping[str, str]
    output: Echo = _to_stderr
    port: int = field(default=0, init=False)
    _process: subprocess.Popen[str] | None = field(default=None, init=False)
    _reader: threading.Thread | None = field(default=None, init=False)
    # The REPORT of each invocation in turn; None once the emulator's output ends.
    _reports: queue.Queue[Report | None] = field(default_factory=queue.Queue, init=False)

    def environment(self) -> dict[str, str]:
        runtime = self.emulator.runtime_dir
        # Lambda's sys.path order: /var/task, /opt/python, /var/runtime.
        search_path = [self.spec.code_uri, *map(layer_path, self.spec.layers), runtime]
        environment = {key: value for key, value in self.variables.items() if key != "VIRTUAL_ENV"}
        return environment | {
            "LAMBDA_RUNTIME_DIR": str(runtime),
            "PYTHONPATH": os.pathsep.join(str(path) for path in search_path),
            # Lambda's code folder is read-only: no bytecode is written there.
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(self.spec.timeout_s),
        }

    def start(self) -> Self:
        """Start the emulator; it begins the function's init at once, in the background."""
        name = self.spec.logical_id
        self.port, runtime_api = _free_port(), _free_port()
        command = [str(self.emulator.rie), "--log-level", "info"]
        command += ["--runtime-interface-emulator-address", f"127.0.0.1:{self.port}"]
        command += ["--runtime-api-address", f"127.0.0.1:{runtime_api}"]
        # -S: no site-packages, only the three folders on PYTHONPATH.
        command += [str(self.emulator.python), "-S", "-m", "awslambdaric", self.spec.handler]
        self._process = process = subprocess.Popen(  # noqa: S603 - the SAM CLI's own emulator binary
            command,
            cwd=self.spec.code_uri,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            encoding="utf-8",
            errors="replace",
        )
        self._reader = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self._reader.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise EmulatorError(f"{name}: the emulator exited at start")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5),
            ):
                return self
            time.sleep(0.01)
        self.stop()
        raise EmulatorError(f"{name}: the emulator did not listen within {START_TIMEOUT_S}s")

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if self._reader is not None:
            self._reader.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exception: object) -> None:
        self.stop()

    def invoke(self, event: Any) -> Invocation:
        """The payload and the emulator's REPORT; an environment that fails here is stopped."""
        name = self.spec.logical_id
        if not self.alive:
            raise EmulatorError(f"{name}: the emulator is not running")
        limit = self.spec.timeout_s + INIT_TIMEOUT_S
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=limit)
        try:
            connection.request("POST", INVOKE_PATH, json.dumps(event))  # all ASCII (\u escapes)
            body = connection.getresponse().read()
        except (OSError, http.client.HTTPException) as failure:
            self.stop()
            raise EmulatorError(f"{name}: the invocation failed: {failure!r}") from failure
        finally:
            connection.close()
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            payload = body.decode("utf-8", "replace")
        # Lambda's error object (errorType, errorMessage) in place of a result; the emulator sends
        # no X-Amz-Function-Error header.
        error = payload.get("errorType") if isinstance(payload, dict) else None
        with contextlib.suppress(queue.Empty):
            if report := self._reports.get(timeout=REPORT_WAIT_S):
                return Invocation(payload, error, report)
        self.stop()
        raise EmulatorError(f"{name}: the emulator printed no REPORT line")

    def handle(self, event: Mapping[str, Any]) -> Any:
        """The payload; FunctionFailed when the function raised, timed out or could not run."""
        invocation = self.invoke(event)
        if invocation.error is not None:
            message = invocation.payload.get("errorMessage", "")
            raise FunctionFailed(f"{self.spec.logical_id} raised {invocation.error}: {message}")
        return invocation.payload

    def _read(self, lines: Iterable[str]) -> None:
        """The emulator's output: its log lines feed the reports, the function's are passed on."""
        init_ms: float | None = None
        for raw in lines:
            line = raw.rstrip("\n")
            if _RAPID.match(line):
                if found := _INIT_REPORT.search(line):
                    init_ms = float(found.group(1))
                continue
            if line.startswith("REPORT RequestId:"):
                fields = {name: value.split()[0] for name, value in parse_report(line).items()}
                duration, memory = float(fields["Duration"]), int(fields["Memory Size"])
                self._reports.put(Report(fields["RequestId"], duration, memory, init_ms))
                init_ms = None  # the init belongs to the first invocation's report only
            if not line.startswith(("START RequestId:", "END RequestId:")):
                self.output(line)
        self._reports.put(None)


def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


class BuiltFunction(LocalFunction):
    """A template function served from its build folder, under the emulator."""

    def __init__(
        self, spec: FunctionSpec, variables: Mapping[str, str], emulator: Emulator
    ) -> None:
        super().__init__(spec, variables)
        self.emulator = emulator

    def start_environment(self) -> EmulatedFunction:
        return self.emulator.function(self.spec, self.variables).start()
