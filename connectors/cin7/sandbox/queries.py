"""The GET endpoints of the sandbox: parameters, filters, ordering and paging, as Cin7 answers them.

Ordering model. Cin7 returns records in no fixed order, so offset paging over a changing set can repeat or
skip records (FACTS §3, §8.4). The sandbox sorts the matches of every request by `LastModifiedOn` and breaks
ties with a fresh draw from the store's seeded random source. Paging is therefore stable where stamps differ
and unstable among ties (deterministic for a given seed and request sequence), and a record modified while a
client pages moves to the end, exactly as an offset-paged SQL query ordered by modification date behaves.
"""

import uuid
from urllib.parse import parse_qsl

from .records import PRODUCT_INCLUDE_LISTS
from .wire import ApiError, parse_cin7_ticks

_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


class Params:
    """Query parameters with case-insensitive names (FACTS §3: `page` and `Page` both work); the first
    value of a repeated name wins; empty values count as absent."""

    def __init__(self, query: str):
        self.raw: dict[str, str] = {}
        for name, value in parse_qsl(query, keep_blank_values=True):
            self.raw.setdefault(name, value)
        self._values = {}
        for name, value in self.raw.items():
            self._values.setdefault(name.lower(), value)

    def text(self, name: str) -> str | None:
        return self._values.get(name.lower()) or None

    def integer(self, name: str, default: int, low: int, high: int | None = None) -> int:
        text = self.text(name)
        if text is None:
            return default
        try:
            value = int(text)
        except ValueError:
            raise ApiError(400, f"The value '{text}' is not valid for {name}.") from None
        if value < low or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise ApiError(400, f"{name} should be {bounds}.")
        return value

    def flag(self, name: str) -> bool:
        """`true/false/1/0` in any case (FACTS §5.1 shows `includeDeprecated=1`)."""
        text = self.text(name)
        if text is None:
            return False
        if text.lower() not in _BOOLEANS:
            raise ApiError(400, f"The value '{text}' is not valid for {name}.")
        return _BOOLEANS[text.lower()]

    def optional_flag(self, name: str) -> bool | None:
        return None if self.text(name) is None else self.flag(name)

    def guid(self, name: str) -> str | None:
        text = self.text(name)
        if text is None:
            return None
        try:
            return str(uuid.UUID(text))
        except ValueError:
            raise ApiError(400, f"The value '{text}' is not valid for {name}.") from None

    def since_ticks(self, name: str = "ModifiedSince") -> int | None:
        text = self.text(name)
        if text is None:
            return None
        try:
            return parse_cin7_ticks(text)
        except ValueError:
            raise ApiError(400, f"The value '{text}' is not valid for {name}.") from None


class Query:
    """One request's view of an account: its parameters, the random source for ties, the include cap."""

    def __init__(self, account, params: Params, rng, max_limit_with_includes: int | None):
        self.account, self.params, self.rng = account, params, rng
        self.max_limit_with_includes = max_limit_with_includes

    def paging(self, heavy: bool) -> tuple[int, int]:
        """(Page, Limit): Limit 1-1000 (FACTS §3). A heavy page (an `Include*` payload) above the cap fails
        the way Cin7's heavy pages time out (FACTS §3, §8.10)."""
        page = self.params.integer("Page", 1, 1)
        limit = self.params.integer("Limit", 100, 1, 1000)
        cap = self.max_limit_with_includes
        if heavy and cap is not None and limit > cap:
            raise ApiError(
                500,
                "Execution Timeout Expired. The timeout period elapsed prior to completion of the operation "
                "or the server is not responding.",
            )
        return page, limit

    def ordered_page(self, matches: list, page: int, limit: int) -> list:
        """The page of `matches` in the ordering model of the module docstring."""
        matches.sort(key=lambda record: (record.modified_ms, self.rng.random()))
        return matches[(page - 1) * limit : page * limit]


def _starts_with(value: str | None, prefix: str) -> bool:
    return (value or "").casefold().startswith(prefix)


def _record_filters(query: Query, name_field: str) -> list:
    params, filters = query.params, []
    if (record_id := params.guid("ID")) is not None:
        filters.append(lambda r: r.id.lower() == record_id)
    if not params.flag("IncludeDeprecated"):
        filters.append(lambda r: not r.deprecated)
    if (name := params.text("Name")) is not None:
        filters.append(lambda r: _starts_with(r.fields.get(name_field), name.casefold()))
    if (since := params.since_ticks()) is not None:
        filters.append(lambda r: r.modified_ms * 10_000 >= since)
    return filters


