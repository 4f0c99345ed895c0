"""Typed, immutable Cin7 Core records and the functions that read them from Cin7's JSON.

Lenient where Cin7 is loose (number/string decimals, string booleans, date spellings, absent newer fields,
null lists; see `parsing`), strict where it matters: a record without a usable `ID` (or a product without a
`SKU`) raises `Cin7RecordError` naming the field. Money is `Decimal` throughout. Each attribute declares
the Cin7 key it is read from and how (`parsing.cin7`); `Record.parse(data)` reads one JSON object.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .parsing import Cin7Record, Fields, cin7, each

TIER_CODES = range(1, 11)


def _required_decimal(fields: Fields, key: str) -> Decimal:
    value = fields.decimal(key)
    if value is None:
        raise fields.error(key, "required, got null")
    return value


def _quantity(fields: Fields, key: str) -> Decimal | None:
    """A negative carton quantity is not a quantity: it fails the record."""
    quantity = fields.decimal(key)
    if quantity is not None and quantity < 0:
        raise fields.error(key, f"expected 0 or more, got {quantity}")
    return quantity


def _tier_prices(fields: Fields, key: str) -> dict[int, Decimal]:
    """`PriceTier1`..`PriceTier10`, for the tiers Cin7 sent."""
    prices = {code: fields.decimal(key.format(code)) for code in TIER_CODES}
    return {code: price for code, price in prices.items() if price is not None}


def _tier_code(fields: Fields, key: str) -> int:
    code = fields.integer(key)
    if code not in TIER_CODES:
        raise fields.error(key, f"expected 1-10, got {code}")
    return code


def _optional_integer(fields: Fields, key: str) -> int | None:
    return fields.integer(key) if fields.data.get(key) is not None else None


@dataclass(frozen=True, slots=True)
class Address(Cin7Record):
    """FACTS §4.4. The default billing address is `type == "Billing"` with `default_for_type`."""

    id: str | None = field(metadata=cin7("ID"))
    line1: str | None = field(metadata=cin7("Line1"))
    line2: str | None = field(metadata=cin7("Line2"))
    city: str | None = field(metadata=cin7("City"))
    state: str | None = field(metadata=cin7("State"))
    postcode: str | None = field(metadata=cin7("Postcode"))
    country: str | None = field(metadata=cin7("Country"))  # a country name, not an ISO code (FACTS §8.13)
    type: str | None = field(metadata=cin7("Type"))
    default_for_type: bool = field(metadata=cin7("DefaultForType", "flag"))


@dataclass(frozen=True, slots=True)
class Contact(Cin7Record):
    """FACTS §4.5. `email` is stripped (None when blank), otherwise as Cin7 has it."""

    id: str | None = field(metadata=cin7("ID"))
    name: str | None = field(metadata=cin7("Name"))
    phone: str | None = field(metadata=cin7("Phone"))
    mobile_phone: str | None = field(metadata=cin7("MobilePhone"))
    email: str | None = field(metadata=cin7("Email", "stripped"))
    default: bool = field(metadata=cin7("Default", "flag"))


def _product_price(fields: Fields) -> "ProductPrice":
    """A price without a number, or naming no product, cannot be applied: it fails the record."""
    price = ProductPrice.read(fields)
    if not (price.product_id or "").strip() and not (price.sku or "").strip():
        raise fields.error("ProductSKU", "a price names neither ProductID nor ProductSKU")
    return price


@dataclass(frozen=True, slots=True)
class ProductPrice(Cin7Record):
    """A customer-specific price (FACTS §4.7), in the customer's currency."""

    product_id: str | None = field(metadata=cin7("ProductID"))
    sku: str | None = field(metadata=cin7("ProductSKU"))
    name: str | None = field(metadata=cin7("ProductName"))
    price: Decimal = field(metadata=cin7("Price", _required_decimal))


