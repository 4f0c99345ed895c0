"""B2B markets and market catalogs (contract §3 "B2B prices below Plus"), and the catalog status and deletion
the move between plans needs; `B2BAdmin` (b2b.py) inherits these.

A market with company-location conditions (`marketCreate`, `conditions.companyLocationsCondition`) holds
market catalogs (`catalogCreate` with `context.marketIds`). Below Plus at most 3 active B2B catalogs exist
across all markets (help.shopify.com "Creating and managing B2B catalogs with Markets"): the refusal comes
back as a userError, code null in 2026-01 (`B2B_CATALOG_LIMIT_REACHED` from 2026-10). Location ids go at
most 250 per call (Shopify's input-array limit), 250 added and 250 deleted in one `marketUpdate`.
Scopes: `read_markets`, `write_markets` (shopify.dev `marketCreate`).
"""

from collections.abc import Iterator
from dataclasses import dataclass

from .admin import _user_errors
from .client import GraphQLClient
from .documents import document
from .records import UserError

LOCATIONS_PER_CALL = 250
MARKET_PAGE = 3  # each market brings up to 250 location ids and 5 catalogs: 3 markets cost ~810 points
CATALOG_PAGE = 50


@dataclass(frozen=True)
class MarketCatalog:
    id: str
    title: str
    status: str
    price_list_id: str | None
    market_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class B2BMarket:
    """A market with company-location conditions: its locations and its catalogs."""

    id: str
    name: str
    status: str
    location_ids: tuple[str, ...]
    catalogs: tuple[MarketCatalog, ...]


