"""Typed, immutable Cin7 Core records and the functions that read them from Cin7's JSON.

Lenient where Cin7 is loose (number/string decimals, string booleans, date spellings, absent newer fields,
null lists; see `parsing`), strict where it matters: a record without a usable `ID` (or a product without a
`SKU`) raises `Cin7RecordError` naming the field. Money is `Decimal` throughout.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .parsing import Fields, record_id_of

TIER_CODES = range(1, 11)


@dataclass(frozen=True, slots=True)
class Address:
    """FACTS §4.4. The default billing address is `type == "Billing"` with `default_for_type`."""

    id: str | None
    line1: str | None
    line2: str | None
    city: str | None
    state: str | None
    postcode: str | None
    country: str | None  # a country name, not an ISO code (FACTS §8.13)
    type: str | None
    default_for_type: bool


@dataclass(frozen=True, slots=True)
class Contact:
    """FACTS §4.5. `email` is stripped (None when blank), otherwise as Cin7 has it."""

    id: str | None
    name: str | None
    phone: str | None
    mobile_phone: str | None
    email: str | None
    default: bool


@dataclass(frozen=True, slots=True)
class ProductPrice:
    """A customer-specific price (FACTS §4.7), in the customer's currency."""

    product_id: str | None
    sku: str | None
    name: str | None
    price: Decimal


@dataclass(frozen=True, slots=True)
class Customer:
    """FACTS §4.3. `price_tier` and `tax_rule` are names (join to `PriceTier.name` / `TaxRule.name`)."""

    id: str
    name: str | None
    status: str | None
    currency: str | None
    payment_term: str | None
    discount: Decimal | None
    tax_rule: str | None
    price_tier: str | None
    credit_limit: Decimal | None
    is_on_credit_hold: bool
    tags: tuple[str, ...]
    last_modified: datetime | None
    addresses: tuple[Address, ...]
    contacts: tuple[Contact, ...]
    product_prices: tuple[ProductPrice, ...]
    parent_id: str | None = None  # `CustomerParentID`: the head office of a branch (one level, Cin7 help)
    is_bill_parent: bool = False  # `IsBillParent`: the branch bills to the head office's billing address
    tax_number: str | None = None  # `TaxNumber`, stripped; blank -> None

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
class Product:
    """FACTS §5.2. `tier_prices` maps tier code (1-10) to `PriceTier{code}` for the tiers Cin7 sent."""

    id: str
    sku: str
    name: str | None
    status: str | None
    tier_prices: dict[int, Decimal]
    last_modified: datetime | None
    carton_quantity: Decimal | None = None  # `CartonQuantity` (Cin7 defaults it to 0)
    discount_rule: str | None = None  # `DiscountRule`: a `/reference/discount` rule name, stripped

    @property
    def is_deprecated(self) -> bool:
        return _is_deprecated(self.status)


@dataclass(frozen=True, slots=True)
class PriceTier:
    """FACTS §5.3: `code` 1-10 matches `Product.tier_prices`; `name` is what customers carry."""

    code: int
    name: str


@dataclass(frozen=True, slots=True)
class PaymentTerm:
    """`GET /ref/paymentterm` (APIB "Payment Term"): `Method` is e.g. "number of days"; `Duration` in days."""

    id: str
    name: str
    method: str | None
    duration: int | None


@dataclass(frozen=True, slots=True)
class TaxRule:
    """FACTS §6.1: `name` is what customers' `TaxRule` refers to; `percent` is the total rate."""

    id: str
    name: str
    percent: Decimal | None
    is_active: bool


@dataclass(frozen=True, slots=True)
class Me:
    """FACTS §6.2: the company name, its base currency and time zone."""

    company: str | None
    currency: str | None
    timezone: str | None


@dataclass(frozen=True, slots=True)
class Webhook:
    """FACTS §7: one webhook registration. Cin7 may answer the bearer token masked or null, so a
    subscriber recognises its own registrations by `external_url`, not by the token."""

    id: str
    type: str
    name: str | None
    is_active: bool
    external_url: str | None
    authorization_type: str | None


def parse_customer(data) -> Customer:
    """A `Customer` from one `CustomerList` item (or `Cin7RecordError`)."""
    fields = Fields(data, "Customer", record_id_of(data))
    return Customer(
        id=fields.required_text("ID"),
        name=fields.text("Name"),
        status=fields.text("Status"),
        currency=fields.text("Currency"),
        payment_term=fields.text("PaymentTerm"),
        discount=fields.decimal("Discount"),
        tax_rule=fields.text("TaxRule"),
        price_tier=fields.text("PriceTier"),
        credit_limit=fields.decimal("CreditLimit"),
        is_on_credit_hold=fields.flag("IsOnCreditHold"),
        tags=fields.tags("Tags"),
        last_modified=fields.moment("LastModifiedOn"),
        addresses=tuple(_address(item) for item in fields.objects("Addresses")),
        contacts=tuple(_contact(item) for item in fields.objects("Contacts")),
        product_prices=tuple(_product_price(item) for item in fields.objects("ProductPrices")),
        parent_id=fields.stripped("CustomerParentID"),
        is_bill_parent=fields.flag("IsBillParent"),
        tax_number=fields.stripped("TaxNumber"),
    )


