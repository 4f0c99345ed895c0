"""Cin7 for the settings page's requests: an answer within seconds, or when to try again.

A web thread never waits on Cin7's retry policy (issue 27): with a handful of threads per process, one
throttled Cin7 account would otherwise hold them all for minutes, and Shopify's webhooks (a 5 s deadline)
and Cin7's deliveries would fail for every shop. So the page's client (`page_client`) has a total deadline
over all its calls, short timeouts, one quick retry of a dropped connection, no retry of throttling (Cin7's
`Retry-After`, FACTS §2.2, becomes the answer's) and waits at most `MAX_PACE_WAIT` for a pacer slot.

Credentials that Cin7 has not verified for this shop are paced under the shop, not under the account they
name, so nobody can spend another tenant's pace by typing its Account ID. And each shop may ask Cin7
through these endpoints `PAGE_CALLS_PER_MINUTE` times a minute (`page_rate_limited`).
"""

import logging
import math

from django.conf import settings
from django.http import JsonResponse

from connectors.cin7.client import Cin7Client, RetryPolicy
from connectors.cin7.errors import Cin7UnavailableError

from ..cin7_registration import unverified_pacing_key
from ..models import Cin7Connection, Shop
from ..pacing import DatabasePacer

DEADLINE = 8.0  # seconds for all of a request's Cin7 calls, attempts and waits
TIMEOUT = 5.0  # seconds per attempt (less when the deadline is nearer)
MAX_PACE_WAIT = 2.0
PAGE_CALLS_PER_MINUTE = 20
PAGE_RETRY = RetryPolicy(
    throttled_retries=0,
    transient_retries=1,
    transient_first_backoff=0.5,
    transient_backoff_cap=1.0,
    bad_response_retries=0,
    deadline=DEADLINE,
    max_pace_wait=MAX_PACE_WAIT,
)
BUSY_FALLBACK_SECONDS = 30  # Cin7's legacy 503 says no Retry-After (FACTS §2.2)

logger = logging.getLogger(__name__)


def page_client(shop: Shop, account_id: str, api_key: str) -> Cin7Client:
    """A client for one web request of `shop` with these credentials."""
    return Cin7Client(
        account_id,
        api_key,
        base_url=settings.CIN7_API_URL,
        pacer=DatabasePacer(settings.CIN7_CALLS_PER_MINUTE),
        timeout=TIMEOUT,
        retry=PAGE_RETRY,
        pacing_key=None if _verified(shop, account_id, api_key) else unverified_pacing_key(shop),
    )


def _verified(shop: Shop, account_id: str, api_key: str) -> bool:
    """True when these are the shop's stored credentials and Cin7 accepted them."""
    stored = Cin7Connection.objects.filter(shop=shop, verified_at__isnull=False).first()
    return bool(stored) and stored.account_id.lower() == account_id.lower() and stored.api_key == api_key


def page_rate_limited(shop: Shop) -> JsonResponse | None:
    """A `429` when the shop asked Cin7 through the page too often this minute, else None (and the call
    is counted)."""
    limiter = DatabasePacer(PAGE_CALLS_PER_MINUTE)
    wait = limiter.reserve(f"page:{shop.pk}", max_wait=0)
    if wait <= 0:
        return None
    seconds = math.ceil(wait)
    logger.warning("Page of %s over its %d Cin7 requests a minute: 429", shop.domain, PAGE_CALLS_PER_MINUTE)
    return _retry_later(f"Too many Cin7 requests from this page; try again in {seconds} s.", seconds, 429)


def cin7_busy(shop: Shop, error: Cin7UnavailableError) -> JsonResponse:
    """`503` "Cin7 is busy, try again in N s" with `Retry-After`, for a call the page client gave up."""
    seconds = math.ceil(error.retry_after) if error.retry_after else BUSY_FALLBACK_SECONDS
    logger.warning(
        "Cin7 busy for the page of %s (%s): answered 503, retry in %d s", shop.domain, error, seconds
    )
    return _retry_later(f"Cin7 is busy, try again in {seconds} s.", seconds, 503)


def _retry_later(message: str, seconds: int, status: int) -> JsonResponse:
    response = JsonResponse({"error": message, "fields": {}, "retry_after": seconds}, status=status)
    response["Retry-After"] = str(seconds)
    return response
