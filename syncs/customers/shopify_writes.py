"""The Shopify writes of one linked customer: fields, the default address, tags and metafields.

Each write is confirmed before the link's snapshot (`written`) records it, so a killed run loses nothing
and a rerun sends only what is still missing. Parts Shopify refuses become issues; the rest is kept.
"""

from connectors.shopify.records import AddressWrite, CustomerResult, MetafieldRef, MetafieldWrite

from ..definitions import NAMESPACE
from ..issues import Code, Issue, customer_issue
from ..store import CustomerLinkRecord
from .book import LinkBook
from .diff import CustomerChanges, DesiredCustomer, apply_changes

DROPPABLE = {"phone": "phone"}  # input key -> desired field, retried without it
METAFIELDS_PER_CALL = 25


class CustomerWrites:
    """Writes what a customer's changes hold, through the Shopify client the run was given."""

    def __init__(self, ctx, book: LinkBook):
        self.ctx = ctx
        self.api = ctx.shopify
        self.book = book

    def update(self, link: CustomerLinkRecord, state: DesiredCustomer, changes: CustomerChanges) -> None:
        address = changes.fields.pop("address", None)
        issues: list[Issue] = []
        customer_input = changes.update_input(link.shopify_id, with_metafields=True)
        if set(customer_input) - {"id"}:
            result, dropped, issues = self.write_with_drops(self.api.update_customer, customer_input, state)
            if customer_gone(result.errors):
                self.book.queue_relink(link, state)
                return
            if result.errors:
                self.book.refuse(link, state, issues)
                return
            for key in dropped:
                changes.fields.pop(key, None)
            link.written = apply_changes(link.written, changes, fields=True, tags=False, metafields=True)
        if address is not None:
            job = (link, state, address, self._address_to_update(link, address))
            if not self.write_addresses([job], issues):
                return
        self.finish_tags_and_deletes(link, state, changes, issues)

    def _address_to_update(self, link: CustomerLinkRecord, address: dict) -> str | None:
        """The Shopify address that holds Cin7's: the one the app wrote, else (an adopted customer, or a
        link from before address IDs were kept) one equal to the new or the last written address."""
        if link.written.get("address_id"):
            return link.written["address_id"]
        previous = (link.written.get("fields") or {}).get("address")
        return next(
            (
                address_id
                for address_id, existing in self.api.addresses(link.shopify_id)
                if _same_address(existing, address) or (previous and _same_address(existing, previous))
            ),
            None,
        )

    def write_addresses(self, jobs: list, issues: list[Issue] | None = None) -> bool:
        """Write Cin7's address as the default of each job's customer (`(link, state, address, address
        id or None)`): in place when the address is known, else created; the customer's other addresses are
        never touched. One job's refusal is its issue; returns False when the (single) customer is gone."""
        self.ctx.before_write()
        writes = [AddressWrite(link.shopify_id, address, known) for link, _s, address, known in jobs]
        results = self.api.write_addresses(writes)
        retry, alive = [], True
        for job, result in zip(jobs, results, strict=True):
            link, state, address, address_id = job
            if address_id and _address_gone(result.errors):
                retry.append((link, state, address, None))  # the merchant deleted it: create it again
            elif customer_gone(result.errors):
                self.book.queue_relink(link, state)
                alive = False
            elif result.errors:
                refused = customer_issue(
                    Code.SHOPIFY_USER_ERROR,
                    f"Shopify refused the address {_describe(address)} of {state.email}: "
                    f"{_joined(result.errors)}. The customer was saved without it.",
                    state.cin7_id,
                    state.email,
                )
                if issues is None:
                    self.book.refuse(link, state, [refused], partial=True)
                else:
                    issues.append(refused)
            else:
                fields = {**(link.written.get("fields") or {}), "address": address}
                link.written = {**link.written, "fields": fields, "address_id": result.address_id}
                self.book.changed(link)
        if retry:
            return self.write_addresses(retry, issues) and alive
        return alive

    def finish_tags_and_deletes(
        self, link, state, changes: CustomerChanges, issues: list[Issue], outcome: str = "updated"
    ) -> None:
        for add, tags, call in (
            (True, changes.tags_add, self.api.add_tags),
            (False, changes.tags_remove, self.api.remove_tags),
        ):
            if not tags:
                continue
            self.ctx.before_write()
            errors = call(link.shopify_id, tags)
            if customer_gone(errors):
                self.book.queue_relink(link, state)
                return
            if errors:
                issues.append(self.user_error(state, f"tags {'added' if add else 'removed'}", errors))
            else:
                done = CustomerChanges(tags_add=tags if add else [], tags_remove=[] if add else tags)
                link.written = apply_changes(link.written, done, fields=False, tags=True, metafields=False)
        if changes.metafields_delete:
            self.ctx.before_write()
            refs = [MetafieldRef(link.shopify_id, NAMESPACE, key) for key in changes.metafields_delete]
            errors = self.api.delete_metafields(refs)
            if errors:
                issues.append(self.user_error(state, "metafields deleted", errors))
            else:
                done = CustomerChanges(metafields_delete=changes.metafields_delete)
                link.written = apply_changes(link.written, done, fields=False, tags=False, metafields=True)
        self.book.settle(link, state, issues, outcome)

    def write_metafield_changes(self, jobs: list) -> None:
        """Metafield-only changes of many customers, 25 per `metafieldsSet` instead of one call each."""
        writes, owners = [], []
        for position, (link, _state, changes) in enumerate(jobs):
            for key, mf in sorted(changes.metafields_set.items()):
                writes.append(MetafieldWrite(link.shopify_id, NAMESPACE, key, mf.type, mf.value))
                owners.append(position)
        failures = {}
        for start in range(0, len(writes), METAFIELDS_PER_CALL):
            self.ctx.before_write()
            chunk = self.api.set_metafields(writes[start : start + METAFIELDS_PER_CALL])
            failures.update({start + index: errors for index, errors in chunk.items()})
        failed_by_job: dict[int, list] = {}
        for index, errors in failures.items():
            failed_by_job.setdefault(owners[index], []).append((writes[index].key, errors))
        for position, (link, state, changes) in enumerate(jobs):
            if any(customer_gone(errors) for _key, errors in failed_by_job.get(position, ())):
                self.book.queue_relink(link, state)
                continue
            issues = []
            done = CustomerChanges(metafields_set=dict(changes.metafields_set))
            for key, errors in failed_by_job.get(position, ()):
                done.metafields_set.pop(key, None)
                issues.append(self.user_error(state, f"metafield {NAMESPACE}.{key}", errors))
            link.written = apply_changes(link.written, done, fields=False, tags=False, metafields=True)
            self.finish_tags_and_deletes(link, state, changes, issues)

    def write_with_drops(self, call, customer_input: dict, state: DesiredCustomer):
        """Send a create/update; when Shopify refuses only the phone or the address, send it again without
        them (contract: "phone taken -> retry once without the phone and report")."""
        issues: list[Issue] = []
        dropped: list[str] = []
        while True:
            self.ctx.before_write()
            result: CustomerResult = call(customer_input)
            if not result.errors:
                return result, dropped, issues
            blamed = {e.field[0] for e in result.errors if e.field}
            droppable = {key for key in blamed if key in DROPPABLE and key in customer_input}
            if not droppable or blamed - droppable or any(not e.field for e in result.errors):
                issues.append(self.user_error(state, "customer", result.errors))
                return result, dropped, issues
            for key in sorted(droppable):
                value = customer_input.pop(key)
                dropped.append(DROPPABLE[key])
                refused = [e for e in result.errors if e.field and e.field[0] == key]
                issues.append(
                    customer_issue(
                        Code.SHOPIFY_USER_ERROR,
                        f"Shopify refused the {DROPPABLE[key]} {_describe(value)} of {state.email}: "
                        f"{_joined(refused)}. The customer was saved without it.",
                        state.cin7_id,
                        state.email,
                    )
                )
            if set(customer_input) <= {"id"}:
                return CustomerResult(customer=None), dropped, issues  # nothing else to send

    def user_error(self, state: DesiredCustomer, what: str, errors) -> Issue:
        return customer_issue(
            Code.SHOPIFY_USER_ERROR,
            f"Shopify refused the {what} of {state.email}: {_joined(errors)}.",
            state.cin7_id,
            state.email,
        )


def _same_address(shopify: dict, desired: dict) -> bool:
    keys = shopify.keys() | desired.keys()
    return all((shopify.get(key) or None) == (desired.get(key) or None) for key in keys)


def customer_gone(errors) -> bool:
    """Shopify says the customer (the ID, or the metafields' owner) does not exist any more."""
    return any(
        e.field and e.field[-1] in ("id", "ownerId") and "not exist" in e.message for e in errors or ()
    )


def _joined(errors) -> str:
    return "; ".join(str(e).rstrip(".") for e in errors)


def _address_gone(errors) -> bool:
    return any(e.field and e.field[-1] == "addressId" and "not exist" in e.message for e in errors or ())


def _describe(value) -> str:
    if isinstance(value, dict):
        parts = (str(value[k]) for k in ("city", "provinceCode", "countryCode") if value.get(k))
        return f"({', '.join(parts)})"
    return str(value)
