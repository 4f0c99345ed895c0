"""Volume pricing on price lists: quantity price breaks and quantity rules (B2B.md "Volume pricing").

`quantityPricingByVariantUpdate` applies deletes before adds and all or nothing; `quantityRulesAdd` creates
or replaces a variant's rule; `quantityRulesDelete` removes them. The checks are the ones the 2026-01 schema
names in `QuantityPricingByVariantUserErrorCode` and `QuantityRuleUserErrorCode`.
"""

from decimal import Decimal, InvalidOperation

from ..context import RequestContext, limit_input_array
from ..store import gid, gid_number
from ..views import variant_view
from .access import error
from .store import PriceList, money

DEFAULT_RULE = {"minimum": 1, "increment": 1, "maximum": None}


def quantity_pricing_update(ctx: RequestContext, priceListId: str, input: dict) -> dict:
    for key in ("pricesToAdd", "pricesToDeleteByVariantId", "quantityPriceBreaksToAdd", "quantityRulesToAdd"):
        limit_input_array(input.get(key) or [], key)
    price_list = ctx.shop.b2b.price_lists.get(priceListId)
    if price_list is None:
        message = "Price List does not exist."
        return {
            "productVariants": None,
            "userErrors": [error(["priceListId"], message, "PRICE_LIST_NOT_FOUND")],
        }
    staged = _Staged(price_list)
    errors = staged.delete(ctx, input) + staged.add(ctx, input)
    if errors:
        return {"productVariants": None, "userErrors": errors}
    price_list.fixed, price_list.breaks, price_list.quantity_rules = staged.fixed, staged.breaks, staged.rules
    touched = dict.fromkeys(staged.touched)
    return {"productVariants": [variant_view(ctx, ctx.shop.variants[v]) for v in touched], "userErrors": []}


