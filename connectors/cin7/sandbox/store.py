"""The sandbox's data: Cin7 accounts with customers, products and customer-specific prices (their settings
and reference books, in `reference.py`).

Every mutation takes the store's one lock. Changes to customers and products stamp `LastModifiedOn` with the
store's clock, strictly increasing per account (a millisecond is added on a tie) so tests stay
deterministic; callers that want ties pass `LastModifiedOn` to `add_customer`/`add_product`. Renaming a tier
and setting a customer-specific price stamp nothing: no source shows Cin7 dating them, so the app must
not rely on a stamp (FACTS §8.3, §8.14).
"""

import random
import threading
from collections.abc import Mapping
from decimal import Decimal

from connectors.clock import SYSTEM_CLOCK

from . import records as rec
from .reference import ReferenceBooks
from .webhooks import Deliveries, Registrations
from .wire import epoch_ms, format_modified


class Cin7Account(ReferenceBooks):
    """One Cin7 Core tenant: its credentials, `/me` settings, reference books and data. Create with
    `Cin7Store.add_account`."""

    def __init__(
        self, store: "Cin7Store", account_id: str, api_key: str, company: str, currency: str, timezone
    ):
        super().__init__(store.lock, store.rng, company, currency, timezone)
        self.account_id, self.api_key = account_id, api_key
        self._clock = store.clock
        self._customers: dict[str, rec.Record] = {}
        self._products: dict[str, rec.Record] = {}
        self._customer_names: dict[str, str] = {}  # casefolded Name -> ID (names are unique, FACTS §4.3)
        self._skus: dict[str, str] = {}  # casefolded SKU -> ID (unique in Cin7)
        self._children: dict[str, set[str]] = {}
        self._prices_by_customer: dict[str, dict[str, Decimal]] = {}
        self._prices_by_product: dict[str, dict[str, Decimal]] = {}
        self._last_ms = 0
        self._deliveries = store.deliveries
        self.registrations = Registrations(store.rng)
        self.automation_module = True  # False: `/webhooks` refuses (FACTS §7: an add-on subscription)

    # -- customers -------------------------------------------------------------------------------------
    @property
    def customers(self) -> Mapping[str, dict]:
        """`{ID: customer}` as `GET /customer?IncludeDeprecated=true&IncludeProductPrices=true` shows it."""
        return rec.RecordView(self._lock, self._customers, lambda r: self.render_customer(r, True))

    def add_customer(self, data: dict) -> str:
        """Add a customer from (partial) Cin7 customer JSON and return its ID. `PriceTier` is a tier name or
        code; `ProductPrices` items name a product by `ProductID` or `ProductSKU`."""
        data = dict(data)
        with self._lock:
            customer_id = self._claim_id(self._customers, data, "customer")
            stamp = data.pop("LastModifiedOn", None)
            prices = {
                item.get("ProductID") or self._product_id(item["ProductSKU"]): rec.as_decimal(
                    "Price", item["Price"], 4
                )
                for item in data.pop("ProductPrices", [])
            }
            default_rule = self._default_tax_rule()
            record = rec.Record(
                customer_id, {"Currency": self.currency, "TaxRule": default_rule and default_rule["Name"]}, 0
            )
            self._apply_customer(record, data)
            record.modified_ms = self._stamp(stamp)
            self._customers[customer_id] = record
            for product_id, price in prices.items():
                self._set_price(customer_id, product_id, price)
            self._customer_event(record)
            return customer_id

    def update_customer(self, customer_id: str, **fields) -> None:
        """Change fields (lists such as `Contacts`/`Addresses` are replaced) and re-stamp `LastModifiedOn`."""
        with self._lock:
            record = self._customers[customer_id]
            self._apply_customer(record, fields)
            record.modified_ms = self._stamp()
            self._customer_event(record)

    def deprecate_customer(self, customer_id: str) -> None:
        self.update_customer(customer_id, Status="Deprecated")

    def set_customer_price(self, customer_id: str, sku: str, price) -> None:
        """Set (or with None remove) a customer-specific price. Stamps nothing: Cin7 does not date these."""
        with self._lock:
            if customer_id not in self._customers:
                raise KeyError(customer_id)
            self._set_price(customer_id, self._product_id(sku), price)

    def render_customer(self, record: rec.Record, with_prices: bool) -> dict:
        """The customer as `GET /customer` returns it (FACTS §4.3); caller holds the lock."""
        fields = record.fields
        body = {"ID": record.id}
        body |= {name: fields.get(name, default) for name, default in rec.CUSTOMER_DEFAULTS.items()}
        body["PriceTier"] = self._tier_names[record.tier_code - 1]
        parent = self._customers.get(fields.get("CustomerParentID"))
        body["CustomerParentName"] = parent.fields["Name"] if parent else None
        body["LastModifiedOn"] = format_modified(record.modified_ms, record.id)
        body["Addresses"] = rec.render_items(record.addresses, rec.ADDRESS_DEFAULTS)
        body["Contacts"] = rec.render_items(record.contacts, rec.CONTACT_DEFAULTS)
        if with_prices:
            prices = self._prices_by_customer.get(record.id, {})
            body["ProductPrices"] = [self._product_price(pid, price) for pid, price in prices.items()]
        children = sorted(
            (self._customers[cid].fields["Name"], cid) for cid in self._children.get(record.id, ())
        )
        body["ChildCustomers"] = [{"CustomerID": cid, "CustomerName": name} for name, cid in children]
        return body

    def customer_records(self) -> list[rec.Record]:
        return list(self._customers.values())

    # -- products --------------------------------------------------------------------------------------
    @property
    def products(self) -> Mapping[str, dict]:
        """`{ID: product}` as `GET /product?IncludeDeprecated=true&IncludeCustomPrices=true` shows it."""
        return rec.RecordView(self._lock, self._products, lambda r: self.render_product(r, True, ()))

    def add_product(self, data: dict) -> str:
        """Add a product from (partial) Cin7 product JSON (`SKU` and `Name` required). Returns its ID."""
        data = dict(data)
        with self._lock:
            product_id = self._claim_id(self._products, data, "product")
            stamp = data.pop("LastModifiedOn", None)
            record = rec.Record(product_id, {}, 0)
            self._apply_product(record, data)
            record.modified_ms = self._stamp(stamp)
            self._products[product_id] = record
            self._product_event(record, "Creation")
            return product_id

    def update_product(self, product_id: str, **fields) -> None:
        """Change fields (e.g. `PriceTier3=Decimal("9.5")`) and re-stamp `LastModifiedOn`."""
        with self._lock:
            record = self._products[product_id]
            self._apply_product(record, fields)
            record.modified_ms = self._stamp()
            self._product_event(record, "Update")

    def deprecate_product(self, product_id: str) -> None:
        self.update_product(product_id, Status="Deprecated")

    def render_product(self, record: rec.Record, with_prices: bool, include_lists) -> dict:
        """The product as `GET /product` returns it (FACTS §5.2); caller holds the lock."""
        fields = record.fields
        body = {"ID": record.id} | {name: fields.get(name, value) for name, value in rec.PRODUCT_HEAD.items()}
        body["PriceTiers"] = rec.price_tiers_object([body[f] for f in rec.TIER_FIELDS], self._tier_names)
        body |= {name: fields.get(name, value) for name, value in rec.PRODUCT_MIDDLE.items()}
        body["LastModifiedOn"] = format_modified(record.modified_ms, record.id)
        body |= {name: fields.get(name, value) for name, value in rec.PRODUCT_TAIL.items()}
        body |= {key: [] for key in include_lists}
        if with_prices:
            # FACTS §5.4: the live shape (Airbyte's schema), not the reference's example.
            prices = self._prices_by_product.get(record.id, {})
            body["CustomPrices"] = [self._custom_price(cid, price) for cid, price in prices.items()]
        body |= {name: fields.get(name, value) for name, value in rec.PRODUCT_CARTON.items()}
        return body

    def product_records(self) -> list[rec.Record]:
        return list(self._products.values())

    # -- webhook events (FACTS §7 payloads) --------------------------------------------------------------
    def _customer_event(self, record: rec.Record) -> None:
        def render():
            body = self.render_customer(record, False)
            addresses, contacts = body.pop("Addresses"), body.pop("Contacts")
            body.pop("ChildCustomers")
            details = {"Customer": body, "Addresses": addresses, "Contacts": contacts}
            return {"NumberOfCustomers": 1, "CustomerDetailsList": [details], "EventType": "Customer/Updated"}

        self._deliveries.event(self, "Customer/Updated", render)

    def _product_event(self, record: rec.Record, event: str) -> None:
        def render():
            details = {"Event": event} | self.render_product(record, False, ())
            return {"NumberOfProducts": 1, "ProductDetailsList": [details], "EventType": "Product/Updated"}

        self._deliveries.event(self, "Product/Updated", render)

    # -- internals (caller holds the lock) ---------------------------------------------------------------
    def _claim_id(self, records: dict, data: dict, kind: str) -> str:
        """The `ID` popped from `data`, or a new one; an ID already taken is refused."""
        record_id = data.pop("ID", None) or rec.new_id(self._rng)
        if record_id in records:
            raise ValueError(f"{kind} {record_id} exists")
        return record_id

    def _stamp(self, explicit=None) -> int:
        if explicit is not None:
            ms = epoch_ms(explicit)
            self._last_ms = max(self._last_ms, ms)
            return ms
        self._last_ms = max(round(self._clock.now() * 1000), self._last_ms + 1)
        return self._last_ms

    def _product_price(self, product_id: str, price: Decimal) -> dict:
        fields = self._products[product_id].fields
        return {
            "ProductID": product_id,
            "ProductSKU": fields["SKU"],
            "ProductName": fields["Name"],
            "Price": price,
        }

    def _custom_price(self, customer_id: str, price: Decimal) -> dict:
        fields = self._customers[customer_id].fields
        return {
            "CustomerID": customer_id,
            "CustomerName": fields["Name"],
            "CustomerCurrency": fields["Currency"],
            "Price": price,
        }

    def _product_id(self, sku: str) -> str:
        try:
            return self._skus[sku.casefold()]
        except KeyError:
            raise KeyError(f"no product with SKU {sku!r}") from None

    def _set_price(self, customer_id: str, product_id: str, price) -> None:
        if product_id not in self._products:
            raise KeyError(f"no product {product_id}")
        by_customer = self._prices_by_customer.setdefault(customer_id, {})
        by_product = self._prices_by_product.setdefault(product_id, {})
        if price is None:
            by_customer.pop(product_id, None)
            by_product.pop(customer_id, None)
        else:
            by_customer[product_id] = by_product[customer_id] = rec.as_decimal("Price", price, 4)

    def _apply_customer(self, record: rec.Record, data: dict) -> None:
        data = dict(data)
        for read_only in ("CustomerParentName", "ChildCustomers", "LastModifiedOn", "ID", "ProductPrices"):
            data.pop(read_only, None)
        tier_code = self._tier_code(data.pop("PriceTier")) if "PriceTier" in data else record.tier_code
        addresses = rec.checked_addresses(data.pop("Addresses"), self._rng) if "Addresses" in data else None
        contacts = rec.checked_contacts(data.pop("Contacts"), self._rng) if "Contacts" in data else None
        fields = record.fields | rec.checked_fields("customer", data, rec.CUSTOMER_DEFAULTS)
        name = fields.get("Name")
        if not name:
            raise ValueError("customer needs a Name")
        owner = self._customer_names.get(name.casefold())
        if owner not in (None, record.id):
            raise ValueError(f"customer name {name!r} is taken (Cin7 names are unique)")
        if fields.get("Status", "Active") not in rec.CUSTOMER_STATUSES:
            raise ValueError(f"customer Status must be one of {sorted(rec.CUSTOMER_STATUSES)}")
        parent_id = fields.get("CustomerParentID")
        if parent_id is not None and (parent_id == record.id or parent_id not in self._customers):
            raise ValueError(f"no parent customer {parent_id}")
        if parent_id is not None and (
            self._customers[parent_id].fields.get("CustomerParentID") or self._children.get(record.id)
        ):
            raise ValueError("a parent cannot be a child itself (Cin7 help: Customer hierarchies)")
        old_name, old_parent = record.fields.get("Name"), record.fields.get("CustomerParentID")
        if old_name:
            self._customer_names.pop(old_name.casefold(), None)
        self._customer_names[name.casefold()] = record.id
        self._children.get(old_parent, set()).discard(record.id)
        if parent_id:
            self._children.setdefault(parent_id, set()).add(record.id)
        record.fields, record.tier_code = fields, tier_code
        record.addresses = record.addresses if addresses is None else addresses
        record.contacts = record.contacts if contacts is None else contacts

    def _apply_product(self, record: rec.Record, data: dict) -> None:
        data = dict(data)
        for read_only in ("PriceTiers", "LastModifiedOn", "ID", "CustomPrices"):
            data.pop(read_only, None)
        fields = record.fields | rec.checked_fields("product", data, rec.PRODUCT_DEFAULTS)
        sku, name = fields.get("SKU"), fields.get("Name")
        if not sku or len(sku) > 50 or not name:
            raise ValueError(f"product needs a SKU (at most 50 characters) and a Name: {sku!r} {name!r}")
        owner = self._skus.get(sku.casefold())
        if owner not in (None, record.id):
            raise ValueError(f"SKU {sku!r} is taken (Cin7 SKUs are unique)")
        if any(fields.get(tier, 0) < 0 for tier in rec.TIER_FIELDS):
            raise ValueError("tier prices cannot be negative")
        if fields.get("Status", "Active") not in rec.PRODUCT_STATUSES:
            raise ValueError(f"product Status must be one of {sorted(rec.PRODUCT_STATUSES)}")
        rule = fields.get("DiscountRule")
        if rule and rule != record.fields.get("DiscountRule") and not self.has_active_discount_rule(rule):
            raise ValueError(f"no active discount rule {rule!r} (APIB Product DiscountRule)")
        if record.fields.get("SKU"):
            self._skus.pop(record.fields["SKU"].casefold(), None)
        self._skus[sku.casefold()] = record.id
        record.fields = fields


