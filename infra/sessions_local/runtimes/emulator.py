"""The functions as they ship: built by ``sam build``, run under Lambda's runtime emulator.

What ``sam deploy`` uploads is what ``sam build`` makes of ``template.yaml``; this module runs
exactly that on this machine, as Lambda's managed Python runtime does, without Docker:

* :func:`build` runs ``sam build`` of the template for this machine's architecture (the same
  build definition as the deploy build, only ``BUILD_ARCHITECTURE`` differs) into a folder of its
  own, and skips it when none of the inputs changed since the last build;
* :func:`prepare_runtime` makes the folder that stands for the runtime's own packages (Lambda's
  ``/var/runtime``): the runtime interface client ``awslambdaric`` and the AWS SDK, at the
  versions the project pins, precompiled, as the managed runtime carries them;
* :class:`EmulatedFunction` is one execution environment: the emulator (``aws-lambda-rie``, which
  ships inside the SAM CLI package) on free loopback ports, starting ``python -m awslambdaric``
  with the function's build folder, then its layers, then the runtime folder on ``sys.path``
  (Lambda's order: ``/var/task``, ``/opt/python``, ``/var/runtime``), a read-only code folder's
  ``PYTHONDONTWRITEBYTECODE=1`` and no site-packages. :meth:`EmulatedFunction.invoke` returns
  the function's answer and the emulator's ``REPORT`` for it.

One emulator serves one invocation at a time; start one per cold start to be measured.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sessions_local.stack import FunctionSpec, translate

# Lambda's names for the two instruction sets, by what this machine reports.
ARCHITECTURES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}
RUNTIME_REQUIREMENTS = Path("infra") / "tools" / "lambda-runtime.txt"
RUNTIME_CONSTRAINTS = Path("requirements-dev.lock")
SAM_VENV = Path(".tools") / "sam"
INVOKE_PATH = "/2015-03-31/functions/function/invocations"
# Lambda allows 10 s of init; a busy machine starting several environments needs more.
INIT_ALLOWANCE_S = 30.0
START_TIMEOUT_S = 10.0
# The REPORT line follows the answer closely; this bounds the wait when the emulator is gone.
REPORT_WAIT_S = 5.0
# sam build needs no account: a fixed region, no telemetry, no instance-metadata lookup.
OFFLINE = {
    "SAM_CLI_TELEMETRY": "0",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}
# Written by the emulator, not the function: kept for the report, not passed to the log.
_RAPID = re.compile(r"^\d{2} \w{3} \d{4} [\d:,]+ \[\w+\] \(rapid\) ")
_INIT_REPORT = re.compile(r"INIT REPORT\(durationMs: ([\d.]+)\)")
_INVOKE_DONE = re.compile(r"INVOKE RTDONE\(status: (\w+).*?duration: ([\d.]+)ms\)")
_REPORT_FIELD = re.compile(r"([A-Za-z ]+): ([^\t]+)")


class EmulatorError(Exception):
    """The build, the runtime folder or the emulator could not be made or started."""


def native_architecture() -> str:
    """This machine's instruction set, in Lambda's words (``x86_64`` or ``arm64``)."""
    machine = platform.machine().lower()
    if machine not in ARCHITECTURES:
        raise EmulatorError(f"Lambda has no architecture for this machine ({machine})")
    return ARCHITECTURES[machine]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One build at a time per folder, across processes (a test run and a `serve --built`)."""
    import fcntl  # POSIX only, like the emulator itself

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _digest(files: Sequence[tuple[str, Path]], *extra: str) -> str:
    """A hash of the files' names and contents, and of ``extra``."""
    digest = hashlib.sha256()
    for value in extra:
        digest.update(value.encode() + b"\0")
    for name, path in sorted(files):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _tree(root: Path, folder: Path) -> list[tuple[str, Path]]:
    """Every file under ``folder`` but bytecode, named relative to ``root``."""
    return [
        (path.relative_to(root).as_posix(), path)
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    ]


# -- the build -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Build:
    """The output of one ``sam build``: a folder per function and per layer, and the built
    template, whose translation says which folder each function and layer runs from."""

    root: Path
    architecture: str

    @property
    def template(self) -> Path:
        return self.root / "template.yaml"