class MarketOperations:
    client: GraphQLClient

    def markets(self) -> Iterator[B2BMarket]:
        """Every market with company-location conditions (`markets(type: COMPANY_LOCATION)`), each with all
        its location ids (pages of 250 beyond the first) and its catalogs."""
        after = None
        while True:
            variables = {"first": MARKET_PAGE, "after": after, "locations": LOCATIONS_PER_CALL}
            page = self.client.execute(document("b2b_markets"), variables)["markets"]
            for node in page["nodes"]:
                yield self._market(node)
            if not page["pageInfo"]["hasNextPage"]:
                return
            after = page["pageInfo"]["endCursor"]

    def market_catalogs(self) -> Iterator[MarketCatalog]:
        """Every market catalog (`catalogs(type: MARKET)`), with its price list and markets."""
        after = None
        while True:
            variables = {"first": CATALOG_PAGE, "after": after}
            page = self.client.execute(document("b2b_market_catalogs"), variables)["catalogs"]
            yield from (_catalog(node) for node in page["nodes"])
            if not page["pageInfo"]["hasNextPage"]:
                return
            after = page["pageInfo"]["endCursor"]

    def create_market(self, name: str, location_ids: list[str]) -> tuple[str | None, tuple[UserError, ...]]:
        """An ACTIVE market for these company locations; beyond 250 they are added by `marketUpdate`."""
        first, rest = location_ids[:LOCATIONS_PER_CALL], location_ids[LOCATIONS_PER_CALL:]
        data = {"name": name, "status": "ACTIVE"}
        if first:
            data["conditions"] = {"companyLocationsCondition": {"companyLocationIds": first}}
        payload = self.client.execute(document("b2b_market_create"), {"input": data})["marketCreate"]
        market_id, errors = (payload.get("market") or {}).get("id"), _user_errors(payload)
        if market_id and rest:
            errors += self.change_market_locations(market_id, rest, [])[1]
        return market_id, errors

    def change_market_locations(
        self, market_id: str, add: list[str], remove: list[str]
    ) -> tuple[set[str], tuple[UserError, ...]]:
        """Adds and removes location conditions, 250 of each per call; returns the ids applied."""
        adds, deletes = list(dict.fromkeys(add)), list(dict.fromkeys(remove))
        done: set[str] = set()
        errors: tuple[UserError, ...] = ()
        while adds or deletes:
            batch_adds, adds = adds[:LOCATIONS_PER_CALL], adds[LOCATIONS_PER_CALL:]
            batch_deletes, deletes = deletes[:LOCATIONS_PER_CALL], deletes[LOCATIONS_PER_CALL:]
            conditions = {}
            if batch_adds:
                conditions["conditionsToAdd"] = {
                    "companyLocationsCondition": {"companyLocationIds": batch_adds}
                }
            if batch_deletes:
                conditions["conditionsToDelete"] = {
                    "companyLocationsCondition": {"companyLocationIds": batch_deletes}
                }
            batch_errors = self._update_market(market_id, {"conditions": conditions})
            if batch_errors:
                errors += batch_errors
                continue
            done.update(batch_adds + batch_deletes)
        return done, errors

    def rename_market(self, market_id: str, name: str) -> tuple[UserError, ...]:
        return self._update_market(market_id, {"name": name})

    def set_market_status(self, market_id: str, status: str) -> tuple[UserError, ...]:
        return self._update_market(market_id, {"status": status})

    def delete_market(self, market_id: str) -> tuple[UserError, ...]:
        payload = self.client.execute(document("b2b_market_delete"), {"id": market_id})
        return _user_errors(payload["marketDelete"])

    def create_market_catalog(
        self, title: str, market_id: str, price_list_id: str | None = None
    ) -> tuple[str | None, tuple[UserError, ...]]:
        """An ACTIVE market catalog in `market_id`, holding `price_list_id` if given (else add one with
        `create_price_list(name, currency, catalog_id)` or `attach_price_list`)."""
        data = {"title": title, "status": "ACTIVE", "context": {"marketIds": [market_id]}}
        if price_list_id:
            data["priceListId"] = price_list_id
        payload = self.client.execute(document("b2b_catalog_create"), {"input": data})["catalogCreate"]
        return (payload.get("catalog") or {}).get("id"), _user_errors(payload)

    def attach_price_list(self, catalog_id: str, price_list_id: str) -> tuple[UserError, ...]:
        return self._update_catalog(catalog_id, {"priceListId": price_list_id})

    def set_catalog_status(self, catalog_id: str, status: str) -> tuple[UserError, ...]:
        """ACTIVE, DRAFT or ARCHIVED (below Plus a direct catalog may only be ARCHIVED)."""
        return self._update_catalog(catalog_id, {"status": status})

    def delete_catalog(self, catalog_id: str, with_price_list: bool = False) -> tuple[UserError, ...]:
        variables = {"id": catalog_id, "deleteDependentResources": with_price_list}
        return _user_errors(self.client.execute(document("b2b_catalog_delete"), variables)["catalogDelete"])

    def _update_market(self, market_id: str, data: dict) -> tuple[UserError, ...]:
        payload = self.client.execute(document("b2b_market_update"), {"id": market_id, "input": data})
        return _user_errors(payload["marketUpdate"])

    def _update_catalog(self, catalog_id: str, data: dict) -> tuple[UserError, ...]:
        payload = self.client.execute(document("b2b_catalog_update"), {"id": catalog_id, "input": data})
        return _user_errors(payload["catalogUpdate"])

    def _market(self, node: dict) -> B2BMarket:
        condition = (node.get("conditions") or {}).get("companyLocationsCondition") or {}
        page = condition.get("companyLocations") or {"nodes": [], "pageInfo": {"hasNextPage": False}}
        location_ids = [n["id"] for n in page["nodes"]]
        while page["pageInfo"]["hasNextPage"]:
            variables = {
                "id": node["id"],
                "first": LOCATIONS_PER_CALL,
                "after": page["pageInfo"]["endCursor"],
            }
            market = self.client.execute(document("b2b_market_locations"), variables)["market"]
            page = market["conditions"]["companyLocationsCondition"]["companyLocations"]
            location_ids += [n["id"] for n in page["nodes"]]
        catalogs = tuple(_catalog(c, (node["id"],)) for c in node["catalogs"]["nodes"])
        return B2BMarket(node["id"], node["name"], node["status"], tuple(location_ids), catalogs)


def _catalog(node: dict, market_ids: tuple[str, ...] | None = None) -> MarketCatalog:
    if market_ids is None:
        market_ids = tuple(m["id"] for m in (node.get("markets") or {}).get("nodes") or ())
    price_list = node.get("priceList") or {}
    return MarketCatalog(node["id"], node["title"], node["status"], price_list.get("id"), market_ids)
