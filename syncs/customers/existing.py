"""Which Shopify customers already have the emails of the Cin7 customers to link (adopt, never duplicate).

Few to link: looked up exactly, 50 emails per `customerByIdentifier` query (2 points an email). From
`EXPORT_THRESHOLD` to link (a first sync): one bulk export of every Shopify customer's ID and email instead,
streamed line by line; only the emails wanted are kept. An email matches as a look-up finds it: exactly,
case aside (the Cin7 side is trimmed and lower-cased when mapped); one two Shopify customers share that
way is looked up as ever.

Kill safety: the export is kept (a `BulkOperationRecord`) from its start until it was read, so a killed
run's successor reads it instead of starting another. The app creates no customer while one is kept (the
creations come after the read), so a kept export misses none the app made; one a merchant made meanwhile
is refused as taken on create, then looked up and adopted (`linking`).
"""

import logging
import uuid

from connectors.shopify.bulk import bulk_file_objects, start_bulk_query, wait_for_bulk_query
from connectors.shopify.documents import document
from connectors.shopify.errors import ShopifyQueryError, ShopifyUnavailableError
from connectors.shopify.records import ShopifyCustomer

from ..store import BulkOperationRecord

logger = logging.getLogger(__name__)

# Measured on the sandbox (docs/benchmarks.md "Finding existing customers by export"): from about this many
# customers to link, the export's fixed cost (its start, its polls and its start-up) is less than the
# look-ups' 2 points an email.
EXPORT_THRESHOLD = 150
EXPORT_KIND = "customer_export"


class ExistingCustomers:
    """Shopify customers by normalised email: from an export read once per run, else looked up."""

    threshold = EXPORT_THRESHOLD

    def __init__(self, ctx):
        self.ctx = ctx
        self.api = ctx.shopify
        self._index: dict[str, ShopifyCustomer] | None = None
        self._shared: set[str] = set()

    def read_export(self, emails: list[str]) -> None:
        """From `threshold` emails on, read (or resume) the export and keep the Shopify customers that
        have one of `emails`, until `forget`. Falls back to look-ups if Shopify refuses or fails it."""
        if len(emails) < self.threshold:
            return
        wanted = set(emails)
        try:
            self._index, self._shared = self._exported(wanted)
        except (ShopifyQueryError, ShopifyUnavailableError) as exc:
            logger.warning("Bulk export of customers failed (%s); looking emails up instead", exc)

    def by_email(self, emails) -> dict[str, ShopifyCustomer]:
        """The Shopify customers with these (normalised) emails."""
        emails = list(emails)
        if self._index is None:
            return self.api.customers_by_email(emails)
        found = {email: self._index[email] for email in emails if email in self._index}
        shared = [email for email in emails if email in self._shared]
        if shared:
            found.update(self.api.customers_by_email(shared))
        return found

    def forget(self) -> None:
        """From now on, look emails up: the app is about to create customers the export does not hold."""
        self._index, self._shared = None, set()

    def _exported(self, wanted: set[str]) -> tuple[dict[str, ShopifyCustomer], set[str]]:
        client = self.ctx.shopify.client
        record = next(iter(self.ctx.store.bulk_operations([EXPORT_KIND])), None)
        if record is not None:
            try:
                found = _read(client, record.operation_id, wanted)
            except ShopifyUnavailableError as exc:  # expired or failed: export again
                logger.info("The kept customer export cannot be read (%s); exporting again", exc)
            else:
                self.ctx.store.delete_bulk_operation(record)
                return found
        operation_id = start_bulk_query(client, document("bulk_customer_emails"))
        if record is None:
            record = BulkOperationRecord(EXPORT_KIND, f"cin7_{EXPORT_KIND}_{uuid.uuid4().hex}")
        record.operation_id = operation_id
        if not self.ctx.dry_run:
            self.ctx.store.save_bulk_operation(record)
        found = _read(client, operation_id, wanted)
        if record.id is not None:
            self.ctx.store.delete_bulk_operation(record)
        return found


def _read(client, operation_id: str, wanted: set[str]) -> tuple[dict[str, ShopifyCustomer], set[str]]:
    """Wait for the export, then stream its file into `_index`."""
    return _index(bulk_file_objects(client, wait_for_bulk_query(client, operation_id)), wanted)


def _index(lines, wanted: set[str]) -> tuple[dict[str, ShopifyCustomer], set[str]]:
    """The exported customers whose normalised email is wanted, and the emails more than one of them has."""
    found: dict[str, ShopifyCustomer] = {}
    shared: set[str] = set()
    for line in lines:
        address = (line.get("defaultEmailAddress") or {}).get("emailAddress") or ""
        email = address.lower()  # as `customerByIdentifier` finds it: case aside, exactly
        if not email or email not in wanted:
            continue
        if email in found:
            shared.add(email)
        found[email] = ShopifyCustomer(
            id=line["id"], email=address, state=line.get("state") or "", tags=tuple(line.get("tags") or ())
        )
    for email in shared:
        del found[email]
    return found, shared
