"""Named Admin API operations the syncs need, over `GraphQLClient` (contract §3 lists every one)."""

import logging
from collections.abc import Iterable, Iterator

from .bulk import bulk_file_objects, start_bulk_query, wait_for_bulk_query
from .client import GraphQLClient
from .documents import address_writes_document, customers_by_email_document, document
from .errors import ShopifyQueryError, ShopifyUnavailableError
from .records import (
    AddressResult,
    AddressWrite,
    CustomerResult,
    ManagedCustomer,
    MetafieldRef,
    MetafieldWrite,
    ShopFacts,
    ShopifyCustomer,
    UserError,
    Variant,
)

logger = logging.getLogger(__name__)

METAFIELDS_PER_CALL = 25  # metafieldsSet accepts at most 25 inputs (FACTS §4)
ADDRESSES_PER_CALL = 25  # aliased address mutations per request: 10 points each, 250 of 1000 at most
EMAILS_PER_LOOKUP = 50
NODES_PER_QUERY = 250
LATEST_UPDATES = 50
MANAGED_PER_QUERY = 25  # about 25 points per customer read with its cin7 metafields
SKUS_PER_SEARCH = 50
VARIANT_PAGE = 250  # Shopify's largest page


class ShopifyAdmin:
    """One shop's Admin API, as the app uses it."""

    def __init__(self, client: GraphQLClient):
        self.client = client

    # Shop ---------------------------------------------------------------------------------------------
    def shop_facts(self) -> ShopFacts:
        shop = self.client.execute(document("shop_facts"))["shop"]
        accounts = shop.get("customerAccountsV2") or {}
        return ShopFacts(
            id=shop["id"],
            name=shop.get("name") or "",
            email=shop.get("email") or shop.get("contactEmail") or "",
            domain=shop.get("myshopifyDomain") or self.client.shop,
            currency=shop.get("currencyCode") or "",
            country_code=(shop.get("shopAddress") or {}).get("countryCodeV2") or "",
            customer_accounts_version=accounts.get("customerAccountsVersion") or "",
            customer_accounts_url=accounts.get("url") or "",
        )

    def register_webhook(self, topic: str, callback_url: str) -> tuple[UserError, ...]:
        data = self.client.execute(document("register_webhook"), {"topic": topic, "uri": callback_url})
        return _user_errors(data["webhookSubscriptionCreate"])

    # Customers ----------------------------------------------------------------------------------------
    def customers_by_email(self, emails: Iterable[str]) -> dict[str, ShopifyCustomer]:
        """Existing customers keyed by lower-cased email, looked up exactly, 50 emails per query."""
        unique = sorted({e.strip().lower() for e in emails if e and e.strip()})
        found: dict[str, ShopifyCustomer] = {}
        for start in range(0, len(unique), EMAILS_PER_LOOKUP):
            batch = unique[start : start + EMAILS_PER_LOOKUP]
            data = self.client.execute(
                customers_by_email_document(len(batch)),
                {f"e{i}": email for i, email in enumerate(batch)},
                name="CustomersByEmail",
            )
            for i, email in enumerate(batch):
                node = data.get(f"c{i}")
                # Compare exactly anyway: an identifier lookup should be exact, but adopting the wrong
                # customer is the one mistake this app must never make.
                if node and _email_of(node).strip().lower() == email:
                    found[email] = _customer(node)
        return found

    def customer(self, customer_id: str) -> ShopifyCustomer | None:
        node = self.client.execute(document("customer"), {"id": customer_id}).get("customer")
        return _customer(node) if node else None

    def addresses(self, customer_id: str) -> list[tuple[str, dict]]:
        """The customer's addresses as (id, `MailingAddressInput`), every page of `addressesV2`."""
        found, after = [], None
        while True:
            node = self.client.execute(
                document("customer_addresses"), {"id": customer_id, "after": after}
            ).get("customer")
            if not node:
                return found
            connection = node["addressesV2"]
            found.extend((address["id"], _address_input(address)) for address in connection["nodes"])
            if not connection["pageInfo"]["hasNextPage"]:
                return found
            after = connection["pageInfo"]["endCursor"]

    def write_addresses(self, writes: list[AddressWrite]) -> list[AddressResult]:
        """Write default addresses, 25 per request; one result per write, in order.

        An update sends every address field, null for the blank ones, so a line removed in Cin7 is cleared.
        """
        results: list[AddressResult | None] = [None] * len(writes)
        order = sorted(range(len(writes)), key=lambda i: writes[i].address_id is None)
        for start in range(0, len(order), ADDRESSES_PER_CALL):
            batch = order[start : start + ADDRESSES_PER_CALL]
            updates = sum(writes[i].address_id is not None for i in batch)
            variables = {}
            for position, index in enumerate(batch):
                write = writes[index]
                variables[f"c{position}"] = write.customer_id
                if write.address_id is None:
                    variables[f"a{position}"] = write.address
                else:
                    variables[f"id{position}"] = write.address_id
                    variables[f"a{position}"] = {k: write.address.get(k) for k in ALL_ADDRESS_FIELDS}
            data = self.client.execute(
                address_writes_document(updates, len(batch) - updates),
                variables,
                name="CustomerAddressWrites",
            )
            for position, index in enumerate(batch):
                payload = data.get(f"w{position}") or {}
                address = payload.get("address") or {}
                results[index] = AddressResult(address.get("id"), _user_errors(payload))
        return results

    def customers_updated_since(self, since: str) -> Iterator[tuple[str, str]]:
        """(id, updatedAt) of every customer Shopify updated at or after `since` (an updatedAt value;
        Shopify's timestamps are whole seconds, so that second is included)."""
        after = None
        while True:
            variables = {"first": NODES_PER_QUERY, "after": after, "query": f"updated_at:>={since}"}
            connection = self.client.execute(document("customer_updates"), variables)["customers"]
            yield from ((node["id"], node["updatedAt"]) for node in connection["nodes"])
            if not connection["pageInfo"]["hasNextPage"]:
                return
            after = connection["pageInfo"]["endCursor"]

    def latest_customer_updates(self) -> tuple[str, list[str]]:
        """The latest `updatedAt` of the shop's customers, in Shopify's clock ("" when it has none), and
        the customers updated at that second (up to 50)."""
        variables = {"first": LATEST_UPDATES, "reverse": True}
        nodes = self.client.execute(document("customer_updates"), variables)["customers"]["nodes"]
        latest = nodes[0]["updatedAt"] if nodes else ""
        return latest, [node["id"] for node in nodes if node["updatedAt"] == latest]

    def managed_customers(self, customer_ids: Iterable[str]) -> dict[str, ManagedCustomer]:
        """What Shopify holds of the app-managed fields of these customers (those that still exist)."""
        nodes = self._nodes("customer_managed_fields", customer_ids, MANAGED_PER_QUERY)
        return {node["id"]: _managed(node) for node in nodes}

    def create_customer(self, customer_input: dict) -> CustomerResult:
        payload = self.client.execute(document("customer_create"), {"input": customer_input})[
            "customerCreate"
        ]
        return _customer_result(payload)

    def update_customer(self, customer_input: dict) -> CustomerResult:
        payload = self.client.execute(document("customer_update"), {"input": customer_input})[
            "customerUpdate"
        ]
        return _customer_result(payload)

    def add_tags(self, owner_id: str, tags: list[str]) -> tuple[UserError, ...]:
        data = self.client.execute(document("tags_add"), {"id": owner_id, "tags": tags})
        return _user_errors(data["tagsAdd"])

    def remove_tags(self, owner_id: str, tags: list[str]) -> tuple[UserError, ...]:
        data = self.client.execute(document("tags_remove"), {"id": owner_id, "tags": tags})
        return _user_errors(data["tagsRemove"])

    def send_invite(self, customer_id: str) -> CustomerResult:
        data = self.client.execute(document("customer_invite"), {"customerId": customer_id})
        return _customer_result(data["customerSendAccountInviteEmail"])

    def customer_states(self, customer_ids: Iterable[str]) -> dict[str, str]:
        """`state` (ENABLED, INVITED, DISABLED, DECLINED) of each customer that still exists."""
        nodes = self._nodes("customer_states", customer_ids, NODES_PER_QUERY)
        return {node["id"]: node["state"] for node in nodes}

    def _nodes(self, name: str, ids: Iterable[str], per_query: int) -> Iterator[dict]:
        """The nodes that still exist among `ids` (each asked once), read by document `name` in batches."""
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), per_query):
            data = self.client.execute(document(name), {"ids": unique[start : start + per_query]})
            yield from (node for node in data.get("nodes") or [] if node and node.get("id"))

    # Metafields ---------------------------------------------------------------------------------------
    def set_metafields(self, writes: list[MetafieldWrite]) -> dict[int, tuple[UserError, ...]]:
        """Write `writes` in calls of 25; return the errors of the inputs Shopify refused, by index.

        `metafieldsSet` is atomic per call, so one bad input would sink 24 good ones: a refused call is
        re-sent without the inputs its errors point at (or input by input when they point at none).
        """
        failures: dict[int, tuple[UserError, ...]] = {}
        for start in range(0, len(writes), METAFIELDS_PER_CALL):
            self._set_batch(
                list(range(start, min(start + METAFIELDS_PER_CALL, len(writes)))), writes, failures
            )
        return failures

    def _set_batch(self, indexes: list[int], writes: list[MetafieldWrite], failures: dict) -> None:
        if not indexes:
            return
        data = self.client.execute(
            document("metafields_set"), {"metafields": [writes[i].as_input() for i in indexes]}
        )
        errors = _user_errors(data["metafieldsSet"])
        if not errors:
            return
        if len(indexes) == 1:
            failures[indexes[0]] = errors
            return
        blamed = {e.index for e in errors if e.index is not None and 0 <= e.index < len(indexes)}
        if not blamed:
            for index in indexes:
                self._set_batch([index], writes, failures)
            return
        for position in blamed:
            failures[indexes[position]] = tuple(e for e in errors if e.index == position)
        self._set_batch([i for p, i in enumerate(indexes) if p not in blamed], writes, failures)

    def delete_metafields(self, refs: list[MetafieldRef]) -> tuple[UserError, ...]:
        errors: list[UserError] = []
        for start in range(0, len(refs), METAFIELDS_PER_CALL):
            batch = [ref.as_input() for ref in refs[start : start + METAFIELDS_PER_CALL]]
            data = self.client.execute(document("metafields_delete"), {"metafields": batch})
            errors.extend(_user_errors(data["metafieldsDelete"]))
        return tuple(errors)

    def metafield_definitions(self, owner_type: str, namespace: str) -> dict[str, str]:
        """Existing definitions of `namespace` on `owner_type`: key -> type name."""
        data = self.client.execute(
            document("metafield_definitions"), {"ownerType": owner_type, "namespace": namespace}
        )
        return {n["key"]: n["type"]["name"] for n in data["metafieldDefinitions"]["nodes"]}

    def create_metafield_definition(self, definition: dict) -> tuple[UserError, ...]:
        data = self.client.execute(document("metafield_definition_create"), {"definition": definition})
        return _user_errors(data["metafieldDefinitionCreate"])

    # Variants -----------------------------------------------------------------------------------------
    def variants_by_sku(self, skus: Iterable[str]) -> dict[str, list[Variant]]:
        """Variants whose SKU equals one of `skus` exactly (case-sensitive), 50 SKUs per search."""
        wanted = sorted({s for s in skus if s})
        found: dict[str, list[Variant]] = {}
        for start in range(0, len(wanted), SKUS_PER_SEARCH):
            batch = wanted[start : start + SKUS_PER_SEARCH]
            query = " OR ".join(f"sku:{_quoted(sku)}" for sku in batch)
            for variant in self._variant_pages(query):
                if variant.sku in batch:  # the search is case-insensitive and may be fuzzy; SKUs are not
                    found.setdefault(variant.sku, []).append(variant)
        return found

    def all_variants(self, *, expected: int | None = None) -> Iterator[Variant]:
        """Every variant with a SKU: one page when the catalog fits in it, else a bulk export.

        `expected` (e.g. the number of Cin7 SKUs) skips the probing page when it cannot be enough: a full
        page costs about 252 points, a bulk export about 10 plus a few cheap polls, whatever its size.
        """
        if expected is None or expected <= VARIANT_PAGE:
            data = self.client.execute(document("product_variants"), {"first": VARIANT_PAGE})
            connection = data["productVariants"]
            if not connection["pageInfo"]["hasNextPage"]:
                yield from (_variant(n) for n in connection["nodes"] if n.get("sku"))
                return
        try:
            # Read whole before the first is handed on (a corrupt file falls back to paging without a
            # variant seen twice), but as compact records, the file streamed line by line.
            variants = [
                Variant(id=line["id"], sku=line["sku"])
                for line in self._bulk_export(document("bulk_variants"))
                if line.get("id", "").startswith("gid://shopify/ProductVariant/") and line.get("sku")
            ]
        except (ShopifyQueryError, ShopifyUnavailableError) as exc:
            logger.warning("Bulk export of variants failed (%s); paging instead", exc)
            yield from self._variant_pages(None)
            return
        yield from variants

    def _variant_pages(self, query: str | None) -> Iterator[Variant]:
        after = None
        while True:
            variables = {"first": VARIANT_PAGE, "after": after, "query": query}
            connection = self.client.execute(document("product_variants"), variables)["productVariants"]
            yield from (_variant(n) for n in connection["nodes"] if n.get("sku"))
            if not connection["pageInfo"]["hasNextPage"]:
                return
            after = connection["pageInfo"]["endCursor"]

    def _bulk_export(self, query: str) -> Iterator[dict]:
        """Run a bulk query, wait for it, and stream its JSONL lines (FACTS §5 "Bulk operations")."""
        operation = wait_for_bulk_query(self.client, start_bulk_query(self.client, query))
        return bulk_file_objects(self.client, operation)


