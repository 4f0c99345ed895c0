"""Cin7 Core REST API v2 client for one account: named reads and writes, lenient paging.

Calls go through `Cin7Transport` (pacing, retries by failure class as `RetryPolicy` declares). Paging
de-duplicates by `ID` and re-reads when Cin7's unstable order (FACTS §3) made records slip between pages.
A client is meant for one thread; share the pacer, not the client.
"""

import json
import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal

import requests

from ..clock import SYSTEM_CLOCK
from .discounts import DiscountRule, parse_discount_rule
from .errors import Cin7Error, Cin7RecordError, Cin7ResponseError
from .pacing import Pacer
from .parsing import describe_body, format_modified_since, is_error_model, record_id_of
from .records import (
    Customer,
    Me,
    PaymentTerm,
    PriceTier,
    Product,
    TaxRule,
    Webhook,
)
from .retry import DEFAULT_RETRY, RetryPolicy
from .transport import Cin7Transport

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://inventory.dearsystems.com/ExternalApi/v2/"
PAGE_LIMIT = 1000  # FACTS §3: Limit is 1-1000.
HEAVY_PAGE_LIMIT = 500  # FACTS §3, §8.10: 1000-row pages with Include* payloads fail; 500 works.
EXTRA_PASSES = 2  # re-reads when records slipped between pages (FACTS §3)
BOUNDARY_SHIFT = 7  # rows by which each re-read's pages shrink, moving the page boundaries


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
        self._transport = Cin7Transport(
            account_id, api_key, base_url, pacer, clock, timeout, retry, session, pacing_key
        )
        self._page_size = page_size  # test-only: caps the first pass's Limit to page through small data
        self.stats = self._transport.stats
        self.bad_records: list[tuple[str | None, str]] = []
        self.incomplete_reads: list[str] = []  # endpoints whose paged read ended short of `Total`

    @property
    def pacing_key(self) -> str:
        """The budget this client's calls are paced under (its account's, unless the caller named another)."""
        return self._transport.pacing_key

    def __repr__(self) -> str:
        return f"Cin7Client(account={self.pacing_key}, base_url={self._transport.base_url!r})"

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> "Cin7Client":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- endpoints ---------------------------------------------------------------------------------------
    def me(self) -> Me:
        """`GET /me` (FACTS §6.2): company, base currency, time zone. A cheap credentials check."""
        payload = self._get("me")
        if not isinstance(payload, dict) or is_error_model(payload):
            raise self._shape_error("me", payload, "an object")
        return Me.parse(payload)

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
        yield from self._iter_records("customer", "CustomerList", params, Customer.parse, limit)

    def iter_products(
        self, *, modified_since: datetime | None = None, include_deprecated: bool = False
    ) -> Iterator[Product]:
        """Every matching product once, with its tier prices (FACTS §5.1-5.2). Equal prices of one listing
        share one `Decimal` (20,000 products carry some 200,000 tier prices, a fifth of them distinct)."""
        params = self._filters(modified_since, include_deprecated)
        shared: dict[str, Decimal] = {}
        for product in self._iter_records("product", "Products", params, Product.parse, PAGE_LIMIT):
            prices = product.tier_prices
            for code, price in prices.items():
                prices[code] = shared.setdefault(str(price), price)  # by text: 12.5 and 12.50 stay apart
            yield product

    def price_tiers(self) -> list[PriceTier]:
        """The ten price tiers (FACTS §5.3), by code. A malformed tier raises `Cin7RecordError`."""
        rows = self._rows("ref/priceTier", self._get("ref/priceTier"), "PriceTiers")
        return sorted((PriceTier.parse(row) for row in rows), key=lambda tier: tier.code)

    def payment_terms(self) -> list[PaymentTerm]:
        """All payment terms, every page (APIB "Payment Term"); malformed ones go to `bad_records`."""
        return list(
            self._iter_records("ref/paymentterm", "PaymentTermList", {}, PaymentTerm.parse, PAGE_LIMIT)
        )

    def tax_rules(self) -> list[TaxRule]:
        """All tax rules, every page (FACTS §6.1); malformed ones go to `bad_records`."""
        return list(self._iter_records("ref/tax", "TaxRuleList", {}, TaxRule.parse, PAGE_LIMIT))

    def discount_rules(self) -> list[DiscountRule]:
        """All product discount rules with their lines, every page (`GET /reference/discount`,
        docs/cin7-shapes.md); malformed ones go to `bad_records`."""
        return list(
            self._iter_records("reference/discount", "DiscountRules", {}, parse_discount_rule, PAGE_LIMIT)
        )

    def customer(self, customer_id: str, *, include_prices: bool = False) -> Customer | None:
        """One customer by ID, deprecated ones included (read `is_deprecated`); None if Cin7 has none."""
        params = {"ID": customer_id, "IncludeDeprecated": "true"}
        if include_prices:
            params["IncludeProductPrices"] = "true"
        rows = self._rows("customer", self._get("customer", params), "CustomerList")
        wanted = customer_id.strip().lower()
        match = next((row for row in rows if (record_id_of(row) or "").strip().lower() == wanted), None)
        return None if match is None else Customer.parse(match)

    # -- webhooks (FACTS §7; Cin7 needs its Automation module for these) -------------------------------
    def webhooks(self) -> list[Webhook]:
        """`GET /webhooks`: every registration of the account."""
        return self._webhook_list("GET", self._transport.send("GET", "webhooks"))

    def create_webhook(self, fields: dict) -> Webhook:
        """`POST /webhooks` with Cin7's field names (`Type`, `IsActive`, `ExternalURL`, …)."""
        return self._webhook_list("POST", self._transport.send("POST", "webhooks", body=fields))[0]

    def update_webhook(self, fields: dict) -> Webhook:
        """`PUT /webhooks`: the registration `fields["ID"]` gets these fields."""
        return self._webhook_list("PUT", self._transport.send("PUT", "webhooks", body=fields))[0]

    def delete_webhook(self, webhook_id: str) -> None:
        """`DELETE /webhooks?ID=…`."""
        self._transport.send("DELETE", "webhooks", {"ID": webhook_id})

    def _webhook_list(self, method: str, payload) -> list[Webhook]:
        rows = self._rows("webhooks", payload, "Webhooks", method)
        if method != "GET" and not rows:
            raise self._shape_error("webhooks", payload, "the registration", method)
        return [Webhook.parse(row) for row in rows]

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
        body = describe_body(self._transport.scrub(json.dumps(payload, default=str)))
        if isinstance(payload, dict | list) and is_error_model(payload):
            # FACTS §1.5: the Error Model can arrive with status 200.
            return Cin7Error(
                "Cin7 answered with an error", call=f"{method} {endpoint}", status=200, excerpt=body
            )
        message = f"Cin7 answered without {expected}"
        return Cin7ResponseError(message, call=f"{method} {endpoint}", status=200, excerpt=body)

    def _get(self, endpoint: str, params: dict | None = None):
        """The JSON (decimals as `Decimal`) of `GET endpoint`, after pacing and the retry policy."""
        return self._transport.send("GET", endpoint, params)


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