def _contact_matches(contacts: list[dict], needle: str) -> bool:
    """FACTS §4.2: a contact whose name starts with the value or whose email equals it."""
    return any(
        _starts_with(contact.get("Name"), needle) or (contact.get("Email") or "").casefold() == needle
        for contact in contacts
    )


def customers(query: Query) -> dict:
    """`GET /customer` (FACTS §4.2)."""
    params = query.params
    with_prices = params.flag("IncludeProductPrices")
    page, limit = query.paging(heavy=with_prices)
    filters = _record_filters(query, "Name")
    if (contact := params.text("ContactFilter")) is not None:
        filters.append(lambda r: _contact_matches(r.contacts, contact.casefold()))
    matches = [r for r in query.account.customer_records() if all(f(r) for f in filters)]
    rows = query.ordered_page(matches, page, limit)
    return {
        "Total": len(matches),
        "Page": page,
        "CustomerList": [query.account.render_customer(r, with_prices) for r in rows],
    }


def products(query: Query) -> dict:
    """`GET /product` (FACTS §5.1)."""
    params = query.params
    with_prices = params.flag("IncludeCustomPrices")
    lists = [key for flag, keys in PRODUCT_INCLUDE_LISTS.items() if params.flag(flag) for key in keys]
    page, limit = query.paging(heavy=with_prices or bool(lists))
    filters = _record_filters(query, "Name")
    if (sku := params.text("Sku")) is not None:
        filters.append(lambda r: _starts_with(r.fields["SKU"], sku.casefold()))
    matches = [r for r in query.account.product_records() if all(f(r) for f in filters)]
    rows = query.ordered_page(matches, page, limit)
    return {
        "Total": len(matches),
        "Page": page,
        "Products": [query.account.render_product(r, with_prices, lists) for r in rows],
    }


def tax_rules(query: Query) -> dict:
    """`GET /ref/tax` (FACTS §6.1), in the order the rules were added."""
    rules = query.account.tax_rules()
    if (account := query.params.text("Account")) is not None:
        rules = [rule for rule in rules if rule["Account"] == account]
    return _book_page(query, rules, "TaxRuleList", ("IsActive", "IsTaxForSale", "IsTaxForPurchase"))


def payment_terms(query: Query) -> dict:
    """`GET /ref/paymentterm` (APIB "Payment Term"), in the order the terms were added."""
    terms = query.account.payment_terms()
    if (method := query.params.text("Method")) is not None:
        terms = [term for term in terms if term["Method"].casefold() == method.casefold()]
    return _book_page(query, terms, "PaymentTermList", ("IsActive", "IsDefault"))


def discount_rules(query: Query) -> dict:
    """`GET /reference/discount` (APIB "Product Discounts"): paged, `ID`, `Search` (text in `Name`)."""
    rules = query.account.discount_rules()
    if (search := query.params.text("Search")) is not None:
        rules = [rule for rule in rules if search.casefold() in rule["Name"].casefold()]
    return _book_page(query, rules, "DiscountRules", ())


def _book_page(query: Query, rows: list[dict], list_key: str, flags: tuple[str, ...]) -> dict:
    """One page of a `/ref/*` book, filtered by `ID`, a `Name` prefix and the boolean `flags` as asked."""
    params = query.params
    page, limit = query.paging(heavy=False)
    if (row_id := params.guid("ID")) is not None:
        rows = [row for row in rows if row["ID"].lower() == row_id]
    if (name := params.text("Name")) is not None:
        rows = [row for row in rows if _starts_with(row["Name"], name.casefold())]
    for flag in flags:
        if (wanted := params.optional_flag(flag)) is not None:
            rows = [row for row in rows if row[flag] == wanted]
    return {"Total": len(rows), "Page": page, list_key: rows[(page - 1) * limit : page * limit]}


def price_tiers(query: Query) -> dict:
    """`GET /ref/priceTier`: always the 10 tiers, not paged (FACTS §5.3)."""
    names = query.account.price_tier_names
    return {"PriceTiers": [{"Code": code, "Name": name} for code, name in enumerate(names, start=1)]}


def me(query: Query) -> dict:
    """`GET /me`: one object, no envelope (FACTS §6.2)."""
    return query.account.me()


ENDPOINTS = {
    "me": me,
    "customer": customers,
    "product": products,
    "ref/pricetier": price_tiers,
    "ref/tax": tax_rules,
    "ref/paymentterm": payment_terms,
    "reference/discount": discount_rules,
}
