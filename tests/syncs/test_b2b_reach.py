"""Below Plus, pure: which refusals are the plan's, which tiers markets serve, what cannot reach checkout."""

import pytest

from connectors.cin7.records import PriceTier
from connectors.shopify.records import UserError
from syncs.b2b.mapping import DesiredCompany
from syncs.b2b.reach import reach, reach_issues, served_tiers
from syncs.b2b.refusals import LIMIT, PLAN, first_refusal, refusal_kind

TIERS = [PriceTier(1, "Wholesale"), PriceTier(2, "Distributor"), PriceTier(3, "VIP"), PriceTier(4, "Export")]


@pytest.mark.parametrize(
    ("code", "message", "kind"),
    [
        ("COMPANY_LOCATION_CATALOG_STATUS_PLAN", "A company location catalog outside …", PLAN),
        ("UNPERMITTED_ENTITLEMENTS_DIRECT_CATALOG_ASSIGNMENT", "Not allowed.", PLAN),
        ("UNPERMITTED_ENTITLEMENTS_MARKET_CATALOGS", "Managing this catalog is not supported.", PLAN),
        ("NOT_ENTITLED_TO_ACTIVATE_MARKET", "Not entitled.", PLAN),
        ("CONTEXT_CATALOG_LIMIT_REACHED", "Cannot save the catalog …", LIMIT),
        ("B2B_CATALOG_LIMIT_REACHED", "…", LIMIT),
        ("", "You've reached the maximum number of B2B catalogs allowed for your plan.", LIMIT),
        ("", "company locations can't be set to active with your plan", PLAN),
        ("TAKEN", "Title has already been taken", None),
        ("CONDITIONS_NOT_FOUND", "Some limit", None),  # a code that is not the plan's: not guessed
    ],
)
def test_every_plan_and_limit_code_is_understood(code, message, kind):
    assert refusal_kind(UserError(("input",), message, code)) == kind


def test_a_limit_among_refusals_wins():
    errors = [UserError((), "x", "COMPANY_LOCATION_CATALOG_STATUS_PLAN"), UserError((), "x", "LIMIT_REACHED")]
    assert first_refusal(errors) == LIMIT
    assert first_refusal([UserError((), "bad", "INVALID")]) is None


def companies(*tiers_and_own) -> dict:
    found = {}
    for n, (tier, own) in enumerate(tiers_and_own):
        keys = ([f"tier:{tier}"] if tier else []) + ([f"customer:{n}"] if own else [])
        found[str(n)] = DesiredCompany(str(n), f"gid://shopify/Customer/{n}", {"catalogs": keys})
    return found


def test_the_three_tiers_with_most_locations_are_served_ties_by_code():
    shop = companies((4, False), (4, False), (3, False), (2, True), (1, False), (None, True))
    assert served_tiers(shop, TIERS, (), None) == [4, 1, 2]
    assert served_tiers(shop, TIERS, (" export ", "VIP", "Nope", "vip"), None) == [4, 3]
    assert served_tiers(shop, TIERS, (), [2, 3]) == [2, 3]  # an incremental run keeps the last choice
    facts = reach(shop, TIERS, [4, 1, 2])
    assert facts == {
        "served_tiers": ["Export", "Wholesale", "Distributor"],
        "tiers_not_served": [{"tier": "VIP", "customers": 1}],
        "customers_prices_need_plus": 2,
    }
    tiers_issue, prices_issue = reach_issues(facts)
    assert tiers_issue.code == "b2b_tier_not_served" and "VIP (1 customers)" in tiers_issue.message
    assert prices_issue.code == "b2b_customer_prices_need_plus" and prices_issue.message.startswith("2 ")
    assert reach_issues(reach(companies((1, False)), TIERS, [1])) == []
