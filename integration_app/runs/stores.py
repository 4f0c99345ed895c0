"""The ORM behind `syncs.store.Store`: what one shop's runs keep, in the app's tables.

Queries with many IDs go in chunks (CHUNK per `IN (...)`, under SQLite's variable limit); rows that can
be many (links, prices, catalogs) are read as an iterator (ROWS_PER_FETCH at a time), so the database's
rows of a whole table are never held beside the records made of them, and their JSON (snapshots, price
maps) is rebuilt row by row with one string per repeated text (`SharedTexts`).
"""

from collections.abc import Iterator

from django.db.models import Q, QuerySet
from django.utils import timezone

from syncs.issues import Code
from syncs.shared_texts import SharedTexts
from syncs.store import (
    MARKET_KEY,
    BulkOperationRecord,
    CatalogRecord,
    CompanyLinkRecord,
    CustomerLinkRecord,
    SyncState,
    VariantPriceRecord,
)

from ..b2b import record_b2b_facts, record_b2b_reach
from ..models import (
    CompanyLink,
    CustomerLink,
    ManagedCatalog,
    OpenProblem,
    PendingBulkOperation,
    Shop,
    ShopSyncState,
    VariantPrice,
)
from .bulk import bulk_save

CHUNK = 900
ROWS_PER_QUERY = 500
ROWS_PER_FETCH = 500
LINK_FIELDS = [
    "email",
    "shopify_id",
    "written",
    "in_scope",
    "created_by_app",
    "create_started_at",
    "refused",
    "invite_status",
    "synced_at",
]
COMPANY_FIELDS = ["company_id", "location_id", "contact_id", "written"]
CATALOG_FIELDS = [
    "title",
    "catalog_id",
    "price_list_id",
    "prices",
    "refused_at",
    "market_id",
    "refusal",
    "volume",
]
STATE_FIELDS = [
    "customers_watermark",
    "products_watermark",
    "last_full_customers_at",
    "last_full_pricing_at",
    "price_tier_names",
    "price_tier_names_hash",
    "definitions_version",
    "first_full_customer_sync_done",
    "shopify_customers_checked",
]


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def sync_state(shop: Shop) -> SyncState:
    """The shop's sync state (created on first use)."""
    state, _ = ShopSyncState.objects.get_or_create(shop=shop)
    return SyncState(**{name: getattr(state, name) for name in STATE_FIELDS})