class _Staged:
    """A copy of one price list's prices, breaks and rules that the mutation changes before committing."""

    def __init__(self, price_list: PriceList):
        self.price_list = price_list
        self.fixed = dict(price_list.fixed)
        self.breaks = {variant: dict(rows) for variant, rows in price_list.breaks.items()}
        self.rules = dict(price_list.quantity_rules)
        self.touched: list[str] = []

    def delete(self, ctx, data: dict) -> list:
        errors, variants = [], ctx.shop.variants
        for index, variant_id in enumerate(data.get("pricesToDeleteByVariantId") or []):
            if variant_id not in variants:
                errors.append(_err("pricesToDeleteByVariantId", index, "PRICE_DELETE_VARIANT_NOT_FOUND"))
            elif variant_id not in self.fixed:
                errors.append(_err("pricesToDeleteByVariantId", index, "PRICE_DELETE_PRICE_NOT_FIXED"))
            else:
                self.fixed.pop(variant_id)
                self.breaks.pop(variant_id, None)  # breaks hang on the fixed price
        by_id = {
            row["id"]: (variant, minimum)
            for variant, rows in self.breaks.items()
            for minimum, row in rows.items()
        }
        for index, break_id in enumerate(data.get("quantityPriceBreaksToDelete") or []):
            if break_id not in by_id:
                errors.append(
                    _err("quantityPriceBreaksToDelete", index, "QUANTITY_PRICE_BREAK_DELETE_NOT_FOUND")
                )
            else:
                variant, minimum = by_id[break_id]
                self.breaks.get(variant, {}).pop(minimum, None)
        for index, variant_id in enumerate(data.get("quantityPriceBreaksToDeleteByVariantId") or []):
            if variant_id not in variants:
                code = "QUANTITY_PRICE_BREAK_DELETE_BY_VARIANT_ID_VARIANT_NOT_FOUND"
                errors.append(_err("quantityPriceBreaksToDeleteByVariantId", index, code))
            self.breaks.pop(variant_id, None)
        for index, variant_id in enumerate(data.get("quantityRulesToDeleteByVariantId") or []):
            if variant_id not in variants:
                errors.append(
                    _err("quantityRulesToDeleteByVariantId", index, "QUANTITY_RULE_DELETE_VARIANT_NOT_FOUND")
                )
            elif self.rules.pop(variant_id, None) is None:
                errors.append(
                    _err("quantityRulesToDeleteByVariantId", index, "QUANTITY_RULE_DELETE_RULE_NOT_FOUND")
                )
        return errors

    def add(self, ctx, data: dict) -> list:
        errors = self._add_prices(ctx, data.get("pricesToAdd") or [])
        rules = data.get("quantityRulesToAdd") or []
        for index, rule in enumerate(rules):
            problem = _rule_problem(ctx, rule, rules, self.breaks)
            if problem:
                errors.append(
                    _err("quantityRulesToAdd", index, "QUANTITY_RULE_ADD_" + RULE_CODES[problem][1])
                )
            else:
                self.rules[rule["variantId"]] = _rule(rule)
                self.touched.append(rule["variantId"])
        seen = set()
        for index, row in enumerate(data.get("quantityPriceBreaksToAdd") or []):
            code = self._break_problem(ctx, row, seen)
            if code:
                errors.append(_err("quantityPriceBreaksToAdd", index, "QUANTITY_PRICE_BREAK_ADD_" + code))
                continue
            number = ctx.shop.ids.next("QuantityPriceBreak")
            self.breaks.setdefault(row["variantId"], {})[row["minimumQuantity"]] = {
                "id": gid("QuantityPriceBreak", number),
                "price": Decimal(str(row["price"]["amount"])),
            }
            self.touched.append(row["variantId"])
        return errors

    def _add_prices(self, ctx, prices: list) -> list:
        errors = []
        for index, row in enumerate(prices):
            variant_id, money_in = row["variantId"], row["price"]
            if variant_id not in ctx.shop.variants:
                errors.append(_err("pricesToAdd", index, "PRICE_ADD_VARIANT_NOT_FOUND"))
            elif money_in["currencyCode"] != self.price_list.currency:
                errors.append(_err("pricesToAdd", index, "PRICE_ADD_CURRENCY_MISMATCH"))
            elif sum(p["variantId"] == variant_id for p in prices) > 1:
                errors.append(_err("pricesToAdd", index, "PRICE_ADD_DUPLICATE_INPUT_FOR_VARIANT"))
            else:
                compare_at = row.get("compareAtPrice")
                self.fixed[variant_id] = {
                    "price": Decimal(str(money_in["amount"])),
                    "compare_at": Decimal(str(compare_at["amount"])) if compare_at else None,
                }
                self.touched.append(variant_id)
        return errors

    def _break_problem(self, ctx, row: dict, seen: set) -> str | None:
        variant_id, minimum = row["variantId"], row["minimumQuantity"]
        rule = self.rules.get(variant_id, DEFAULT_RULE)
        if variant_id not in ctx.shop.variants:
            return "VARIANT_NOT_FOUND"
        if (variant_id, minimum) in seen:
            return "DUPLICATE_INPUT_FOR_VARIANT_AND_MIN"
        seen.add((variant_id, minimum))
        if row["price"]["currencyCode"] != self.price_list.currency:
            return "CURRENCY_MISMATCH"
        if not _amount_ok(row["price"]["amount"]) or minimum < 1:
            return "INVALID"
        if variant_id not in self.fixed:
            return "PRICE_LIST_PRICE_NOT_FOUND"
        if minimum < rule["minimum"]:
            return "MIN_LOWER_THAN_QUANTITY_RULES_MIN"
        if rule["maximum"] is not None and minimum > rule["maximum"]:
            return "MIN_HIGHER_THAN_QUANTITY_RULES_MAX"
        if minimum % rule["increment"]:
            return "MIN_NOT_A_MULTIPLE_OF_QUANTITY_RULES_INCREMENT"
        return None


