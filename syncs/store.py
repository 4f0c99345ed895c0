"""What the syncs keep between runs, as plain records, and the store interfaces the app implements.

The jobs never touch a database: they read and save these records through the `Store` a run is given
(the app's is `integration_app.runs.stores`). Each protocol is one capability; `Store` is all of them.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class InviteState(StrEnum):
    """Where a created customer's invite stands (the values the app stores)."""

    NONE = ""
    HELD = "held"
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    ACCEPTED = "accepted"


@dataclass(slots=True)
class CustomerLinkRecord:
    """A Cin7 customer and the Shopify customer it is written to; `written` is what Shopify confirmed."""

    cin7_id: str
    email: str = ""
    shopify_id: str = ""
    written: dict = field(default_factory=dict)
    in_scope: bool = True
    created_by_app: bool = False
    create_started_at: datetime | None = None
    refused: dict | None = None  # {"hash", "issues"}: a desired state Shopify refused
    invite_status: str = InviteState.NONE
    synced_at: datetime | None = None
    id: int | None = None  # None until stored


@dataclass(slots=True)
class VariantPriceRecord:
    """The `cin7.price_tiers` value last written to one variant, as a hash."""

    variant_id: str
    sku: str
    value_hash: str
    id: int | None = None


@dataclass(slots=True)
class CompanyLinkRecord:
    """One Cin7 customer's company, location and contact; `written` is the state last written."""

    cin7_id: str
    company_id: str = ""
    location_id: str = ""
    contact_id: str = ""
    written: dict = field(default_factory=dict)
    id: int | None = None


MARKET_KEY = "market:"  # the key prefix of a B2B market's catalog


@dataclass(slots=True)
class CatalogRecord:
    """A catalog the app owns (`tier:<code>`, `customer:<cin7 id>`, or `market:<code>`: the catalog of a
    B2B market below Plus, `market_id` its market); `prices`: variant gid -> amount; `volume`: variant gid ->
    the price breaks and pack size written (`b2b.volume.VariantVolume.state`)."""

    key: str
    title: str
    catalog_id: str = ""
    price_list_id: str = ""
    prices: dict = field(default_factory=dict)
    refused_at: datetime | None = None
    market_id: str = ""
    refusal: str = ""  # why Shopify refused it: "limit" or "plan"
    volume: dict = field(default_factory=dict)
    id: int | None = None


@dataclass(slots=True)
class BulkOperationRecord:
    """A bulk mutation a run started, kept until its results are read, so a killed run's successor
    resumes it instead of starting another. `lines`: per input line, what it was for (e.g. `[cin7 id,
    state hash]`); `operation_id` is "" until Shopify answered (then `client_identifier` finds it)."""

    kind: str
    client_identifier: str
    operation_id: str = ""
    lines: list = field(default_factory=list)
    id: int | None = None


@dataclass(slots=True)
class SyncState:
    """The shop's sync state: watermarks, last full reads, what the shop-wide writes left behind."""

    customers_watermark: datetime | None = None
    products_watermark: datetime | None = None
    last_full_customers_at: datetime | None = None
    last_full_pricing_at: datetime | None = None
    price_tier_names: list = field(default_factory=list)
    price_tier_names_hash: str = ""
    definitions_version: int = 0
    first_full_customer_sync_done: bool = False
    shopify_customers_checked: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DueInvite:
    """An invite to send now (`attempts` failed so far, of `max_attempts`)."""

    id: int
    cin7_id: str
    email: str
    shopify_id: str
    status: str
    attempts: int
    max_attempts: int

    @property
    def last_try(self) -> bool:
        """A failure now is final (reported)."""
        return self.attempts + 1 >= self.max_attempts