class Cin7Store:
    """All sandbox accounts, one lock, one clock and one seeded random source (IDs and page order)."""

    def __init__(self, clock=SYSTEM_CLOCK, seed: int = 0):
        self.clock = clock
        self.rng = random.Random(seed)
        self.lock = threading.RLock()
        self._accounts: dict[str, Cin7Account] = {}
        self.deliveries = Deliveries(self)  # webhook deliveries; a running `Cin7Sandbox` makes them

    def add_account(
        self,
        account_id: str | None = None,
        api_key: str | None = None,
        company: str = "Acme Wholesale",
        currency: str = "USD",
        timezone: str = "America/New_York",
    ) -> Cin7Account:
        """A new account; missing credentials are drawn as GUIDs from the seeded random source."""
        with self.lock:
            account_id = (account_id or rec.new_id(self.rng)).lower()
            if account_id in self._accounts:
                raise ValueError(f"account {account_id} exists")
            account = Cin7Account(
                self, account_id, api_key or rec.new_id(self.rng), company, currency, timezone
            )
            self._accounts[account_id] = account
            return account

    def account(self, account_id: str) -> Cin7Account | None:
        """The account with this Account ID (GUIDs compare case-insensitively), or None."""
        with self.lock:
            return self._accounts.get((account_id or "").strip().lower())

    @property
    def accounts(self) -> list[Cin7Account]:
        with self.lock:
            return list(self._accounts.values())