def python_paths(layer: Path) -> list[Path]:
    """A layer's folders on ``sys.path``, as Lambda adds them from ``/opt``: ``python`` and
    ``python/lib/python3.13/site-packages``; a layer's unbuilt source folder is itself."""
    base = layer / "python"
    if not base.is_dir():
        return [layer]
    return [path for path in (base, base / "lib" / "python3.13" / "site-packages") if path.is_dir()]


def _build_inputs(template: Path, document: Mapping[str, Any]) -> list[tuple[str, Path]]:
    """What ``sam build`` reads: the template, samconfig.toml, and every folder a resource's
    CodeUri, ContentUri or build ContextPath names (so a Makefile change rebuilds too)."""
    root = template.parent
    files = [(template.name, template)]
    if (root / "samconfig.toml").is_file():
        files.append(("samconfig.toml", root / "samconfig.toml"))
    folders = set()
    for resource in (document.get("Resources") or {}).values():
        properties = resource.get("Properties") or {}
        metadata = resource.get("Metadata") or {}
        for value in (
            properties.get("CodeUri"),
            properties.get("ContentUri"),
            metadata.get("ContextPath"),
        ):
            if isinstance(value, str) and (root / value).is_dir():
                folders.add((root / value).resolve())
    for folder in sorted(folders):
        files.extend(_tree(root, folder))
    return files


def sam_command(root: Path) -> Path:
    """The project's pinned SAM CLI (installed by ``make check-template``)."""
    sam = root / SAM_VENV / "bin" / "sam"
    if not sam.exists():
        raise EmulatorError(f"{sam} is missing: run `make setup` first")
    return sam


