"""B2B mutations on catalogs, price lists and fixed prices (B2B.md). A mutation answering userErrors
changes nothing."""

from decimal import Decimal, InvalidOperation

from graphql import GraphQLError

from ..context import RequestContext, limit_input_array
from ..store import gid
from .access import MAX_NAME, error
from .store import Catalog, PriceList
from .views import catalog_view, price_list_view, price_view


def catalog_create(ctx: RequestContext, input: dict) -> dict:
    b2b = ctx.shop.b2b
    location_ids = _context_locations(input["context"])
    errors = _catalog_errors(ctx, input, None, ["input"])
    errors += _location_id_errors(ctx, location_ids, ["input", "context", "companyLocationIds"])
    if not errors and input["status"] == "ACTIVE":
        errors += _limit_errors(ctx)
    if errors:
        return {"catalog": None, "userErrors": errors}
    catalog = Catalog(
        id=gid("CompanyLocationCatalog", ctx.shop.ids.next("CompanyLocationCatalog")),
        title=input["title"].strip(),
        status=input["status"],
        location_ids=list(dict.fromkeys(location_ids)),
        publication_id=input.get("publicationId"),
    )
    b2b.catalogs[catalog.id] = catalog
    _attach(b2b, catalog, input.get("priceListId"))
    return {"catalog": catalog_view(ctx, catalog), "userErrors": []}


def catalog_update(ctx: RequestContext, id: str, input: dict) -> dict:
    b2b = ctx.shop.b2b
    catalog = b2b.catalogs.get(id)
    if catalog is None:
        return {"catalog": None, "userErrors": [error(["id"], "Catalog does not exist", "CATALOG_NOT_FOUND")]}
    errors = _catalog_errors(ctx, input, catalog, ["input"])
    location_ids = _context_locations(input["context"]) if input.get("context") is not None else None
    if location_ids is not None:
        errors += _location_id_errors(ctx, location_ids, ["input", "context", "companyLocationIds"])
    if not errors and input.get("status") == "ACTIVE" and catalog.status != "ACTIVE":
        errors += _limit_errors(ctx)
    if errors:
        return {"catalog": None, "userErrors": errors}
    if input.get("title") is not None:
        catalog.title = input["title"].strip()
    if input.get("status") is not None:
        catalog.status = input["status"]
    if location_ids is not None:
        catalog.location_ids = list(dict.fromkeys(location_ids))
    if "publicationId" in input:
        catalog.publication_id = input["publicationId"]
    if "priceListId" in input:
        _attach(b2b, catalog, input["priceListId"])
    return {"catalog": catalog_view(ctx, catalog), "userErrors": []}


def catalog_context_update(
    ctx: RequestContext, catalogId: str, contextsToAdd=None, contextsToRemove=None
) -> dict:
    catalog = ctx.shop.b2b.catalogs.get(catalogId)
    if catalog is None:
        return {
            "catalog": None,
            "userErrors": [error(["catalogId"], "Catalog does not exist", "CATALOG_NOT_FOUND")],
        }
    if contextsToAdd is None and contextsToRemove is None:
        message = "Contexts to add or remove must be provided."
        return {"catalog": None, "userErrors": [error(None, message, "REQUIRES_CONTEXTS_TO_ADD_OR_REMOVE")]}
    added = _context_locations(contextsToAdd) if contextsToAdd is not None else []
    removed = _context_locations(contextsToRemove) if contextsToRemove is not None else []
    errors = _location_id_errors(ctx, added, ["contextsToAdd", "companyLocationIds"])
    errors += _location_id_errors(ctx, removed, ["contextsToRemove", "companyLocationIds"])
    if errors:
        return {"catalog": None, "userErrors": errors}
    gone = set(removed)
    catalog.location_ids = list(dict.fromkeys([*(i for i in catalog.location_ids if i not in gone), *added]))
    return {"catalog": catalog_view(ctx, catalog), "userErrors": []}


def _context_locations(context: dict) -> list[str]:
    """The company location ids of a CatalogContextInput; markets are not modelled."""
    if context.get("marketIds"):
        raise GraphQLError("The Shopify sandbox does not implement market catalogs (marketIds).")
    location_ids = context.get("companyLocationIds")
    limit_input_array(location_ids or [], "companyLocationIds")
    return list(location_ids or [])


def _catalog_errors(ctx, data: dict, catalog: Catalog | None, path: list[str]) -> list:
    b2b, errors = ctx.shop.b2b, []
    if not b2b.settings.catalog_limit and b2b.settings.catalog_limit is not None:
        message = "This shop's plan does not include B2B catalogs."
        errors.append(error(None, message, "COMPANY_LOCATION_CATALOG_STATUS_PLAN"))
    title = data.get("title")
    if (catalog is None or "title" in data) and not (title or "").strip():
        errors.append(error([*path, "title"], "Title can't be blank", "BLANK"))
    elif title and len(title) > MAX_NAME:
        errors.append(
            error([*path, "title"], f"Title is too long (maximum is {MAX_NAME} characters)", "TOO_LONG")
        )
    elif title and any(c.title == title.strip() and c is not catalog for c in b2b.catalogs.values()):
        errors.append(error([*path, "title"], "Title has already been taken", "TAKEN"))
    price_list_id = data.get("priceListId")
    if price_list_id is not None:
        price_list = b2b.price_lists.get(price_list_id)
        if price_list is None:
            errors.append(error([*path, "priceListId"], "Price list not found.", "PRICE_LIST_NOT_FOUND"))
        elif price_list.catalog_id not in (None, catalog.id if catalog else None):
            errors.append(error([*path, "priceListId"], "Price list has already been taken", "TAKEN"))
    return errors


def _location_id_errors(ctx, location_ids: list[str], path: list[str]) -> list:
    return [
        error(
            [*path, str(i)], f"Company location does not exist: {location_id}", "COMPANY_LOCATION_NOT_FOUND"
        )
        for i, location_id in enumerate(location_ids)
        if location_id not in ctx.shop.b2b.locations
    ]


def _limit_errors(ctx) -> list:
    """The plan's active B2B catalog limit. The 2026-01 enum has no B2B_CATALOG_LIMIT_REACHED (added in a
    later version), so the code is null there; the message is the one shopify.dev gives (B2B.md)."""
    settings, b2b = ctx.shop.b2b.settings, ctx.shop.b2b
    if settings.catalog_limit is None or b2b.active_catalog_count() < settings.catalog_limit:
        return []
    return [
        error(["input"], "You've reached the maximum number of B2B catalogs allowed for your plan.", None)
    ]


def _attach(b2b, catalog: Catalog, price_list_id: str | None) -> None:
    """Link a catalog and a price list both ways, unlinking what either was linked to."""
    previous = b2b.price_lists.get(catalog.price_list_id or "")
    if previous is not None:
        previous.catalog_id = None
    catalog.price_list_id = price_list_id
    price_list = b2b.price_lists.get(price_list_id or "")
    if price_list is not None:
        old = b2b.catalogs.get(price_list.catalog_id or "")
        if old is not None and old is not catalog:
            old.price_list_id = None
        price_list.catalog_id = catalog.id


# --- price lists ---


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
        _attach(b2b, b2b.catalogs[input["catalogId"]], price_list.id)
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
            _attach(b2b, old, None)
        if input["catalogId"]:
            _attach(b2b, b2b.catalogs[input["catalogId"]], price_list.id)
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
