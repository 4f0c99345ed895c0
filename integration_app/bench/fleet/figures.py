"""The fleet benchmark's figures, computed from plain records (no I/O): runs per shop per interval, lag
from due to start, overlapping runs, freshness, Cin7 calls per account per minute."""

import itertools
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class Run:
    """One scheduled run as the database holds it (times in epoch seconds; None while unset)."""

    shop: str
    status: str
    created_at: float
    started_at: float | None
    finished_at: float | None


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (`share` in 0..1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def spread(values: list[float]) -> dict:
    """min / median / max (None when empty)."""
    if not values:
        return {"min": None, "median": None, "max": None}
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def due_index(first_due: float, interval: float, at: float) -> int:
    """The index k of the last due time `first_due + k * interval` at or before `at` (-1 before the first)."""
    return math.floor((at - first_due) / interval) if at >= first_due else -1


def runs_per_interval(
    runs: list[Run], first_due: dict[str, float], interval: float, until: float
) -> list[int]:
    """For every shop and every interval that ended by `until` (due time + interval), the number of runs
    started for it; a run belongs to the interval of the last due time before it was created."""
    counts: dict[tuple[str, int], int] = defaultdict(int)
    for run in runs:
        if run.started_at is not None:
            counts[(run.shop, due_index(first_due[run.shop], interval, run.created_at))] += 1
    result = []
    for shop, first in first_due.items():
        complete = max(0, math.floor((until - first) / interval))
        result += [counts[(shop, k)] for k in range(complete)]
    return result


def lags(runs: list[Run], first_due: dict[str, float], interval: float) -> list[float]:
    """Seconds from each started run's due time to its start."""
    result = []
    for run in runs:
        if run.started_at is None:
            continue
        k = due_index(first_due[run.shop], interval, run.created_at)
        if k >= 0:
            result.append(run.started_at - (first_due[run.shop] + k * interval))
    return result


def overlapping_runs(runs: list[Run], now: float) -> int:
    """Pairs of runs of one shop whose [start, finish] overlap (an unfinished run lasts to `now`)."""
    by_shop: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for run in runs:
        if run.started_at is not None:
            by_shop[run.shop].append((run.started_at, run.finished_at or now))
    overlaps = 0
    for spans in by_shop.values():
        spans.sort()
        for (_, end), (start, _) in itertools.pairwise(spans):
            overlaps += start < end
    return overlaps


def longest_gaps(
    runs: list[Run], ok_statuses: tuple[str, ...], since: float, until: float
) -> dict[str, float]:
    """Per shop, the longest time in [since, until] between starts of runs that ended in `ok_statuses`."""
    starts: dict[str, list[float]] = defaultdict(list)
    for run in runs:
        if run.status in ok_statuses and run.started_at is not None:
            starts[run.shop].append(run.started_at)
    gaps = {}
    for shop, times in starts.items():
        points = [since, *sorted(t for t in times if since < t < until), until]
        gaps[shop] = max(b - a for a, b in itertools.pairwise(points))
    return gaps


def peak_calls_per_minute(calls: list[tuple[str, float]], window: float = 60.0) -> dict[str, int]:
    """Per account, the most calls served in any rolling `window` seconds; `calls` are (account, time)."""
    times: dict[str, list[float]] = defaultdict(list)
    for account, at in calls:
        times[account].append(at)
    peaks = {}
    for account, ats in times.items():
        ats.sort()
        best, first = 0, 0
        for last, at in enumerate(ats):
            while ats[first] <= at - window:
                first += 1
            best = max(best, last - first + 1)
        peaks[account] = best
    return peaks
