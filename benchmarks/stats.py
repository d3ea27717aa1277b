"""Small numeric helpers shared by the benchmark stages: percentiles, timers, machine load."""

from __future__ import annotations

import math
import os
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50.0)


def load_average() -> tuple[float, float, float]:
    """1, 5 and 15-minute load averages: other engineers share this 2-core machine, so every
    timing is reported beside the load it ran under."""
    try:
        return os.getloadavg()
    except OSError:
        return (math.nan, math.nan, math.nan)


@dataclass
class Stopwatch:
    """Wall time of a block plus the load average at its end: `with Stopwatch() as sw: ...`."""

    seconds: float = 0.0
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)
    _start: float = 0.0

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._start
        self.load = load_average()


def machine() -> dict[str, object]:
    """What the numbers were measured on."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_at_start": load_average(),
    }