def quantity_rules_add(ctx: RequestContext, priceListId: str, quantityRules: list) -> dict:
    limit_input_array(quantityRules, "quantityRules")
    price_list = ctx.shop.b2b.price_lists.get(priceListId)
    if price_list is None:
        message = "Price list does not exist."
        return {
            "quantityRules": None,
            "userErrors": [error(["priceListId"], message, "PRICE_LIST_DOES_NOT_EXIST")],
        }
    errors = []
    for index, rule in enumerate(quantityRules):
        problem = _rule_problem(ctx, rule, quantityRules, price_list.breaks)
        if problem:
            code = RULE_CODES[problem][0]
            errors.append(
                error(["quantityRules", str(index)], code.replace("_", " ").capitalize() + ".", code)
            )
    if errors:
        return {"quantityRules": None, "userErrors": errors}
    for rule in quantityRules:
        price_list.quantity_rules[rule["variantId"]] = _rule(rule)
    views = [rule_view(ctx, r["variantId"], price_list.quantity_rules[r["variantId"]]) for r in quantityRules]
    return {"quantityRules": views, "userErrors": []}


def quantity_rules_delete(ctx: RequestContext, priceListId: str, variantIds: list) -> dict:
    limit_input_array(variantIds, "variantIds")
    price_list = ctx.shop.b2b.price_lists.get(priceListId)
    if price_list is None:
        message = "Price list does not exist."
        failed = [error(["priceListId"], message, "PRICE_LIST_DOES_NOT_EXIST")]
        return {"deletedQuantityRulesVariantIds": None, "userErrors": failed}
    errors = []
    for index, variant_id in enumerate(variantIds):
        if variant_id not in ctx.shop.variants:
            errors.append(
                error(["variantIds", str(index)], "Variant not found.", "PRODUCT_VARIANT_DOES_NOT_EXIST")
            )
        elif variant_id not in price_list.quantity_rules:
            message = "Quantity rule for variant associated with the price list provided does not exist."
            errors.append(error(["variantIds", str(index)], message, "VARIANT_QUANTITY_RULE_DOES_NOT_EXIST"))
    if errors:
        return {"deletedQuantityRulesVariantIds": None, "userErrors": errors}
    for variant_id in variantIds:
        price_list.quantity_rules.pop(variant_id, None)
    return {"deletedQuantityRulesVariantIds": list(dict.fromkeys(variantIds)), "userErrors": []}


# A problem with a rule input -> its code in `quantityRulesAdd` and in `quantityPricingByVariantUpdate`.
RULE_CODES = {
    "variant": ("PRODUCT_VARIANT_DOES_NOT_EXIST", "VARIANT_NOT_FOUND"),
    "duplicate": ("DUPLICATE_INPUT_FOR_VARIANT", "DUPLICATE_INPUT_FOR_VARIANT"),
    "minimum": ("GREATER_THAN_OR_EQUAL_TO", "MINIMUM_IS_LESS_THAN_ONE"),
    "increment": ("GREATER_THAN_OR_EQUAL_TO", "INCREMENT_IS_LESS_THAN_ONE"),
    "maximum": ("GREATER_THAN_OR_EQUAL_TO", "MAXIMUM_IS_LESS_THAN_ONE"),
    "increment_above_minimum": ("INCREMENT_IS_GREATER_THAN_MINIMUM", "INCREMENT_IS_GREATER_THAN_MINIMUM"),
    "minimum_off_increment": ("MINIMUM_NOT_MULTIPLE_OF_INCREMENT", "MINIMUM_NOT_A_MULTIPLE_OF_INCREMENT"),
    "minimum_above_maximum": ("MINIMUM_IS_GREATER_THAN_MAXIMUM", "MINIMUM_GREATER_THAN_MAXIMUM"),
    "maximum_off_increment": ("MAXIMUM_NOT_MULTIPLE_OF_INCREMENT", "MAXIMUM_NOT_A_MULTIPLE_OF_INCREMENT"),
    "break_below_minimum": (
        "MINIMUM_IS_HIGHER_THAN_QUANTITY_PRICE_BREAK_MINIMUM",
        "MIN_HIGHER_THAN_QUANTITY_PRICE_BREAK_MIN",
    ),
    "break_off_increment": (
        "INCREMENT_NOT_A_MULTIPLE_OF_QUANTITY_PRICE_BREAK_MINIMUM",
        "INCREMENT_NOT_A_MULTIPLE_OF_QUANTITY_PRICE_BREAK_MIN",
    ),
    "break_above_maximum": (
        "MAXIMUM_IS_LOWER_THAN_QUANTITY_PRICE_BREAK_MINIMUM",
        "MAX_LOWER_THAN_QUANTITY_PRICE_BREAK_MIN",
    ),
}


