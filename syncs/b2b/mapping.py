"""Pure mapping of Cin7 customers, tiers and products to the desired Shopify B2B state. No I/O.

A company's desired state and a catalog's price rows are plain JSON-able values, so the writer compares
them with what it wrote last time (zero writes when equal).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from connectors.cin7.records import Address, Customer, PaymentTerm, PriceTier, Product

from ..addresses import address_fields, country_code, pick_address, province_code
from ..issues import Code, Issue
from ..money import format_amount, positive_amount
from ..pricing.mapping import tier_display_names

NET_DAYS = (7, 15, 30, 45, 60, 90)  # Shopify's NET payment terms templates (paymentTermsTemplates)
DAYS_METHOD = "number of days"  # the only Cin7 Method Shopify's templates express
TITLE_PREFIX = "Cin7 · "


@dataclass(frozen=True)
class DesiredCompany:
    """One Cin7 customer as a company with one location; `state` is what the writer compares."""

    cin7_id: str
    customer_gid: str  # the Shopify customer the customer sync made; becomes the main contact
    state: dict  # {"name", "location": {...}, "tax_exempt", "terms", "draft", "catalogs": [keys]}, and
    # from the company tree (`trees.py`) "head" (the company's Cin7 ID) and "tax_id"
    buyers: dict = field(default_factory=dict)  # email -> {"role", "name"}: the location's other buyers
    email: str = ""  # the default contact's email (trimmed, lower-cased): who `customer_gid` is


@dataclass
class DesiredCatalog:
    key: str  # "tier:<code>" or "customer:<cin7 id>"
    title: str
    prices: dict[str, str] = field(default_factory=dict)  # variant gid -> amount


def tier_code_of(customer: Customer, tiers: list[PriceTier]) -> int | None:
    """The code of the customer's tier (Cin7 customers carry the tier *name*), or None."""
    name = (customer.price_tier or "").strip().casefold()
    return next((t.code for t in tiers if t.name.strip().casefold() == name), None) if name else None


def payment_terms_template(
    term_name: str | None, terms: Iterable[PaymentTerm], templates: Iterable[dict]
) -> tuple[str | None, str]:
    """The Shopify `PaymentTermsTemplate` id for a Cin7 payment term name, and a problem ("" when none).

    "number of days" with a Duration Shopify has → its NET template; Duration 0 → due on receipt; no term
    → no terms and no problem; anything else → no terms and a problem.
    """
    name = (term_name or "").strip()
    if not name:
        return None, ""
    term = next((t for t in terms if t.name.strip().casefold() == name.casefold()), None)
    if term is None:
        return None, f"Cin7 payment term “{name}” is not in Cin7's list of payment terms."
    if (term.method or "").strip().casefold() == DAYS_METHOD and term.duration is not None:
        if term.duration == 0:
            wanted = ("RECEIPT", None)
        elif term.duration in NET_DAYS:
            wanted = ("NET", term.duration)
        else:
            wanted = None
        if wanted is not None:
            for template in templates:
                kind, days = template.get("paymentTermsType"), template.get("dueInDays")
                if kind == wanted[0] and (wanted[1] is None or days == wanted[1]):
                    return template["id"], ""
    return None, (
        f"Cin7 payment term “{name}” ({term.method or 'no method'}, {term.duration} days) has no Shopify "
        "equivalent (Net 7, 15, 30, 45, 60, 90 or due on receipt); the location has no payment terms."
    )


def company_address(record: Address | None, name: str | None) -> dict | None:
    """A `CompanyAddressInput`, or None without a known country."""
    if record is None:
        return None
    country = country_code(record.country)
    if country is None:
        return None
    return address_fields(
        record, country, zoneCode=province_code(country, record.state), recipient=(name or "").strip() or None
    )


def _default_billing(addresses: Iterable[Address]) -> Address | None:
    return next(
        (a for a in addresses if (a.type or "").strip().casefold() == "billing" and a.default_for_type), None
    )


