"""Market mutations with company-location conditions (B2B markets), under the plan's catalog limit
(plans.py, B2B.md "Markets"). Region and retail-location conditions are not modelled. A mutation answering
userErrors changes nothing."""

import re
from dataclasses import replace

from graphql import GraphQLError

from ..context import RequestContext, limit_input_array
from ..store import gid
from .access import MAX_NAME, error, require_b2b
from .plans import entitlement_errors, limit_errors
from .store import MARKET, Market
from .views import market_view


def market_create(ctx: RequestContext, input: dict) -> dict:
    b2b = ctx.shop.b2b
    planned = Market(
        id="new", name=(input.get("name") or "").strip(), handle="", status=input.get("status") or "ACTIVE"
    )
    errors = _name_errors(input, planned.name, True) + _handle_errors(ctx, input.get("handle"), None)
    added, condition_errors = _conditions(ctx, input.get("conditions"), ["input", "conditions"])
    planned.location_ids = dict.fromkeys(added)
    catalog_ids = input.get("catalogs") or []
    errors += condition_errors + _catalog_errors(ctx, catalog_ids, ["input", "catalogs"])
    errors = errors or _limit_errors(ctx, planned, catalog_ids, [])
    if errors:
        return {"market": None, "userErrors": errors}
    now = ctx.now()
    market = replace(planned, id=gid("Market", ctx.shop.ids.next("Market")), created_at=now, updated_at=now)
    market.handle = input.get("handle") or _free_handle(ctx, market.name)
    b2b.markets[market.id] = market
    for catalog_id in catalog_ids:
        b2b.catalogs[catalog_id].market_ids.append(market.id)
    return {"market": market_view(ctx, market), "userErrors": []}


def market_update(ctx: RequestContext, id: str, input: dict) -> dict:
    b2b = ctx.shop.b2b
    market = b2b.markets.get(id)
    if market is None:
        return {"market": None, "userErrors": [error(["id"], "Market does not exist", "MARKET_NOT_FOUND")]}
    planned = replace(market, location_ids=dict(market.location_ids))
    planned.name = (input["name"] or "").strip() if "name" in input else market.name
    planned.status = input.get("status") or market.status
    errors = _name_errors(input, planned.name, False) + _handle_errors(ctx, input.get("handle"), market)
    errors += _condition_changes(ctx, planned, input.get("conditions") or {})
    adds, deletes = input.get("catalogsToAdd") or [], input.get("catalogsToDelete") or []
    errors += _catalog_errors(ctx, adds, ["input", "catalogsToAdd"])
    errors += _catalog_errors(ctx, deletes, ["input", "catalogsToDelete"])
    errors = errors or _limit_errors(ctx, planned, adds, deletes)
    if errors:
        return {"market": None, "userErrors": errors}
    market.name, market.status, market.location_ids = planned.name, planned.status, planned.location_ids
    market.handle = input.get("handle") or market.handle
    for catalog in (b2b.catalogs[c] for c in adds if market.id not in b2b.catalogs[c].market_ids):
        catalog.market_ids.append(market.id)
    for catalog in (b2b.catalogs[c] for c in deletes):
        catalog.market_ids = [m for m in catalog.market_ids if m != market.id]
    market.updated_at = ctx.now()
    return {"market": market_view(ctx, market), "userErrors": []}


def market_delete(ctx: RequestContext, id: str) -> dict:
    """The market goes; its catalogs stay, attached to no market."""
    b2b = ctx.shop.b2b
    if id not in b2b.markets:
        return {"deletedId": None, "userErrors": [error(["id"], "Market does not exist", "MARKET_NOT_FOUND")]}
    for catalog in b2b.catalogs_of_market(id):
        catalog.market_ids = [m for m in catalog.market_ids if m != id]
    del b2b.markets[id]
    return {"deletedId": id, "userErrors": []}


def _name_errors(input: dict, name: str, creating: bool) -> list:
    if (creating or "name" in input) and not name:
        return [error(["input", "name"], "Name can't be blank", "BLANK")]
    if len(name) > MAX_NAME:
        return [error(["input", "name"], f"Name is too long (maximum is {MAX_NAME} characters)", "TOO_LONG")]
    return []


