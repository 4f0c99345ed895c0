"""Which of Shopify's catalog and market refusals are the plan's (contract §3 "B2B prices below Plus").

A plan or limit refusal is remembered (`CatalogRecord.refused_at`, `refusal`) and not sent again until a
person runs a full sync; any other refusal is an ordinary user error, retried by the next run. Pure.
"""

LIMIT = "limit"
PLAN = "plan"
LIMIT_CODES = {
    "CONTEXT_CATALOG_LIMIT_REACHED",  # 25 catalogs per company location
    "B2B_CATALOG_LIMIT_REACHED",  # 2026-10: the plan's active B2B catalogs
    "LIMIT_REACHED",
    "EXCEEDS_MAX_MULTI_CONTEXT_MARKETS",  # MarketUserErrorCode
    "WEB_PRESENCE_REACHED_MARKETS_LIMIT",
}
PLAN_CODES = {
    "COMPANY_LOCATION_CATALOG_STATUS_PLAN",  # below Plus a direct catalog can only be archived
    "NOT_ENTITLED_TO_ACTIVATE_MARKET",  # MarketUserErrorCode
    "MANAGED_MARKETS_CATALOG_NOT_ALLOWED",
    "CANNOT_CREATE_MARKET_CATALOG",
}
PLAN_PREFIX = "UNPERMITTED_ENTITLEMENTS_"  # _MARKET_CATALOGS (2026-01), _DIRECT_CATALOG_ASSIGNMENT (2026-10)


def refusal_kind(error) -> str | None:
    """LIMIT, PLAN, or None for a refusal that is not the plan's. 2026-01 answers the B2B catalog limit with
    code null ("You've reached the maximum number of B2B catalogs allowed for your plan."), and a live shop
    answered a direct catalog with "company locations can't be set to active with your plan"."""
    code, message = error.code or "", (error.message or "").lower()
    if code in PLAN_CODES or code.startswith(PLAN_PREFIX):
        return PLAN
    if code in LIMIT_CODES:
        return LIMIT
    if code:
        return None
    if "limit" in message or "maximum number" in message:
        return LIMIT
    if "plan" in message:
        return PLAN
    return None


def first_refusal(errors) -> str | None:
    """The plan's refusal among `errors` (LIMIT before PLAN), or None."""
    kinds = {refusal_kind(error) for error in errors}
    return LIMIT if LIMIT in kinds else PLAN if PLAN in kinds else None
