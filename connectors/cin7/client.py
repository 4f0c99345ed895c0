"""Cin7 Core REST API v2 client for one account: pacing, retries by failure class, lenient paging.

Every call first waits for a slot from the shared `Pacer` (FACTS §2), then GETs with a timeout. Failures are
handled by class, as `RetryPolicy` declares: throttling (429/503) waits `Retry-After` or backs off; other 5xx,
timeouts and dropped connections back off exponentially; a non-JSON 200 is retried a couple of times (FACTS
§1.5: a wrong path answers with an HTML page, but so can a proxy); 401/403 raise `Cin7CredentialsError` at
once; other 4xx raise `Cin7Error`. Paging de-duplicates by `ID` and re-reads when Cin7's unstable order
(FACTS §3) made records slip between pages. A client is meant for one thread; share the pacer, not the client.
"""

import hashlib
import json
import logging
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

import requests
from requests.exceptions import ChunkedEncodingError

from ..clock import SYSTEM_CLOCK
from ..http import session_for
from .errors import Cin7CredentialsError, Cin7Error, Cin7RecordError, Cin7ResponseError, Cin7UnavailableError
from .pacing import Pacer
from .parsing import describe_body, format_modified_since, record_id_of, retry_after_seconds
from .records import (
    Customer,
    Me,
    PaymentTerm,
    PriceTier,
    Product,
    TaxRule,
    Webhook,
    parse_customer,
    parse_me,
    parse_payment_term,
    parse_price_tier,
    parse_product,
    parse_tax_rule,
    parse_webhook,
)

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://inventory.dearsystems.com/ExternalApi/v2/"
PAGE_LIMIT = 1000  # FACTS §3: Limit is 1-1000.
HEAVY_PAGE_LIMIT = 500  # FACTS §3, §8.10: 1000-row pages with Include* payloads fail; 500 works.
EXTRA_PASSES = 2  # re-reads when records slipped between pages (FACTS §3)
BOUNDARY_SHIFT = 7  # rows by which each re-read's pages shrink, moving the page boundaries

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


@dataclass
class Cin7Stats:
    """What this client spent: HTTP calls (per endpoint), retries, throttled answers and time waited."""

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


@dataclass(frozen=True)
class _Failure:
    """A retryable outcome of one attempt."""

    kind: str
    reason: str
    status: int = 0
    excerpt: str = ""
    wait: float | None = None


