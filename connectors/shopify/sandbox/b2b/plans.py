"""What the shop's plan allows of catalogs and markets (B2B.md "Plans"). Each check returns userErrors
(`field`, `message`, `code`, codes from the 2026-01 enums) and changes nothing.

- Below Plus a company location (direct) catalog can only be ARCHIVED: `COMPANY_LOCATION_CATALOG_STATUS_PLAN`
  (2026-10 adds `UNPERMITTED_ENTITLEMENTS_DIRECT_CATALOG_ASSIGNMENT`, which the 2026-01 schema cannot answer).
- `settings.catalog_limit` active B2B catalogs (3 below Plus, none on Plus), direct and market catalogs
  together: the message of 2026-10's `B2B_CATALOG_LIMIT_REACHED`, code null in 2026-01.
- On any plan a company location has at most 25 catalogs: `CONTEXT_CATALOG_LIMIT_REACHED`.
- B2B without catalogs (`catalog_limit` 0): `UNPERMITTED_ENTITLEMENTS_MARKET_CATALOGS`.
"""

from collections import Counter

from .access import error
from .store import DIRECT, LOCATION_CATALOG_LIMIT, Catalog, Market

STATUS_PLAN = "A company location catalog outside of a supported plan can only have an archived status."
LIMIT_REACHED = "You've reached the maximum number of B2B catalogs allowed for your plan."
CONTEXT_LIMIT = "Cannot save the catalog because the catalog limit for the context was reached."
NOT_ENTITLED = "Managing this catalog is not supported by your plan."


def direct_status_errors(ctx, catalog: Catalog, path: list[str]) -> list:
    """A planned direct catalog that is not ARCHIVED, on a shop below Plus."""
    if catalog.kind != DIRECT or catalog.status == "ARCHIVED" or ctx.shop.b2b.settings.shopify_plus:
        return []
    return [error(path, STATUS_PLAN, "COMPANY_LOCATION_CATALOG_STATUS_PLAN")]


def entitlement_errors(ctx) -> list:
    settings = ctx.shop.b2b.settings
    if settings.catalog_limit is None or settings.catalog_limit > 0:
        return []
    return [error(None, NOT_ENTITLED, "UNPERMITTED_ENTITLEMENTS_MARKET_CATALOGS")]


def limit_errors(ctx, catalogs: list[Catalog] = (), markets: list[Market] = ()) -> list:
    """The planned `catalogs`/`markets` would add active B2B catalogs beyond the plan's limit."""
    b2b = ctx.shop.b2b
    limit = b2b.settings.catalog_limit
    if limit is None:
        return []
    before = b2b.active_b2b_catalogs()
    after = b2b.active_b2b_catalogs({c.id: c for c in catalogs}, {m.id: m for m in markets})
    if len(after) <= limit or after <= before:
        return []
    return [error(["input"], LIMIT_REACHED, None)]


def location_limit_errors(ctx, catalog_id: str | None, added: list[str], path: list[str]) -> list:
    """A location `added` to a direct catalog would be in more than 25 catalogs."""
    if not added:
        return []
    counts = Counter(
        location_id
        for c in ctx.shop.b2b.catalogs.values()
        if c.kind == DIRECT and c.id != catalog_id
        for location_id in c.location_ids
    )
    if any(counts[location_id] + 1 > LOCATION_CATALOG_LIMIT for location_id in set(added)):
        return [error(path, CONTEXT_LIMIT, "CONTEXT_CATALOG_LIMIT_REACHED")]
    return []
