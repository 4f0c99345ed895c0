"""The Cin7 connector's retry policy, declared once and split by failure class.

Throttling (429/503) waits `Retry-After` or backs off; other 5xx, timeouts and dropped connections back off
exponentially; a non-JSON 200 is retried a couple of times (FACTS §1.5: a wrong path answers with an HTML
page, but so can a proxy). Everything else is final and raised at once by the transport.
"""

import random
from dataclasses import dataclass

THROTTLED, TRANSIENT, BAD_RESPONSE = "throttled", "transient", "bad_response"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long each failure class is retried; delays are capped exponential with jitter
    (attempt n waits between half and all of `min(cap, first * 2 ** (n - 1))`)."""

    throttled_retries: int = 10  # 429 / 503
    throttled_first_backoff: float = 5.0  # when no usable Retry-After came (FACTS §2.2: 503 has none)
    throttled_backoff_cap: float = 60.0
    max_retry_after: float = 300.0  # a larger Retry-After is taken as this
    transient_retries: int = 5  # other 5xx, timeouts, connection errors
    transient_first_backoff: float = 1.0
    transient_backoff_cap: float = 30.0
    bad_response_retries: int = 2  # non-JSON 200
    # For callers that must answer quickly (a web request): seconds a client may spend over all its calls,
    # attempts and waits (None: no limit), and the longest wait for a pacer slot (None: any).
    deadline: float | None = None
    max_pace_wait: float | None = None

    def retries(self, kind: str) -> int:
        return {
            THROTTLED: self.throttled_retries,
            TRANSIENT: self.transient_retries,
            BAD_RESPONSE: self.bad_response_retries,
        }[kind]

    def backoff(self, kind: str, attempt: int, rng: random.Random) -> float:
        first, cap = (
            (self.throttled_first_backoff, self.throttled_backoff_cap)
            if kind == THROTTLED
            else (self.transient_first_backoff, self.transient_backoff_cap)
        )
        ceiling = min(cap, first * 2 ** (attempt - 1))
        return rng.uniform(ceiling / 2, ceiling)


DEFAULT_RETRY = RetryPolicy()


@dataclass(frozen=True)
class Failure:
    """A retryable outcome of one attempt: its failure class, why, and the wait Cin7 asked for (if any)."""

    kind: str
    reason: str
    status: int = 0
    excerpt: str = ""
    wait: float | None = None
