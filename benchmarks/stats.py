"""Summaries of timings: median and 95th percentile (nearest rank)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def p95(values: Sequence[float]) -> float | None:
    """The nearest-rank 95th percentile: the smallest value with at least 95% of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def summary(values: Sequence[float], digits: int = 2) -> dict:
    """{median, p95, min, max, n} of `values` (None when there are none)."""
    return {
        "median": rounded(median(values), digits),
        "p95": rounded(p95(values), digits),
        "min": rounded(min(values), digits) if values else None,
        "max": rounded(max(values), digits) if values else None,
        "n": len(values),
    }


def to_ms(seconds: Sequence[float]) -> list[float]:
    return [s * 1000.0 for s in seconds]
