"""In-memory state of one sandbox shop: customers, products and variants, metafields and their definitions,
account invites, webhook subscriptions, bulk operations and B2B records (b2b/store.py).

Every public method takes the sandbox lock, so tests may seed or inspect a shop while the server runs.
"""

import hashlib
import random
import threading
import zlib
from dataclasses import dataclass, field

from connectors.clock import SystemClock

from .b2b.store import B2BState
from .cost import LeakyBucket

GID_PREFIX = "gid://shopify/"
OWNER_TYPES = {
    "Customer": "CUSTOMER",
    "ProductVariant": "PRODUCTVARIANT",
    "Product": "PRODUCT",
    "Shop": "SHOP",
}


def gid(kind: str, number: int) -> str:
    return f"{GID_PREFIX}{kind}/{number}"


def gid_kind(value: str) -> str | None:
    """`Customer` for `gid://shopify/Customer/1`, None for anything that is not a Shopify global id."""
    if not isinstance(value, str) or not value.startswith(GID_PREFIX):
        return None
    kind, _, number = value[len(GID_PREFIX) :].partition("/")
    return kind if kind and number.split("?")[0].isdigit() else None


def gid_number(value: str) -> int:
    return int(value.rsplit("/", 1)[1].split("?")[0])


ADDRESS_FIELDS = (
    "address1",
    "address2",
    "city",
    "company",
    "countryCode",
    "provinceCode",
    "zip",
    "firstName",
    "lastName",
    "phone",
)


class IdAllocator:
    """Numeric ids per resource kind, in the 13-digit range Shopify uses, deterministic for a seed."""

    def __init__(self, seed: int):
        rng = random.Random(seed)
        self._next: dict[str, int] = {}
        self._base = 7_000_000_000_000 + rng.randrange(10**11) * 10

    def next(self, kind: str) -> int:
        # a range per kind, so a Customer never shares its number with a Product or the Shop
        number = self._next.get(kind, self._base + zlib.crc32(kind.encode()) % 997 * 1_000_000_000)
        self._next[kind] = number + 1
        return number


def address_records(ids: IdAllocator, addresses: list[dict]) -> list[dict]:
    """MailingAddressInput-shaped dicts as stored, in order (the first is the default): a stored address
    passed back keeps its id, any other gets a new one."""
    return [
        {"id": address.get("id") or gid("MailingAddress", ids.next("MailingAddress")), "position": position}
        | {k: address.get(k) for k in ADDRESS_FIELDS}
        for position, address in enumerate(addresses)
    ]


@dataclass
class Metafield:
    id: str
    owner_id: str
    namespace: str
    key: str
    type: str
    value: str
    created_at: float
    updated_at: float

    @property
    def compare_digest(self) -> str:
        return hashlib.sha256(f"{self.type}\0{self.value}\0{self.updated_at}".encode()).hexdigest()


@dataclass
class Customer:
    id: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    tags: list[str] = field(default_factory=list)
    tax_exempt: bool = False
    tax_exemptions: list[str] = field(default_factory=list)
    addresses: list[dict] = field(default_factory=list)
    state: str = "DISABLED"
    note: str | None = None
    locale: str = "en"
    metafields: dict[tuple[str, str], Metafield] = field(default_factory=dict)
    created_at: float = 0.0
    updated_at: float = 0.0


@dataclass
class MetafieldDefinition:
    id: str
    namespace: str
    key: str
    name: str
    type: str
    owner_type: str
    description: str | None = None
    storefront_access: str | None = None


@dataclass
class WebhookSubscription:
    id: str
    topic: str
    callback_url: str
    format: str
    api_version: str
    created_at: float


@dataclass
class BulkOperation:
    id: str
    query: str
    created_at: float
    completed_at: float
    jsonl: bytes
    object_count: int
    root_object_count: int
    token: str
    type: str = "QUERY"

    def status(self, now: float) -> str:
        return "COMPLETED" if now >= self.completed_at else "RUNNING"

    def counts(self, now: float) -> tuple[int, int]:
        """(objectCount, rootObjectCount) as Shopify shows them now: an export's once it completed."""
        done = self.status(now) == "COMPLETED"
        return (self.object_count, self.root_object_count) if done else (0, 0)


