"""``python -m bench`` (``make bench``): run every measurement and print one table.

Options bound the run (defaults finish in a few minutes on 2 cores); ``--importtime NAME``
prints where one function's cold import spends its time instead; ``--only decompose`` splits
the gap to the bare handler between the Tracer, the framework and the library; ``--compare
DIR`` measures this checkout's cold and warm cost against another checkout's (before/after);
``--strict`` exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench import calls, coldstart, emulated, listing, warm
from bench.lambda_env import ROUTE_OF, ROUTES
from bench.stats import FloorSamples, Spread, ms

COLD_BUDGET = 1.2
WARM_BUDGET = 1.3
LIST_BUDGET = 1.2
FLOOR_ROUTE = "get_session"
# The built artifact's cold start (init + first request) over the bare function's.
READ_BUDGET = 1.15  # GET, GET list, DELETE
WRITE_BUDGET = 1.40  # POST, PUT
WRITE_ROUTES = {"create_session", "update_session"}


@dataclass(frozen=True)
class Row:
    section: str
    subject: str
    result: str
    spread: str
    budget: str
    verdict: str
    note: str = ""


def _versus(mine: list[float], name: str, theirs: list[float]) -> str:
    return f"{ms(statistics.median(mine))} vs {name} {ms(statistics.median(theirs))}"


def _floor_rows(measure: str, floor: FloorSamples) -> list[Row]:
    """The framework floor against the bare handler, and the function against the floor."""
    over_bare, over_floor = Spread.of(floor.floor_ratios), Spread.of(floor.function_ratios)
    return [
        Row(
            f"{measure} / bare",
            "framework floor (Powertools stack, no library)",
            over_bare.ratio(),
            over_bare.iqr(),
            "",
            "info",
            _versus(floor.floor, "bare", floor.bare),
        ),
        Row(
            f"{measure} / floor",
            f"{ROUTE_OF[FLOOR_ROUTE].label}: what the library adds",
            over_floor.ratio(),
            over_floor.iqr(),
            "",
            "info",
            _versus(floor.function, "floor", floor.floor),
        ),
    ]


def _verdict(value: float, budget: float | None) -> str:
    if budget is None:
        return "info"
    return "ok" if value <= budget else "MISS"


def cold_rows(rounds: int, functions: list[str]) -> list[Row]:
    rows = []
    samples, floor = coldstart.measure(rounds, functions, FLOOR_ROUTE)
    for sample in samples:
        ratio = Spread.of(sample.ratios)
        wall = Spread.of(sample.wall_ratios)
        note = (
            f"CPU {ms(statistics.median(sample.function_total))} vs bare "
            f"{ms(statistics.median(sample.bare_total))}; wall {wall.ratio()} "
            f"({wall.iqr()}); import "
            f"{ms(statistics.median(sample.imports))}, first request "
            f"{ms(statistics.median(sample.first_requests))}; "
            f"{sample.modules} vs {sample.bare_modules} modules"
        )
        rows.append(
            Row(
                "cold init / bare",
                ROUTE_OF[sample.function].label,
                ratio.ratio(),
                ratio.iqr(),
                f"<= {COLD_BUDGET}x",
                _verdict(ratio.median, COLD_BUDGET),
                note,
            )
        )
    rows.extend(_floor_rows("cold init", floor))
    return rows


def emulator_rows(rounds: int, functions: list[str]) -> list[Row]:
    """The shipped build under the runtime emulator, against the bare function."""
    rows = []
    for sample in emulated.measure(rounds, functions):
        ratio = Spread.of(sample.ratios)
        budget = WRITE_BUDGET if sample.function in WRITE_ROUTES else READ_BUDGET
        statuses = "/".join(str(status) for status in sorted(sample.statuses))
        note = (
            f"{statistics.median(sample.durations):.0f} ms (init "
            f"{statistics.median(sample.inits):.0f}) vs bare "
            f"{statistics.median(sample.bare):.0f} ms (init "
            f"{statistics.median(sample.bare_inits):.0f}); status {statuses}"
        )
        built = sample.variant == "built"
        rows.append(
            Row(
                "emulator cold / bare",
                ROUTE_OF[sample.function].label + ("" if built else f", {sample.variant}"),
                ratio.ratio(),
                ratio.iqr(),
                f"<= {budget:.2f}x" if built else "",
                _verdict(ratio.median, budget if built else None),
                note,
            )
        )
    return rows


def warm_rows(blocks: int, block_size: int, functions: list[str]) -> list[Row]:
    rows = []
    samples, floor = warm.measure(blocks, block_size, functions, FLOOR_ROUTE)
    for sample in samples:
        ratio = Spread.of(sample.ratios)
        note = (
            f"{ms(statistics.median(sample.function_median))} vs bare "
            f"{ms(statistics.median(sample.bare_median))}; X-Ray {sample.xray_sends:.0f} UDP "
            f"sends/request, median {ms(sample.xray_median)}, slowest {ms(sample.xray_slowest)}"
        )
        rows.append(
            Row(
                "warm request / bare",
                ROUTE_OF[sample.function].label,
                ratio.ratio(),
                ratio.iqr(),
                f"<= {WARM_BUDGET}x",
                _verdict(ratio.median, WARM_BUDGET),
                note,
            )
        )
    rows.extend(_floor_rows("warm request", floor))
    return rows


def call_rows() -> list[Row]:
    rows = []
    for row in calls.measure():
        label = f"{ROUTE_OF[row['function']].label} {row['case']}"
        if row["status"] != row["expected"]:
            verdict = f"MISS (answered {row['status']})"
        elif row["budget"] is not None:
            verdict = _verdict(abs(row["sessions_calls"] - row["budget"]), 0)
        else:
            verdict = "info"
        idempotency = f"; idempotency: {row['idempotency']}" if row["idempotency"] != "-" else ""
        rows.append(
            Row(
                "DynamoDB calls / request",
                label,
                str(row["sessions_calls"]),
                "",
                "" if row["budget"] is None else f"= {row['budget']}",
                verdict,
                f"sessions: {row['sessions']}{idempotency}",
            )
        )
    return rows


def list_rows(rounds: int) -> list[Row]:
    rows = []
    for sample in listing.measure(rounds):
        series = sample.series

        def spread(key: str, series: dict[str, list[float]] = series) -> Spread:
            return Spread.of(series[key])

        read, scanned = spread("ratio_count"), spread("ratio_scanned")
        rows.append(
            Row(
                "list 10k / 10 others",
                f"page of 20, {sample.variant}: items read",
                read.ratio(),
                read.iqr(),
                f"<= {LIST_BUDGET}x",
                _verdict(max(read.median, scanned.median), LIST_BUDGET),
                f"Count {statistics.median(series['large_count']):.0f} vs "
                f"{statistics.median(series['small_count']):.0f}, ScannedCount "
                f"{statistics.median(series['large_scanned']):.0f} vs "
                f"{statistics.median(series['small_scanned']):.0f}",
            )
        )
        ours = spread("ratio_ours")
        rows.append(
            Row(
                "list 10k / 10 others",
                f"page of 20, {sample.variant}: handler time outside the store",
                ours.ratio(),
                ours.iqr(),
                f"<= {LIST_BUDGET}x",
                _verdict(ours.median, LIST_BUDGET),
                f"{ms(statistics.median(series['large_ours']))} vs "
                f"{ms(statistics.median(series['small_ours']))}",
            )
        )
        total = spread("ratio_total")
        rows.append(
            Row(
                "list 10k / 10 others",
                f"page of 20, {sample.variant}: handler time, moto included",
                total.ratio(),
                total.iqr(),
                "",
                "info",
                f"{ms(statistics.median(series['large_total']))} vs "
                f"{ms(statistics.median(series['small_total']))}; moto's Query walks the "
                f"whole table (store {spread('ratio_store').ratio()})",
            )
        )
    return rows


def decompose_rows(rounds: int, blocks: int, block_size: int) -> list[Row]:
    """Where the gap to the bare handler comes from: the Tracer, the framework, the library."""
    rows = []
    for name, ratios in warm.decompose(blocks, block_size, FLOOR_ROUTE).items():
        spread = Spread.of(ratios)
        subject = f"{ROUTE_OF[FLOOR_ROUTE].label}: {name}"
        rows.append(Row("warm / bare", subject, spread.ratio(), spread.iqr(), "", "info"))
    for name, ratios in coldstart.decompose(rounds, FLOOR_ROUTE).items():
        spread = Spread.of(ratios)
        subject = f"{ROUTE_OF[FLOOR_ROUTE].label}: {name}"
        rows.append(Row("cold CPU / bare", subject, spread.ratio(), spread.iqr(), "", "info"))
    return rows


def compare_rows(args: argparse.Namespace, functions: list[str]) -> list[Row]:
    """This checkout against another one (say, a worktree of an older commit), interleaved."""
    other = Path(args.compare).resolve()
    rows = []
    for function, ratios in warm.compare(args.blocks, args.block_size, functions, other).items():
        spread = Spread.of(ratios)
        subject = ROUTE_OF[function].label
        rows.append(Row("warm: this / other", subject, spread.ratio(), spread.iqr(), "", "info"))
    for function, ratios in coldstart.compare(args.rounds, functions, other).items():
        spread = Spread.of(ratios)
        subject = ROUTE_OF[function].label
        rows.append(
            Row("cold CPU: this / other", subject, spread.ratio(), spread.iqr(), "", "info")
        )
    return rows


def render(rows: list[Row]) -> str:
    header = Row("measure", "subject", "median", "IQR", "budget", "verdict", "detail")
    table = [header, *rows]
    columns = list(
        zip(
            *[(r.section, r.subject, r.result, r.spread, r.budget, r.verdict) for r in table],
            strict=True,
        )
    )
    widths = [max(len(cell) for cell in column) for column in columns]
    lines = []
    for index, row in enumerate(table):
        cells = (row.section, row.subject, row.result, row.spread, row.budget, row.verdict)
        line = " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        lines.append(f"{line} | {row.note}".rstrip(" |"))
        if index == 0:
            lines.append("-+-".join("-" * width for width in widths) + "-+-" + "-" * 20)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--rounds", type=int, default=30, help="cold-start rounds (>= 30)")
    parser.add_argument("--blocks", type=int, default=30, help="warm blocks per function")
    parser.add_argument("--block-size", type=int, default=60, help="requests per warm block")
    parser.add_argument(
        "--emulator-rounds", type=int, default=10, help="built-artifact cold-start rounds"
    )
    parser.add_argument("--list-rounds", type=int, default=30, help="list rounds")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=("emulator", "cold", "warm", "calls", "list", "decompose"),
        default=["emulator", "cold", "warm", "calls", "list"],
    )
    parser.add_argument(
        "--functions", nargs="+", choices=[route.function for route in ROUTES], default=None
    )
    parser.add_argument(
        "--importtime", metavar="FUNCTION", help="show one cold import's top modules"
    )
    parser.add_argument(
        "--compare",
        metavar="DIR",
        help="instead: cold and warm cost of this checkout against the one in DIR",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a budget is missed")
    args = parser.parse_args(argv)

    if args.importtime:
        print(coldstart.importtime(args.importtime))
        return 0
    functions = args.functions or [route.function for route in ROUTES]
    started = time.perf_counter()
    rows: list[Row] = []
    if args.compare:
        args.only = []
        rows += compare_rows(args, functions)
    if "emulator" in args.only:
        rows += emulator_rows(args.emulator_rounds, functions)
    if "calls" in args.only:
        rows += call_rows()
    if "list" in args.only:
        rows += list_rows(args.list_rounds)
    if "warm" in args.only:
        rows += warm_rows(args.blocks, args.block_size, functions)
    if "cold" in args.only:
        rows += cold_rows(args.rounds, functions)
    if "decompose" in args.only:  # not in the default run: it explains, it does not judge
        rows += decompose_rows(args.rounds, args.blocks, args.block_size)
    print(
        f"Sessions API benchmarks: Python {platform.python_version()}, {os.cpu_count()} cores, "
        f"emulator rounds {args.emulator_rounds}, cold rounds {args.rounds}, "
        f"warm {args.blocks} blocks x {args.block_size} requests, "
        f"list rounds {args.list_rounds}; {time.perf_counter() - started:.0f} s"
    )
    print(render(rows))
    missed = [row for row in rows if row.verdict.startswith("MISS")]
    if missed:
        print(f"{len(missed)} budget(s) missed.")
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
