"""Client-side pacing of Cin7 calls per account (FACTS §2: 60 calls per rolling minute, a budget other
integrations may share, so the app paces below it).

A pacer hands out call slots. The protocol is one method so that a database-backed pacer can pace several
processes with the same contract.

Burst margin: a call is sent a little after its slot (thread and process scheduling, the connection), and
Cin7 counts arrivals in a rolling window. Were bursts exactly one window apart, a late call of one burst
would share Cin7's window with the whole next one. So a slot `limit` calls after another lies at least a
window plus `window / limit` (one call's share of the window) later: a call may be sent up to that late
without Cin7 ever seeing more than `limit` calls in a window.
"""

import threading
from collections import deque
from typing import Protocol

from ..clock import SYSTEM_CLOCK


class Pacer(Protocol):
    def reserve(self, account_key: str, max_wait: float | None = None) -> float:
        """Reserve the next call slot for this account and return how many seconds to wait before making
        the call (0 when the call may go now). The slot is taken: the caller waits, then calls. With
        `max_wait`, a slot further away than that is not taken; the wait it would have cost is returned
        (so a caller that will not wait learns how long, and spends nothing of the budget)."""


def burst_margin(calls_per_minute: int, window_seconds: float) -> float:
    """How much later than one window the slot `calls_per_minute` calls back the next burst starts."""
    return window_seconds / calls_per_minute


def next_slot(slots, now: float, limit: int, window: float) -> float:
    """The earliest slot after the reserved `slots` (in order) that keeps `limit` calls per `window`
    with the burst margin: first come, first served, never before `now`."""
    slot = now
    if slots:
        slot = max(slot, slots[-1])
        if len(slots) >= limit:
            slot = max(slot, slots[-limit] + window + burst_margin(limit, window))
    return slot


class MemoryPacer:
    """A rolling window for the threads of one process: never more than `calls_per_minute` slots in any
    window of `window_seconds` plus the burst margin.

    Algorithm: per account, the last `calls_per_minute` reserved slot times, in order; a new slot is
    `next_slot(...)`. Slots may lie in the future; reserving them under one lock queues concurrent callers
    first come, first served, each told how long to wait, instead of letting them all wake up and race
    for the same free slot.
    """

    def __init__(self, calls_per_minute: int, clock=SYSTEM_CLOCK, window_seconds: float = 60.0):
        if calls_per_minute < 1 or window_seconds <= 0:
            raise ValueError("calls_per_minute must be >= 1 and window_seconds > 0")
        self.calls_per_minute = calls_per_minute
        self.window_seconds = window_seconds
        self._clock = clock
        self._slots: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def reserve(self, account_key: str, max_wait: float | None = None) -> float:
        with self._lock:
            now = self._clock.now()
            slots = self._slots.setdefault(account_key, deque(maxlen=self.calls_per_minute))
            slot = next_slot(slots, now, self.calls_per_minute, self.window_seconds)
            if max_wait is None or slot - now <= max_wait:
                slots.append(slot)
            return slot - now

    def __repr__(self) -> str:
        return f"MemoryPacer({self.calls_per_minute} calls per {self.window_seconds:g} s)"