def _handle_errors(ctx, handle: str | None, market: Market | None) -> list:
    if handle and any(m.handle == handle and m is not market for m in ctx.shop.b2b.markets.values()):
        return [error(["input", "handle"], "Handle has already been taken", "TAKEN")]
    return []


def _free_handle(ctx, name: str) -> str:
    """Shopify's generated handle: the name in lower-case words joined by dashes, numbered when taken."""
    base = "-".join(re.findall(r"[a-z0-9]+", name.casefold())) or "market"
    taken = {m.handle for m in ctx.shop.b2b.markets.values()}
    return next(h for h in (base, *(f"{base}-{n}" for n in range(1, len(taken) + 2))) if h not in taken)


def _conditions(ctx, conditions: dict | None, path: list[str]) -> tuple[list[str], list]:
    """The company location ids of a MarketConditionsInput, and its userErrors."""
    if not conditions:
        return [], []
    if conditions.get("regionsCondition") is not None or conditions.get("locationsCondition") is not None:
        raise GraphQLError("The Shopify sandbox implements company-location market conditions only.")
    condition = conditions.get("companyLocationsCondition")
    if condition is None:
        return [], []
    require_b2b(ctx, "companyLocationsCondition", "read_customers", "read_companies")
    if condition.get("applicationLevel") is not None:
        raise GraphQLError("The Shopify sandbox does not implement applicationLevel market conditions.")
    ids = condition.get("companyLocationIds") or []
    limit_input_array(ids, "companyLocationIds")
    at = [*path, "companyLocationsCondition", "companyLocationIds"]
    if not ids:
        return [], [
            error(at, "Specified conditions cannot be empty.", "SPECIFIED_CONDITIONS_CANNOT_BE_EMPTY")
        ]
    unknown = [i for i in ids if i not in ctx.shop.b2b.locations]
    if unknown:
        return [], [error(at, f"Company locations not found: {', '.join(unknown)}", "CONDITIONS_NOT_FOUND")]
    return list(dict.fromkeys(ids)), []


def _condition_changes(ctx, planned: Market, update: dict) -> list:
    """Apply MarketConditionsUpdateInput to `planned`; deleting a location the market lacks is an error."""
    path = ["input", "conditions"]
    added, errors = _conditions(ctx, update.get("conditionsToAdd"), [*path, "conditionsToAdd"])
    removed, delete_errors = _conditions(ctx, update.get("conditionsToDelete"), [*path, "conditionsToDelete"])
    absent = [i for i in removed if i not in planned.location_ids]
    if absent:
        at = [*path, "conditionsToDelete", "companyLocationsCondition", "companyLocationIds"]
        delete_errors = [error(at, f"Conditions not found: {', '.join(absent)}", "CONDITIONS_NOT_FOUND")]
    for location_id in removed:
        planned.location_ids.pop(location_id, None)
    planned.location_ids.update(dict.fromkeys(added))
    return errors + delete_errors


def _catalog_errors(ctx, catalog_ids: list[str], path: list[str]) -> list:
    limit_input_array(catalog_ids, path[-1])
    errors = []
    for index, catalog_id in enumerate(catalog_ids):
        catalog = ctx.shop.b2b.catalogs.get(catalog_id)
        if catalog is None:
            errors.append(error([*path, str(index)], "Catalog does not exist.", "INVALID"))
        elif catalog.kind != MARKET:
            message = "A market can only have market catalogs."
            errors.append(error([*path, str(index)], message, "CATALOG_TYPE_NOT_SUPPORTED"))
    return errors


def _limit_errors(ctx, planned: Market, adds: list[str], deletes: list[str]) -> list:
    """The plan's limit on active B2B catalogs, counting the market's catalogs as they would be."""
    catalogs = []
    for catalog in ctx.shop.b2b.catalogs.values():
        if catalog.id in adds or planned.id in catalog.market_ids:
            others = [m for m in catalog.market_ids if m != planned.id]
            kept = others if catalog.id in deletes else [*others, planned.id]
            catalogs.append(replace(catalog, market_ids=kept))
    errors = entitlement_errors(ctx) if planned.location_ids and (adds or catalogs) else []
    return errors or limit_errors(ctx, catalogs, [planned])
