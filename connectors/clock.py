"""Clocks that clients, pacers and sandbox servers share.

`SystemClock` is real time. `VirtualClock` lets a benchmark model hours of API pacing in seconds: sleeping
advances the clock instead of waiting, and every party holding the same instance (client pacing, sandbox
rate limits) sees the same time, so throttling behaves exactly as it would in real time.
"""

import threading
import time


class SystemClock:
    """Wall-clock time (`now`, epoch seconds) and real sleeps."""

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class VirtualClock(SystemClock):
    """Real time plus every sleep taken so far; `sleep` returns at once and advances the clock."""

    def __init__(self):
        self._offset = 0.0
        self._lock = threading.Lock()

    @property
    def slept(self) -> float:
        """Seconds of waiting modelled so far."""
        return self._offset

    def now(self) -> float:
        return time.time() + self._offset

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            with self._lock:
                self._offset += seconds


SYSTEM_CLOCK = SystemClock()


class SharedVirtualClock(SystemClock):
    """A `VirtualClock` whose offset lives in shared memory (a `multiprocessing.Value('d')`), so a
    sandbox running in another process sees the same modelled time as the client that sleeps."""

    def __init__(self, offset):
        self._offset = offset

    @property
    def slept(self) -> float:
        return self._offset.value

    def now(self) -> float:
        return time.time() + self._offset.value

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            with self._offset.get_lock():
                self._offset.value += seconds
