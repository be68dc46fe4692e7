"""Cold init: a fresh interpreter imports a handler and serves its first request.

Each sample is one child process with the deployed function's environment. Its clock starts
once the interpreter and this harness are up, so it covers what Lambda bills as the cold
part of a first invocation: ``import boto3`` (the library does it on the first request), the
handler module's import, building the DynamoDB client, and serving the first request against
canned responses. The baseline child does the same with ``bench.bare``. A round runs the
baseline and then the function, for every function, so each ratio compares two neighbours.

The verdict is on the child's CPU time over that span: a cold init is one thread doing CPU
work (the bytecode is in the page cache), and CPU time does not count the moments a busy
shared machine gives the core to someone else. Wall-clock ratios are reported beside it.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bench.lambda_env import (
    ROOT,
    Context,
    lambda_environment,
    put_function_on_path,
    start_invocation,
    success_event,
)
from bench.stats import FloorSamples

EXPECTED_STATUS = {"create_session": 201, "delete_session": 204}
BARE = "bare"
FLOOR = "floor"


def private_stdout() -> TextIO:
    """A channel to the parent; the handler's own stdout (logs, EMF metrics) goes nowhere."""
    channel = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    return channel


def child(target: str, function: str) -> None:
    channel = private_stdout()
    event, context = success_event(function), Context()

    started, cpu_started = time.perf_counter(), time.process_time()

    from bench.canned import CannedDynamoDB

    canned = CannedDynamoDB()
    canned.attach_to_new_default_session()
    ready = time.perf_counter()
    if target in (BARE, FLOOR):
        module = importlib.import_module(f"bench.{target}")
    else:
        put_function_on_path()
        module = importlib.import_module("app")
    imported = time.perf_counter()
    start_invocation()
    response = module.handler(event, context)
    served, cpu_served = time.perf_counter(), time.process_time()

    expected = EXPECTED_STATUS.get(function, 200)
    if response["statusCode"] != expected or sum(canned.calls.values()) != 1:
        raise SystemExit(f"{target} {function}: {response} after {dict(canned.calls)}")
    result = {
        "cpu": cpu_served - cpu_started,
        "wall": served - started,
        "boto3": ready - started,
        "import": imported - ready,
        "first_request": served - imported,
        "modules": len(sys.modules),
    }
    channel.write(json.dumps(result) + "\n")
    channel.flush()


def run_child(
    target: str,
    function: str,
    *flags: str,
    env: dict[str, str] | None = None,
    tree: Path = ROOT,
) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, *flags, "-m", "bench.coldstart", target, function],
        cwd=ROOT,
        env={**lambda_environment(function, tree), **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"cold child {target} {function} failed:\n{completed.stderr}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    result["stderr"] = completed.stderr
    return result


@dataclass
class ColdSamples:
    function: str
    ratios: list[float]  # CPU time, function / bare
    function_total: list[float]
    bare_total: list[float]
    imports: list[float]
    first_requests: list[float]
    modules: int
    bare_modules: int
    wall_ratios: list[float]  # wall-clock time, function / bare


def measure(
    rounds: int, functions: list[str], floor_function: str
) -> tuple[list[ColdSamples], FloorSamples]:
    """Rounds of bare-then-function for every function; ``floor_function`` also gets the floor."""
    samples = {name: ColdSamples(name, [], [], [], [], [], 0, 0, []) for name in functions}
    floor = FloorSamples()
    for function in functions:  # one unrecorded pair each: disk caches warm, bytecode compiled
        run_child(BARE, function)
        run_child(function, function)
    run_child(FLOOR, floor_function)
    for _ in range(rounds):
        for function in functions:
            bare = run_child(BARE, function)
            measured = run_child(function, function)
            sample = samples[function]
            sample.ratios.append(measured["cpu"] / bare["cpu"])
            sample.wall_ratios.append(measured["wall"] / bare["wall"])
            sample.function_total.append(measured["cpu"])
            sample.bare_total.append(bare["cpu"])
            sample.imports.append(measured["import"])
            sample.first_requests.append(measured["first_request"])
            sample.modules, sample.bare_modules = measured["modules"], bare["modules"]
            if function == floor_function:
                floor.add(bare["cpu"], run_child(FLOOR, function)["cpu"], measured["cpu"])
    return list(samples.values()), floor


def decompose(rounds: int, function: str) -> dict[str, list[float]]:
    """CPU-time ratios to bare of the function and the floor, with the Tracer on and off."""
    tracer_off = {"POWERTOOLS_TRACE_DISABLED": "true"}
    variants: dict[str, tuple[str, dict[str, str] | None]] = {
        "function, as deployed": (function, None),
        "function, Tracer disabled": (function, tracer_off),
        "framework floor, as deployed": (FLOOR, None),
        "framework floor, Tracer disabled": (FLOOR, tracer_off),
    }
    ratios: dict[str, list[float]] = {name: [] for name in variants}
    for target, env in variants.values():
        run_child(target, function, env=env)
    for _ in range(rounds):
        for name, (target, env) in variants.items():
            bare = run_child(BARE, function)["cpu"]
            ratios[name].append(run_child(target, function, env=env)["cpu"] / bare)
    return ratios


def compare(rounds: int, functions: list[str], other: Path) -> dict[str, list[float]]:
    """CPU-time ratios of each function in this checkout to the same function in ``other``."""
    ratios: dict[str, list[float]] = {function: [] for function in functions}
    for function in functions:
        run_child(function, function, tree=other)
        run_child(function, function)
    for _ in range(rounds):
        for function in functions:
            theirs = run_child(function, function, tree=other)["cpu"]
            ratios[function].append(run_child(function, function)["cpu"] / theirs)
    return ratios


def importtime(function: str, top: int = 25) -> str:
    """Where one cold init spends its import time (``python -X importtime``), largest first."""
    result = run_child(function, function, "-X", "importtime")
    rows = []
    for line in result["stderr"].splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, own, cumulative, name = (part.strip() for part in line.replace(":", "|", 1).split("|"))
        if own.isdigit():
            rows.append((int(cumulative), int(own), name))
    rows.sort(reverse=True)
    lines = [f"{'cumulative':>12} {'self':>10}  module ({function})"]
    lines += [f"{cum / 1000:9.1f} ms {own / 1000:7.1f} ms  {name}" for cum, own, name in rows[:top]]
    return "\n".join(lines)


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2])
