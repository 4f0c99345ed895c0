"""`MemoryPacer`: a rolling window with a burst margin, fair queueing of concurrent callers, separate
accounts, and a caller that will not wait spends nothing."""

import threading
from bisect import bisect_left

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.cin7 import MemoryPacer
from connectors.clock import VirtualClock


class ManualClock:
    """Time that moves only when the test says so (`sleep` is not used by the pacer)."""

    def __init__(self, start: float = 1000.0):
        self.at = start

    def now(self) -> float:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.at += max(0.0, seconds)


def max_in_any_window(times: list[float], window: float) -> int:
    """The most calls in any half-open interval [t, t + window)."""
    ordered = sorted(times)
    return max((bisect_left(ordered, t + window) - i for i, t in enumerate(ordered)), default=0)


@settings(max_examples=200, deadline=None)
@given(
    limit=st.integers(1, 8),
    window=st.sampled_from([0.5, 1.0, 60.0]),
    gaps=st.lists(st.floats(0, 2.0, allow_nan=False), min_size=1, max_size=60),
)
def test_no_window_ever_exceeds_the_limit(limit, window, gaps):
    clock = ManualClock()
    pacer = MemoryPacer(limit, clock=clock, window_seconds=window)
    call_times = []
    for gap in gaps:
        clock.at += gap  # callers arrive at random times and each calls as soon as it may
        call_times.append(clock.now() + pacer.reserve("acct"))
    assert max_in_any_window(call_times, window) <= limit
    assert call_times == sorted(call_times)  # first come, first served


def test_bursts_are_a_window_and_one_call_share_apart():
    clock = ManualClock(start=0.0)
    pacer = MemoryPacer(3, clock=clock, window_seconds=60.0)
    assert [pacer.reserve("acct") for _ in range(7)] == [0, 0, 0, 80, 80, 80, 160]


@settings(max_examples=200, deadline=None)
@given(
    limit=st.integers(1, 8),
    window=st.sampled_from([0.5, 1.0, 60.0]),
    gaps=st.lists(st.floats(0, 2.0, allow_nan=False), min_size=1, max_size=60),
    lateness=st.lists(st.floats(0, 1.0, allow_nan=False), min_size=60, max_size=60),
)
def test_calls_sent_late_by_up_to_one_call_share_never_exceed_the_limit(limit, window, gaps, lateness):
    """Issue 27 item 9: a call sent after its slot (a busy machine) must not share Cin7's window with the
    whole next burst. Each call here is sent up to `window / limit` late."""
    clock = ManualClock()
    pacer = MemoryPacer(limit, clock=clock, window_seconds=window)
    sent = []
    for gap, late in zip(gaps, lateness, strict=False):
        clock.at += gap
        sent.append(clock.now() + pacer.reserve("acct") + late * window / limit)
    assert max_in_any_window(sent, window) <= limit


def test_calls_spread_out_never_wait():
    clock = VirtualClock()
    pacer = MemoryPacer(60, clock=clock)
    for _ in range(200):
        assert pacer.reserve("acct") == 0
        clock.sleep(61 / 60)  # the pace with the burst margin: 60 calls per 61 s


def test_a_caller_that_will_not_wait_takes_no_slot():
    clock = ManualClock(start=0.0)
    pacer = MemoryPacer(2, clock=clock, window_seconds=10.0)
    assert [pacer.reserve("acct", max_wait=0) for _ in range(4)] == [0, 0, 15, 15]
    assert pacer.reserve("acct") == 15  # the refused ones left the next slot where it was


def test_accounts_are_paced_separately():
    pacer = MemoryPacer(1, clock=ManualClock(), window_seconds=10.0)
    assert pacer.reserve("a") == 0 and pacer.reserve("b") == 0
    assert pacer.reserve("a") == 20  # a window and the burst margin (one call's share: 10 s)


def test_concurrent_threads_queue_up_without_exceeding_the_limit():
    clock = ManualClock()
    pacer = MemoryPacer(5, clock=clock, window_seconds=1.0)
    slots, lock, start = [], threading.Lock(), threading.Barrier(8)

    def caller():
        start.wait()
        for _ in range(25):
            slot = clock.now() + pacer.reserve("acct")
            with lock:
                slots.append(slot)

    threads = [threading.Thread(target=caller) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(slots) == 200
    assert max_in_any_window(slots, 1.0) == 5
    # 200 calls at 5 per 1.2 s (a second plus the burst margin), no slot wasted
    assert max(slots) - clock.now() == pytest.approx(39 * 1.2)


@pytest.mark.parametrize(("calls", "window"), [(0, 60.0), (5, 0.0)])
def test_nonsense_limits_are_refused(calls, window):
    with pytest.raises(ValueError):
        MemoryPacer(calls, window_seconds=window)
