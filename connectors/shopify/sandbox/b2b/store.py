"""B2B records of one sandbox shop: companies, contacts, locations, roles, catalogs (direct and market),
price lists, B2B markets, the shop's plan and B2B entitlement, and the welcome emails sent. See B2B.md for
what is modelled and why.

Resolvers hold the sandbox lock; tests may read these records directly.
"""

from dataclasses import dataclass, field
from decimal import Decimal

# shopify.dev `paymentTermsTemplates` (2026-01) example response: Shopify's fixed list, ids and order.
PAYMENT_TERMS_TEMPLATES = (
    (1, "Due on receipt", "RECEIPT", None, "Due on receipt"),
    (9, "Due on fulfillment", "FULFILLMENT", None, "Due on fulfillment"),
    (2, "Net 7", "NET", 7, "Within 7 days"),
    (3, "Net 15", "NET", 15, "Within 15 days"),
    (4, "Net 30", "NET", 30, "Within 30 days"),
    (8, "Net 45", "NET", 45, "Within 45 days"),
    (5, "Net 60", "NET", 60, "Within 60 days"),
    (6, "Net 90", "NET", 90, "Within 90 days"),
    (7, "Fixed", "FIXED", None, "Fixed date"),
)
# Roles every new company gets (Shopify admin: "Location admin" and "Ordering only").
DEFAULT_ROLES = ("Location admin", "Ordering only")
# Basic, Grow and Advanced may have 3 active B2B catalogs since April 2026; Plus has no limit (B2B.md).
NON_PLUS_CATALOG_LIMIT = 3
# help.shopify.com "Requirements and considerations for using B2B": 25 catalogs per company location.
LOCATION_CATALOG_LIMIT = 25
PLUS = "Shopify Plus"
DIRECT, MARKET = "CompanyLocationCatalog", "MarketCatalog"  # a catalog's type, also its gid kind


@dataclass
class B2BSettings:
    """What `shop { plan entitlements { markets { b2b } } }` reports and what the shop may do."""

    enabled: bool = True
    plan: str = "Grow"
    shopify_plus: bool = False
    catalog_limit: int | None = NON_PLUS_CATALOG_LIMIT  # active B2B catalogs (B2B.md); None = no limit

    def set_plan(self, name: str) -> None:
        """Bill the shop on plan `name` ("Shopify Plus", or "Basic", "Grow", "Advanced"), with its limits."""
        self.shopify_plus = name in (PLUS, "Plus")
        self.plan = PLUS if self.shopify_plus else name
        self.catalog_limit = None if self.shopify_plus else NON_PLUS_CATALOG_LIMIT


@dataclass
class CompanyAddress:
    id: str
    fields: dict
    created_at: float
    updated_at: float


@dataclass
class Company:
    id: str
    name: str
    external_id: str | None = None
    note: str | None = None
    customer_since: float = 0.0
    main_contact_id: str | None = None
    contact_ids: list[str] = field(default_factory=list)
    location_ids: list[str] = field(default_factory=list)
    role_ids: list[str] = field(default_factory=list)
    created_at: float = 0.0
    updated_at: float = 0.0


@dataclass
class CompanyContact:
    id: str
    company_id: str
    customer_id: str
    title: str | None = None
    locale: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0


@dataclass
class CompanyContactRole:
    id: str
    name: str
    note: str | None = None


@dataclass
class RoleAssignment:
    id: str
    company_id: str
    contact_id: str
    location_id: str
    role_id: str
    created_at: float = 0.0


@dataclass
class CompanyLocation:
    id: str
    company_id: str
    name: str
    external_id: str | None = None
    note: str | None = None
    phone: str | None = None
    locale: str | None = None
    shipping_address: CompanyAddress | None = None
    billing_address: CompanyAddress | None = None
    tax_exempt: bool = False
    tax_exemptions: list[str] = field(default_factory=list)
    tax_registration_id: str | None = None
    checkout_to_draft: bool = False
    editable_shipping_address: bool = False
    payment_terms_template_id: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0


@dataclass
class PriceList:
    id: str
    name: str
    currency: str
    adjustment_type: str = "PERCENTAGE_DECREASE"
    adjustment_value: float = 0.0
    compare_at_mode: str = "ADJUSTED"
    catalog_id: str | None = None
    fixed: dict[str, dict] = field(default_factory=dict)  # variant gid -> {"price": Decimal, "compare_at"}
    # variant gid -> minimum quantity -> {"id", "price"}; variant gid -> {"minimum", "increment", "maximum"}
    breaks: dict[str, dict[int, dict]] = field(default_factory=dict)
    quantity_rules: dict[str, dict] = field(default_factory=dict)


@dataclass
class Catalog:
    """A CompanyLocationCatalog (`location_ids`) or a MarketCatalog (`market_ids`), told apart by `kind`."""

    id: str
    title: str
    status: str
    kind: str = DIRECT
    location_ids: list[str] = field(default_factory=list)
    market_ids: list[str] = field(default_factory=list)
    price_list_id: str | None = None
    publication_id: str | None = None


@dataclass
class Market:
    """A market; only company-location conditions are modelled (`location_ids`, an ordered set)."""

    id: str
    name: str
    handle: str
    status: str = "ACTIVE"
    location_ids: dict[str, None] = field(default_factory=dict)
    created_at: float = 0.0
    updated_at: float = 0.0

    @property
    def type(self) -> str:
        return "COMPANY_LOCATION" if self.location_ids else "NONE"


