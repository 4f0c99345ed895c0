"""B2B mutations on catalogs: company location (direct) catalogs and market catalogs, under the plan's rules
(plans.py, B2B.md). A mutation answering userErrors changes nothing."""

from dataclasses import replace

from ..context import RequestContext, limit_input_array
from ..store import gid
from .access import MAX_NAME, error
from .plans import direct_status_errors, entitlement_errors, limit_errors, location_limit_errors
from .store import DIRECT, MARKET, Catalog
from .views import catalog_view

CONTEXT_PATH = ["input", "context"]


def catalog_create(ctx: RequestContext, input: dict) -> dict:
    kind, ids, errors = _context(ctx, input["context"], CONTEXT_PATH)
    planned = Catalog(
        id="new",
        title=(input["title"] or "").strip(),
        status=input["status"],
        kind=kind,
        location_ids=ids if kind == DIRECT else [],
        market_ids=ids if kind == MARKET else [],
        publication_id=input.get("publicationId"),
    )
    errors += _catalog_errors(ctx, input, None, ["input"]) + entitlement_errors(ctx)
    errors = errors or _plan_errors(ctx, planned, planned.location_ids, ["input", "status"])
    if errors:
        return {"catalog": None, "userErrors": errors}
    catalog = replace(planned, id=gid(kind, ctx.shop.ids.next(kind)))
    ctx.shop.b2b.catalogs[catalog.id] = catalog
    attach(ctx.shop.b2b, catalog, input.get("priceListId"))
    return {"catalog": catalog_view(ctx, catalog), "userErrors": []}


def catalog_update(ctx: RequestContext, id: str, input: dict) -> dict:
    b2b = ctx.shop.b2b
    catalog = b2b.catalogs.get(id)
    if catalog is None:
        return {"catalog": None, "userErrors": [error(["id"], "Catalog does not exist", "CATALOG_NOT_FOUND")]}
    errors, planned = _catalog_errors(ctx, input, catalog, ["input"]), replace(catalog)
    if input.get("title") is not None:
        planned.title = input["title"].strip()
    if input.get("status") is not None:
        planned.status = input["status"]
    if input.get("context") is not None:
        kind, ids, context_errors = _context(ctx, input["context"], CONTEXT_PATH)
        errors += context_errors or _kind_errors(catalog, kind, CONTEXT_PATH, "INVALID_CONTEXT_CHANGE")
        planned.location_ids, planned.market_ids = (ids, []) if kind == DIRECT else ([], ids)
    if not errors and ("status" in input or "context" in input):
        added = [i for i in planned.location_ids if i not in catalog.location_ids]
        errors = _plan_errors(ctx, planned, added, ["input", "status"], catalog.status == planned.status)
    if errors:
        return {"catalog": None, "userErrors": errors}
    catalog.title, catalog.status = planned.title, planned.status
    catalog.location_ids, catalog.market_ids = planned.location_ids, planned.market_ids
    if "publicationId" in input:
        catalog.publication_id = input["publicationId"]
    if "priceListId" in input:
        attach(b2b, catalog, input["priceListId"])
    return {"catalog": catalog_view(ctx, catalog), "userErrors": []}


