"""Client-side pacing of Cin7 calls per account (FACTS §2: 60 calls per rolling minute, a budget other
integrations may share, so the app paces below it).

A pacer hands out call slots. The protocol is one method so that a database-backed pacer can pace several
processes with the same contract.
"""

import threading
from collections import deque
from typing import Protocol

from ..clock import SYSTEM_CLOCK


class Pacer(Protocol):
    def reserve(self, account_key: str) -> float:
        """Reserve the next call slot for this account and return how many seconds to wait before making
        the call (0 when the call may go now). The slot is taken: the caller waits, then calls."""


class MemoryPacer:
    """An exact rolling window for the threads of one process: never more than `calls_per_minute` slots in
    any half-open interval of `window_seconds`.

    Algorithm: per account, the last `calls_per_minute` reserved slot times, in order. A new slot is
    `max(now, last slot, slot[-calls_per_minute] + window_seconds)`: the call that is `calls_per_minute`
    calls back must have left the window before this one starts. Slots may lie in the future; reserving
    them under one lock queues concurrent callers first come, first served, each told how long to wait,
    instead of letting them all wake up and race for the same free slot.
    """

    def __init__(self, calls_per_minute: int, clock=SYSTEM_CLOCK, window_seconds: float = 60.0):
        if calls_per_minute < 1 or window_seconds <= 0:
            raise ValueError("calls_per_minute must be >= 1 and window_seconds > 0")
        self.calls_per_minute = calls_per_minute
        self.window_seconds = window_seconds
        self._clock = clock
        self._slots: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def reserve(self, account_key: str) -> float:
        with self._lock:
            now = self._clock.now()
            slots = self._slots.setdefault(account_key, deque(maxlen=self.calls_per_minute))
            slot = now
            if slots:
                slot = max(slot, slots[-1])
                if len(slots) == self.calls_per_minute:
                    slot = max(slot, slots[0] + self.window_seconds)
            slots.append(slot)
            return slot - now

    def __repr__(self) -> str:
        return f"MemoryPacer({self.calls_per_minute} calls per {self.window_seconds:g} s)"
