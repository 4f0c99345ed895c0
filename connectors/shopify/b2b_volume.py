"""Volume pricing, pack sizes, tax registration IDs and role revokes (CONTRACT §3 "Companies as Cin7 shapes
them"; docs/cin7-shapes.md), over `GraphQLClient`.

Each write returns Shopify's `userErrors` (empty = applied). Array inputs take at most 250 items
(https://shopify.dev/api/usage/limits), so writes go in batches of whole variants whose inputs stay within
that. `quantityPricingByVariantUpdate` deletes before it adds and applies all or nothing, so a variant's
breaks are replaced in one call.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from .admin import _user_errors
from .client import GraphQLClient
from .documents import document, price_list_volume_document
from .records import UserError

PER_CALL = 250
# Reads take up to 10 breaks a variant (a Cin7 rule rarely has more lines): 30 prices or variants a page
# stay below the 1,000-point single-query cost.
READ_PAGE = 30
CONTEXT_BATCH = 30


@dataclass(frozen=True)
class Volume:
    """What a price list (or a location's pricing) holds for one variant beyond its price."""

    breaks: tuple[tuple[int, str], ...] = ()  # (minimum quantity, amount as Shopify renders it)
    rule: tuple[int, int, int | None] | None = None  # (minimum, increment, maximum); None = default 1/1/none


@dataclass
class VolumeChange:
    """The changes for one price list: new breaks replace a variant's breaks (an empty tuple clears them);
    `rules` set a variant's (minimum, increment); `rules_removed` drop them."""

    breaks: dict[str, tuple[tuple[int, str], ...]] = field(default_factory=dict)
    rules: dict[str, tuple[int, int]] = field(default_factory=dict)
    rules_removed: list[str] = field(default_factory=list)


class VolumeAdmin:
    def __init__(self, client: GraphQLClient):
        self.client = client

    def volume(self, price_list_id: str) -> dict[str, Volume]:
        """Variant -> its breaks and quantity rule on the price list (variants with neither left out)."""
        breaks = {}
        for node in self._pages("b2b_price_list_volume", price_list_id, "prices"):
            _add_breaks(breaks, node)
        return self._with_rules(price_list_id, breaks)

    def volume_of(self, price_list_id: str, variant_ids) -> dict[str, Volume]:
        """`volume` for `variant_ids` only (their breaks by `variant_id` filter, 30 a request; the list's
        rules, which exist only where set): what a check of the variants one manages costs."""
        ids = sorted(set(variant_ids))
        breaks = {}
        for start in range(0, len(ids), READ_PAGE):
            batch = ids[start : start + READ_PAGE]
            variables = {"id": price_list_id}
            variables.update({f"q{i}": f"variant_id:{v.rsplit('/', 1)[-1]}" for i, v in enumerate(batch)})
            found = self.client.execute(price_list_volume_document(len(batch)), variables)["priceList"]
            for i in range(len(batch)):
                for node in found[f"p{i}"]["nodes"]:
                    _add_breaks(breaks, node)
        return self._with_rules(price_list_id, breaks)

    def _with_rules(self, price_list_id: str, breaks: dict) -> dict[str, Volume]:
        """`breaks` joined with every quantity rule of the list (variants with neither left out)."""
        rules = {
            node["productVariant"]["id"]: (node["minimum"], node["increment"], node["maximum"])
            for node in self._pages("b2b_price_list_rules", price_list_id, "quantityRules")
        }
        return {v: Volume(breaks.get(v, ()), rules.get(v)) for v in sorted(set(breaks) | set(rules))}

    def update_volume(
        self, price_list_id: str, change: VolumeChange, currency: str
    ) -> tuple[set[str], tuple[UserError, ...]]:
        """Applies `change` in batches; returns the variants whose batch applied, and the refusals."""
        done: set[str] = set()
        errors: tuple[UserError, ...] = ()
        for batch, variables in self._batches(change, currency):
            payload = self.client.execute(
                document("b2b_quantity_pricing"), {"priceListId": price_list_id, "input": variables}
            )["quantityPricingByVariantUpdate"]
            batch_errors = _user_errors(payload)
            if batch_errors:
                errors += batch_errors
            else:
                done.update(batch)
        return done, errors

    def add_quantity_rules(
        self, price_list_id: str, rules: Mapping[str, tuple[int, int]]
    ) -> tuple[UserError, ...]:
        """`quantityRulesAdd`: minimum and increment per variant (no maximum), 250 per call."""
        errors: tuple[UserError, ...] = ()
        items = sorted(rules.items())
        for start in range(0, len(items), PER_CALL):
            inputs = [
                {"variantId": v, "minimum": minimum, "increment": increment}
                for v, (minimum, increment) in items[start : start + PER_CALL]
            ]
            variables = {"priceListId": price_list_id, "quantityRules": inputs}
            errors += _user_errors(
                self.client.execute(document("b2b_quantity_rules_add"), variables)["quantityRulesAdd"]
            )
        return errors

    def delete_quantity_rules(self, price_list_id: str, variant_ids: list[str]) -> tuple[UserError, ...]:
        errors: tuple[UserError, ...] = ()
        ids = sorted(variant_ids)
        for start in range(0, len(ids), PER_CALL):
            variables = {"priceListId": price_list_id, "variantIds": ids[start : start + PER_CALL]}
            payload = self.client.execute(document("b2b_quantity_rules_delete"), variables)
            errors += _user_errors(payload["quantityRulesDelete"])
        return errors

    def set_tax_registration(self, location_id: str, tax_id: str | None) -> tuple[UserError, ...]:
        """The location's `taxSettings.taxRegistrationId`; None or "" clears it."""
        variables = {"companyLocationId": location_id, "taxRegistrationId": tax_id or ""}
        payload = self.client.execute(document("b2b_location_tax_id"), variables)
        return _user_errors(payload["companyLocationTaxSettingsUpdate"])

    def revoke_roles(self, contact_id: str, assignment_ids: list[str]) -> tuple[UserError, ...]:
        """Revokes role assignments of one company contact (the contact and its customer stay)."""
        errors: tuple[UserError, ...] = ()
        for start in range(0, len(assignment_ids), PER_CALL):
            variables = {
                "companyContactId": contact_id,
                "roleAssignmentIds": assignment_ids[start : start + PER_CALL],
            }
            payload = self.client.execute(document("b2b_contact_revoke"), variables)
            errors += _user_errors(payload["companyContactRevokeRoles"])
        return errors

    def contextual_volume(self, variant_ids: list[str], location_id: str) -> dict[str, tuple[str, Volume]]:
        """Variant -> (the price charged at `location_id` for one unit, its breaks and rule there)."""
        found = {}
        for start in range(0, len(variant_ids), CONTEXT_BATCH):
            variables = {"ids": variant_ids[start : start + CONTEXT_BATCH], "companyLocationId": location_id}
            for node in self.client.execute(document("b2b_contextual_volume"), variables)["nodes"]:
                if not node:
                    continue
                pricing = node["contextualPricing"]
                rule = pricing["quantityRule"]
                rows = pricing["quantityPriceBreaks"]["nodes"]
                found[node["id"]] = (
                    pricing["price"]["amount"],
                    Volume(
                        tuple(sorted((r["minimumQuantity"], r["price"]["amount"]) for r in rows)),
                        (rule["minimum"], rule["increment"], rule["maximum"]),
                    ),
                )
        return found

    def _batches(self, change: VolumeChange, currency: str) -> Iterator[tuple[list[str], dict]]:
        """Whole variants per call, each input array at most `PER_CALL` long."""
        variants = sorted(set(change.breaks) | set(change.rules) | set(change.rules_removed))
        batch, variables = [], _empty_input()
        for variant in variants:
            rows = [
                {"variantId": variant, "minimumQuantity": m, "price": {"amount": a, "currencyCode": currency}}
                for m, a in change.breaks.get(variant, ())
            ]
            full = len(variables["quantityPriceBreaksToAdd"]) + len(rows) > PER_CALL or len(batch) >= PER_CALL
            if batch and full:
                yield batch, variables
                batch, variables = [], _empty_input()
            batch.append(variant)
            if variant in change.breaks:
                variables["quantityPriceBreaksToDeleteByVariantId"].append(variant)
                variables["quantityPriceBreaksToAdd"] += rows
            if variant in change.rules:
                minimum, increment = change.rules[variant]
                rule = {"variantId": variant, "minimum": minimum, "increment": increment}
                variables["quantityRulesToAdd"].append(rule)
            elif variant in change.rules_removed:
                variables["quantityRulesToDeleteByVariantId"].append(variant)
        if batch:
            yield batch, variables

    def _pages(self, name: str, price_list_id: str, root: str) -> Iterator[dict]:
        after = None
        while True:
            variables = {"id": price_list_id, "first": READ_PAGE, "after": after}
            data = self.client.execute(document(name), variables)["priceList"][root]
            yield from data["nodes"]
            if not data["pageInfo"]["hasNextPage"]:
                return
            after = data["pageInfo"]["endCursor"]


def _empty_input() -> dict:
    return {
        "pricesToAdd": [],
        "pricesToDeleteByVariantId": [],
        "quantityPriceBreaksToAdd": [],
        "quantityPriceBreaksToDelete": [],
        "quantityPriceBreaksToDeleteByVariantId": [],
        "quantityRulesToAdd": [],
        "quantityRulesToDeleteByVariantId": [],
    }


def _add_breaks(breaks: dict, node: dict) -> None:
    """A price node's quantity price breaks, sorted by minimum, into `breaks` (none: nothing added)."""
    rows = node["quantityPriceBreaks"]["nodes"]
    if rows:
        pairs = sorted((row["minimumQuantity"], row["price"]["amount"]) for row in rows)
        breaks[node["variant"]["id"]] = tuple(pairs)