class OrmStore:
    """`syncs.store.Store` for one shop."""

    def __init__(self, shop: Shop):
        self.shop = shop

    # Customer links -----------------------------------------------------------------------------------
    def customer_links(self, cin7_ids) -> dict[str, CustomerLinkRecord]:
        links = CustomerLink.objects.filter(shop=self.shop).values_list("id", "cin7_id", *LINK_FIELDS)
        texts = SharedTexts()
        if cin7_ids is None:
            return {row[1]: _customer_link(row, texts) for row in links.iterator(ROWS_PER_FETCH)}
        found = {}
        for chunk in _chunks(list(cin7_ids)):
            rows = links.filter(cin7_id__in=chunk).iterator(ROWS_PER_FETCH)
            found.update({row[1]: _customer_link(row, texts) for row in rows})
        return found

    def in_scope_emails(self, emails: list[str]) -> list[tuple[str, str]]:
        links = CustomerLink.objects.filter(shop=self.shop, in_scope=True)
        found = []
        for chunk in _chunks(emails):
            found += links.filter(email__in=chunk).values_list("email", "cin7_id")
        return found

    def owners(self, shopify_ids: list[str]) -> dict[str, str]:
        links = CustomerLink.objects.filter(shop=self.shop, in_scope=True, shopify_id__in=shopify_ids)
        return dict(links.values_list("shopify_id", "cin7_id"))

    def given_up(self, shopify_ids: list[str]) -> set[str]:
        links = CustomerLink.objects.filter(shop=self.shop, in_scope=False, shopify_id__in=shopify_ids)
        return set(links.values_list("shopify_id", flat=True))

    def release(self, shopify_id: str, keep_cin7_id: str, *, dry_run: bool) -> tuple[dict, bool]:
        former = CustomerLink.objects.filter(shop=self.shop, shopify_id=shopify_id, in_scope=False).exclude(
            cin7_id=keep_cin7_id
        )
        written = next((w for w in former.values_list("written", flat=True) if w), {})
        released = not dry_run and bool(former.update(shopify_id="", written={}))
        return written, released

    def insert_customer_links(self, links: list[CustomerLinkRecord]) -> None:
        rows = CustomerLink.objects.bulk_create(
            [
                CustomerLink(shop=self.shop, cin7_id=link.cin7_id, **_values(link, LINK_FIELDS))
                for link in links
            ]
        )
        for link, row in zip(links, rows, strict=True):
            link.id = row.pk

    def save_customer_links(self, links: list[CustomerLinkRecord]) -> None:
        new = [link for link in links if link.id is None]
        stored = [link for link in links if link.id is not None]
        if new:
            self.insert_customer_links(new)
        bulk_save(CustomerLink, stored, LINK_FIELDS)

    def set_out_of_scope(self, link: CustomerLinkRecord) -> None:
        CustomerLink.objects.filter(pk=link.id).update(in_scope=False)

    def linked_customers(self) -> dict[str, str]:
        links = CustomerLink.objects.filter(shop=self.shop, in_scope=True).exclude(shopify_id="")
        return dict(links.values_list("cin7_id", "shopify_id").iterator(ROWS_PER_FETCH))

    def duplicate_email_retries(self, cin7_ids: list[str], emails: set[str]) -> set[str]:
        emails = set(emails)
        problems = OpenProblem.objects.filter(shop=self.shop, code=Code.DUPLICATE_EMAIL)
        for chunk in _chunks(cin7_ids):
            links = CustomerLink.objects.filter(shop=self.shop, cin7_id__in=chunk)
            emails.update(links.values_list("email", flat=True))
            emails.update(problems.filter(cin7_id__in=chunk).values_list("email", flat=True))
        emails.discard("")
        retry: set[str] = set()
        for chunk in _chunks(sorted(emails)):
            retry.update(problems.filter(email__in=chunk).values_list("cin7_id", flat=True))
        return retry

    # Variant prices -----------------------------------------------------------------------------------
    def variant_prices(self, variant_ids) -> dict[str, VariantPriceRecord]:
        rows = VariantPrice.objects.filter(shop=self.shop).values_list(
            "id", "variant_id", "sku", "value_hash"
        )
        if variant_ids is None:
            return {row[1]: _variant_price(row) for row in rows.iterator(ROWS_PER_FETCH)}
        found = {}
        for chunk in _chunks(sorted(variant_ids), ROWS_PER_QUERY):
            found.update({row[1]: _variant_price(row) for row in rows.filter(variant_id__in=chunk)})
        return found

    def save_variant_prices(self, new: list[VariantPriceRecord], changed: list[VariantPriceRecord]) -> None:
        rows = VariantPrice.objects.bulk_create(
            [
                VariantPrice(shop=self.shop, variant_id=r.variant_id, sku=r.sku, value_hash=r.value_hash)
                for r in new
            ]
        )
        for record, row in zip(new, rows, strict=True):
            record.id = row.pk
        bulk_save(VariantPrice, changed, ["sku", "value_hash", "updated_at"])

    def delete_variant_prices(self, records: list[VariantPriceRecord]) -> None:
        VariantPrice.objects.filter(pk__in=[record.id for record in records]).delete()

    def priced_variants_by_sku(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        rows = VariantPrice.objects.filter(shop=self.shop).values_list("variant_id", "sku")
        for variant_id, sku in rows.iterator(ROWS_PER_FETCH):
            found.setdefault(sku, []).append(variant_id)
        return found

    # B2B ----------------------------------------------------------------------------------------------
    def company_links(self) -> dict[str, CompanyLinkRecord]:
        links = CompanyLink.objects.filter(shop=self.shop)
        return self._keyed_rows(links, "cin7_id", COMPANY_FIELDS, CompanyLinkRecord, {"written"})

    def iter_company_links(self) -> Iterator[CompanyLinkRecord]:
        links = CompanyLink.objects.filter(shop=self.shop)
        return self._records(links, "cin7_id", COMPANY_FIELDS, CompanyLinkRecord)

    def save_company_link(self, link: CompanyLinkRecord) -> None:
        self._save_keyed_row(CompanyLink, "cin7_id", COMPANY_FIELDS, link)

    def catalogs(self, *, markets: bool | None = None) -> dict[str, CatalogRecord]:
        rows = ManagedCatalog.objects.filter(shop=self.shop)
        if markets is not None:
            of_markets = Q(key__startswith=MARKET_KEY)
            rows = rows.filter(of_markets if markets else ~of_markets)
        return self._keyed_rows(rows, "key", CATALOG_FIELDS, CatalogRecord, {"prices", "volume"})

    def save_catalog(self, row: CatalogRecord) -> None:
        self._save_keyed_row(ManagedCatalog, "key", CATALOG_FIELDS, row)

    def delete_catalog(self, row: CatalogRecord) -> None:
        if row.id is not None:
            ManagedCatalog.objects.filter(pk=row.id).delete()
            row.id = None

    def record_b2b_facts(self, facts) -> None:
        record_b2b_facts(self.shop, facts)

    def record_b2b_reach(self, reach: dict) -> None:
        record_b2b_reach(self.shop, reach)

    # Bulk operations ----------------------------------------------------------------------------------
    def bulk_operations(self, kinds) -> list[BulkOperationRecord]:
        rows = PendingBulkOperation.objects.filter(shop=self.shop, kind__in=list(kinds)).order_by("id")
        return [
            BulkOperationRecord(row.kind, row.client_identifier, row.operation_id, row.lines, id=row.pk)
            for row in rows
        ]

    def save_bulk_operation(self, record: BulkOperationRecord) -> None:
        if record.id is None:
            values = _values(record, ["kind", "client_identifier", "operation_id", "lines"])
            record.id = PendingBulkOperation.objects.create(shop=self.shop, **values).pk
        else:  # its lines (thousands of keys in a large stage) are not written again
            PendingBulkOperation.objects.filter(pk=record.id).update(operation_id=record.operation_id)

    def delete_bulk_operation(self, record: BulkOperationRecord) -> None:
        PendingBulkOperation.objects.filter(pk=record.id).delete()

    # Rows the run finds by a key of its own (a Cin7 ID, a catalog key) and saves back -----------------
    def _keyed_rows(self, rows: QuerySet, key: str, fields: list[str], record_type, shared: set[str]) -> dict:
        """The `rows` as `record_type(key, *fields, id=…)`, by their `key`; the JSON `shared` fields with
        one string per repeated text."""
        return {getattr(found, key): found for found in self._records(rows, key, fields, record_type, shared)}

    def _records(
        self, rows: QuerySet, key: str, fields: list[str], record_type, shared=frozenset()
    ) -> Iterator:
        """The `rows` as `record_type(key, *fields, id=…)`, one at a time (see `_keyed_rows`)."""
        texts = SharedTexts()
        for row in rows.values_list("id", key, *fields).iterator(ROWS_PER_FETCH):
            values = (texts.of(v) if name in shared else v for name, v in zip(fields, row[2:], strict=True))
            yield record_type(row[1], *values, id=row[0])

    def _save_keyed_row(self, model, key: str, fields: list[str], record) -> None:
        """Insert the record's row (then it has an `id`), or update its `fields` and `updated_at`."""
        values = _values(record, fields)
        if record.id is None:
            record.id = model.objects.create(shop=self.shop, **{key: getattr(record, key)}, **values).pk
        else:
            model.objects.filter(pk=record.id).update(**values, updated_at=timezone.now())

    # The shop -----------------------------------------------------------------------------------------
    def save_state(self, state: SyncState, fields: list[str]) -> None:
        ShopSyncState.objects.filter(shop=self.shop).update(**_values(state, fields))

    def open_problem_subjects(self, prefix: str) -> list[str]:
        problems = OpenProblem.objects.filter(shop=self.shop, subject__startswith=prefix)
        return list(problems.values_list("subject", flat=True).distinct())


def _values(record, fields: list[str]) -> dict:
    return {name: getattr(record, name) for name in fields}


def _customer_link(row: tuple, texts: SharedTexts) -> CustomerLinkRecord:
    link = CustomerLinkRecord(row[1], *row[2:], id=row[0])
    link.written = texts.of(link.written)
    return link


def _variant_price(row: tuple) -> VariantPriceRecord:
    return VariantPriceRecord(row[1], row[2], row[3], id=row[0])