ADDRESS_INPUT_FIELDS = (
    "address1", "address2", "city", "company", "firstName", "lastName", "phone", "provinceCode", "zip"
)  # fmt: skip
ALL_ADDRESS_FIELDS = (*ADDRESS_INPUT_FIELDS, "countryCode")


def _quoted(value: str) -> str:
    """A search value in double quotes, as Shopify's search syntax escapes them: only `\\` and `"`.

    (Not `json.dumps`: it writes `É` as `\\u00c9`, which the search reads as the letters `u00c9`.)
    """
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _customer(node: dict) -> ShopifyCustomer:
    return ShopifyCustomer(
        id=node["id"],
        email=_email_of(node),
        state=node.get("state") or "",
        tags=tuple(node.get("tags") or ()),
    )


def _managed(node: dict) -> ManagedCustomer:
    address = node.get("defaultAddress")
    return ManagedCustomer(
        id=node["id"],
        fields={
            "firstName": node.get("firstName"),
            "lastName": node.get("lastName"),
            "phone": (node.get("defaultPhoneNumber") or {}).get("phoneNumber"),
            "taxExempt": bool(node.get("taxExempt")),
        },
        address_id=address["id"] if address else None,
        address=_address_input(address) if address else None,
        tags=tuple(node.get("tags") or ()),
        metafields={m["key"]: m["value"] for m in (node.get("metafields") or {}).get("nodes") or ()},
    )


def _address_input(node: dict) -> dict:
    """A `MailingAddress` node as the `MailingAddressInput` that would write it."""
    return {key: node.get(key) for key in ADDRESS_INPUT_FIELDS} | {"countryCode": node.get("countryCodeV2")}


def _email_of(node: dict) -> str:
    return (node.get("defaultEmailAddress") or {}).get("emailAddress") or ""


def _customer_result(payload: dict) -> CustomerResult:
    node = payload.get("customer")
    return CustomerResult(customer=_customer(node) if node else None, errors=_user_errors(payload))


def _variant(node: dict) -> Variant:
    return Variant(id=node["id"], sku=node.get("sku") or "")


def _user_errors(payload: dict | None) -> tuple[UserError, ...]:
    return tuple(
        UserError(
            field=tuple(str(f) for f in (e.get("field") or ())),
            message=e.get("message") or "",
            code=e.get("code") or "",
            index=e.get("elementIndex"),
        )
        for e in (payload or {}).get("userErrors") or ()
    )