def build(
    template: Path,
    *,
    architecture: str | None = None,
    output: Path | None = None,
    force: bool = False,
    echo: Callable[[str], None] | None = None,
) -> Build:
    """``sam build`` of ``template`` for ``architecture`` (this machine's by default).

    The build goes to ``output`` (default ``.aws-sam/native/<architecture>/build`` beside the
    template), never to the deploy build's folder, and is skipped when the template, samconfig
    and every folder the template builds from are as they were at the last build.
    """
    template = template.resolve()
    root = template.parent
    architecture = architecture or native_architecture()
    output = (output or root / ".aws-sam" / "native" / architecture).resolve()
    build_dir = output / "build"
    document = translate(template, root=root)["expanded"]
    result = Build(build_dir, architecture)
    digest = _digest(_build_inputs(template, document), architecture)
    stamp = output / "inputs.sha256"
    with _locked(output / "build.lock"):
        fresh = stamp.is_file() and stamp.read_text().strip() == digest
        if fresh and not force and (build_dir / "template.yaml").is_file():
            return result
        sam = sam_command(root)
        stamp.unlink(missing_ok=True)
        command = [
            str(sam),
            "build",
            "--template-file",
            str(template),
            "--base-dir",
            str(root),
            "--build-dir",
            str(build_dir),
            "--cache-dir",
            str(output / "cache"),
            # The stamp above decides whether to build; SAM's cache would miss a Makefile change.
            "--no-cached",
        ]
        environment = {
            **os.environ,
            **OFFLINE,
            "BUILD_ARCHITECTURE": architecture,
            # The interpreter that compiles: SAM's own Python 3.13, as `make check-template` uses.
            "PYTHON": str(sam.with_name("python")),
        }
        if echo is not None:
            echo(f"sam build for {architecture} into {build_dir} ...")
        started = time.monotonic()
        done = subprocess.run(  # noqa: S603 - the project's pinned SAM CLI
            command,
            cwd=root,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise EmulatorError(f"sam build failed:\n{done.stdout}\n{done.stderr}")
        stamp.write_text(digest + "\n")
        if echo is not None:
            echo(f"sam build done in {time.monotonic() - started:.1f}s")
    return result


# -- the runtime's own packages ------------------------------------------------------------


def base_interpreter() -> Path:
    """The Python 3.13 this virtualenv was made from: the functions run on it with ``-S``, so
    none of the development virtualenv's packages can reach them."""
    return Path(getattr(sys, "_base_executable", sys.executable))


def prepare_runtime(root: Path, *, output: Path | None = None) -> Path:
    """The folder that stands for Lambda's ``/var/runtime``: ``awslambdaric`` and the AWS SDK
    as ``infra/tools/lambda-runtime.txt`` lists them (at the versions of requirements-dev.lock),
    installed for this machine and precompiled. Made once; again when those files change."""
    root = root.resolve()
    requirements = root / RUNTIME_REQUIREMENTS
    constraints = root / RUNTIME_CONSTRAINTS
    target = (output or root / ".tools" / "lambda-runtime" / native_architecture()).resolve()
    digest = _digest([("requirements", requirements), ("constraints", constraints)], sys.version)
    stamp = target / ".inputs.sha256"
    with _locked(target.with_name(target.name + ".lock")):
        if stamp.is_file() and stamp.read_text().strip() == digest:
            return target
        scratch = target.with_name(target.name + ".partial")
        shutil.rmtree(scratch, ignore_errors=True)
        pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        _run(
            [
                *pip,
                "--no-compile",
                "--only-binary=:all:",
                "--target",
                str(scratch),
                "-r",
                str(requirements),
                "-c",
                str(constraints),
            ],
            "installing the runtime's packages",
        )
        shutil.rmtree(scratch / "bin", ignore_errors=True)
        _run(
            [
                sys.executable,
                "-m",
                "compileall",
                "-q",
                "-j",
                "0",
                "--invalidation-mode",
                "unchecked-hash",
                str(scratch),
            ],
            "compiling the runtime's packages",
        )
        (scratch / stamp.name).write_text(digest + "\n")
        shutil.rmtree(target, ignore_errors=True)
        scratch.rename(target)
    return target


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise EmulatorError(f"{what} failed:\n{done.stdout}\n{done.stderr}")


def find_rie(root: Path, architecture: str | None = None) -> Path:
    """The Runtime Interface Emulator binary that ships inside the pinned SAM CLI package."""
    architecture = architecture or native_architecture()
    pattern = f"lib/python*/site-packages/samcli/local/rapid/aws-lambda-rie-{architecture}"
    found = sorted((root / SAM_VENV).glob(pattern))
    if not found:
        raise EmulatorError(
            f"aws-lambda-rie-{architecture} not found under {root / SAM_VENV}: "
            "run `make setup` first"
        )
    return found[0]


# -- one execution environment ------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """The emulator's account of one invocation.

    ``duration_ms`` is the ``REPORT`` line's ``Duration``: for an environment's first
    invocation it covers the init (imports, module code) and the invocation together.
    ``init_ms`` is the emulator's ``INIT REPORT`` (the init alone, once per environment, on the
    first invocation's report only); ``invoke_ms`` is the runtime's part of this invocation.
    """

    request_id: str
    duration_ms: float
    billed_ms: int | None
    memory_mb: int | None
    max_memory_mb: int | None
    init_ms: float | None
    invoke_ms: float | None
    line: str  # the REPORT line as the emulator printed it

    @property
    def cold(self) -> bool:
        return self.init_ms is not None


def parse_report(line: str) -> dict[str, str]:
    """The fields of a ``REPORT RequestId: ...\\tDuration: 1.23 ms\\t...`` line, by name."""
    fields = _REPORT_FIELD.findall(line.removeprefix("REPORT "))
    return {name.strip(): value.strip() for name, value in fields}


def _number(text: str | None) -> float | None:
    return None if text is None else float(text.split()[0])


@dataclass(frozen=True)
class Invocation:
    """What one invocation returned: the payload (parsed JSON), the error type when the
    function raised or timed out (``payload`` then holds Lambda's error object), the report."""

    payload: Any
    error: str | None
    report: Report


class EmulatedFunction:
    """One execution environment of one built function, under the emulator.

    ``variables`` is the function's environment (template variables and Lambda's reserved
    ones); ``output`` receives the function's log lines (default: this process's stderr).
    Use it as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        *,
        name: str,
        code_dir: Path,
        layer_dirs: Sequence[Path],
        runtime_dir: Path,
        handler: str,
        variables: Mapping[str, str],
        rie: Path,
        python: Path | None = None,
        timeout_s: int = 3,
        memory_mb: int = 128,
        output: Callable[[str], None] | None = None,
    ) -> None:
        self.name = name
        self.code_dir = code_dir
        self.layer_dirs = list(layer_dirs)
        self.runtime_dir = runtime_dir
        self.handler = handler
        self.variables = dict(variables)
        self.rie = rie
        self.python = python or base_interpreter()
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.output = output or _to_stderr
        self.port = 0
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self._condition = threading.Condition()
        self._reports: list[str] = []
        self._init_ms: float | None = None
        self._invoke_ms: float | None = None
        self._init_reported = False

    # -- start and stop

    def environment(self) -> dict[str, str]:
        """The process environment the emulator and the runtime start with."""
        search_path = [self.code_dir, *self.layer_dirs, self.runtime_dir]
        environment = {key: value for key, value in self.variables.items() if key != "VIRTUAL_ENV"}
        environment.update(
            {
                "PATH": self.variables.get("PATH", os.defpath),
                "LAMBDA_TASK_ROOT": str(self.code_dir),
                "LAMBDA_RUNTIME_DIR": str(self.runtime_dir),
                "PYTHONPATH": os.pathsep.join(str(path) for path in search_path),
                "PYTHONDONTWRITEBYTECODE": "1",
                "PYTHONUNBUFFERED": "1",
                "_HANDLER": self.handler,
                "AWS_LAMBDA_FUNCTION_NAME": self.name,
                "AWS_LAMBDA_FUNCTION_TIMEOUT": str(self.timeout_s),
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
            }
        )
        environment.setdefault("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        return environment

    def start(self) -> Self:
        """Start the emulator; it begins the function's init at once, in the background."""
        self.port, runtime_api = _free_port(), _free_port()
        command = [
            str(self.rie),
            "--log-level",
            "info",
            "--runtime-interface-emulator-address",
            f"127.0.0.1:{self.port}",
            "--runtime-api-address",
            f"127.0.0.1:{runtime_api}",
            str(self.python),
            "-S",  # no site-packages: only the three folders on PYTHONPATH
            "-m",
            "awslambdaric",
            self.handler,
        ]
        self._process = subprocess.Popen(  # noqa: S603 - the SAM CLI's own emulator binary
            command,
            cwd=self.code_dir,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
        )
        self._reader = threading.Thread(target=self._read, name=f"{self.name}-rie", daemon=True)
        self._reader.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise EmulatorError(f"{self.name}: the emulator exited at start")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5),
            ):
                return self
            time.sleep(0.01)
        self.stop()
        raise EmulatorError(f"{self.name}: the emulator did not listen within {START_TIMEOUT_S}s")

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        """Stop the emulator and the runtime it started (SIGTERM, then SIGKILL)."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
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

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- invoking

    def invoke(self, event: Any, *, timeout_s: float | None = None) -> Invocation:
        """Send ``event``; the payload and the emulator's REPORT for this invocation."""
        if not self.alive:
            raise EmulatorError(f"{self.name}: the emulator is not running")
        with self._condition:
            seen = len(self._reports)
        limit = timeout_s or self.timeout_s + INIT_ALLOWANCE_S
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=limit)
        try:
            connection.request(
                "POST",
                INVOKE_PATH,
                body=json.dumps(event).encode(),
                headers={"Content-Type": "application/json"},
            )
            response = connection.getresponse()
            body = response.read()
            error_header = response.getheader("X-Amz-Function-Error")
        except (OSError, http.client.HTTPException) as error:
            raise EmulatorError(f"{self.name}: the invocation failed: {error!r}") from error
        finally:
            connection.close()
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            payload = body.decode("utf-8", "replace")
        error_type = error_header or _error_type(payload)
        return Invocation(payload, error_type, self._report_after(seen))

    def _report_after(self, seen: int) -> Report:
        deadline = time.monotonic() + REPORT_WAIT_S
        with self._condition:
            while len(self._reports) <= seen and time.monotonic() < deadline and self.alive:
                self._condition.wait(timeout=0.05)
            if len(self._reports) <= seen:
                raise EmulatorError(f"{self.name}: the emulator printed no REPORT line")
            line = self._reports[seen]
            init_ms = None
            if not self._init_reported and self._init_ms is not None:
                init_ms, self._init_reported = self._init_ms, True
            invoke_ms = self._invoke_ms
        fields = parse_report(line)
        billed = _number(fields.get("Billed Duration"))
        memory = _number(fields.get("Memory Size"))
        used = _number(fields.get("Max Memory Used"))
        return Report(
            request_id=fields.get("RequestId", ""),
            duration_ms=_number(fields.get("Duration")) or 0.0,
            billed_ms=None if billed is None else int(billed),
            memory_mb=None if memory is None else int(memory),
            max_memory_mb=None if used is None else int(used),
            init_ms=init_ms,
            invoke_ms=invoke_ms,
            line=line,
        )

    def _read(self) -> None:
        """The emulator's output: its own log lines feed the report, the rest is the
        function's log, passed on."""
        process = self._process
        if process is None or process.stdout is None:
            return
        for raw in process.stdout:
            line = raw.rstrip("\n")
            if _RAPID.match(line):
                self._note(line)
            elif line.startswith("REPORT RequestId:"):
                with self._condition:
                    self._reports.append(line)
                    self._condition.notify_all()
                self.output(line)
            elif not line.startswith(("START RequestId:", "END RequestId:")):
                self.output(line)
        with self._condition:
            self._condition.notify_all()

    def _note(self, line: str) -> None:
        with self._condition:
            if found := _INIT_REPORT.search(line):
                self._init_ms = float(found.group(1))
            elif found := _INVOKE_DONE.search(line):
                self._invoke_ms = float(found.group(2))


