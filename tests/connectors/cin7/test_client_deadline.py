"""`RetryPolicy.deadline` / `max_pace_wait` and `Cin7Client(pacing_key=…)`: a client for callers that must
answer quickly (issue 27 item 1) gives up instead of waiting, says how long Cin7 asked to wait, and paces
under the budget it is given."""

import pytest
import requests

from connectors.cin7 import Cin7Client, Cin7UnavailableError, MemoryPacer, RetryPolicy
from connectors.clock import VirtualClock
from tests.connectors.cin7.test_client import ACCOUNT_ID, API_KEY, ScriptedSession, response

QUICK = RetryPolicy(throttled_retries=0, transient_retries=3, deadline=8.0, max_pace_wait=2.0)


def quick_client(session, clock, pacer=None, **kwargs) -> Cin7Client:
    pacer = pacer or MemoryPacer(1000, clock=clock)
    return Cin7Client(
        ACCOUNT_ID,
        API_KEY,
        base_url="https://cin7.test/",
        pacer=pacer,
        clock=clock,
        session=session,
        timeout=5.0,
        retry=QUICK,
        **kwargs,
    )


@pytest.mark.parametrize("header", ["60", "60 Seconds"])  # FACTS §2.2: both formats seen live
def test_throttling_is_not_retried_and_the_wait_is_told(header):
    clock = VirtualClock()
    session = ScriptedSession(response(429, {}, **{"Retry-After": header}))
    with pytest.raises(Cin7UnavailableError) as raised:
        quick_client(session, clock).me()
    assert raised.value.retry_after == 60 and raised.value.status == 429
    assert len(session.requests) == 1 and clock.slept == 0


def test_retries_stop_at_the_deadline_and_timeouts_shrink_to_it():
    clock = VirtualClock()
    timeouts = [requests.Timeout()] * 4

    class SlowSession(ScriptedSession):
        def get(self, url, params=None, headers=None, timeout=None):
            clock.sleep(timeout)  # each attempt takes its whole timeout
            return super().get(url, params, headers, timeout)

    session = SlowSession(*timeouts)
    with pytest.raises(Cin7UnavailableError):
        quick_client(session, clock).me()
    assert session.requests[0]["timeout"] == 5.0 and session.requests[1]["timeout"] < 5.0
    assert clock.slept <= 8.0 + 0.1  # attempts and backoffs together: the deadline, not 4 x 5 s and more


def test_a_pacer_slot_further_than_allowed_is_not_taken_nor_waited_for():
    clock = VirtualClock()
    pacer = MemoryPacer(1, clock=clock, window_seconds=60.0)
    pacer.reserve("budget")  # the budget's one call this window is spent
    session = ScriptedSession(response(200, {"Company": "Acme"}))
    with pytest.raises(Cin7UnavailableError) as raised:
        quick_client(session, clock, pacer, pacing_key="budget").me()
    assert raised.value.retry_after == pytest.approx(120.0, abs=1)  # a window and the burst margin
    assert session.requests == [] and clock.slept == 0


def test_the_pacing_key_defaults_to_the_account_and_can_be_named():
    clock = VirtualClock()
    assert quick_client(None, clock).pacing_key.startswith("cin7:")
    assert quick_client(None, clock, pacing_key="shop:7").pacing_key == "shop:7"
