"""Warm cost: handler time per request with botocore in the loop, answers canned.

The function and its bare baseline each live in their own child process (the Tracer patches
botocore process-wide, and the baseline must not pay for it). The parent asks them in turn
for a block of requests, so each block ratio compares two neighbours in time; the verdict
is the median of the block ratios. Every request gets a fresh X-Ray trace header, as the
Lambda runtime sets one per invocation, sampled (the dearer case: segments are sent).
"""

from __future__ import annotations

import importlib
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.coldstart import BARE, EXPECTED_STATUS, FLOOR, private_stdout
from bench.lambda_env import (
    ROOT,
    Context,
    lambda_environment,
    put_function_on_path,
    start_invocation,
    success_event,
)
from bench.stats import FloorSamples

WARMUP = 200


def child(target: str, function: str, sampled: bool = True) -> None:
    channel = private_stdout()

    from bench.canned import CannedDynamoDB

    canned = CannedDynamoDB()
    canned.attach_to_new_default_session()
    if target in (BARE, FLOOR):
        module = importlib.import_module(f"bench.{target}")
    else:
        put_function_on_path()
        module = importlib.import_module("app")
    handler = module.handler
    expected = EXPECTED_STATUS.get(function, 200)
    context = Context()

    def block(count: int) -> list[float]:
        events = [success_event(function) for _ in range(count)]
        times = []
        for event in events:
            start_invocation(sampled)
            started = time.perf_counter()
            response = handler(event, context)
            times.append(time.perf_counter() - started)
            if response["statusCode"] != expected:
                raise SystemExit(f"{target} {function}: {response}")
        return times

    block(WARMUP)
    calls_before = sum(canned.calls.values())
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "block":
            count = int(argument)
            calls_before = sum(canned.calls.values())
            times = block(count)
            calls = (sum(canned.calls.values()) - calls_before) / count
            reply: dict[str, Any] = {"median": statistics.median(times), "calls": calls}
        elif command == "xray":
            reply = xray_probe(block, int(argument))
        else:
            break
        channel.write(json.dumps(reply) + "\n")
        channel.flush()


def xray_probe(block: Any, count: int) -> dict[str, Any]:
    """How many entities the X-Ray SDK sends per request, and how long its slowest send took."""
    if "aws_xray_sdk.core.emitters.udp_emitter" not in sys.modules:
        return {"sends": 0.0, "median": 0.0, "slowest": 0.0}
    from aws_xray_sdk.core.emitters.udp_emitter import UDPEmitter  # type: ignore[import-untyped]

    original = UDPEmitter._send_data
    durations: list[float] = []

    def timed(self: UDPEmitter, data: str) -> None:
        started = time.perf_counter()
        original(self, data)
        durations.append(time.perf_counter() - started)

    UDPEmitter._send_data = timed
    try:
        block(count)
    finally:
        UDPEmitter._send_data = original
    return {
        "sends": len(durations) / count,
        "median": statistics.median(durations) if durations else 0.0,
        "slowest": max(durations, default=0.0),
    }


class Worker:
    def __init__(
        self,
        target: str,
        function: str,
        env: dict[str, str] | None = None,
        sampled: bool = True,
        tree: Path = ROOT,
    ) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.warm", target, function, "sampled" if sampled else "not"],
            cwd=ROOT,
            env={**lambda_environment(function, tree), **(env or {})},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"warm child stopped: {self.process.args!r}")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


@dataclass
class WarmSamples:
    function: str
    ratios: list[float]
    function_median: list[float]
    bare_median: list[float]
    calls_per_request: float
    xray_sends: float
    xray_slowest: float
    xray_median: float = 0.0


def measure(
    blocks: int, block_size: int, functions: list[str], floor_function: str
) -> tuple[list[WarmSamples], FloorSamples]:
    results = []
    floor = FloorSamples()
    for function in functions:
        workers = [Worker(BARE, function), Worker(function, function)]
        if function == floor_function:
            workers.append(Worker(FLOOR, function))
        try:
            samples = WarmSamples(function, [], [], [], 0.0, 0.0, 0.0)
            for _ in range(blocks):
                replies = [worker.ask(f"block {block_size}") for worker in workers]
                base, own = replies[0]["median"], replies[1]["median"]
                samples.ratios.append(own / base)
                samples.function_median.append(own)
                samples.bare_median.append(base)
                samples.calls_per_request = replies[1]["calls"]
                if len(replies) == 3:
                    floor.add(base, replies[2]["median"], own)
            probe = workers[1].ask("xray 50")
            samples.xray_sends, samples.xray_slowest = probe["sends"], probe["slowest"]
            samples.xray_median = probe["median"]
        finally:
            for worker in workers:
                worker.close()
        results.append(samples)
    return results, floor


def compare(
    blocks: int, block_size: int, functions: list[str], other: Path
) -> dict[str, list[float]]:
    """Per-request ratios of each function in this checkout to the same function in ``other``."""
    ratios: dict[str, list[float]] = {}
    for function in functions:
        theirs, ours = Worker(function, function, tree=other), Worker(function, function)
        try:
            ratios[function] = [
                ours.ask(f"block {block_size}")["median"]
                / theirs.ask(f"block {block_size}")["median"]
                for _ in range(blocks)
            ]
        finally:
            theirs.close()
            ours.close()
    return ratios


TRACER_OFF = {"POWERTOOLS_TRACE_DISABLED": "true"}


def decompose(blocks: int, block_size: int, function: str) -> dict[str, list[float]]:
    """Ratios to bare of the function and the floor with the Tracer sampled, unsampled, off."""
    variants = {
        "function, as deployed (trace sampled)": Worker(function, function),
        "function, trace not sampled": Worker(function, function, sampled=False),
        "function, Tracer disabled": Worker(function, function, TRACER_OFF),
        "framework floor, as deployed": Worker(FLOOR, function),
        "framework floor, Tracer disabled": Worker(FLOOR, function, TRACER_OFF),
    }
    bare = Worker(BARE, function)
    ratios: dict[str, list[float]] = {name: [] for name in variants}
    try:
        for _ in range(blocks):
            base = bare.ask(f"block {block_size}")["median"]
            for name, worker in variants.items():
                ratios[name].append(worker.ask(f"block {block_size}")["median"] / base)
    finally:
        for worker in [bare, *variants.values()]:
            worker.close()
    return ratios


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2], sys.argv[3] == "sampled")