def map_company(
    customer: Customer,
    customer_gid: str,
    *,
    tiers: list[PriceTier],
    terms: list[PaymentTerm],
    templates: list[dict],
    tax_exempt_rules: frozenset[str],
    has_customer_catalog: bool,
) -> tuple[DesiredCompany, list[Issue]]:
    """The desired company of one in-scope, synced Cin7 customer, and its issues."""
    issues = []
    name = (customer.name or "").strip() or customer.id
    shipping = company_address(pick_address(customer.addresses), name)
    billing = company_address(_default_billing(customer.addresses), name) or shipping
    terms_id, problem = payment_terms_template(customer.payment_term, terms, templates)
    if problem:
        issues.append(
            Issue(Code.UNMAPPED_PAYMENT_TERM, problem, cin7_id=customer.id, subject=f"b2b:{customer.id}")
        )
    catalogs = []
    code = tier_code_of(customer, tiers)
    if code is not None:
        catalogs.append(f"tier:{code}")
    if has_customer_catalog:
        catalogs.append(f"customer:{customer.id}")
    state = {
        "name": name,
        "location": {"name": name, "shipping": shipping, "billing": billing},
        "tax_exempt": (customer.tax_rule or "").strip().casefold() in tax_exempt_rules,
        "terms": terms_id,
        "draft": bool(customer.is_on_credit_hold),
        "catalogs": catalogs,
    }
    return DesiredCompany(cin7_id=customer.id, customer_gid=customer_gid, state=state), issues


def tier_catalogs(
    codes_in_use: Iterable[int], tiers: list[PriceTier], products: Iterable[Product], variants: dict
) -> dict[str, DesiredCatalog]:
    """A catalog per tier in use, with a fixed price for every variant whose SKU has that tier above 0.

    `variants` maps SKU -> variant gids (exact SKU; several variants may share one).
    """
    names = tier_display_names(tiers)
    catalogs = {
        f"tier:{code}": DesiredCatalog(f"tier:{code}", TITLE_PREFIX + names[code])
        for code in sorted(set(codes_in_use))
        if code in names
    }
    texts: dict[Decimal, str] = {}  # one string per distinct amount: ~200k prices at 20k products
    for product in products:
        for variant_id in variants.get(product.sku, ()):
            for code, price in product.tier_prices.items():
                catalog = catalogs.get(f"tier:{code}")
                amount = positive_amount(price)
                if catalog is not None and amount is not None:
                    catalog.prices[variant_id] = amount_text(amount, texts)
    return catalogs


def amount_text(amount: Decimal, texts: dict[Decimal, str]) -> str:
    """`format_amount(amount)`, one shared string per value in `texts` (equal amounts format alike)."""
    text = texts.get(amount)
    if text is None:
        text = texts[amount] = format_amount(amount)
    return text


def customer_catalog(
    customer: Customer, tier_prices: dict[str, object], variants: dict
) -> tuple[DesiredCatalog | None, list[Issue]]:
    """The customer's own catalog from `ProductPrices` (None without any), and `customer_price_above_tier`.

    `tier_prices` maps SKU -> the customer's tier price (Decimal) where the tier prices it. A customer
    price above its tier price cannot apply (Shopify charges the lowest of a location's catalogs): it is
    left out and reported.
    """
    name = (customer.name or "").strip() or customer.id
    catalog = DesiredCatalog(f"customer:{customer.id}", TITLE_PREFIX + name)
    above = []
    for row in customer.product_prices:
        amount = positive_amount(row.price)
        if amount is None or not row.sku:
            continue
        tier_price = positive_amount(tier_prices.get(row.sku))
        if tier_price is not None and amount > tier_price:
            above.append(row.sku)
            continue
        for variant_id in variants.get(row.sku, ()):
            catalog.prices[variant_id] = format_amount(amount)
    issues = []
    if above:
        issues.append(
            Issue(
                Code.CUSTOMER_PRICE_ABOVE_TIER,
                f"“{name}” has customer prices above its tier price for {', '.join(sorted(above))}; Shopify "
                "charges the lower tier price.",
                cin7_id=customer.id,
                sku=", ".join(sorted(above)),
                subject=f"b2b:{customer.id}",
            )
        )
    return (catalog if catalog.prices else None), issues
