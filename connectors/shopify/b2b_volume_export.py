"""A tier price list's volume (quantity price breaks and quantity rules) read through a bulk export.

A price list's own connections cannot be exported in bulk: `PriceList.prices` and `.quantityRules` hold
`PriceListPrice` and `QuantityRule` nodes, which do not implement `Node`, and a price has no `id` to carry
its breaks' `__parentId` (sandbox/BULK.md "Exports: what a bulk query may hold"). What can be exported is
every variant's `contextualPricing` at one company location: its quantity rule and its quantity price
breaks (`QuantityPriceBreak` implements `Node` and names its `priceList`). At a location priced by one
catalog alone, that is the catalog's price list. The export's objects cost nothing against the bucket: the
start (10 points), the location check (a few) and the polls are all a read costs, whatever the list's size.
The file is streamed line by line; only the breaks of the variants asked for and the rules are kept.

Nothing is recorded: a run killed while its exports run reads again next time. Its exports finish on their
own; while five bulk operations run, a start waits and tries again (`LIMIT_REACHED`).
"""

import json

from .b2b_volume import Volume
from .bulk import bulk_file_objects, wait_for_bulk_query
from .client import GraphQLClient
from .documents import document
from .errors import ShopifyQueryError

LOCATION_PLACEHOLDER = '"gid://shopify/CompanyLocation/0"'
LIMIT_REACHED = "LIMIT_REACHED"
START_RETRY_SECONDS = 5.0
START_TIMEOUT_SECONDS = 600.0
VARIANT = "gid://shopify/ProductVariant/"


class VolumeExports:
    """Starts and reads the exports of `bulk_contextual_volume`, over `GraphQLClient`."""

    def __init__(self, client: GraphQLClient):
        self.client = client

    def location_catalogs(self, location_id: str) -> list[tuple[str, str]] | None:
        """(ID, status) of the location's direct catalogs, at most two; None if it does not exist."""
        found = self.client.execute(document("b2b_location_catalogs"), {"id": location_id})["companyLocation"]
        if not found:
            return None
        return [(node["id"], node["status"]) for node in found["catalogs"]["nodes"]]

    def start(self, location_id: str) -> str:
        """Starts the export of every variant's volume as `location_id` is priced; returns its ID. While
        five bulk operations run (a killed run's, another stage's) it waits on the client's clock and tries
        again; any other refusal raises `ShopifyQueryError`."""
        query = document("bulk_contextual_volume").replace(LOCATION_PLACEHOLDER, json.dumps(location_id))
        waited = 0.0
        while True:
            payload = self.client.execute(document("bulk_run_export"), {"query": query})
            payload = payload["bulkOperationRunQuery"]
            errors = payload.get("userErrors") or []
            if not errors:
                return payload["bulkOperation"]["id"]
            limited = all(error.get("code") == LIMIT_REACHED for error in errors)
            if not limited or waited >= START_TIMEOUT_SECONDS:
                messages = "; ".join(str(error.get("message")) for error in errors)
                raise ShopifyQueryError(f"Shopify refused the volume export: {messages}")
            self.client.wait(START_RETRY_SECONDS)
            waited += START_RETRY_SECONDS

    def held(self, operation_id: str, price_list_id: str, variant_ids: set[str]) -> dict[str, Volume] | None:
        """Variant -> its breaks and quantity rule on `price_list_id` (variants with neither left out):
        the breaks of `variant_ids`, every rule. None when a break of one of them comes from another price
        list (the location is not priced by this list alone). Waits for the export; its failure raises."""
        operation = wait_for_bulk_query(self.client, operation_id)
        breaks: dict[str, list] = {}
        rules: dict[str, tuple] = {}
        lines = bulk_file_objects(self.client, operation)
        try:
            for line in lines:
                parent = line.get("__parentId")
                if parent is None:
                    rule = _rule(line)
                    if rule is not None:
                        rules[line["id"]] = rule
                elif parent in variant_ids:
                    if (line.get("priceList") or {}).get("id") != price_list_id:
                        return None
                    breaks.setdefault(parent, []).append((line["minimumQuantity"], line["price"]["amount"]))
        finally:
            getattr(lines, "close", lambda: None)()  # a generator over the download: closes it
        held = sorted(set(breaks) | set(rules))
        return {v: Volume(tuple(sorted(breaks.get(v, ()))), rules.get(v)) for v in held}


def _rule(line: dict) -> tuple[int, int, int | None] | None:
    """A variant line's quantity rule as (minimum, increment, maximum); None for the default 1/1/none."""
    if not str(line.get("id", "")).startswith(VARIANT):
        return None
    rule = (line.get("contextualPricing") or {}).get("quantityRule") or {}
    if not rule or rule.get("isDefault"):
        return None
    return rule["minimum"], rule["increment"], rule["maximum"]
