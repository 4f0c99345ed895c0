"""Companies as Cin7 shapes them in the sample data (docs/cin7-shapes.md): head offices with branches,
extra contacts, discount rules and carton quantities.

Drawn from a random source of its own after everything else, so the rest of a generation (and every figure
measured on it) is the same as without these fields. Branches keep their head office's currency and come
after it in the list (Cin7 loads parents first; a parent is never a child itself).
"""

from decimal import Decimal
from random import Random

from .customers import is_b2b
from .draw import Draw

DISCOUNT_RULES = (
    {
        "name": "Volume 10+",
        "rule_type": "QuantityBased",
        "lines": [
            {"MinValue": 0, "MaxValue": 9, "DiscountType": "DiscountPercent", "Amount": 0},
            {"MinValue": Decimal("9.0001"), "MaxValue": 49, "DiscountType": "DiscountPercent", "Amount": 5},
            {
                "MinValue": Decimal("49.0001"),
                "MaxValue": 100000,
                "DiscountType": "DiscountPercent",
                "Amount": 10,
            },
        ],
    },
    {
        "name": "Trade 6+",
        "rule_type": "QuantityBased",
        "lines": [
            {"MinValue": 0, "MaxValue": 5, "DiscountType": "DiscountPercent", "Amount": 0},
            {
                "MinValue": Decimal("5.0001"),
                "MaxValue": 100000,
                "DiscountType": "DiscountPercent",
                "Amount": "7.5",
            },
        ],
    },
    {  # applies from the first unit: Shopify's volume pricing cannot express it (an issue in the sync)
        "name": "Clearance",
        "rule_type": "Simple",
        "lines": [{"DiscountType": "DiscountPercent", "Amount": 15}],
    },
)
CARTONS = (Decimal(6), Decimal(12), Decimal(24))
# Demo scenario customers that may become branches (their own case is about something else).
BRANCH_CANDIDATES = (
    "tied_modified",
    "mobile_only",
    "many_addresses",
    "zero_priced_tier",
    "gold_canada",
    "uk",
)
_SALT = 0x5AFE


def add_shapes(
    draw: Draw, products: list[dict], customers: list[dict], branch_share: float | None
) -> list[dict]:
    """Add the shapes to `products` and `customers` in place; returns the discount rules (`add_discount_rule`
    kwargs) the products name. `branch_share`: the share of customers made branches (None: about 3 %)."""
    rng = Random(draw.seed ^ _SALT)
    _products(draw, rng, products)
    _demo_branches(draw, customers)
    share = 0.03 if branch_share is None else branch_share
    _branches(draw, rng, customers, share)
    _extra_contacts(draw, customers)
    return [dict(rule) for rule in DISCOUNT_RULES]


def _products(draw: Draw, rng: Random, products: list[dict]) -> None:
    for index, product in enumerate(products):
        roll = rng.random()
        if index == 8 or (index > 8 and roll < 0.08):
            product["DiscountRule"] = "Volume 10+"
            draw.note("volume_pricing", product["SKU"])
        elif index == 9 or (index > 9 and roll < 0.12):
            product["DiscountRule"] = "Trade 6+"
            product["CartonQuantity"] = Decimal(6)  # breaks from 6: a carton multiple
            draw.note("pack_size", product["SKU"])
        elif index == 10 or (index > 10 and roll < 0.13):
            product["DiscountRule"] = "Clearance"
            draw.note("discount_unsupported", product["SKU"])
        elif product["Category"] in ("Hardware", "Kitchen") and rng.random() < 0.4:
            product["CartonQuantity"] = CARTONS[int(rng.random() * len(CARTONS))]
            draw.note("pack_size", product["SKU"])


def _demo_branches(draw: Draw, customers: list[dict]) -> None:
    """The first customer (the `child` scenario's head office) gets a second branch, and a B2B customer
    becomes a branch of the `retail` (untagged for B2B) customer: a head office out of scope."""
    if not draw.cases.get("child") or not customers:
        return
    head = customers[0]
    retail = next((c for c in customers if c["ID"] in draw.cases.get("retail", ())), None)
    by_case = {case: draw.cases[case][0] for case in BRANCH_CANDIDATES if draw.cases.get(case)}
    candidates = [c for c in customers if c["ID"] in by_case.values() and _free(c, customers)]
    draw.note("head_office", head["ID"])
    draw.cases.setdefault("branch", []).append(draw.cases["child"][0])
    for parent, case in ((head, "branch"), (retail, "head_office_out_of_scope")):
        if parent is None:
            continue
        branch = next(
            (c for c in candidates if c["Currency"] == parent["Currency"] and c is not parent), None
        )
        if branch is not None and customers.index(branch) > customers.index(parent):
            branch["CustomerParentID"], branch["IsBillParent"] = parent["ID"], case == "branch"
            candidates.remove(branch)
            draw.note(case, branch["ID"])


def _free(customer: dict, customers: list[dict]) -> bool:
    """Neither a branch nor a head office yet."""
    return "CustomerParentID" not in customer and not any(
        c.get("CustomerParentID") == customer["ID"] for c in customers
    )


def _branches(draw: Draw, rng: Random, customers: list[dict], share: float) -> None:
    """Beyond the demo scenarios, `share` of the customers become branches of an earlier head office of
    the same currency (B2B heads, so most branches are in scope)."""
    heads_by_currency: dict[str, list[dict]] = {}
    parents = {c.get("CustomerParentID") for c in customers}
    start = min(len(customers), 40)
    for customer in customers[start:]:
        if "CustomerParentID" in customer or customer["ID"] in parents:
            continue
        heads = heads_by_currency.get(customer["Currency"], [])
        if heads and rng.random() < share:
            head = heads[int(rng.random() * len(heads))]
            customer["CustomerParentID"], customer["IsBillParent"] = head["ID"], rng.random() < 0.5
            parents.add(head["ID"])
            draw.note("branch", customer["ID"])
        elif is_b2b(customer.get("Tags")) and len(heads) < 200:
            heads_by_currency.setdefault(customer["Currency"], []).append(customer)


def _extra_contacts(draw: Draw, customers: list[dict]) -> None:
    """One customer's buyer is also on another company (`b2b_contact_in_two_companies`)."""
    with_others = [c for c in customers if len([x for x in c["Contacts"] if x.get("Email")]) > 1]
    if len(with_others) < 2:
        return
    source, target = with_others[0], with_others[-1]
    shared = next(x for x in source["Contacts"] if x.get("Email") and not x.get("Default"))
    target["Contacts"].append({"Name": shared["Name"], "Email": shared["Email"], "JobTitle": "Buyer"})
    draw.note("contact_in_two_companies", shared["Email"])