def catalog_context_update(
    ctx: RequestContext, catalogId: str, contextsToAdd=None, contextsToRemove=None
) -> dict:
    catalog = ctx.shop.b2b.catalogs.get(catalogId)
    if catalog is None:
        not_found = error(["catalogId"], "Catalog does not exist", "CATALOG_NOT_FOUND")
        return {"catalog": None, "userErrors": [not_found]}
    if contextsToAdd is None and contextsToRemove is None:
        message = "Contexts to add or remove must be provided."
        return {"catalog": None, "userErrors": [error(None, message, "REQUIRES_CONTEXTS_TO_ADD_OR_REMOVE")]}
    errors, changes = [], {}
    for name, context in (("contextsToAdd", contextsToAdd), ("contextsToRemove", contextsToRemove)):
        kind, ids, context_errors = _context(ctx, context or {catalog_ids(catalog): []}, [name])
        errors += context_errors or _kind_errors(catalog, kind, [name], "CONTEXT_DRIVER_MISMATCH")
        changes[name] = ids
    current = catalog.location_ids if catalog.kind == DIRECT else catalog.market_ids
    gone = set(changes["contextsToRemove"])
    ids = list(dict.fromkeys([*(i for i in current if i not in gone), *changes["contextsToAdd"]]))
    planned = replace(catalog, **{"location_ids" if catalog.kind == DIRECT else "market_ids": ids})
    added = [i for i in planned.location_ids if i not in catalog.location_ids]
    errors = errors or _plan_errors(ctx, planned, added, ["contextsToAdd"], not added)
    if errors:
        return {"catalog": None, "userErrors": errors}
    catalog.location_ids, catalog.market_ids = planned.location_ids, planned.market_ids
    return {"catalog": catalog_view(ctx, catalog), "userErrors": []}


def catalog_delete(ctx: RequestContext, id: str, deleteDependentResources=False) -> dict:
    b2b = ctx.shop.b2b
    catalog = b2b.catalogs.get(id)
    if catalog is None:
        return {
            "deletedId": None,
            "userErrors": [error(["id"], "Catalog does not exist", "CATALOG_NOT_FOUND")],
        }
    price_list_id = catalog.price_list_id
    attach(b2b, catalog, None)
    if deleteDependentResources and price_list_id:
        b2b.price_lists.pop(price_list_id, None)
    del b2b.catalogs[id]
    return {"deletedId": id, "userErrors": []}


def catalog_ids(catalog: Catalog) -> str:
    """The CatalogContextInput field naming a catalog's context."""
    return "companyLocationIds" if catalog.kind == DIRECT else "marketIds"


def _context(ctx, context: dict, path: list[str]) -> tuple[str, list[str], list]:
    """(catalog kind, ids, userErrors) of a CatalogContextInput: exactly one of companyLocationIds and
    marketIds, each id known."""
    given = {k: v for k, v in context.items() if k in ("companyLocationIds", "marketIds") and v is not None}
    if len(given) != 1:
        message = "Must provide exactly one context type."
        return DIRECT, [], [error(path, message, "MUST_PROVIDE_EXACTLY_ONE_CONTEXT_TYPE")]
    ((name, ids),) = given.items()
    limit_input_array(ids, name)
    b2b = ctx.shop.b2b
    if name == "marketIds":
        missing, code, what = b2b.markets, "MARKET_NOT_FOUND", "Market"
    else:
        missing, code, what = b2b.locations, "COMPANY_LOCATION_NOT_FOUND", "Company location"
    errors = [
        error([*path, name, str(i)], f"{what} does not exist: {record_id}", code)
        for i, record_id in enumerate(ids)
        if record_id not in missing
    ]
    return (MARKET if name == "marketIds" else DIRECT), list(dict.fromkeys(ids)), errors


def _kind_errors(catalog: Catalog, kind: str, path: list[str], code: str) -> list:
    if kind == catalog.kind:
        return []
    messages = {
        "INVALID_CONTEXT_CHANGE": "Cannot change context to specified type.",
        "CONTEXT_DRIVER_MISMATCH": "The arguments `contextsToAdd` and `contextsToRemove` must match existing "
        "catalog context type.",
    }
    return [error(path, messages[code], code)]


def _plan_errors(ctx, planned: Catalog, added: list[str], path: list[str], status_kept=False) -> list:
    """The plan's rules for a catalog about to be saved as `planned` (`added`: locations it gains)."""
    errors = [] if status_kept and not added else direct_status_errors(ctx, planned, path)
    errors = errors or location_limit_errors(ctx, planned.id, added, [*CONTEXT_PATH, "companyLocationIds"])
    return errors or limit_errors(ctx, [planned])


def _catalog_errors(ctx, data: dict, catalog: Catalog | None, path: list[str]) -> list:
    b2b, errors = ctx.shop.b2b, []
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


def attach(b2b, catalog: Catalog, price_list_id: str | None) -> None:
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
