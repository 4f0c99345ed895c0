"""Memory of the benchmark's process, phase by phase.

`PhaseMemory` gives each phase its own peak RSS: Linux resets the high-water mark (`VmHWM`) when "5" is
written to /proc/self/clear_refs, so the mark read after a phase is that phase's; the process's peak is the
highest mark seen (the reset also resets `ru_maxrss`). With `BENCH_TRACEMALLOC=<file>` in the environment,
Python allocations are traced too: each phase's traced peak, and the top allocations by line at the
highest traced point of the run (a snapshot taken by a sampling thread), written to that file.

The benchmark's child runs with DEBUG on (for its placeholder secrets), where Django would keep the text of
the last 9,000 queries: `stop_query_log` drops that log, which production (DEBUG off) never keeps.
"""

import os
import resource
import threading
import tracemalloc
from collections import deque
from pathlib import Path

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")
TRACE_ENV = "BENCH_TRACEMALLOC"
TOP_LINES = 40
SAMPLE_SECONDS = 0.2
SNAPSHOT_STEP = 2 * 1024 * 1024  # a new snapshot once traced memory is this much above the last one


def _status_mb(field: str) -> float | None:
    try:
        for line in STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_high_water() -> bool:
    try:
        CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def stop_query_log() -> None:
    """Keep no query text in this process (a DEBUG log: up to 9,000 queries, some with 900 parameters)."""
    BaseDatabaseWrapper.queries_limit = 0  # connections opened from now on
    for connection in connections.all(initialized_only=True):
        connection.queries_log = deque(maxlen=0)


class PhaseMemory:
    """Peak and current RSS of each phase; the process's peak across them (`peak_mb`)."""

    def __init__(self):
        self.peak_mb = self.between_mb = _maxrss_mb()
        self.trace = _Trace(os.environ[TRACE_ENV]) if os.environ.get(TRACE_ENV) else None

    def start(self) -> float:
        """Begin a phase: returns the RSS it starts from (the peak since the last phase, the benchmark's
        own reads between phases, is kept for `stop`)."""
        self.between_mb = _status_mb("VmHWM") or _maxrss_mb()
        self.peak_mb = max(self.peak_mb, self.between_mb)
        _reset_high_water()
        if self.trace:
            tracemalloc.reset_peak()
        return _status_mb("VmRSS") or 0.0

    def stop(self, start_mb: float) -> dict:
        """End a phase: its RSS at the start, its peak and at the end (MB); traced peak when tracing."""
        peak = _status_mb("VmHWM") or _maxrss_mb()
        self.peak_mb = max(self.peak_mb, peak)
        figures = {"between_mb": round(self.between_mb, 1), "start_mb": round(start_mb, 1)}
        figures["peak_mb"] = round(peak, 1)
        figures["end_mb"] = round(_status_mb("VmRSS") or 0.0, 1)
        if self.trace:
            figures["traced_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        return figures

    def finish(self) -> float:
        """The process's peak RSS (MB); the traced top allocations written when tracing."""
        self.peak_mb = max(self.peak_mb, _status_mb("VmHWM") or _maxrss_mb())
        if self.trace:
            self.trace.write()
        return round(self.peak_mb, 1)


class _Trace:
    """tracemalloc over the run, with a snapshot at its highest traced point."""

    def __init__(self, path: str):
        self.path = Path(path)
        self.snapshot = None
        self.snapshot_size = 0
        self.stopped = threading.Event()
        tracemalloc.start(int(os.environ.get("BENCH_TRACEMALLOC_DEPTH", "1")))
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while not self.stopped.wait(SAMPLE_SECONDS):
            current = tracemalloc.get_traced_memory()[0]
            if current > self.snapshot_size + SNAPSHOT_STEP:
                self.snapshot = None  # let the older snapshot go before taking the next
                self.snapshot = tracemalloc.take_snapshot()
                self.snapshot_size = current

    def write(self) -> None:
        self.stopped.set()
        self.thread.join()
        if self.snapshot is None:
            return
        snapshot = self.snapshot.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
        lines = [f"traced {self.snapshot_size / 2**20:.1f} MB at the snapshot; top {TOP_LINES} by line"]
        for stat in snapshot.statistics("lineno")[:TOP_LINES]:
            lines.append(f"{stat.size / 2**20:8.2f} MB {stat.count:>9} {stat.traceback}")
        lines.append(f"top by traceback (BENCH_TRACEMALLOC_DEPTH={tracemalloc.get_traceback_limit()})")
        for stat in snapshot.statistics("traceback")[:10]:
            lines.append(f"{stat.size / 2**20:8.2f} MB {stat.count:>9}")
            lines += [f"    {frame}" for frame in stat.traceback.format()]
        self.path.write_text("\n".join(lines) + "\n")


def render_phase_memory(phases: list[dict]) -> list[str]:
    """One line per phase: its RSS at the start, its peak and at the end (and its traced peak)."""
    lines = []
    for phase in phases:
        rss = phase.get("rss")
        if rss:
            traced = f" (traced peak {rss['traced_peak_mb']})" if "traced_peak_mb" in rss else ""
            figures = f"{rss['start_mb']} -> peak {rss['peak_mb']} -> {rss['end_mb']} MB{traced}"
            figures += f"; high-water before it {rss['between_mb']} MB" if "between_mb" in rss else ""
            lines.append(f"RSS {phase['phase']}: {figures}")
    return lines
