"""B2B mutations on price lists and their fixed prices (B2B.md). A mutation answering userErrors changes
nothing."""

from decimal import Decimal, InvalidOperation

from ..context import RequestContext, limit_input_array
from ..store import gid
from .access import error
from .catalogs import attach
from .store import PriceList
from .views import price_list_view, price_view


def price_list_create(ctx: RequestContext, input: dict) -> dict:
    b2b = ctx.shop.b2b
    errors = _price_list_errors(ctx, input, None)
    if errors:
        return {"priceList": None, "userErrors": errors}
    adjustment = input["parent"]["adjustment"]
    settings = input["parent"].get("settings") or {}
    price_list = PriceList(
        id=gid("PriceList", ctx.shop.ids.next("PriceList")),
        name=input["name"].strip(),
        currency=input["currency"],
        adjustment_type=adjustment["type"],
        adjustment_value=adjustment["value"],
        compare_at_mode=settings.get("compareAtMode") or "ADJUSTED",
    )
    b2b.price_lists[price_list.id] = price_list
    if input.get("catalogId"):
        attach(b2b, b2b.catalogs[input["catalogId"]], price_list.id)
    return {"priceList": price_list_view(ctx, price_list), "userErrors": []}


def price_list_update(ctx: RequestContext, id: str, input: dict) -> dict:
    b2b = ctx.shop.b2b
    price_list = b2b.price_lists.get(id)
    if price_list is None:
        return {
            "priceList": None,
            "userErrors": [error(["id"], "Price list not found.", "PRICE_LIST_NOT_FOUND")],
        }
    errors = _price_list_errors(ctx, input, price_list)
    if errors:
        return {"priceList": None, "userErrors": errors}
    if input.get("name") is not None:
        price_list.name = input["name"].strip()
    if input.get("currency") is not None:
        price_list.currency = input["currency"]
    parent = input.get("parent") or {}
    if parent.get("adjustment") is not None:
        price_list.adjustment_type = parent["adjustment"]["type"]
        price_list.adjustment_value = parent["adjustment"]["value"]
    if (parent.get("settings") or {}).get("compareAtMode"):
        price_list.compare_at_mode = parent["settings"]["compareAtMode"]
    if "catalogId" in input:
        old = b2b.catalogs.get(price_list.catalog_id or "")
        if old is not None:
            attach(b2b, old, None)
        if input["catalogId"]:
            attach(b2b, b2b.catalogs[input["catalogId"]], price_list.id)
    return {"priceList": price_list_view(ctx, price_list), "userErrors": []}


def _price_list_errors(ctx, data: dict, price_list: PriceList | None) -> list:
    b2b, errors = ctx.shop.b2b, []
    name = data.get("name")
    if (price_list is None or "name" in data) and not (name or "").strip():
        errors.append(error(["input", "name"], "Name can't be blank", "BLANK"))
    elif name and any(p.name == name.strip() and p is not price_list for p in b2b.price_lists.values()):
        errors.append(error(["input", "name"], "Name has already been taken", "TAKEN"))
    currency = data.get("currency")
    if currency is not None and currency != ctx.shop.currency:
        message = f"Currency {currency} is not one of the shop's enabled currencies."
        errors.append(error(["input", "currency"], message, "CURRENCY_NOT_SUPPORTED"))
    adjustment = (data.get("parent") or {}).get("adjustment")
    if adjustment is not None:
        value, path = adjustment["value"], ["input", "parent", "adjustment", "value"]
        if value < 0:
            errors.append(error(path, "Adjustment value must be at least 0.", "INVALID_ADJUSTMENT_MIN_VALUE"))
        elif adjustment["type"] == "PERCENTAGE_DECREASE" and value > 100:
            message = "Adjustment value must be at most 100 for a decrease."
            errors.append(error(path, message, "INVALID_ADJUSTMENT_MAX_VALUE"))
    catalog_id = data.get("catalogId")
    if catalog_id:
        catalog = b2b.catalogs.get(catalog_id)
        if catalog is None:
            errors.append(error(["input", "catalogId"], "Catalog does not exist.", "CATALOG_DOES_NOT_EXIST"))
        elif catalog.price_list_id not in (None, price_list.id if price_list else None):
            errors.append(error(["input", "catalogId"], "Catalog has already been taken.", "CATALOG_TAKEN"))
    return errors


