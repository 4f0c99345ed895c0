"""Admin GraphQL transport for one shop: timeouts, cost-aware pacing, retries by failure class.

Pacing follows `extensions.cost.throttleStatus` (FACTS §5): the client keeps Shopify's last reported
bucket, lets it refill at `restoreRate`, and waits before a request whose expected cost exceeds what is
available, instead of sending it to be refused. THROTTLED arrives with HTTP 200 and is retried after the
computed wait; 429 and 5xx are retried with backoff; 401 raises `ShopifyAuthError`. `userErrors` are data
and are returned, never raised. Each distinct document is validated against the Admin schema once per
process, so an invalid document never reaches Shopify.
"""

import functools
import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime

import requests
from graphql import GraphQLError, parse, validate

from ..clock import SYSTEM_CLOCK, SystemClock
from ..http import session_for
from .errors import ShopifyAuthError, ShopifyQueryError, ShopifyUnavailableError, excerpt_of
from .schema import validation_schema

logger = logging.getLogger(__name__)


@dataclass
class RetryPolicy:
    """How many times and how long to retry each failure class."""

    max_throttle_retries: int = 20
    max_transient_retries: int = 5
    backoff_base: float = 1.0
    backoff_cap: float = 30.0
    max_retry_after: float = 300.0  # a larger Retry-After is taken as this

    def backoff(self, attempt: int) -> float:
        """Capped exponential backoff with full jitter (attempt 1 -> up to 1 s, 2 -> 2 s, ...)."""
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)))


@dataclass
class ShopifyStats:
    """What this client spent: requests, cost as requested and as charged, time waiting."""

    requests: int = 0
    mutations: int = 0
    requested_cost: int = 0
    actual_cost: int = 0
    throttled: int = 0
    retries: int = 0
    wait_seconds: float = 0.0
    by_operation: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "shopify_requests": self.requests,
            "shopify_mutations": self.mutations,
            "shopify_requested_cost": self.requested_cost,
            "shopify_cost": self.actual_cost,
            "shopify_throttled": self.throttled,
            "shopify_retries": self.retries,
            "shopify_wait_seconds": round(self.wait_seconds, 3),
        }


@dataclass(frozen=True)
class _Transient:
    """A failure worth retrying after a backoff (or the `Retry-After` Shopify sent)."""

    what: str
    status: int = 0
    wait: float | None = None
    body: str = ""


@dataclass
class _Bucket:
    """Shopify's last reported leaky bucket, projected forward in time."""

    maximum: float = 0.0
    available: float = 0.0
    restore_rate: float = 0.0
    at: float = 0.0

    def available_at(self, now: float) -> float:
        if not self.restore_rate:
            return float("inf")
        return min(self.maximum, self.available + (now - self.at) * self.restore_rate)


