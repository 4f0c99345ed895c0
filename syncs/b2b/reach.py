"""Below Plus: which tiers B2B markets serve, and what cannot reach checkout (contract §3 "B2B prices
below Plus"). Pure, no I/O."""

from collections import Counter

from ..issues import Code, Issue
from ..pricing.mapping import tier_display_names
from .mapping import DesiredCompany

MAX_MARKET_TIERS = 3  # active B2B catalogs below Plus, shared across markets
TIERS_SUBJECT = "b2b:markets:tiers"
CUSTOMER_PRICES_SUBJECT = "b2b:markets:customer_prices"


def company_tiers(companies: dict[str, DesiredCompany]) -> Counter:
    """Tier code -> how many companies (each one B2B location) are on it."""
    return Counter(
        int(key.split(":")[1])
        for company in companies.values()
        for key in company.state["catalogs"]
        if key.startswith("tier:")
    )


def served_tiers(companies: dict, tiers: list, chosen: tuple, kept: list[int] | None) -> list[int]:
    """The tier codes markets serve: the `chosen` names (setting `b2b_market_tiers`), else `kept` (an
    incremental run keeps what the last complete run chose), else the 3 tiers with the most B2B locations
    (ties by tier code)."""
    if chosen:
        names = [name.strip().casefold() for name in chosen]
        codes = [t.code for name in names for t in tiers if t.name.strip().casefold() == name]
        return list(dict.fromkeys(codes))[:MAX_MARKET_TIERS]
    if kept is not None:
        return kept
    counts = company_tiers(companies)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [code for code, _ in ranked[:MAX_MARKET_TIERS]]


def reach(companies: dict[str, DesiredCompany], tiers: list, served: list[int]) -> dict:
    """What the shop's B2B facts record: served tiers, tiers not served with their customers, and how
    many customers have prices of their own (metafield-only below Plus)."""
    names = tier_display_names(tiers)
    counts = company_tiers(companies)
    return {
        "served_tiers": [names[code] for code in served if code in names],
        "tiers_not_served": [
            {"tier": names.get(code, str(code)), "customers": n}
            for code, n in sorted(counts.items())
            if code not in served
        ],
        "customers_prices_need_plus": sum(
            1 for c in companies.values() if any(k.startswith("customer:") for k in c.state["catalogs"])
        ),
    }


def reach_issues(facts: dict) -> list[Issue]:
    """`b2b_tier_not_served` and `b2b_customer_prices_need_plus`, with their numbers."""
    issues = []
    left_out = facts["tiers_not_served"]
    if left_out:
        served = ", ".join(facts["served_tiers"]) or "none"
        named = ", ".join(f"{t['tier']} ({t['customers']} customers)" for t in left_out)
        total = sum(t["customers"] for t in left_out)
        issues.append(
            Issue(
                Code.B2B_TIER_NOT_SERVED,
                f"Below Shopify Plus, B2B markets serve at most {MAX_MARKET_TIERS} price tiers (served: "
                f"{served}). Not served: {named}; these {total} customers pay retail at checkout.",
                subject=TIERS_SUBJECT,
            )
        )
    need_plus = facts["customers_prices_need_plus"]
    if need_plus:
        issues.append(
            Issue(
                Code.B2B_CUSTOMER_PRICES_NEED_PLUS,
                f"{need_plus} customers have customer-specific prices in Cin7; below Shopify Plus they stay "
                "in the cin7.customer_prices metafield and are not charged at checkout.",
                subject=CUSTOMER_PRICES_SUBJECT,
            )
        )
    return issues