class B2BState:
    """The B2B half of a `SandboxShop`, keyed by gid."""

    def __init__(self):
        self.settings = B2BSettings()
        self.companies: dict[str, Company] = {}
        self.contacts: dict[str, CompanyContact] = {}
        self.locations: dict[str, CompanyLocation] = {}
        self.roles: dict[str, CompanyContactRole] = {}
        self.assignments: dict[str, RoleAssignment] = {}
        self.catalogs: dict[str, Catalog] = {}
        self.price_lists: dict[str, PriceList] = {}
        self.markets: dict[str, Market] = {}
        self.welcome_emails: list[dict] = []
        # indexes, so a shop with 10k companies answers lookups in constant time
        self._external_ids: dict[tuple[str, str], str] = {}  # (kind, externalId) -> gid
        self._assigned: dict[str, list[RoleAssignment]] = {}  # contact or location gid -> assignments

    def by_external_id(self, kind: str, external_id: str):
        """The Company or CompanyLocation (`kind`) with this externalId, or None."""
        table = self.companies if kind == "Company" else self.locations
        return table.get(self._external_ids.get((kind, external_id), ""))

    def set_external_id(self, record: Company | CompanyLocation, external_id: str | None) -> None:
        kind = type(record).__name__
        if record.external_id and self._external_ids.get((kind, record.external_id)) == record.id:
            del self._external_ids[(kind, record.external_id)]
        record.external_id = external_id
        if external_id:
            self._external_ids[(kind, external_id)] = record.id

    def add_assignment(self, assignment: RoleAssignment) -> None:
        self.assignments[assignment.id] = assignment
        self._assigned.setdefault(assignment.contact_id, []).append(assignment)
        self._assigned.setdefault(assignment.location_id, []).append(assignment)

    def remove_assignment(self, assignment_id: str) -> None:
        assignment = self.assignments.pop(assignment_id)
        for key in (assignment.contact_id, assignment.location_id):
            self._assigned[key] = [a for a in self._assigned.get(key, ()) if a.id != assignment_id]

    def assignments_of(self, contact_or_location_id: str) -> list[RoleAssignment]:
        return list(self._assigned.get(contact_or_location_id, ()))

    def find(self, kind: str | None, global_id: str):
        """The B2B record behind a gid, or None."""
        tables = {
            "Company": self.companies,
            "CompanyContact": self.contacts,
            "CompanyLocation": self.locations,
            "CompanyContactRole": self.roles,
            "CompanyContactRoleAssignment": self.assignments,
            DIRECT: self.catalogs,
            MARKET: self.catalogs,
            "PriceList": self.price_lists,
            "Market": self.markets,
        }
        return tables.get(kind or "", {}).get(global_id)

    def catalogs_of(self, location_id: str) -> list[Catalog]:
        """The direct (company location) catalogs a location is assigned to."""
        return [c for c in self.catalogs.values() if c.kind == DIRECT and location_id in c.location_ids]

    def catalogs_of_market(self, market_id: str) -> list[Catalog]:
        return [c for c in self.catalogs.values() if market_id in c.market_ids]

    def active_b2b_catalogs(self, catalogs: dict | None = None, markets: dict | None = None) -> set[str]:
        """Ids of the ACTIVE catalogs that reach B2B buyers: direct ones, and market ones of a market with
        company-location conditions. `catalogs`/`markets` replace records by id, to count a planned change."""
        catalogs, markets = self.catalogs | (catalogs or {}), self.markets | (markets or {})
        return {
            c.id
            for c in catalogs.values()
            if c.status == "ACTIVE"
            and (c.kind == DIRECT or any(markets[m].type == "COMPANY_LOCATION" for m in c.market_ids))
        }

    def pricing_catalogs(self, location_id: str) -> list[Catalog]:
        """The catalogs pricing a buyer at `location_id`: its ACTIVE direct catalogs and the ACTIVE catalogs
        of the ACTIVE markets whose company-location conditions list it."""
        markets = {
            m.id for m in self.markets.values() if m.status == "ACTIVE" and location_id in m.location_ids
        }
        found = self.catalogs_of(location_id)
        found += [
            c for c in self.catalogs.values() if c.kind == MARKET and markets.intersection(c.market_ids)
        ]
        return [c for c in found if c.status == "ACTIVE"]

    def contextual_price(self, variant: dict, location_id: str) -> Decimal:
        """The price a buyer at `location_id` pays: the lowest fixed or adjusted price over the catalogs
        pricing the location that have a price list, else the variant price."""
        return self.pricing_price_list(variant, location_id)[0]

    def pricing_price_list(
        self, variant: dict, location_id: str, catalogs: list[Catalog] | None = None
    ) -> tuple[Decimal, PriceList | None]:
        """The price a buyer at `location_id` pays and the price list giving it (the first of the lowest,
        in catalog order), or the variant price and None. Its breaks and quantity rule apply (B2B.md).
        `catalogs`: the location's `pricing_catalogs`, when the caller has them already."""
        base = Decimal(variant["price"])
        best: tuple[Decimal, PriceList | None] = (base, None)
        for catalog in self.pricing_catalogs(location_id) if catalogs is None else catalogs:
            price_list = self.price_lists.get(catalog.price_list_id or "")
            if price_list is None:
                continue
            fixed = price_list.fixed.get(variant["id"])
            price = fixed["price"] if fixed else adjusted(base, price_list)
            if best[1] is None or price < best[0]:
                best = (price, price_list)
        return best


def adjusted(base: Decimal, price_list: PriceList) -> Decimal:
    """A price list's relative price: the base price moved by its percentage, to the cent."""
    percent = Decimal(str(price_list.adjustment_value)) / 100
    factor = 1 - percent if price_list.adjustment_type == "PERCENTAGE_DECREASE" else 1 + percent
    return (base * factor).quantize(Decimal("0.01"))


def money(amount: Decimal) -> str:
    """A Decimal as Shopify's `Decimal` scalar renders it (`12.5`, `10.0`)."""
    text = format(amount.normalize(), "f")
    return text if "." in text else f"{text}.0"