def parse_product(data) -> Product:
    """A `Product` from one `Products` item (or `Cin7RecordError`); `SKU` is required."""
    fields = Fields(data, "Product", record_id_of(data))
    product_id, sku = fields.required_text("ID"), fields.required_text("SKU")
    tier_prices = {}
    for code in TIER_CODES:
        price = fields.decimal(f"PriceTier{code}")
        if price is not None:
            tier_prices[code] = price
    return Product(
        id=product_id,
        sku=sku,
        name=fields.text("Name"),
        status=fields.text("Status"),
        tier_prices=tier_prices,
        last_modified=fields.moment("LastModifiedOn"),
        carton_quantity=_carton_quantity(fields),
        discount_rule=fields.stripped("DiscountRule"),
    )


def parse_price_tier(data) -> PriceTier:
    """A `PriceTier` from one `PriceTiers` item; `Code` must be 1-10 and `Name` non-empty."""
    fields = Fields(data, "PriceTier")
    code = fields.integer("Code")
    if code not in TIER_CODES:
        raise fields.error("Code", f"expected 1-10, got {code}")
    return PriceTier(code=code, name=fields.required_text("Name"))


def parse_payment_term(data) -> PaymentTerm:
    """A `PaymentTerm` from one `PaymentTermList` item; `ID` and `Name` are required."""
    fields = Fields(data, "PaymentTerm", record_id_of(data))
    return PaymentTerm(
        id=fields.required_text("ID"),
        name=fields.required_text("Name"),
        method=fields.text("Method"),
        duration=fields.integer("Duration") if data.get("Duration") is not None else None,
    )


def parse_tax_rule(data) -> TaxRule:
    """A `TaxRule` from one `TaxRuleList` item; `ID` and `Name` are required."""
    fields = Fields(data, "TaxRule", record_id_of(data))
    return TaxRule(
        id=fields.required_text("ID"),
        name=fields.required_text("Name"),
        percent=fields.decimal("TaxPercent"),
        is_active=fields.flag("IsActive"),
    )


def parse_me(data) -> Me:
    """`Me` from the `GET /me` object."""
    fields = Fields(data, "Me")
    return Me(
        company=fields.text("Company"), currency=fields.text("Currency"), timezone=fields.text("TimeZone")
    )


def parse_webhook(data) -> Webhook:
    """A `Webhook` from one `Webhooks` item (or `Cin7RecordError`)."""
    fields = Fields(data, "Webhook", record_id_of(data))
    return Webhook(
        id=fields.required_text("ID"),
        type=fields.required_text("Type"),
        name=fields.text("Name"),
        is_active=fields.flag("IsActive"),
        external_url=fields.text("ExternalURL"),
        authorization_type=fields.text("ExternalAuthorizationType"),
    )


def _address(fields: Fields) -> Address:
    return Address(
        id=fields.text("ID"),
        line1=fields.text("Line1"),
        line2=fields.text("Line2"),
        city=fields.text("City"),
        state=fields.text("State"),
        postcode=fields.text("Postcode"),
        country=fields.text("Country"),
        type=fields.text("Type"),
        default_for_type=fields.flag("DefaultForType"),
    )


def _contact(fields: Fields) -> Contact:
    return Contact(
        id=fields.text("ID"),
        name=fields.text("Name"),
        phone=fields.text("Phone"),
        mobile_phone=fields.text("MobilePhone"),
        email=fields.stripped("Email"),
        default=fields.flag("Default"),
    )


def _product_price(fields: Fields) -> ProductPrice:
    """A price without a number, or naming no product, cannot be applied: it fails the record."""
    price = fields.decimal("Price")
    if price is None:
        raise fields.error("Price", "required, got null")
    product_id, sku = fields.text("ProductID"), fields.text("ProductSKU")
    if not (product_id or "").strip() and not (sku or "").strip():
        raise fields.error("ProductSKU", "a price names neither ProductID nor ProductSKU")
    return ProductPrice(product_id=product_id, sku=sku, name=fields.text("ProductName"), price=price)


def _carton_quantity(fields: Fields) -> Decimal | None:
    """A negative carton quantity is not a quantity: it fails the record."""
    quantity = fields.decimal("CartonQuantity")
    if quantity is not None and quantity < 0:
        raise fields.error("CartonQuantity", f"expected 0 or more, got {quantity}")
    return quantity


def _is_deprecated(status: str | None) -> bool:
    """FACTS §5.2: status casing varies in live exports."""
    return (status or "").strip().casefold() == "deprecated"