def _error_type(payload: Any) -> str | None:
    """Lambda's error object (``errorType``, ``errorMessage``) in place of a result."""
    if isinstance(payload, dict) and "errorType" in payload and "statusCode" not in payload:
        return str(payload["errorType"])
    return None


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# -- everything together --------------------------------------------------------------------


@dataclass(frozen=True)
class Emulator:
    """A build, the runtime folder and the emulator binary: what starting a function needs."""

    build: Build
    runtime_dir: Path
    rie: Path
    python: Path

    def function(
        self,
        spec: FunctionSpec,
        variables: Mapping[str, str],
        *,
        output: Callable[[str], None] | None = None,
    ) -> EmulatedFunction:
        """An execution environment of the template function ``spec`` (not started yet)."""
        return self.environment(
            spec.logical_id,
            spec.code_uri,
            [path for layer in spec.layers for path in python_paths(layer)],
            spec.handler,
            variables,
            timeout_s=spec.timeout_s,
            memory_mb=spec.memory_mb,
            output=output,
        )

    def environment(
        self,
        name: str,
        code_dir: Path,
        layer_dirs: Sequence[Path],
        handler: str,
        variables: Mapping[str, str],
        *,
        timeout_s: int,
        memory_mb: int,
        output: Callable[[str], None] | None = None,
    ) -> EmulatedFunction:
        """An execution environment of any code folder (a function's build, or one made for a
        comparison) on this runtime folder and emulator (not started yet)."""
        return EmulatedFunction(
            name=name,
            code_dir=code_dir,
            layer_dirs=layer_dirs,
            runtime_dir=self.runtime_dir,
            handler=handler,
            variables=variables,
            rie=self.rie,
            python=self.python,
            timeout_s=timeout_s,
            memory_mb=memory_mb,
            output=output,
        )


def prepare(
    template: Path,
    *,
    architecture: str | None = None,
    echo: Callable[[str], None] | None = None,
) -> Emulator:
    """Build ``template`` for this machine (unless unchanged), make the runtime folder and find
    the emulator: once per run, then :meth:`Emulator.function` per environment."""
    root = template.resolve().parent
    architecture = architecture or native_architecture()
    built = build(template, architecture=architecture, echo=echo)
    return Emulator(built, prepare_runtime(root), find_rie(root, architecture), base_interpreter())


__all__ = [
    "Build",
    "EmulatedFunction",
    "Emulator",
    "EmulatorError",
    "Invocation",
    "Report",
    "build",
    "find_rie",
    "native_architecture",
    "parse_report",
    "prepare",
    "prepare_runtime",
]