class SandboxShop:
    """One shop's admin data. Records are plain objects that tests may read directly; change customers
    through `add_customer`/`update_customer` so the exact email and phone lookups stay current."""

    def __init__(
        self,
        domain: str,
        *,
        lock: threading.RLock,
        ids: IdAllocator,
        clock: SystemClock,
        bucket: LeakyBucket,
        name: str,
        email: str,
        currency: str,
        country: str,
        customer_accounts: str,
        customer_accounts_url: str | None,
    ):
        if customer_accounts not in ("NEW_CUSTOMER_ACCOUNTS", "CLASSIC"):
            raise ValueError(
                f"customer_accounts must be NEW_CUSTOMER_ACCOUNTS or CLASSIC, not {customer_accounts!r}"
            )
        self.lock, self.ids, self.clock, self.bucket = lock, ids, clock, bucket
        self.domain = domain
        self.shop_gid = gid("Shop", ids.next("Shop"))
        self.name, self.email, self.currency, self.country = name, email, currency, country
        self.customer_accounts = customer_accounts
        self.customer_accounts_url = (
            customer_accounts_url or f"https://shopify.com/{gid_number(self.shop_gid)}/account"
        )
        self.customers: dict[str, Customer] = {}
        self.products: dict[str, dict] = {}
        self.variants: dict[str, dict] = {}
        self.shop_metafields: dict[tuple[str, str], Metafield] = {}
        self.definitions: list[MetafieldDefinition] = []
        self.invites: list[dict] = []
        self.webhooks: list[WebhookSubscription] = []
        self.bulk_operations: list[BulkOperation] = []
        self.staged_uploads: dict[str, dict] = {}  # key -> the target's form parameters and expiry
        self.staged_files: dict[str, bytes] = {}  # key -> the uploaded JSONL
        self.granted_scopes: list[str] = []
        self.b2b = B2BState()
        self._by_email: dict[str, str] = {}
        self._by_phone: dict[str, str] = {}

    # --- seeding and inspection (tests, demo) ---

    def add_product(self, title: str, variants: list[dict] | None = None) -> str:
        """Create a product with variants (`sku`, `title`, `price`, `barcode`); returns its gid."""
        with self.lock:
            now = self.clock.now()
            product_id = gid("Product", self.ids.next("Product"))
            handle = "-".join(title.lower().split())
            product = {
                "id": product_id,
                "title": title,
                "handle": handle,
                "variant_ids": [],
                "metafields": {},
            }
            product.update(created_at=now, updated_at=now)
            self.products[product_id] = product
            for position, spec in enumerate(variants or [{"title": "Default Title"}], start=1):
                variant_id = gid("ProductVariant", self.ids.next("ProductVariant"))
                self.variants[variant_id] = {
                    "id": variant_id,
                    "sku": spec.get("sku"),
                    "title": spec.get("title", "Default Title"),
                    "price": str(spec.get("price", "0.00")),
                    "barcode": spec.get("barcode"),
                    "position": position,
                    "product_id": product_id,
                    "metafields": {},
                    "created_at": now,
                    "updated_at": now,
                }
                product["variant_ids"].append(variant_id)
            return product_id

    def add_customer(
        self,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        phone: str | None = None,
        tags: list[str] | None = None,
        state: str = "ENABLED",
        addresses: list[dict] | None = None,
        **extra,
    ) -> str:
        """Create a customer as the merchant would (no validation); `addresses` are MailingAddressInput
        dicts (`city`, `countryCode`, …); other keywords are `Customer` attributes. Returns its gid."""
        with self.lock:
            now = self.clock.now()
            customer = Customer(
                id=gid("Customer", self.ids.next("Customer")),
                email=email,
                first_name=first_name,
                last_name=last_name,
                phone=phone,
                tags=list(tags or []),
                state=state,
                addresses=address_records(self.ids, addresses or []),
                created_at=now,
                updated_at=now,
                **extra,
            )
            self.save_customer(customer)
            return customer.id

    def update_customer(self, customer_gid: str, **changes) -> None:
        """Edit a customer as the merchant would in the admin (attributes of `Customer`)."""
        with self.lock:
            customer = self.customers[customer_gid]
            previous = (customer.email, customer.phone)
            for name, value in changes.items():
                if not hasattr(customer, name):
                    raise TypeError(f"Customer has no attribute {name!r}")
                setattr(customer, name, address_records(self.ids, value) if name == "addresses" else value)
            customer.updated_at = self.clock.now()
            self.save_customer(customer, previous)

    def save_customer(
        self, customer: Customer, previous: tuple[str | None, str | None] = (None, None)
    ) -> None:
        """Store a new or changed customer and re-index its email and phone (`previous` = old values)."""
        with self.lock:
            old_email, old_phone = previous
            if old_email and self._by_email.get(old_email.casefold()) == customer.id:
                del self._by_email[old_email.casefold()]
            if old_phone and self._by_phone.get(old_phone) == customer.id:
                del self._by_phone[old_phone]
            self.customers[customer.id] = customer
            if customer.email:
                self._by_email[customer.email.casefold()] = customer.id
            if customer.phone:
                self._by_phone[customer.phone] = customer.id

    def customer_by_email(self, email: str) -> Customer | None:
        """Exact, case-insensitive."""
        with self.lock:
            return self.customers.get(self._by_email.get(email.strip().casefold(), ""))

    def customer_by_phone(self, phone: str) -> Customer | None:
        with self.lock:
            return self.customers.get(self._by_phone.get(phone, ""))

    def metafield(self, owner_gid: str, namespace: str, key: str) -> dict | None:
        """`{"type", "value"}` of a metafield on a customer, product, variant or the shop, or None."""
        with self.lock:
            found = (self.metafields_of(owner_gid) or {}).get((namespace, key))
            return {"type": found.type, "value": found.value} if found else None

    def set_plan(self, name: str) -> None:
        """Bill the shop on a Shopify plan: "Shopify Plus", or "Basic", "Grow", "Advanced" (B2B follows)."""
        with self.lock:
            self.b2b.settings.set_plan(name)

    def accept_invite(self, customer_gid: str) -> None:
        """The buyer activated their account."""
        with self.lock:
            customer = self.customers[customer_gid]
            customer.state = "ENABLED"
            customer.updated_at = self.clock.now()

    # --- lookups used by the resolvers (callers hold the lock) ---

    def metafields_of(self, owner_gid: str) -> dict[tuple[str, str], Metafield] | None:
        """The metafield map of an owner, or None when no such owner exists in this shop."""
        if owner_gid == self.shop_gid:
            return self.shop_metafields
        if owner_gid in self.customers:
            return self.customers[owner_gid].metafields
        record = self.variants.get(owner_gid) or self.products.get(owner_gid)
        return record["metafields"] if record else None

    def owner_type(self, owner_gid: str) -> str | None:
        if self.metafields_of(owner_gid) is None:
            return None
        return OWNER_TYPES.get(gid_kind(owner_gid) or "")

    def definition(self, owner_type: str, namespace: str, key: str) -> MetafieldDefinition | None:
        return next(
            (
                d
                for d in self.definitions
                if (d.owner_type, d.namespace, d.key) == (owner_type, namespace, key)
            ),
            None,
        )

    def find(self, global_id: str):
        """The record behind a gid (customer, variant, product, bulk operation, shop), or None."""
        kind = gid_kind(global_id)
        if kind == "Customer":
            return self.customers.get(global_id)
        if kind == "ProductVariant":
            return self.variants.get(global_id)
        if kind == "Product":
            return self.products.get(global_id)
        if kind == "BulkOperation":
            return next((op for op in self.bulk_operations if op.id == global_id), None)
        if kind == "Shop" and global_id == self.shop_gid:
            return self
        return self.b2b.find(kind, global_id)
