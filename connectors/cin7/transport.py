"""One Cin7 Core account's HTTP calls: pacing, credentials, the retry policy by failure class, statistics.

Every call first waits for a slot from the shared `Pacer` (FACTS §2), then goes out with a timeout. Failures
are handled as `RetryPolicy` declares; 401/403 raise `Cin7CredentialsError` at once, other 4xx `Cin7Error`.
Only throttling (Cin7 did nothing) is retried for writes: a write that failed otherwise may have been
applied, and the caller re-reads instead.
"""

import hashlib
import json
import logging
import random
import re
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

import requests
from requests.exceptions import ChunkedEncodingError

from ..clock import SYSTEM_CLOCK
from ..http import session_for
from .errors import Cin7CredentialsError, Cin7Error, Cin7ResponseError, Cin7UnavailableError
from .pacing import Pacer
from .parsing import describe_body, error_code, retry_after_seconds
from .retry import BAD_RESPONSE, DEFAULT_RETRY, THROTTLED, TRANSIENT, Failure, RetryPolicy

logger = logging.getLogger(__name__)
# A webhook's credentials as Cin7 could echo them in an answer (FACTS §7): `"ExternalBearerToken": "…"`.
_ECHOED_WEBHOOK_SECRET = re.compile(r'("External(?:BearerToken|Password)"\s*:\s*)"[^"]*"')


@dataclass
class Cin7Stats:
    """What a client spent: HTTP calls (per endpoint), retries, throttled answers and time waited."""

    calls: int = 0
    retries: int = 0
    throttled: int = 0
    wait_seconds: float = 0.0  # backing off after failures
    pace_wait_seconds: float = 0.0  # waiting for pacer slots
    by_endpoint: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "cin7_calls": self.calls,
            "cin7_retries": self.retries,
            "cin7_throttled": self.throttled,
            "cin7_wait_seconds": round(self.wait_seconds, 3),
            "cin7_pace_wait_seconds": round(self.pace_wait_seconds, 3),
            "cin7_by_endpoint": dict(self.by_endpoint),
        }


