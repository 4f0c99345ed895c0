"""Rate limiting and injected faults of the sandbox server."""

import math
import threading
from collections import deque
from dataclasses import dataclass

_MODES = ("429", "503")
_RETRY_AFTER_STYLES = ("seconds", "seconds_word", "alternate")


@dataclass
class ThrottleConfig:
    """Cin7's budget, default 60 calls per rolling minute per account (FACTS §2; `limit=None` disables it).

    Over the limit, mode "429" answers 429 with `Retry-After` in whole seconds, written `"37"`
    (`retry_after="seconds"`), `"37 Seconds"` (`"seconds_word"`) or alternating (`"alternate"`), as seen
    live; mode "503" answers Cin7's legacy 503 without `Retry-After` (FACTS §2.2).
    """

    limit: int | None = 60
    window_seconds: float = 60.0
    mode: str = "429"
    retry_after: str = "seconds"

    def __post_init__(self):
        if self.mode not in _MODES or self.retry_after not in _RETRY_AFTER_STYLES:
            raise ValueError(f"mode must be one of {_MODES}, retry_after one of {_RETRY_AFTER_STYLES}")


@dataclass
class FaultConfig:
    """Every Nth authenticated, unthrottled call (counted per server) misbehaves; 0 disables a fault.

    `slow_every`: sleeps `slow_seconds` of real time first. `drop_every`: closes the connection without a
    response. `error_every`: 500 with an Error Model body. `html_every`: 200 with the HTML not-found page.
    """

    error_every: int = 0
    drop_every: int = 0
    slow_every: int = 0
    slow_seconds: float = 0.0
    html_every: int = 0


class RateWindows:
    """Rolling windows per account on a shared clock: only calls that were served count."""

    def __init__(self, clock):
        self._clock = clock
        self._served: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, account_id: str, config: ThrottleConfig) -> int | None:
        """None if the call may be served (and counts it); else whole seconds until a slot frees (>= 1)."""
        if config.limit is None:
            return None
        now = self._clock.now()
        with self._lock:
            served = self._served.setdefault(account_id, deque())
            while served and served[0] <= now - config.window_seconds:
                served.popleft()
            if len(served) < config.limit:
                served.append(now)
                return None
            if not served:  # limit 0: nothing is ever served
                return math.ceil(config.window_seconds)
            frees_at = served[max(0, len(served) - config.limit)] + config.window_seconds
            return max(1, math.ceil(frees_at - now))


class FaultCounter:
    """Numbers the calls eligible for faults and says which faults are due for a call number."""

    def __init__(self):
        self._count = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            self._count += 1
            return self._count

    @staticmethod
    def due(every: int, number: int) -> bool:
        return every > 0 and number % every == 0
