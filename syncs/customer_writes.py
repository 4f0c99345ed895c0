"""The Shopify writes of the customer sync, batch by batch, with the link bookkeeping that makes them safe.

Crash safety: before a batch's `customerCreate`s are sent, each link row records `create_started_at`;
after Shopify confirms, the batch's links are saved. A run killed in between leaves links without a
Shopify ID but with the marker: the rerun looks the email up, finds the customer and adopts it as one the
app created (so its invite is still sent once). Nothing is ever created twice.
"""

import logging

from django.utils import timezone

from connectors.shopify.records import (
    AddressWrite,
    CustomerResult,
    MetafieldRef,
    MetafieldWrite,
    ShopifyCustomer,
)
from integration_app.bulk import bulk_save
from integration_app.models import CustomerLink, InviteStatus

from .issues import Code, Issue, customer_issue
from .state import NAMESPACE, CustomerChanges, DesiredCustomer, apply_changes, diff_customer, snapshot_of

logger = logging.getLogger(__name__)

PRICES_ONLY = frozenset({"customer_prices"})
DROPPABLE = {"phone": "phone"}  # input key -> desired field, retried without it
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


class CustomerWriter:
    def __init__(self, ctx, links: dict[str, CustomerLink], *, prices_only: bool = False):
        self.ctx = ctx
        self.links = links
        self.api = ctx.shopify
        self.components = PRICES_ONLY if prices_only else None
        self.prices_only = prices_only
        self._dirty: dict[str, CustomerLink] = {}
        self._relink: list[DesiredCustomer] = []
        self._new_addresses: list[tuple[CustomerLink, DesiredCustomer, dict, str | None]] = []

    # Linked customers ---------------------------------------------------------------------------------
    def update_batch(self, states: list[DesiredCustomer]) -> None:
        metafield_only = []
        for state in states:
            self.ctx.progress.advance()
            link = self.links[state.cin7_id]
            if self._refused_again(link, state):
                continue
            changes = diff_customer(state, link.written, components=self.components)
            if not self.prices_only and not link.in_scope:
                link.in_scope = True
                self._dirty[link.cin7_id] = link
            if changes.empty:
                self.ctx.count("unchanged")
                self._clear_refused(link)
                continue
            if self.ctx.dry_run:
                self.ctx.count("updated")
                self._plan("update", state, changes)
            elif changes.fields:
                self._update(link, state, changes)
            else:
                metafield_only.append((link, state, changes))
        if metafield_only:
            self._write_metafield_changes(metafield_only)
        self._save()
        if self._relink:
            states, self._relink = self._relink, []
            self.link_batch(states)

    def _update(self, link: CustomerLink, state: DesiredCustomer, changes: CustomerChanges) -> None:
        address = changes.fields.pop("address", None)
        issues: list[Issue] = []
        customer_input = changes.update_input(link.shopify_id, with_metafields=True)
        if set(customer_input) - {"id"}:
            result, dropped, issues = self._write_with_drops(self.api.update_customer, customer_input, state)
            if _customer_gone(result.errors):
                self._queue_relink(link, state)
                return
            if result.errors:
                self._refuse(link, state, issues)
                return
            for key in dropped:
                changes.fields.pop(key, None)
            link.written = apply_changes(link.written, changes, fields=True, tags=False, metafields=True)
        if address is not None:
            job = (link, state, address, self._address_to_update(link, address))
            if not self._write_addresses([job], issues):
                return
        self._finish_tags_and_deletes(link, state, changes, issues)

    def _address_to_update(self, link: CustomerLink, address: dict) -> str | None:
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

    def _write_addresses(self, jobs: list, issues: list[Issue] | None = None) -> bool:
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
            elif _customer_gone(result.errors):
                self._queue_relink(link, state)
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
                    self._refuse(link, state, [refused], partial=True)
                else:
                    issues.append(refused)
            else:
                fields = {**(link.written.get("fields") or {}), "address": address}
                link.written = {**link.written, "fields": fields, "address_id": result.address_id}
                self._dirty[link.cin7_id] = link
        if retry:
            return self._write_addresses(retry, issues) and alive
        return alive

    def _finish_tags_and_deletes(
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
            if _customer_gone(errors):
                self._queue_relink(link, state)
                return
            if errors:
                issues.append(self._user_error(state, f"tags {'added' if add else 'removed'}", errors))
            else:
                done = CustomerChanges(tags_add=tags if add else [], tags_remove=[] if add else tags)
                link.written = apply_changes(link.written, done, fields=False, tags=True, metafields=False)
        if changes.metafields_delete:
            self.ctx.before_write()
            refs = [MetafieldRef(link.shopify_id, NAMESPACE, key) for key in changes.metafields_delete]
            errors = self.api.delete_metafields(refs)
            if errors:
                issues.append(self._user_error(state, "metafields deleted", errors))
            else:
                done = CustomerChanges(metafields_delete=changes.metafields_delete)
                link.written = apply_changes(link.written, done, fields=False, tags=False, metafields=True)
        self._settle(link, state, issues, outcome)

    def _write_metafield_changes(self, jobs: list) -> None:
        """Metafield-only changes of many customers, 25 per `metafieldsSet` instead of one call each."""
        writes, owners = [], []
        for position, (link, _state, changes) in enumerate(jobs):
            for key, mf in sorted(changes.metafields_set.items()):
                writes.append(MetafieldWrite(link.shopify_id, NAMESPACE, key, mf.type, mf.value))
                owners.append(position)
        failures = {}
        for start in range(0, len(writes), 25):
            self.ctx.before_write()
            chunk = self.api.set_metafields(writes[start : start + 25])
            failures.update({start + index: errors for index, errors in chunk.items()})
        failed_by_job: dict[int, list] = {}
        for index, errors in failures.items():
            failed_by_job.setdefault(owners[index], []).append((writes[index].key, errors))
        for position, (link, state, changes) in enumerate(jobs):
            if any(_customer_gone(errors) for _key, errors in failed_by_job.get(position, ())):
                self._queue_relink(link, state)
                continue
            issues = []
            done = CustomerChanges(metafields_set=dict(changes.metafields_set))
            for key, errors in failed_by_job.get(position, ()):
                done.metafields_set.pop(key, None)
                issues.append(self._user_error(state, f"metafield {NAMESPACE}.{key}", errors))
            link.written = apply_changes(link.written, done, fields=False, tags=False, metafields=True)
            self._finish_tags_and_deletes(link, state, changes, issues)

    # Unlinked customers -------------------------------------------------------------------------------
    def link_batch(self, states: list[DesiredCustomer]) -> None:
        """Adopt the Shopify customers that already have these emails; create the others."""
        found = self.api.customers_by_email(s.email for s in states)
        # Only a Cin7 customer still in scope owns its Shopify customer: one that was deprecated or untagged
        # gives it up to a new Cin7 customer with the same email (Cin7 cannot delete; merchants recreate).
        owners = dict(
            CustomerLink.objects.filter(
                shop=self.ctx.shop, in_scope=True, shopify_id__in=[customer.id for customer in found.values()]
            ).values_list("shopify_id", "cin7_id")
        )
        owners.update(
            {
                link.shopify_id: cin7_id
                for cin7_id, link in self._dirty.items()
                if link.shopify_id and link.in_scope
            }
        )
        given_up = set(
            CustomerLink.objects.filter(
                shop=self.ctx.shop, in_scope=False, shopify_id__in=[c.id for c in found.values()]
            ).values_list("shopify_id", flat=True)
        )
        to_create = []
        for state in states:
            existing = found.get(state.email)
            owner = owners.get(existing.id) if existing else None
            if existing and owner and owner != state.cin7_id:
                self.ctx.progress.advance()
                self.ctx.count("skipped")
                self.ctx.report(
                    customer_issue(
                        Code.DUPLICATE_EMAIL,
                        f"The Shopify customer with {state.email} is already linked to Cin7 customer "
                        f"{owner}.",
                        state.cin7_id,
                        state.email,
                    )
                )
            elif existing:
                self.ctx.progress.advance()
                self._adopt(state, existing, take_over=existing.id in given_up)
            else:
                to_create.append(state)
        if to_create and not self.ctx.dry_run:
            self._mark_creates_started(to_create)
        for state in to_create:
            self.ctx.progress.advance()
            self._create(state)
        if self._new_addresses:
            jobs, self._new_addresses = self._new_addresses, []
            self._write_addresses(jobs)
        self._save()

    def _link(self, state: DesiredCustomer) -> CustomerLink:
        link = self.links.get(state.cin7_id)
        if link is None:
            link = CustomerLink(shop=self.ctx.shop, cin7_id=state.cin7_id)
            self.links[state.cin7_id] = link
        link.email, link.in_scope = state.email, True
        self._dirty[state.cin7_id] = link
        return link

    def _release_from_former_owners(self, state: DesiredCustomer, shopify_id: str) -> dict:
        """Out-of-scope links to a customer `state` takes over let go of it, so the old Cin7 customer, if
        it ever comes back, cannot overwrite (or strip) the new one's data. Returns what the app last
        wrote for the former owner ({} if none)."""
        former = CustomerLink.objects.filter(
            shop=self.ctx.shop, shopify_id=shopify_id, in_scope=False
        ).exclude(cin7_id=state.cin7_id)
        written = next((w for w in former.values_list("written", flat=True) if w), {})
        if not self.ctx.dry_run and former.update(shopify_id="", written={}):
            for other in self.links.values():
                if other.shopify_id == shopify_id and other.cin7_id != state.cin7_id and not other.in_scope:
                    other.shopify_id, other.written = "", {}
        return dict(written)

    def _mark_creates_started(self, states: list[DesiredCustomer]) -> None:
        now = timezone.now()
        new = []
        for state in states:
            link = self._link(state)
            link.create_started_at = now
            if link.pk is None:
                new.append(link)
        CustomerLink.objects.bulk_create(new)
        self._save()

    def _adopt(self, state: DesiredCustomer, existing: ShopifyCustomer, *, take_over: bool = False) -> None:
        link = self._link(state)
        link.shopify_id, link.written = existing.id, {}
        if take_over:
            # From a former Cin7 customer: start from what the app wrote for it, so its tags and metafields
            # that do not apply any more are removed.
            link.written = self._release_from_former_owners(state, existing.id)
        if link.create_started_at is not None:
            # Found after a crash: the app created this customer in an earlier, interrupted run.
            self._mark_created(link, invite=existing.state != "ENABLED")
        changes = diff_customer(state, link.written)
        if self.ctx.dry_run:
            self.ctx.count("updated")
            self._plan("adopt", state, changes)
            return
        if changes.empty:
            self._settle(link, state, [], "updated")
            return
        self._update(link, state, changes)

    def _create(self, state: DesiredCustomer) -> None:
        if self._refused_again(self.links.get(state.cin7_id), state):
            return
        if self.ctx.dry_run:
            self.ctx.count("created")
            self._plan("create", state, diff_customer(state, {}))
            return
        link = self._link(state)
        result, dropped, issues = self._write_with_drops(
            self.api.create_customer, state.create_input(), state
        )
        if result.errors and any(
            e.field[:1] == ("email",) and "taken" in e.message.lower() for e in result.errors
        ):
            existing = self.api.customers_by_email([state.email]).get(state.email)
            if existing is not None:  # created meanwhile (or the search index lagged): adopt it
                self._adopt(state, existing)
                return
        if result.errors or result.customer is None:
            self._refuse(link, state, issues)
            return
        link.shopify_id = result.customer.id
        link.written = snapshot_of(state)
        address = link.written["fields"].pop("address", None)
        for key in dropped:
            link.written["fields"].pop(key, None)
        self._mark_created(link, invite=True)
        self._settle(link, state, issues, "created")
        if address is not None:
            self._new_addresses.append((link, state, address, None))

    def _mark_created(self, link: CustomerLink, *, invite: bool) -> None:
        link.created_by_app, link.create_started_at = True, None
        if invite and self.ctx.settings.send_invites and link.invite_status == InviteStatus.NONE:
            # Until the first import is done (a complete read, `full` ticked or not: a shop's first run
            # reads everything either way), creations are held, never mailed by surprise.
            first_import = not self.ctx.state.first_full_customer_sync_done
            link.invite_status = InviteStatus.HELD if first_import else InviteStatus.PENDING

    # Leaving the scope --------------------------------------------------------------------------------
    def strip(self, link: CustomerLink) -> None:
        """`on_untag: strip`: remove the app's tags and every `cin7` metafield it wrote; keep the customer."""
        changes = CustomerChanges(
            tags_remove=list(link.written.get("tags") or ()),
            metafields_delete=sorted((link.written.get("metafields") or {}).keys()),
        )
        state = DesiredCustomer(link.cin7_id, link.email, {}, (), {})
        link.in_scope = False
        self._dirty[link.cin7_id] = link
        if changes.empty:
            self._save()
            return
        if self.ctx.dry_run:
            self.ctx.count("updated")
            self._plan("strip", state, changes)
            return
        self._finish_tags_and_deletes(link, state, changes, [])
        self._save()

    # Shared -------------------------------------------------------------------------------------------
    def _write_with_drops(self, call, customer_input: dict, state: DesiredCustomer):
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
                issues.append(self._user_error(state, "customer", result.errors))
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

    def _queue_relink(self, link: CustomerLink, state: DesiredCustomer) -> None:
        """The merchant deleted the Shopify customer: link again by email (adopt or create) this run."""
        logger.info("Shopify customer %s of Cin7 %s is gone; relinking", link.shopify_id, link.cin7_id)
        link.shopify_id, link.written = "", {}
        self._dirty[link.cin7_id] = link
        self._relink.append(state)

    def _user_error(self, state: DesiredCustomer, what: str, errors) -> Issue:
        return customer_issue(
            Code.SHOPIFY_USER_ERROR,
            f"Shopify refused the {what} of {state.email}: {_joined(errors)}.",
            state.cin7_id,
            state.email,
        )

    def _settle(self, link: CustomerLink, state: DesiredCustomer, issues: list[Issue], outcome: str) -> None:
        """Record the outcome of one customer's writes: refused parts are remembered, the rest saved."""
        self.ctx.count(outcome)
        link.synced_at = timezone.now()
        link.email = state.email
        self._dirty[link.cin7_id] = link
        if issues:
            self._refuse(link, state, issues, partial=True)
        else:
            link.refused = None

    def _refuse(
        self, link: CustomerLink | None, state: DesiredCustomer, issues: list[Issue], *, partial=False
    ):
        for issue in issues:
            self.ctx.report(issue)
        if not partial:
            self.ctx.count("failed")
        if link is not None:
            link.refused = {"hash": state.state_hash, "issues": [[i.code, i.message] for i in issues]}
            self._dirty[link.cin7_id] = link

    def _refused_again(self, link: CustomerLink | None, state: DesiredCustomer) -> bool:
        """A state Shopify already refused is not sent again (a rerun without change writes nothing); its
        issues are reported again. A change in Cin7, or a full run the merchant asks for, retries it."""
        if (
            self.ctx.retry_refused
            or link is None
            or not link.refused
            or link.refused.get("hash") != state.state_hash
        ):
            return False
        for code, message in link.refused["issues"]:
            self.ctx.report(customer_issue(Code(code), message, state.cin7_id, state.email))
        self.ctx.count("skipped")
        return True

    def _clear_refused(self, link: CustomerLink) -> None:
        if link.refused:
            link.refused = None
            self._dirty[link.cin7_id] = link

    def _plan(self, action: str, state: DesiredCustomer, changes: CustomerChanges) -> None:
        self.ctx.planned(
            {"action": action, "cin7_id": state.cin7_id, "email": state.email, "changes": changes.preview()}
        )

    def _save(self) -> None:
        if self.ctx.dry_run or not self._dirty:
            self._dirty.clear()
            return
        links = list(self._dirty.values())
        self._dirty.clear()
        new = [link for link in links if link.pk is None]
        existing = [link for link in links if link.pk is not None]
        if new:
            CustomerLink.objects.bulk_create(new)
        bulk_save(existing, LINK_FIELDS)


def _same_address(shopify: dict, desired: dict) -> bool:
    keys = shopify.keys() | desired.keys()
    return all((shopify.get(key) or None) == (desired.get(key) or None) for key in keys)


def _customer_gone(errors) -> bool:
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
