"""The Shopify B2B operations the app uses (contract §3 "Native B2B", "B2B prices below Plus"), over
`GraphQLClient`: companies, locations, direct catalogs (Plus), B2B markets and market catalogs (all plans).

Every write returns Shopify's `userErrors` (empty = applied) with their codes. Limits: array inputs take at
most 250 items (https://shopify.dev/api/usage/limits, FACTS §4 "Limits"), so fixed prices and market
location conditions go 250 per call. Markets need the `read_markets`/`write_markets` scopes.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from .admin import _user_errors
from .b2b_markets import MarketOperations
from .client import GraphQLClient
from .documents import document
from .records import UserError

PRICES_PER_CALL = 250
PAGE = 100
COMPANY_PAGE = 25  # each company brings its contact, roles and locations: 25 stay far below 1,000 points
LOCATION_ADMIN = "location admin"


@dataclass(frozen=True)
class B2BFacts:
    available: bool
    reason: str
    plan: str
    currency: str
    templates: tuple[dict, ...]
    shopify_plus: bool = False  # direct catalogs per location (Plus) or B2B markets (below Plus)
    catalogs_enabled: bool = False


class B2BAdmin(MarketOperations):
    """One shop's B2B surface: companies, locations, contacts, catalogs, price lists, B2B markets."""

    def __init__(self, client: GraphQLClient):
        self.client = client

    def facts(self) -> B2BFacts:
        data = self.client.execute(document("b2b_availability"))
        shop = data["shop"]
        plan = (shop.get("plan") or {}).get("publicDisplayName") or ""
        b2b = ((shop.get("entitlements") or {}).get("markets") or {}).get("b2b") or {}
        available = bool(b2b.get("enabled"))
        reason = (
            "" if available else f"Shopify B2B is not available on this shop's plan ({plan or 'unknown'})."
        )
        return B2BFacts(
            available=available,
            reason=reason,
            plan=plan,
            currency=shop.get("currencyCode") or "",
            templates=tuple(data.get("paymentTermsTemplates") or ()),
            shopify_plus=bool((shop.get("plan") or {}).get("shopifyPlus")),
            catalogs_enabled=bool((b2b.get("catalogs") or {}).get("enabled")),
        )

    # Companies ----------------------------------------------------------------------------------------
    def companies(self) -> Iterator[dict]:
        """Every company with its externalId, main contact, roles and locations."""
        yield from self._pages("b2b_companies", "companies", COMPANY_PAGE)

    def create_company(self, data: dict) -> tuple[dict | None, tuple[UserError, ...]]:
        payload = self.client.execute(document("b2b_company_create"), {"input": data})["companyCreate"]
        return payload.get("company"), _user_errors(payload)

    def update_company(self, company_id: str, data: dict) -> tuple[UserError, ...]:
        payload = self.client.execute(
            document("b2b_company_update"), {"companyId": company_id, "input": data}
        )
        return _user_errors(payload["companyUpdate"])

    def create_location(self, company_id: str, data: dict) -> tuple[dict | None, tuple[UserError, ...]]:
        variables = {"companyId": company_id, "input": data}
        payload = self.client.execute(document("b2b_location_create"), variables)["companyLocationCreate"]
        return payload.get("companyLocation"), _user_errors(payload)

    def assign_contact(self, company_id: str, customer_id: str) -> tuple[str | None, tuple[UserError, ...]]:
        variables = {"companyId": company_id, "customerId": customer_id}
        payload = self.client.execute(document("b2b_contact_assign"), variables)[
            "companyAssignCustomerAsContact"
        ]
        contact = payload.get("companyContact") or {}
        return contact.get("id"), _user_errors(payload)

    def make_main_contact(
        self, company_id: str, contact_id: str, location_id: str, role_id: str
    ) -> tuple[UserError, ...]:
        """Main contact of the company and `role_id` (location admin) at its location, in one request."""
        data = self.client.execute(
            document("b2b_contact_roles"),
            {
                "companyId": company_id,
                "companyContactId": contact_id,
                "companyLocationId": location_id,
                "rolesToAssign": [{"companyContactId": contact_id, "companyContactRoleId": role_id}],
            },
        )
        errors = _user_errors(data["companyAssignMainContact"]) + _user_errors(
            data["companyLocationAssignRoles"]
        )
        # After a kill the role may be assigned already (LIMIT_REACHED: one role per contact and location).
        return tuple(e for e in errors if e.code != "LIMIT_REACHED" and "already" not in e.message.lower())

    def send_welcome(self, contact_id: str) -> tuple[UserError, ...]:
        payload = self.client.execute(document("b2b_contact_welcome"), {"companyContactId": contact_id})
        return _user_errors(payload["companyContactSendWelcomeEmail"])

    def update_location(self, location_id: str, data: dict) -> tuple[UserError, ...]:
        variables = {"companyLocationId": location_id, "input": data}
        return _user_errors(
            self.client.execute(document("b2b_location_update"), variables)["companyLocationUpdate"]
        )

    def assign_address(self, location_id: str, address: dict, types: list[str]) -> tuple[UserError, ...]:
        variables = {"locationId": location_id, "address": address, "addressTypes": types}
        payload = self.client.execute(document("b2b_location_address"), variables)
        return _user_errors(payload["companyLocationAssignAddress"])

    def set_tax_exempt(self, location_id: str, exempt: bool) -> tuple[UserError, ...]:
        variables = {"companyLocationId": location_id, "taxExempt": exempt}
        payload = self.client.execute(document("b2b_location_tax"), variables)
        return _user_errors(payload["companyLocationTaxSettingsUpdate"])

    # Catalogs and price lists -------------------------------------------------------------------------
    def catalogs(self) -> Iterator[dict]:
        """Every company-location catalog with its price list."""
        yield from self._pages("b2b_catalogs", "catalogs", PAGE)

    def create_catalog(self, title: str, location_ids: list[str]) -> tuple[str | None, tuple[UserError, ...]]:
        variables = catalog_create_variables(title, location_ids)
        payload = self.client.execute(document("b2b_catalog_create"), variables)["catalogCreate"]
        return (payload.get("catalog") or {}).get("id"), _user_errors(payload)

    def rename_catalog(self, catalog_id: str, title: str) -> tuple[UserError, ...]:
        variables = {"id": catalog_id, "input": {"title": title}}
        return _user_errors(self.client.execute(document("b2b_catalog_update"), variables)["catalogUpdate"])

    def change_locations(self, catalog_id: str, add: list[str], remove: list[str]) -> tuple[UserError, ...]:
        variables = {
            "catalogId": catalog_id,
            "contextsToAdd": {"companyLocationIds": add} if add else None,
            "contextsToRemove": {"companyLocationIds": remove} if remove else None,
        }
        payload = self.client.execute(document("b2b_catalog_context"), variables)
        return _user_errors(payload["catalogContextUpdate"])

    def create_price_list(
        self, name: str, currency: str, catalog_id: str
    ) -> tuple[str | None, tuple[UserError, ...]]:
        variables = price_list_create_variables(name, currency, catalog_id)
        payload = self.client.execute(document("b2b_price_list_create"), variables)["priceListCreate"]
        return (payload.get("priceList") or {}).get("id"), _user_errors(payload)

    def set_fixed_prices(
        self, price_list_id: str, prices: dict[str, str], delete: list[str], currency: str
    ) -> tuple[set[str], tuple[UserError, ...]]:
        """Adds/overwrites `prices` and deletes `delete`, 250 per call; returns the variants applied."""
        done: set[str] = set()
        errors: tuple[UserError, ...] = ()
        for batch_adds, batch_deletes in fixed_price_batches(prices, delete):
            variables = fixed_prices_variables(price_list_id, batch_adds, batch_deletes, currency)
            payload = self.client.execute(document("b2b_fixed_prices_update"), variables)
            payload = payload["priceListFixedPricesUpdate"]
            batch_errors = _user_errors(payload)
            if batch_errors:
                errors += batch_errors
                continue
            done.update(v for v, _ in batch_adds)
            done.update(batch_deletes)
        return done, errors

    def contextual_prices(self, variant_ids: list[str], location_id: str) -> dict[str, tuple[str, str]]:
        """Variant -> (its own price, the price Shopify charges at `location_id`)."""
        found = {}
        for start in range(0, len(variant_ids), PRICES_PER_CALL):
            variables = {
                "ids": variant_ids[start : start + PRICES_PER_CALL],
                "companyLocationId": location_id,
            }
            for node in self.client.execute(document("b2b_contextual_prices"), variables)["nodes"]:
                if node:
                    found[node["id"]] = (node["price"], node["contextualPricing"]["price"]["amount"])
        return found

    def _pages(self, name: str, root: str, size: int) -> Iterator[dict]:
        after = None
        while True:
            data = self.client.execute(document(name), {"first": size, "after": after})[root]
            yield from data["nodes"]
            if not data["pageInfo"]["hasNextPage"]:
                return
            after = data["pageInfo"]["endCursor"]


