"""Pure mapping of one Cin7 customer to the Shopify customer it should be (contract §3 "Customers").

No I/O. `map_customer` never raises on a parsed `Customer`: every problem becomes an `Issue`.
"""

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass

from connectors.cin7.records import Address, Contact, Customer

from ..addresses import address_fields, country_code, pick_address, province_code, uses_provinces
from ..issues import Code, Issue
from ..money import format_amount, positive_amount
from .diff import JSON_LIMIT_BYTES, KEEP, DesiredCustomer, Metafield
from .phones import to_e164


@dataclass(frozen=True)
class MappingSettings:
    """The merchant's choices that shape the mapping, normalised once per run."""

    customer_tags: tuple[str, ...] = ()
    group_mappings: tuple[tuple[str, str], ...] = ()
    tax_exempt_rules: frozenset[str] = frozenset()
    test_emails: frozenset[str] = frozenset()
    shop_country: str | None = None

    @classmethod
    def build(
        cls, *, customer_tags=(), group_mappings=(), tax_exempt_rules=(), test_emails=(), shop_country=None
    ):
        return cls(
            customer_tags=tuple(t.strip() for t in customer_tags if t and t.strip()),
            group_mappings=tuple((m["tag"].strip(), m["group"].strip()) for m in group_mappings),
            tax_exempt_rules=frozenset(r.strip().casefold() for r in tax_exempt_rules if r),
            test_emails=frozenset(e.strip().lower() for e in test_emails if e),
            shop_country=shop_country,
        )

    def managed_tags(self) -> dict[str, str]:
        """Every tag the app manages, by case-folded form, in the casing the merchant configured."""
        tags = {t.casefold(): t for t in self.customer_tags}
        for tag, _group in self.group_mappings:
            tags.setdefault(tag.casefold(), tag)
        return tags


def normalized_email(customer: Customer) -> str:
    contact = customer.default_contact
    return (contact.email or "").strip().lower() if contact else ""


def in_scope(customer: Customer, settings: MappingSettings) -> bool:
    """Active and carrying at least one of the B2B tags (case-insensitive, trimmed)."""
    if customer.is_deprecated:
        return False
    wanted = {t.casefold() for t in settings.customer_tags}
    return any(tag.strip().casefold() in wanted for tag in customer.tags)


def selected_by_test_filter(customer: Customer, settings: MappingSettings) -> bool:
    """With test emails set, only those customers are synced; everyone else is left alone."""
    return not settings.test_emails or normalized_email(customer) in settings.test_emails


def map_customer(customer: Customer, settings: MappingSettings) -> tuple[DesiredCustomer | None, list[Issue]]:
    """The desired Shopify customer, or None (skipped) — plus the issues found either way."""
    email = normalized_email(customer)
    base = {"cin7_id": customer.id, "email": email, "subject": f"customer:{customer.id}"}
    if not email or "@" not in email:
        return None, [
            Issue(
                Code.NO_EMAIL,
                f"Cin7 customer “{customer.name}” has no default contact with an email address, so it cannot "
                "be matched to a Shopify customer.",
                **base,
            )
        ]
    issues: list[Issue] = []
    contact = customer.default_contact
    first_name, last_name = _names(contact, customer)
    address_record = pick_address(customer.addresses)
    address, country = None, _country(address_record, customer, base, issues)
    phone, phone_raw = _phone(contact, country or settings.shop_country)
    if phone_raw and phone is None:
        issues.append(
            Issue(
                Code.INVALID_PHONE, f"Phone “{phone_raw}” of “{customer.name}” is not a valid number.", **base
            )
        )
    if country is not None:
        address, province_issue = _address(address_record, country, customer, first_name, last_name, phone)
        if province_issue:
            issues.append(Issue(Code.UNKNOWN_PROVINCE, province_issue, **base))
    metafields, too_large = _metafields(customer, settings)
    if too_large:
        issues.append(Issue(Code.METAFIELD_TOO_LARGE, too_large, **base))
    fields = {
        "email": email,
        "firstName": first_name,
        "lastName": last_name,
        "taxExempt": (customer.tax_rule or "").strip().casefold() in settings.tax_exempt_rules,
    }
    if phone or not phone_raw:
        fields["phone"] = phone  # a valid number, or None to clear; an invalid one is left out
    if address is not None:
        fields["address"] = address
    desired = DesiredCustomer(
        cin7_id=customer.id,
        email=email,
        fields=fields,
        tags=_app_tags(customer.tags, settings),
        metafields=metafields,
    )
    return desired, issues