class CustomerLinks(Protocol):
    def customer_links(self, cin7_ids: Iterable[str] | None) -> dict[str, CustomerLinkRecord]:
        """Links by Cin7 ID: of `cin7_ids`, or every link of the shop when None."""

    def in_scope_emails(self, emails: list[str]) -> list[tuple[str, str]]:
        """(email, cin7 id) of in-scope links with one of `emails`."""

    def owners(self, shopify_ids: list[str]) -> dict[str, str]:
        """Shopify ID -> Cin7 ID of the in-scope links to these Shopify customers."""

    def given_up(self, shopify_ids: list[str]) -> set[str]:
        """Those of `shopify_ids` an out-of-scope link still points to."""

    def release(self, shopify_id: str, keep_cin7_id: str, *, dry_run: bool) -> tuple[dict, bool]:
        """Out-of-scope links to `shopify_id` (but `keep_cin7_id`'s) let it go: what the app last wrote
        for them ({} if none), and whether any let go."""

    def insert_customer_links(self, links: list[CustomerLinkRecord]) -> None:
        """Store new links (their `id` set)."""

    def save_customer_links(self, links: list[CustomerLinkRecord]) -> None:
        """Store new links and update the stored ones."""

    def set_out_of_scope(self, link: CustomerLinkRecord) -> None: ...

    def linked_customers(self) -> dict[str, str]:
        """Cin7 ID -> Shopify ID of the in-scope links with a Shopify customer."""

    def duplicate_email_retries(self, cin7_ids: list[str], emails: set[str]) -> set[str]:
        """Cin7 IDs with an open `duplicate_email` problem on an email that `cin7_ids` have, had (link), or
        were reported with, or that is in `emails`."""


class VariantPrices(Protocol):
    def variant_prices(self, variant_ids: Iterable[str] | None) -> dict[str, VariantPriceRecord]:
        """What was written to `variant_ids` (every variant when None), by variant ID."""

    def save_variant_prices(
        self, new: list[VariantPriceRecord], changed: list[VariantPriceRecord]
    ) -> None: ...

    def delete_variant_prices(self, records: list[VariantPriceRecord]) -> None: ...

    def priced_variants_by_sku(self) -> dict[str, list[str]]:
        """SKU -> variant gids of every variant priced (matched to a Cin7 product by exact SKU)."""


class B2BRecords(Protocol):
    def company_links(self) -> dict[str, CompanyLinkRecord]: ...

    def iter_company_links(self) -> Iterator[CompanyLinkRecord]:
        """Each company link once, read row by row: nothing is kept (`company_links` keeps them all)."""

    def save_company_link(self, link: CompanyLinkRecord) -> None: ...

    def catalogs(self, *, markets: bool | None = None) -> dict[str, CatalogRecord]:
        """The app's catalogs by key; `markets` True: only the B2B markets' (`market:<code>`), False: all
        but those (each row carries its whole price map, so a caller reads only the kind it writes)."""

    def save_catalog(self, row: CatalogRecord) -> None: ...

    def delete_catalog(self, row: CatalogRecord) -> None:
        """Forget a catalog the app no longer has in Shopify."""

    def record_b2b_facts(self, facts) -> None:
        """Remember whether the shop has B2B (`connectors.shopify.b2b.B2BFacts`) and its mode."""

    def record_b2b_reach(self, reach: dict) -> None:
        """Remember what reaches checkout below Plus: `served_tiers`, `tiers_not_served`,
        `customers_prices_need_plus` (merged into the shop's B2B facts)."""


class ShopRecords(Protocol):
    def save_state(self, state: SyncState, fields: list[str]) -> None: ...

    def open_problem_subjects(self, prefix: str) -> list[str]:
        """Subjects of the shop's open problems that start with `prefix`."""


class BulkOperations(Protocol):
    def bulk_operations(self, kinds: Iterable[str]) -> list[BulkOperationRecord]:
        """The shop's unfinished bulk operations of these kinds, oldest first."""

    def save_bulk_operation(self, record: BulkOperationRecord) -> None:
        """Store it (its `id` set when new); once stored, only its `operation_id` changes."""

    def delete_bulk_operation(self, record: BulkOperationRecord) -> None: ...


class Store(CustomerLinks, VariantPrices, B2BRecords, ShopRecords, BulkOperations, Protocol):
    """Everything a run keeps, for one shop."""


class InviteStore(Protocol):
    def due(self) -> list[DueInvite]:
        """The invites to (re)send now, oldest first."""

    def claim(self, invite: DueInvite) -> bool:
        """Mark it being sent, unless another process took it (False)."""

    def sent(self, invite: DueInvite) -> None: ...

    def failed(self, invite: DueInvite, error: str) -> None: ...

    def unclaim(self, invite: DueInvite) -> None:
        """Due again, without a try counted."""

    def company_contact(self, invite: DueInvite) -> str | None:
        """With native B2B on: the company contact made of this customer, "" while it is not one yet;
        None when B2B is off."""

    def recently_sent(self) -> dict[str, int]:
        """Shopify ID -> invite ID of the invites sent recently, still waiting for an acceptance."""

    def accepted(self, invite_ids: list[int]) -> int: ...