def _rule_problem(ctx, rule: dict, batch: list, breaks: dict) -> str | None:
    """What is wrong with one rule input (a `RULE_CODES` key), or None; `breaks` are the price list's."""
    minimum, increment, maximum = rule["minimum"], rule["increment"], rule.get("maximum")
    variant_id = rule["variantId"]
    minimums = list(breaks.get(variant_id, {}))
    checks = (
        ("variant", variant_id not in ctx.shop.variants),
        ("duplicate", sum(r["variantId"] == variant_id for r in batch) > 1),
        ("minimum", minimum < 1),
        ("increment", increment < 1),
        ("maximum", maximum is not None and maximum < 1),
        ("increment_above_minimum", increment > minimum),
        ("minimum_off_increment", minimum % increment),
        ("minimum_above_maximum", maximum is not None and maximum < minimum),
        ("maximum_off_increment", maximum is not None and maximum % increment),
        ("break_below_minimum", any(m < minimum for m in minimums)),
        ("break_off_increment", any(m % increment for m in minimums)),
        ("break_above_maximum", maximum is not None and any(m > maximum for m in minimums)),
    )
    return next((problem for problem, failed in checks if failed), None)


def _rule(rule: dict) -> dict:
    return {"minimum": rule["minimum"], "increment": rule["increment"], "maximum": rule.get("maximum")}


def _amount_ok(amount) -> bool:
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return False
    return value.is_finite() and value >= 0


def _err(argument: str, index: int, code: str) -> dict:
    return error(["input", argument, str(index)], code.replace("_", " ").capitalize() + ".", code)


# -- views ---------------------------------------------------------------------------------------------------
def rule_view(ctx: RequestContext, variant_id: str, rule: dict | None) -> dict:
    """`QuantityRule`: the price list's rule, else the default 1/1/none (`isDefault`, RELATIVE)."""
    rule = rule or DEFAULT_RULE
    is_default = rule == DEFAULT_RULE
    return {
        "minimum": rule["minimum"],
        "increment": rule["increment"],
        "maximum": rule["maximum"],
        "isDefault": is_default,
        "originType": "RELATIVE" if is_default else "FIXED",
        "productVariant": lambda info: variant_view(ctx, ctx.shop.variants[variant_id]),
    }


def breaks_connection(ctx: RequestContext, price_list: PriceList | None, variant_id: str, list_view=None):
    """`quantityPriceBreaks(...)`: the price list's breaks for the variant, by minimum quantity;
    `list_view()` renders the break's `priceList`."""
    rows = sorted(((price_list.breaks if price_list else {}).get(variant_id) or {}).items())

    def resolve(info, sortKey=None, **page):
        def view(item):
            minimum, row = item
            return {
                "id": row["id"],
                "minimumQuantity": minimum,
                "price": {"amount": money(row["price"]), "currencyCode": price_list.currency},
                "variant": lambda info: variant_view(ctx, ctx.shop.variants[variant_id]),
                "priceList": lambda info: list_view(),
            }

        return ctx.page(rows, sort_key=lambda item: (item[0],), view=view, **page)

    return resolve


def rules_connection(ctx: RequestContext, price_list: PriceList):
    """`PriceList.quantityRules(...)`: the list's explicit rules, ordered by variant."""

    def resolve(info, **page):
        rows = [(v, r) for v, r in price_list.quantity_rules.items() if v in ctx.shop.variants]
        return ctx.page(
            rows, sort_key=lambda row: (gid_number(row[0]),), view=lambda row: rule_view(ctx, *row), **page
        )

    return resolve
