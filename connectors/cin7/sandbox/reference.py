"""An account's settings and reference books in the sandbox: `/me`, price tier names, tax rules, payment
terms and product discount rules (FACTS §5.3, §6.1-6.2; APIB "Payment Term", "Product Discounts"). Every
mutation takes the store's lock."""

import random
import threading
from decimal import Decimal

from . import records as rec

DISCOUNT_RULE_TYPES = ("Simple", "QuantityBased", "FreeShipping")
DISCOUNT_LINE_TYPES = (
    "DiscountAmount",
    "DiscountPercent",
    "MarkupAmount",
    "MarkupPercent",
    "PriceOverride",
    "FlatAmount",
    "FreeShipping",
)


class ReferenceBooks:
    """The `/me` settings and `/ref/*` books of one account; `Cin7Account` adds customers and products."""

    def __init__(self, lock: threading.RLock, rng: random.Random, company: str, currency: str, timezone):
        self.company, self.currency, self.timezone = company, currency, timezone
        self._lock, self._rng = lock, rng
        self._tier_names = [f"Tier {code}" for code in range(1, 11)]
        self._tax_rules: dict[str, dict] = {}
        self._payment_terms: dict[str, dict] = {}
        self._discount_rules: dict[str, dict] = {}

    @property
    def price_tier_names(self) -> list[str]:
        """The 10 current tier names; index = tier code - 1."""
        with self._lock:
            return list(self._tier_names)

    def rename_tier(self, code: int, new_name: str) -> None:
        """Rename tier `code` (1-10). Duplicate names are allowed, as in Cin7; no record is re-stamped."""
        if code not in range(1, 11) or not new_name:
            raise ValueError(f"bad tier {code!r} / name {new_name!r}")
        with self._lock:
            self._tier_names[code - 1] = new_name

    def add_tax_rule(
        self, name: str, percent=Decimal("0"), is_active: bool = True, tax_inclusive=False
    ) -> str:
        """Add a tax rule (one component); the first one added is `/me`'s default sale tax rule."""
        percent = rec.as_decimal("TaxPercent", percent)
        return self._add_named(
            self._tax_rules,
            "tax rule",
            name,
            lambda rule_id: {
                "ID": rule_id,
                "Name": name,
                "Account": "820",
                "IsActive": is_active,
                "TaxInclusive": tax_inclusive,
                "TaxPercent": percent,
                "IsTaxForSale": True,
                "IsTaxForPurchase": True,
                # FACTS §6.1: the reference sends component numbers as strings.
                "Components": [
                    {
                        "ID": rec.new_id(self._rng).upper(),
                        "Name": name,
                        "Percent": f"{percent:.10f}",
                        "AccountCode": "820",
                        "Compound": "0",
                        "ComponentOrder": "1",
                    }
                ],
            },
        )

    def add_payment_term(
        self, name: str, method: str, duration: int, is_active: bool = True, is_default: bool = False
    ) -> str:
        """Add a payment term (`GET /ref/paymentterm`, APIB "Payment Term"): `Method` is e.g. "number of
        days", "days since the end of the month", "last day of next month"."""
        return self._add_named(
            self._payment_terms,
            "payment term",
            name,
            lambda term_id: {
                "ID": term_id,
                "Name": name,
                "Duration": duration,
                "Method": method,
                "IsActive": is_active,
                "IsDefault": is_default,
            },
        )

    def add_discount_rule(self, name: str, rule_type: str, lines: list[dict], is_active: bool = True) -> str:
        """Add a product discount rule (APIB "Product Discounts"): `rule_type` is `Simple`, `QuantityBased`
        or `FreeShipping`; each line gives `DiscountType` and `Amount` (and `MinValue`/`MaxValue` for a
        quantity-based rule). Names are unique, as products refer to rules by name."""
        if rule_type not in DISCOUNT_RULE_TYPES:
            raise ValueError(f"discount rule Type must be one of {DISCOUNT_RULE_TYPES}")
        checked = [self._discount_line(line) for line in lines]
        return self._add_named(
            self._discount_rules,
            "discount rule",
            name,
            lambda rule_id: {
                "ID": rule_id,
                "Name": name,
                "IsActive": is_active,
                "Type": rule_type,
                "DiscountLines": checked,
            },
        )

    def update_discount_rule(self, name: str, *, lines: list[dict] | None = None, is_active=None) -> None:
        """Change a rule's lines or `IsActive` (Cin7's Product Discounts screen); products keep naming it."""
        with self._lock:
            rule = next(r for r in self._discount_rules.values() if r["Name"].casefold() == name.casefold())
            if lines is not None:
                rule["DiscountLines"] = [self._discount_line(line) for line in lines]
            if is_active is not None:
                rule["IsActive"] = bool(is_active)

    def discount_rules(self) -> list[dict]:
        with self._lock:
            return [
                rule | {"DiscountLines": [dict(line) for line in rule["DiscountLines"]]}
                for rule in self._discount_rules.values()
            ]

    def has_active_discount_rule(self, name: str) -> bool:
        """APIB Product `DiscountRule`: a product may name only an existing, active rule."""
        with self._lock:
            return any(rule["Name"] == name and rule["IsActive"] for rule in self._discount_rules.values())

    def payment_terms(self) -> list[dict]:
        with self._lock:
            return [dict(term) for term in self._payment_terms.values()]

    def tax_rules(self) -> list[dict]:
        with self._lock:
            return [dict(rule) for rule in self._tax_rules.values()]

    def me(self) -> dict:
        """`GET /me` (FACTS §6.2)."""
        with self._lock:
            default = self._default_tax_rule()
            return {
                "Company": self.company,
                "Currency": self.currency,
                "TimeZone": self.timezone,
                "DefaultWeightUnits": "kg",
                "DefaultDimensionsUnits": "cm",
                "LockDate": None,
                "OpeningBalanceDate": "2021-07-31T00:00:00",
                "TaxCalculationMethod": "Row Total",
                "DefaultSaleTaxRuleId": default and default["ID"],
                "DefaultSaleTaxRuleName": default and default["Name"],
                "MaximumDecimalPlacesInQuantity": "N2",
                "ApplyCustomerDiscountsAfterOtherDiscounts": False,
                "DiscountRule": "Discount",
                "AutomaticallyApplyDiscounts": False,
                "RoundingTable": [
                    {
                        "RangeTo": Decimal("1000000"),
                        "RoundToNearest": Decimal("0.01"),
                        "AdjustmentRule": "N",
                        "AdjustmentValue": 0,
                    }
                ],
            }

    def _add_named(self, book: dict[str, dict], kind: str, name: str, build) -> str:
        """Add `build(new ID)` to `book` and return the ID; names are unique in a book, in any case."""
        with self._lock:
            if any(item["Name"].casefold() == name.casefold() for item in book.values()):
                raise ValueError(f"{kind} {name!r} exists")
            item_id = rec.new_id(self._rng)
            book[item_id] = build(item_id)
            return item_id

    # -- internals (caller holds the lock) ---------------------------------------------------------------
    def _discount_line(self, line: dict) -> dict:
        if line.get("DiscountType") not in DISCOUNT_LINE_TYPES:
            raise ValueError(f"discount line DiscountType must be one of {DISCOUNT_LINE_TYPES}")
        return {
            "ID": rec.new_id(self._rng),
            "MinValue": rec.as_decimal("MinValue", line.get("MinValue", 0)),
            "MaxValue": rec.as_decimal("MaxValue", line.get("MaxValue", 0)),
            "DiscountType": line["DiscountType"],
            "Amount": rec.as_decimal("Amount", line["Amount"]),
        }

    def _default_tax_rule(self) -> dict | None:
        return next(iter(self._tax_rules.values()), None)

    def _tier_code(self, tier) -> int:
        if isinstance(tier, int) and tier in range(1, 11):
            return tier
        if tier in self._tier_names:
            return self._tier_names.index(tier) + 1
        raise ValueError(f"no price tier {tier!r}; tiers are {self._tier_names}")