def location_admin_role(roles_connection: dict | None) -> str | None:
    """The id of the "Location admin" role in a company's `contactRoles` connection."""
    roles = (roles_connection or {}).get("nodes") or ()
    return next((r["id"] for r in roles if (r.get("name") or "").strip().casefold() == LOCATION_ADMIN), None)


def catalog_create_variables(title: str, location_ids: list[str]) -> dict:
    """`catalogCreate`'s variables: an ACTIVE catalog on these company locations."""
    return {"input": {"title": title, "status": "ACTIVE", "context": {"companyLocationIds": location_ids}}}


def price_list_create_variables(name: str, currency: str, catalog_id: str) -> dict:
    """`priceListCreate`'s variables: `catalog_id`'s list at the variants' own prices (fixed ones next)."""
    return {
        "input": {
            "name": name,
            "currency": currency,
            "catalogId": catalog_id,
            "parent": {"adjustment": {"type": "PERCENTAGE_DECREASE", "value": 0}},
        }
    }


def fixed_price_batches(prices: dict[str, str], delete: list[str]) -> Iterator[tuple[list, list]]:
    """(adds as (variant, amount), variant IDs to delete) per `priceListFixedPricesUpdate`, 250 in all."""
    adds, deletes = sorted(prices.items()), sorted(delete)
    while adds or deletes:
        batch_adds, adds = adds[:PRICES_PER_CALL], adds[PRICES_PER_CALL:]
        room = PRICES_PER_CALL - len(batch_adds)
        batch_deletes, deletes = deletes[:room] if room else [], deletes[room:] if room else deletes
        yield batch_adds, batch_deletes


def fixed_prices_variables(price_list_id: str, adds: list, deletes: list[str], currency: str) -> dict:
    """`priceListFixedPricesUpdate`'s variables for one batch of `fixed_price_batches`."""
    return {
        "priceListId": price_list_id,
        "pricesToAdd": [
            {"variantId": v, "price": {"amount": amount, "currencyCode": currency}} for v, amount in adds
        ],
        "variantIdsToDelete": deletes,
    }
