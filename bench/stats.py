"""Medians and spreads: the only way a number reaches the table."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Spread:
    median: float
    q1: float
    q3: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if len(values) == 1:
            return cls(values[0], values[0], values[0], 1)
        q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
        return cls(median, q1, q3, len(values))

    def ratio(self) -> str:
        return f"{self.median:.2f}x"

    def iqr(self) -> str:
        return f"{self.q1:.2f}-{self.q3:.2f}"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds >= 0.001 else f"{seconds * 1e6:.0f} us"


@dataclass
class FloorSamples:
    """Bare handler, framework floor and function measured side by side (one number each)."""

    floor_ratios: list[float] = field(default_factory=list)  # floor / bare
    function_ratios: list[float] = field(default_factory=list)  # function / floor
    bare: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    function: list[float] = field(default_factory=list)

    def add(self, bare: float, floor: float, function: float) -> None:
        self.floor_ratios.append(floor / bare)
        self.function_ratios.append(function / floor)
        self.bare.append(bare)
        self.floor.append(floor)
        self.function.append(function)