def fixed_prices_add(ctx: RequestContext, priceListId: str, prices: list) -> dict:
    limit_input_array(prices, "prices")
    price_list = ctx.shop.b2b.price_lists.get(priceListId)
    if price_list is None:
        return {"prices": None, "userErrors": [_no_price_list()]}
    rows, errors = _price_rows(ctx, price_list, prices, "prices")
    if errors:
        return {"prices": None, "userErrors": errors}
    price_list.fixed.update(rows)
    return {"prices": [price_view(ctx, price_list, v, price_list.fixed[v]) for v in rows], "userErrors": []}


def fixed_prices_delete(ctx: RequestContext, priceListId: str, variantIds: list) -> dict:
    limit_input_array(variantIds, "variantIds")
    price_list = ctx.shop.b2b.price_lists.get(priceListId)
    if price_list is None:
        return {"deletedFixedPriceVariantIds": None, "userErrors": [_no_price_list()]}
    errors = _delete_errors(ctx, price_list, variantIds, "variantIds")
    if errors:
        return {"deletedFixedPriceVariantIds": None, "userErrors": errors}
    for variant_id in variantIds:
        price_list.fixed.pop(variant_id, None)
        price_list.breaks.pop(variant_id, None)
    return {"deletedFixedPriceVariantIds": list(dict.fromkeys(variantIds)), "userErrors": []}


def fixed_prices_update(
    ctx: RequestContext, priceListId: str, pricesToAdd: list, variantIdsToDelete: list
) -> dict:
    limit_input_array(pricesToAdd, "pricesToAdd")
    limit_input_array(variantIdsToDelete, "variantIdsToDelete")
    failed = {"priceList": None, "pricesAdded": None, "deletedFixedPriceVariantIds": None}
    price_list = ctx.shop.b2b.price_lists.get(priceListId)
    if price_list is None:
        return failed | {"userErrors": [_no_price_list()]}
    rows, errors = _price_rows(ctx, price_list, pricesToAdd, "pricesToAdd")
    errors += _delete_errors(ctx, price_list, variantIdsToDelete, "variantIdsToDelete")
    if errors:
        return failed | {"userErrors": errors}
    for variant_id in variantIdsToDelete:
        price_list.fixed.pop(variant_id, None)
        price_list.breaks.pop(variant_id, None)
    price_list.fixed.update(rows)
    return {
        "priceList": price_list_view(ctx, price_list),
        "pricesAdded": [price_view(ctx, price_list, v, price_list.fixed[v]) for v in rows],
        "deletedFixedPriceVariantIds": list(dict.fromkeys(variantIdsToDelete)),
        "userErrors": [],
    }


def _price_rows(ctx, price_list: PriceList, prices: list, argument: str) -> tuple[dict, list]:
    rows, errors = {}, []
    for index, item in enumerate(prices):
        path = [argument, str(index)]
        if item["variantId"] not in ctx.shop.variants:
            errors.append(error([*path, "variantId"], "Variant not found.", "VARIANT_NOT_FOUND"))
            continue
        amounts = {}
        for key in ("price", "compareAtPrice"):
            money = item.get(key)
            if money is None:
                continue
            if money["currencyCode"] != price_list.currency:
                message = "The specified currency doesn't match the price list's currency."
                errors.append(error([*path, key, "currencyCode"], message, "PRICE_LIST_CURRENCY_MISMATCH"))
            try:
                amounts[key] = Decimal(str(money["amount"]))
            except InvalidOperation:
                errors.append(error([*path, key, "amount"], "Amount is invalid", "BLANK"))
        if "price" in amounts:
            rows[item["variantId"]] = {"price": amounts["price"], "compare_at": amounts.get("compareAtPrice")}
    return rows, errors


def _delete_errors(ctx, price_list: PriceList, variant_ids: list, argument: str) -> list:
    errors = []
    for index, variant_id in enumerate(variant_ids):
        if variant_id not in ctx.shop.variants:
            errors.append(error([argument, str(index)], "Variant not found.", "VARIANT_NOT_FOUND"))
        elif variant_id not in price_list.fixed:
            message = "Only fixed prices can be deleted."
            errors.append(error([argument, str(index)], message, "PRICE_NOT_FIXED"))
    return errors


def _no_price_list() -> dict:
    return error(["priceListId"], "Price list not found.", "PRICE_LIST_NOT_FOUND")