class Cin7Client:
    """Reads one Cin7 Core account. Records that fail to parse during iteration are skipped and collected
    on `bad_records` as `(record ID or None, message)`, as is a paged read that stayed short of `Total`
    (its endpoint also goes to `incomplete_reads`); `stats` counts calls and waits."""

    def __init__(
        self,
        account_id: str,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        pacer: Pacer,
        clock=SYSTEM_CLOCK,
        timeout: float = 30.0,
        retry: RetryPolicy = DEFAULT_RETRY,
        session: requests.Session | None = None,
        page_size: int | None = None,
        pacing_key: str | None = None,
    ):
        self._account_id, self._api_key = account_id.strip(), api_key.strip()
        self._base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._pacer, self._clock, self._timeout, self._retry = pacer, clock, timeout, retry
        self._owns_session = session is None
        self._session = session or session_for(base_url)
        self._page_size = page_size  # test-only: caps the first pass's Limit to page through small data
        self._rng = random.Random()
        self._deadline_at: float | None = None  # set by the first call when the policy has a deadline
        # Calls are paced per Cin7 account, unless the caller names another budget (unverified credentials
        # must not spend the pace of the account they name).
        self.pacing_key = pacing_key or (
            "cin7:" + hashlib.sha256(self._account_id.lower().encode()).hexdigest()[:16]
        )
        self.stats = Cin7Stats()
        self.bad_records: list[tuple[str | None, str]] = []
        self.incomplete_reads: list[str] = []  # endpoints whose paged read ended short of `Total`

    def __repr__(self) -> str:
        return f"Cin7Client(account={self.pacing_key}, base_url={self._base_url!r})"

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> "Cin7Client":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- endpoints ---------------------------------------------------------------------------------------
    def me(self) -> Me:
        """`GET /me` (FACTS §6.2): company, base currency, time zone. A cheap credentials check."""
        payload = self._get("me")
        if not isinstance(payload, dict) or _error_model(payload):
            raise self._shape_error("me", payload, "an object")
        return parse_me(payload)

    def iter_customers(
        self,
        *,
        modified_since: datetime | None = None,
        include_prices: bool = False,
        include_deprecated: bool = False,
    ) -> Iterator[Customer]:
        """Every matching customer once (FACTS §4.2); `include_prices` adds `product_prices`."""
        params = self._filters(modified_since, include_deprecated)
        if include_prices:
            params["IncludeProductPrices"] = "true"
        limit = HEAVY_PAGE_LIMIT if include_prices else PAGE_LIMIT
        yield from self._iter_records("customer", "CustomerList", params, parse_customer, limit)

    def iter_products(
        self, *, modified_since: datetime | None = None, include_deprecated: bool = False
    ) -> Iterator[Product]:
        """Every matching product once, with its tier prices (FACTS §5.1-5.2)."""
        params = self._filters(modified_since, include_deprecated)
        yield from self._iter_records("product", "Products", params, parse_product, PAGE_LIMIT)

    def price_tiers(self) -> list[PriceTier]:
        """The ten price tiers (FACTS §5.3), by code. A malformed tier raises `Cin7RecordError`."""
        rows = self._rows("ref/priceTier", self._get("ref/priceTier"), "PriceTiers")
        return sorted((parse_price_tier(row) for row in rows), key=lambda tier: tier.code)

    def payment_terms(self) -> list[PaymentTerm]:
        """All payment terms, every page (APIB "Payment Term"); malformed ones go to `bad_records`."""
        return list(
            self._iter_records("ref/paymentterm", "PaymentTermList", {}, parse_payment_term, PAGE_LIMIT)
        )

    def tax_rules(self) -> list[TaxRule]:
        """All tax rules, every page (FACTS §6.1); malformed ones go to `bad_records`."""
        return list(self._iter_records("ref/tax", "TaxRuleList", {}, parse_tax_rule, PAGE_LIMIT))

    def customer(self, customer_id: str, *, include_prices: bool = False) -> Customer | None:
        """One customer by ID, deprecated ones included (read `is_deprecated`); None if Cin7 has none."""
        params = {"ID": customer_id, "IncludeDeprecated": "true"}
        if include_prices:
            params["IncludeProductPrices"] = "true"
        rows = self._rows("customer", self._get("customer", params), "CustomerList")
        wanted = customer_id.strip().lower()
        match = next((row for row in rows if (record_id_of(row) or "").strip().lower() == wanted), None)
        return None if match is None else parse_customer(match)

    # -- webhooks (FACTS §7; Cin7 needs its Automation module for these) -------------------------------
    def webhooks(self) -> list[Webhook]:
        """`GET /webhooks`: every registration of the account."""
        return self._webhook_list("GET", self._send("GET", "webhooks"))

    def create_webhook(self, fields: dict) -> Webhook:
        """`POST /webhooks` with Cin7's field names (`Type`, `IsActive`, `ExternalURL`, …)."""
        return self._webhook_list("POST", self._send("POST", "webhooks", body=fields))[0]

    def update_webhook(self, fields: dict) -> Webhook:
        """`PUT /webhooks`: the registration `fields["ID"]` gets these fields."""
        return self._webhook_list("PUT", self._send("PUT", "webhooks", body=fields))[0]

    def delete_webhook(self, webhook_id: str) -> None:
        """`DELETE /webhooks?ID=…`."""
        self._send("DELETE", "webhooks", {"ID": webhook_id})

    def _webhook_list(self, method: str, payload) -> list[Webhook]:
        rows = self._rows("webhooks", payload, "Webhooks", method)
        if method != "GET" and not rows:
            raise self._shape_error("webhooks", payload, "the registration", method)
        return [parse_webhook(row) for row in rows]

    # -- paging ------------------------------------------------------------------------------------------
    def _iter_records(
        self, endpoint: str, list_key: str, params: dict, parse: Callable, max_limit: int
    ) -> Iterator:
        """Each record of a paged list once. FACTS §3: order is unstable, so records are de-duplicated by
        ID, and when fewer unique records than `Total` were seen, the pages are read again (at most
        `EXTRA_PASSES` times) until they turn up. Re-reads use pages near the largest the query allows
        (`max_limit`), a few rows smaller on each pass: fewer page boundaries, and not where the records
        that slipped across one sat in the pass before."""
        seen: set[str] = set()
        total = None
        for extra_pass in range(EXTRA_PASSES + 1):
            limit = max_limit - BOUNDARY_SHIFT * extra_pass
            if extra_pass:
                logger.info("Cin7 %s: %d of %d records seen, reading again", endpoint, len(seen), total)
            elif self._page_size:
                limit = min(max_limit, self._page_size)
            for rows, page_total in self._pages(endpoint, list_key, params, limit):
                total = page_total
                for row in rows:
                    key = _dedupe_key(row)
                    if key in seen:
                        continue
                    seen.add(key)
                    try:
                        record = parse(row)
                    except Cin7RecordError as error:
                        self.bad_records.append((record_id_of(row), str(error)))
                        continue
                    yield record
                if total is not None and len(seen) >= total:
                    break  # a re-read ends as soon as the missing records turned up
            if total is None or len(seen) >= total:
                return
        logger.warning("Cin7 %s: only %d of %d records seen after re-reading", endpoint, len(seen), total)
        # Never a silent loss: the shortfall is reported like an unreadable record, and callers that take
        # absence from a full read as "gone" can check `incomplete_reads`.
        self.incomplete_reads.append(endpoint)
        missing = total - len(seen)
        self.bad_records.append(
            (
                None,
                f"Cin7 listed {total} {endpoint} records but {missing} of them did not come back "
                f"after re-reading the pages {EXTRA_PASSES} times, so this run could not sync them",
            )
        )

    def _pages(self, endpoint: str, list_key: str, params: dict, limit: int) -> Iterator[tuple]:
        """(rows, Total) per page; stops on a short page or when `Page * Limit >= Total` (FACTS §3)."""
        page = 1
        while True:
            payload = self._get(endpoint, {**params, "Page": page, "Limit": limit})
            rows = self._rows(endpoint, payload, list_key)
            total = _total_of(payload)
            yield rows, total
            if len(rows) < limit or (total is not None and page * limit >= total):
                return
            page += 1

    def _filters(self, modified_since: datetime | None, include_deprecated: bool) -> dict:
        params = {}
        if modified_since is not None:
            params["ModifiedSince"] = format_modified_since(modified_since)
        if include_deprecated:
            params["IncludeDeprecated"] = "true"
        return params

    def _rows(self, endpoint: str, payload, list_key: str, method: str = "GET") -> list:
        """The record list of an envelope; null, or absent with `Total` 0, is an empty list."""
        rows = payload.get(list_key) if isinstance(payload, dict) else None
        if isinstance(rows, list):
            return rows
        if isinstance(payload, dict) and rows is None and (list_key in payload or _total_of(payload) == 0):
            return []
        raise self._shape_error(endpoint, payload, f"an object with a {list_key} list", method)

    def _shape_error(self, endpoint: str, payload, expected: str, method: str = "GET") -> Cin7Error:
        body = describe_body(self._scrub(json.dumps(payload, default=str)))
        if isinstance(payload, dict | list) and _error_model(payload):
            # FACTS §1.5: the Error Model can arrive with status 200.
            return Cin7Error(
                "Cin7 answered with an error", call=f"{method} {endpoint}", status=200, excerpt=body
            )
        message = f"Cin7 answered without {expected}"
        return Cin7ResponseError(message, call=f"{method} {endpoint}", status=200, excerpt=body)

    # -- transport ---------------------------------------------------------------------------------------
    def _get(self, endpoint: str, params: dict | None = None):
        """The JSON (decimals as `Decimal`) of `GET endpoint`, after pacing and the retry policy."""
        return self._send("GET", endpoint, params)

    def _send(self, method: str, endpoint: str, params: dict | None = None, body: dict | None = None):
        """One call after pacing and the retry policy. Only throttling (Cin7 did nothing) is retried for
        writes: a write that failed otherwise may have been applied, and the caller re-reads instead."""
        call = f"{method} {endpoint}" + (f"?{urlencode(params)}" if params else "")
        failures = {THROTTLED: 0, TRANSIENT: 0, BAD_RESPONSE: 0}
        if self._retry.deadline is not None and self._deadline_at is None:
            self._deadline_at = self._clock.now() + self._retry.deadline
        while True:
            self._wait_for_slot(call)
            outcome = self._attempt(endpoint, params, call, method, body)
            if not isinstance(outcome, _Failure):
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

    def _attempt(self, endpoint: str, params: dict | None, call: str, method: str = "GET", body=None):
        """One request: its JSON, a retryable `_Failure`, or a raised final error."""
        self.stats.calls += 1
        self.stats.by_endpoint[endpoint] = self.stats.by_endpoint.get(endpoint, 0) + 1
        try:
            url, headers = self._base_url + endpoint, self._headers()
            timeout = min(self._timeout, max(self._time_left(), 0.1))
            if method == "GET":
                response = self._session.get(url, params=params, headers=headers, timeout=timeout)
            else:
                data = None if body is None else json.dumps(body)
                response = self._session.request(
                    method, url, params=params, data=data, headers=headers, timeout=timeout
                )
        except (requests.Timeout, requests.ConnectionError, ChunkedEncodingError) as error:
            return _Failure(TRANSIENT, f"Cin7 did not answer ({type(error).__name__})")
        except requests.RequestException as error:
            raise Cin7Error(f"the request to Cin7 failed ({type(error).__name__})", call=call) from None
        status, text = response.status_code, response.content.decode("utf-8-sig", errors="replace")
        code = status
        if 200 <= status < 300:
            try:
                payload = json.loads(text, parse_float=Decimal) if text.strip() else None
            except ValueError:
                excerpt = describe_body(self._scrub(text))
                return _Failure(BAD_RESPONSE, "Cin7 answered 200 with something not JSON", status, excerpt)
            # FACTS §1.5: the Error Model can arrive with status 200; it is handled as its ErrorCode says.
            code = _error_code(payload)
            if code is None:
                return payload
        excerpt = describe_body(self._scrub(text))
        if code in (401, 403):
            raise Cin7CredentialsError(call=call, status=status, excerpt=excerpt)
        if code in (429, 503):  # FACTS §2.2: 429 now, 503 the legacy throttle signal
            self.stats.throttled += 1
            wait = retry_after_seconds(response.headers.get("Retry-After"), self._clock.now())
            wait = None if wait is None else min(wait, self._retry.max_retry_after)
            return _Failure(THROTTLED, "Cin7 throttled the call", status, excerpt, wait)
        if code >= 500:
            return _Failure(TRANSIENT, "Cin7 failed with a server error", status, excerpt)
        raise Cin7Error("Cin7 refused the request", call=call, status=status, excerpt=excerpt)

    def _headers(self) -> dict:
        """FACTS §1.2-1.3: the two credential headers, JSON both ways."""
        return {
            "api-auth-accountid": self._account_id,
            "api-auth-applicationkey": self._api_key,
            "Accept": "application/json",
            "Content-Type": "application/json",
        }

    def _scrub(self, text: str) -> str:
        """`text` without the Account ID or API key, should Cin7 ever echo them (before any cut)."""
        for secret in (self._account_id, self._api_key):
            if secret:
                text = re.sub(re.escape(secret), "[redacted]", text, flags=re.IGNORECASE)
        return text


def _error_model(payload) -> bool:
    """FACTS §1.5: `{ErrorCode, Exception}` or a list of such objects."""
    items = payload if isinstance(payload, list) else [payload]
    return bool(items) and all(isinstance(item, dict) and "Exception" in item for item in items)


def _error_code(payload) -> int | None:
    """The `ErrorCode` (400-599) of an Error Model answer, else None (FACTS §1.5)."""
    if not _error_model(payload):
        return None
    code = (payload[0] if isinstance(payload, list) else payload).get("ErrorCode")
    if isinstance(code, str) and code.strip().isdigit():
        code = int(code)
    valid = isinstance(code, int) and not isinstance(code, bool) and 400 <= code < 600
    return code if valid else None


def _total_of(payload: dict) -> int | None:
    total = payload.get("Total")
    if isinstance(total, int) and not isinstance(total, bool):
        return total
    if isinstance(total, str) and total.strip().isdigit():
        return int(total)
    return None


def _dedupe_key(row) -> str:
    """The row's ID (GUIDs compare case-insensitively); rows without one by their whole content."""
    record_id = record_id_of(row)
    if record_id is not None:
        return record_id.strip().lower()
    return "row:" + json.dumps(row, sort_keys=True, default=str)