def _country(record: Address | None, customer: Customer, base: dict, issues: list[Issue]) -> str | None:
    """The ISO code of the address's country; None (and an issue) when it has none Shopify knows."""
    if record is None:
        return None
    country = country_code(record.country)
    if country is None:
        named = (record.country or "").strip()
        what = f"Unknown country “{named}”" if named else "No country"
        issues.append(
            Issue(
                Code.UNKNOWN_COUNTRY,
                f"{what} on the address of “{customer.name}”; the address was left out.",
                **base,
            )
        )
    return country


def _names(contact: Contact | None, customer: Customer) -> tuple[str | None, str | None]:
    words = (contact.name or "").split() if contact else []
    if not words:
        return None, (customer.name or "").strip() or None
    return words[0], " ".join(words[1:]) or None


def _phone(contact: Contact | None, region: str | None) -> tuple[str | None, str]:
    """The first valid of Phone, MobilePhone as E.164, and the raw value that was tried first."""
    candidates = [
        p.strip() for p in ((contact.phone, contact.mobile_phone) if contact else ()) if p and p.strip()
    ]
    for raw in candidates:
        phone = to_e164(raw, region)
        if phone:
            return phone, raw
    return None, candidates[0] if candidates else ""


def _address(record: Address, country: str, customer: Customer, first, last, phone) -> tuple[dict, str]:
    province = province_code(country, record.state)
    problem = ""
    if province is None and uses_provinces(country) and (record.state or "").strip():
        problem = f"Unknown state “{record.state}” in {country} on the address of “{customer.name}”."
    address = address_fields(
        record,
        country,
        provinceCode=province,
        company=(customer.name or "").strip() or None,
        firstName=first,
        lastName=last,
        phone=phone,
    )
    return address, problem


def _app_tags(tags: Iterable[str], settings: MappingSettings) -> tuple[str, ...]:
    managed = settings.managed_tags()
    present = {t.strip().casefold() for t in tags}
    return tuple(sorted({managed[key] for key in present if key in managed}, key=str.casefold))


def _customer_group(tags: Iterable[str], settings: MappingSettings) -> str | None:
    present = {t.strip().casefold() for t in tags}
    return next((group for tag, group in settings.group_mappings if tag.casefold() in present), None)


def _text(value: str | None, shared: bool = True) -> Metafield:
    """`shared`: a value many customers have (a tier, a term, a group), so one instance serves them."""
    text = " ".join((value or "").split()) or None
    return (_shared_metafield if shared else Metafield)("single_line_text_field", text)


def _decimal(value) -> Metafield:
    return _shared_metafield("number_decimal", format_amount(value) if value is not None else None)


@functools.lru_cache(maxsize=1024)
def _shared_metafield(type_: str, value: str | None) -> Metafield:
    """One instance per repeated value (a tier, a term, a group, no value): 10k customers share a few."""
    return Metafield(type_, value)


def customer_prices_value(customer: Customer) -> str | None:
    """`{"SKU": "12.50", …}` from the customer-specific prices (price above 0), sorted; None when none.

    A SKU listed twice gets its lower price, whatever order Cin7 lists them in (it varies).
    """
    prices = {}
    for price in customer.product_prices:
        amount = positive_amount(price.price)
        if price.sku and amount is not None and (price.sku not in prices or amount < prices[price.sku]):
            prices[price.sku] = amount
    return (
        json.dumps(
            {sku: format_amount(amount) for sku, amount in sorted(prices.items())},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        if prices
        else None
    )


def _metafields(customer: Customer, settings: MappingSettings) -> tuple[dict[str, Metafield], str]:
    prices = customer_prices_value(customer)
    too_large = ""
    prices_field = Metafield("json", prices) if prices is not None else _shared_metafield("json", None)
    if prices is not None and len(prices.encode()) > JSON_LIMIT_BYTES:
        too_large = (
            f"The customer-specific prices of “{customer.name}” ({len(customer.product_prices)} prices, "
            f"{len(prices.encode()) // 1024} KB) exceed Shopify's 128 KB metafield limit; "
            "the last value that "
            "fitted was kept."
        )
        prices_field = KEEP
    return {
        "company_name": _text(customer.name, shared=False),
        "customer_group": _text(_customer_group(customer.tags, settings)),
        "credit_limit": _decimal(customer.credit_limit),
        "on_hold": _shared_metafield("boolean", "true" if customer.is_on_credit_hold else "false"),
        "price_tier": _text(customer.price_tier),
        "payment_term": _text(customer.payment_term),
        "discount": _decimal(customer.discount),
        "customer_prices": prices_field,
        "cin7_id": _text(customer.id, shared=False),
    }, too_large