class GraphQLClient:
    """POSTs documents to `{admin}/api/{version}/graphql.json` of one shop and returns `data`."""

    def __init__(
        self,
        shop: str,
        access_token: Callable[[], str],
        *,
        admin_url_template: str,
        api_version: str,
        timeout: float = 30.0,
        clock: SystemClock = SYSTEM_CLOCK,
        retry: RetryPolicy | None = None,
        on_auth_error: Callable[[], None] | None = None,
        session: requests.Session | None = None,
        validate: bool = True,
    ):
        self.shop = shop
        self.url = f"{admin_url_template.format(shop=shop).rstrip('/')}/api/{api_version}/graphql.json"
        self._access_token = access_token
        self.timeout = timeout
        self.clock = clock
        self.retry = retry or RetryPolicy()
        self.on_auth_error = on_auth_error
        self.session = session or session_for(self.url)
        self.validate = validate
        self.stats = ShopifyStats()
        self._bucket = _Bucket()
        self._expected_cost: dict[str, int] = {}

    def execute(self, document: str, variables: dict | None = None, *, name: str = "") -> dict:
        """Run one document and return its `data`; see the module docstring for the failure classes."""
        name = name or _operation_name(document)
        call = f"GraphQL {name} on {self.shop}"
        if self.validate:
            check_document(document, call)
        payload = json.dumps({"query": document, "variables": variables or {}})
        throttles = transients = 0
        while True:
            self._wait_for_budget(document)
            answer = self._post(payload)
            if isinstance(answer, _Transient):
                transients += 1
                self._retry_or_raise(transients, call, answer)
                continue
            body = self._graphql_body(answer, call)
            cost = (body.get("extensions") or {}).get("cost") or {}
            self._record_cost(document, name, cost)
            errors = _error_list(body.get("errors"))
            if any(
                (e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors if isinstance(e, dict)
            ):
                throttles += 1
                self.stats.throttled += 1
                if throttles > self.retry.max_throttle_retries:
                    raise ShopifyUnavailableError(
                        "Shopify kept throttling the app.", call=call, status=answer.status_code
                    )
                self.wait(self._throttle_wait(cost, throttles))
                continue
            if errors:
                raise ShopifyQueryError(
                    "Shopify refused the query.",
                    call=call,
                    status=answer.status_code,
                    excerpt=excerpt_of(_messages(errors)),
                )
            if document.lstrip().startswith("mutation"):
                self.stats.mutations += 1
            return body.get("data") or {}

    def _post(self, payload: str) -> requests.Response | _Transient:
        """Shopify's answer to one POST, or the transient failure (network, 429, 5xx) it met instead."""
        try:
            response = self.session.post(
                self.url,
                data=payload,
                headers={
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    "X-Shopify-Access-Token": self._access_token(),
                },
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            return _Transient(f"{type(exc).__name__} talking to Shopify")
        self.stats.requests += 1
        status = response.status_code
        if status == 429 or status >= 500:
            # FACTS §5: Shopify's own client honours Retry-After on 429 and 503.
            wait = _retry_after(response, self.clock.now()) if status in (429, 503) else None
            wait = None if wait is None else min(wait, self.retry.max_retry_after)
            return _Transient(f"HTTP {status}", status, wait, response.text)
        return response

    def _graphql_body(self, response: requests.Response, call: str) -> dict:
        """The JSON object of a GraphQL answer; 401 raises `ShopifyAuthError`, anything else not JSON
        `ShopifyQueryError`."""
        status = response.status_code
        if status == 401:
            if self.on_auth_error:
                self.on_auth_error()
            raise ShopifyAuthError(
                "Shopify rejected the app's access token; the merchant must open the app to re-authorise it.",
                call=call,
                status=status,
            )
        body = _json_or_none(response)
        if status != 200 or not isinstance(body, dict):
            raise ShopifyQueryError(
                "Shopify answered with something other than GraphQL JSON.",
                call=call,
                status=status,
                excerpt=excerpt_of(response.text),
            )
        return body

    def _wait_for_budget(self, document: str) -> None:
        expected = self._expected_cost.get(document)
        if expected is None or not self._bucket.restore_rate:
            return
        shortfall = expected - self._bucket.available_at(self.clock.now())
        if shortfall > 0:
            self.wait(shortfall / self._bucket.restore_rate)

    def _throttle_wait(self, cost: dict, attempt: int) -> float:
        """The time the bucket needs to hold the query's requested cost; a backoff when no cost came."""
        requested = cost.get("requestedQueryCost")
        status = cost.get("throttleStatus") or {}
        if requested is None or not status:
            return max(1.0, self.retry.backoff(attempt))
        rate = status.get("restoreRate") or 50
        available = status.get("currentlyAvailable") or 0
        return max(0.1, (requested - available) / rate)

    def _record_cost(self, document: str, name: str, cost: dict) -> None:
        requested = cost.get("requestedQueryCost")
        if requested is not None:
            self._expected_cost[document] = int(requested)
        actual = cost.get("actualQueryCost")
        if actual is not None:
            self.stats.requested_cost += int(requested or 0)
            self.stats.actual_cost += int(actual)
            entry = self.stats.by_operation.setdefault(name, {"requests": 0, "cost": 0})
            entry["requests"] += 1
            entry["cost"] += int(actual)
        status = cost.get("throttleStatus")
        if status:
            self._bucket = _Bucket(
                maximum=float(status.get("maximumAvailable") or 0),
                available=float(status.get("currentlyAvailable") or 0),
                restore_rate=float(status.get("restoreRate") or 0),
                at=self.clock.now(),
            )

    def _retry_or_raise(self, attempt: int, call: str, failure: _Transient) -> None:
        if attempt > self.retry.max_transient_retries:
            raise ShopifyUnavailableError(
                f"Shopify kept failing ({failure.what}) after {attempt - 1} retries.",
                call=call,
                status=failure.status,
                excerpt=excerpt_of(failure.body),
            )
        self.stats.retries += 1
        delay = failure.wait if failure.wait is not None else self.retry.backoff(attempt)
        logger.info("%s failed (%s); retry %s in %.1fs", call, failure.what, attempt, delay)
        self.wait(delay)

    def wait(self, seconds: float) -> None:
        """Sleep on the client's clock, counted in `stats.wait_seconds`."""
        self.stats.wait_seconds += seconds
        self.clock.sleep(seconds)


@functools.lru_cache(maxsize=256)
def _document_errors(document: str) -> tuple[str, ...]:
    try:
        return tuple(error.message for error in validate(validation_schema(), parse(document)))
    except GraphQLError as exc:
        return (exc.message,)


def check_document(document: str, call: str = "GraphQL") -> None:
    """Raise `ShopifyQueryError` for a document the Admin schema rejects, before it is ever sent."""
    errors = _document_errors(document)
    if errors:
        raise ShopifyQueryError(
            "The app built an invalid GraphQL document.", call=call, excerpt="; ".join(errors)
        )


def _operation_name(document: str) -> str:
    head = document.lstrip().split("(", 1)[0].split("{", 1)[0].split()
    return head[1] if len(head) > 1 else (head[0] if head else "anonymous")


def _retry_after(response: requests.Response, now: float) -> float | None:
    """`Retry-After` in seconds or as an HTTP date; None when absent or unreadable."""
    value = (response.headers.get("Retry-After") or "").strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def _error_list(errors) -> list:
    """Top-level `errors` as a list: GraphQL sends a list, but Shopify also answers `"errors": "text"`
    or an object (e.g. `{"query": "Required parameter missing or invalid"}`)."""
    if not errors:
        return []
    if isinstance(errors, list):
        return errors
    if isinstance(errors, dict):
        return [{"message": f"{key}: {value}"} for key, value in errors.items()]
    return [{"message": str(errors)}]


def _json_or_none(response: requests.Response):
    try:
        return response.json()
    except ValueError:
        return None


def _messages(errors: list) -> str:
    return "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