class Cin7Transport:
    """Sends one account's calls and returns their JSON (decimals as `Decimal`); `stats` counts them."""

    def __init__(
        self,
        account_id: str,
        api_key: str,
        base_url: str,
        pacer: Pacer,
        clock=SYSTEM_CLOCK,
        timeout: float = 30.0,
        retry: RetryPolicy = DEFAULT_RETRY,
        session: requests.Session | None = None,
        pacing_key: str | None = None,
    ):
        self._account_id, self._api_key = account_id.strip(), api_key.strip()
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._pacer, self._clock, self._timeout, self._retry = pacer, clock, timeout, retry
        self._owns_session = session is None
        self._session = session or session_for(base_url)
        self._rng = random.Random()
        self._deadline_at: float | None = None  # set by the first call when the policy has a deadline
        # Calls are paced per Cin7 account, unless the caller names another budget (unverified credentials
        # must not spend the pace of the account they name).
        self.pacing_key = pacing_key or (
            "cin7:" + hashlib.sha256(self._account_id.lower().encode()).hexdigest()[:16]
        )
        self.stats = Cin7Stats()

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def send(self, method: str, endpoint: str, params: dict | None = None, body: dict | None = None):
        """One call after pacing and the retry policy (see the module docstring)."""
        call = f"{method} {endpoint}" + (f"?{urlencode(params)}" if params else "")
        failures = {THROTTLED: 0, TRANSIENT: 0, BAD_RESPONSE: 0}
        if self._retry.deadline is not None and self._deadline_at is None:
            self._deadline_at = self._clock.now() + self._retry.deadline
        while True:
            self._wait_for_slot(call)
            outcome = self._attempt(method, endpoint, params, body, call)
            if not isinstance(outcome, Failure):
                return outcome
            failures[outcome.kind] += 1
            tries = failures[outcome.kind]
            allowed = self._retry.retries(outcome.kind) if method == "GET" or outcome.kind == THROTTLED else 0
            if tries > allowed:
                error_class = Cin7ResponseError if outcome.kind == BAD_RESPONSE else Cin7UnavailableError
                message = f"{outcome.reason}; gave up after {tries} tries"
                details = {"call": call, "status": outcome.status, "excerpt": outcome.excerpt}
                if error_class is Cin7UnavailableError:
                    details["retry_after"] = outcome.wait
                raise error_class(message, **details)
            delay = outcome.wait
            if delay is None:
                delay = self._retry.backoff(outcome.kind, tries, self._rng)
            if delay > self._time_left():
                raise Cin7UnavailableError(
                    f"{outcome.reason}; no time left to retry",
                    call=call,
                    status=outcome.status,
                    excerpt=outcome.excerpt,
                    retry_after=delay,
                )
            logger.warning("Cin7 %s: %s; retry %d in %.1f s", call, outcome.reason, tries, delay)
            self.stats.retries += 1
            self.stats.wait_seconds += delay
            self._clock.sleep(delay)

    def scrub(self, text: str) -> str:
        """`text` without the Account ID, the API key or a webhook's bearer token or password, should Cin7
        ever echo them (before any cut)."""
        for secret in (self._account_id, self._api_key):
            if secret:
                text = re.sub(re.escape(secret), "[redacted]", text, flags=re.IGNORECASE)
        return _ECHOED_WEBHOOK_SECRET.sub(r'\1"[redacted]"', text)

    def _time_left(self) -> float:
        """Seconds left before the policy's deadline (infinite without one)."""
        return float("inf") if self._deadline_at is None else self._deadline_at - self._clock.now()

    def _wait_for_slot(self, call: str) -> None:
        longest = min(self._time_left(), self._retry.max_pace_wait or float("inf"))
        if longest <= 0:
            raise Cin7UnavailableError("Cin7 did not answer in time", call=call)
        if longest == float("inf"):
            wait = self._pacer.reserve(self.pacing_key)
        else:
            wait = self._pacer.reserve(self.pacing_key, max_wait=longest)
        if wait > longest:  # the pacer took no slot: this client may not wait that long
            raise Cin7UnavailableError("Cin7's call budget is used up for now", call=call, retry_after=wait)
        if wait > 0:
            self.stats.pace_wait_seconds += wait
            self._clock.sleep(wait)

    def _attempt(self, method: str, endpoint: str, params: dict | None, body, call: str):
        """One request: its JSON, a retryable `Failure`, or a raised final error."""
        self.stats.calls += 1
        self.stats.by_endpoint[endpoint] = self.stats.by_endpoint.get(endpoint, 0) + 1
        try:
            url, headers = self.base_url + endpoint, self._headers()
            timeout = min(self._timeout, max(self._time_left(), 0.1))
            if method == "GET":
                response = self._session.get(url, params=params, headers=headers, timeout=timeout)
            else:
                data = None if body is None else json.dumps(body)
                response = self._session.request(
                    method, url, params=params, data=data, headers=headers, timeout=timeout
                )
        except (requests.Timeout, requests.ConnectionError, ChunkedEncodingError) as error:
            return Failure(TRANSIENT, f"Cin7 did not answer ({type(error).__name__})")
        except requests.RequestException as error:
            raise Cin7Error(f"the request to Cin7 failed ({type(error).__name__})", call=call) from None
        return self._outcome(response, call)

    def _outcome(self, response: requests.Response, call: str):
        """The JSON of an answer, a retryable `Failure` by failure class, or a raised final error."""
        status, text = response.status_code, response.content.decode("utf-8-sig", errors="replace")
        code = status
        if 200 <= status < 300:
            try:
                payload = json.loads(text, parse_float=Decimal) if text.strip() else None
            except ValueError:
                excerpt = describe_body(self.scrub(text))
                return Failure(BAD_RESPONSE, "Cin7 answered 200 with something not JSON", status, excerpt)
            # FACTS §1.5: the Error Model can arrive with status 200; it is handled as its ErrorCode says.
            code = error_code(payload)
            if code is None:
                return payload
        excerpt = describe_body(self.scrub(text))
        if code in (401, 403):
            raise Cin7CredentialsError(call=call, status=status, excerpt=excerpt)
        if code in (429, 503):  # FACTS §2.2: 429 now, 503 the legacy throttle signal
            self.stats.throttled += 1
            wait = retry_after_seconds(response.headers.get("Retry-After"), self._clock.now())
            wait = None if wait is None else min(wait, self._retry.max_retry_after)
            return Failure(THROTTLED, "Cin7 throttled the call", status, excerpt, wait)
        if code >= 500:
            return Failure(TRANSIENT, "Cin7 failed with a server error", status, excerpt)
        raise Cin7Error("Cin7 refused the request", call=call, status=status, excerpt=excerpt)

    def _headers(self) -> dict:
        """FACTS §1.2-1.3: the two credential headers, JSON both ways."""
        return {
            "api-auth-accountid": self._account_id,
            "api-auth-applicationkey": self._api_key,
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