@dataclass(frozen=True, slots=True)
class Customer(Cin7Record):
    """FACTS §4.3. `price_tier` and `tax_rule` are names (join to `PriceTier.name` / `TaxRule.name`)."""

    id: str = field(metadata=cin7("ID", "required_text"))
    name: str | None = field(metadata=cin7("Name"))
    status: str | None = field(metadata=cin7("Status"))
    currency: str | None = field(metadata=cin7("Currency"))
    payment_term: str | None = field(metadata=cin7("PaymentTerm"))
    discount: Decimal | None = field(metadata=cin7("Discount", "decimal"))
    tax_rule: str | None = field(metadata=cin7("TaxRule"))
    price_tier: str | None = field(metadata=cin7("PriceTier"))
    credit_limit: Decimal | None = field(metadata=cin7("CreditLimit", "decimal"))
    is_on_credit_hold: bool = field(metadata=cin7("IsOnCreditHold", "flag"))
    tags: tuple[str, ...] = field(metadata=cin7("Tags", "tags"))
    last_modified: datetime | None = field(metadata=cin7("LastModifiedOn", "moment"))
    addresses: tuple[Address, ...] = field(metadata=cin7("Addresses", each(Address.read)))
    contacts: tuple[Contact, ...] = field(metadata=cin7("Contacts", each(Contact.read)))
    product_prices: tuple[ProductPrice, ...] = field(metadata=cin7("ProductPrices", each(_product_price)))
    # `CustomerParentID`: the head office of a branch (one level, Cin7 help)
    parent_id: str | None = field(default=None, metadata=cin7("CustomerParentID", "stripped"))
    # `IsBillParent`: the branch bills to the head office's billing address
    is_bill_parent: bool = field(default=False, metadata=cin7("IsBillParent", "flag"))
    tax_number: str | None = field(default=None, metadata=cin7("TaxNumber", "stripped"))  # blank -> None

    @property
    def is_deprecated(self) -> bool:
        return _is_deprecated(self.status)

    @property
    def default_contact(self) -> Contact | None:
        """The contact flagged `Default`, else None. Should several carry the flag, the first of them with
        an email (the one a Shopify customer can be matched by), else the first of them."""
        defaults = [contact for contact in self.contacts if contact.default]
        with_email = (contact for contact in defaults if "@" in (contact.email or ""))
        return next(with_email, defaults[0] if defaults else None)


@dataclass(frozen=True, slots=True)
class Product(Cin7Record):
    """FACTS §5.2. `tier_prices` maps tier code (1-10) to `PriceTier{code}` for the tiers Cin7 sent."""

    id: str = field(metadata=cin7("ID", "required_text"))
    sku: str = field(metadata=cin7("SKU", "required_text"))
    name: str | None = field(metadata=cin7("Name"))
    status: str | None = field(metadata=cin7("Status"))
    tier_prices: dict[int, Decimal] = field(metadata=cin7("PriceTier{}", _tier_prices))
    last_modified: datetime | None = field(metadata=cin7("LastModifiedOn", "moment"))
    # `CartonQuantity` (Cin7 defaults it to 0)
    carton_quantity: Decimal | None = field(default=None, metadata=cin7("CartonQuantity", _quantity))
    # `DiscountRule`: a `/reference/discount` rule name, stripped
    discount_rule: str | None = field(default=None, metadata=cin7("DiscountRule", "stripped"))

    @property
    def is_deprecated(self) -> bool:
        return _is_deprecated(self.status)


@dataclass(frozen=True, slots=True)
class PriceTier(Cin7Record):
    """FACTS §5.3: `code` 1-10 matches `Product.tier_prices`; `name` is what customers carry."""

    code: int = field(metadata=cin7("Code", _tier_code))
    name: str = field(metadata=cin7("Name", "required_text"))


@dataclass(frozen=True, slots=True)
class PaymentTerm(Cin7Record):
    """`GET /ref/paymentterm` (APIB "Payment Term"): `Method` is e.g. "number of days"; `Duration` in days."""

    id: str = field(metadata=cin7("ID", "required_text"))
    name: str = field(metadata=cin7("Name", "required_text"))
    method: str | None = field(metadata=cin7("Method"))
    duration: int | None = field(metadata=cin7("Duration", _optional_integer))


@dataclass(frozen=True, slots=True)
class TaxRule(Cin7Record):
    """FACTS §6.1: `name` is what customers' `TaxRule` refers to; `percent` is the total rate."""

    id: str = field(metadata=cin7("ID", "required_text"))
    name: str = field(metadata=cin7("Name", "required_text"))
    percent: Decimal | None = field(metadata=cin7("TaxPercent", "decimal"))
    is_active: bool = field(metadata=cin7("IsActive", "flag"))


@dataclass(frozen=True, slots=True)
class Me(Cin7Record):
    """FACTS §6.2: the company name, its base currency and time zone."""

    company: str | None = field(metadata=cin7("Company"))
    currency: str | None = field(metadata=cin7("Currency"))
    timezone: str | None = field(metadata=cin7("TimeZone"))


@dataclass(frozen=True, slots=True)
class Webhook(Cin7Record):
    """FACTS §7: one webhook registration. Cin7 may answer the bearer token masked or null, so a
    subscriber recognises its own registrations by `external_url`, not by the token."""

    id: str = field(metadata=cin7("ID", "required_text"))
    type: str = field(metadata=cin7("Type", "required_text"))
    name: str | None = field(metadata=cin7("Name"))
    is_active: bool = field(metadata=cin7("IsActive", "flag"))
    external_url: str | None = field(metadata=cin7("ExternalURL"))
    authorization_type: str | None = field(metadata=cin7("ExternalAuthorizationType"))


def _is_deprecated(status: str | None) -> bool:
    """FACTS §5.2: status casing varies in live exports."""
    return (status or "").strip().casefold() == "deprecated"
