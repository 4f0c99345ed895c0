"""New customers created in bulk (issue 26, syncs/customers/bulk_create.py): the same Shopify end state and
links as the single calls, refusals reported alike, and a run killed during either bulk stage resumed by
the next one without a duplicate."""

import json
import re

import pytest

from connectors.shopify.bulk_mutations import BulkMutations
from connectors.shopify.sandbox.context import BulkModel
from integration_app.models import CustomerLink, PendingBulkOperation, SyncRun
from syncs.context import WriteLimitReached
from syncs.customers.bulk_create import BulkCreator
from tests.helpers import b2b_customer, run_sync

pytestmark = pytest.mark.django_db(transaction=True)
DEFINITIONS = 11  # the first run's metafield definitions, one write each


@pytest.fixture
def fast_bulk(shopify_sandbox, monkeypatch):
    """Bulk from 3 new customers; operations start at once and run 1000 lines a second."""
    shopify_sandbox.endpoint.bulk_model = BulkModel(rows_per_second=1000, startup_seconds=0)
    monkeypatch.setattr(BulkCreator, "threshold", 3)


def add_buyers(cin7_account, prefix: str, phone: int, *, same_phone: bool = True) -> None:
    """Four buyers; with `same_phone` the last has the first one's phone (Shopify refuses it: saved
    without it)."""
    for n in range(4):
        tags = "b2b,VIP" if n % 2 else "b2b"
        number = f"415 555 {phone:02d}{(n % 3 if same_phone else n):02d}"
        cin7_account.add_customer(
            b2b_customer(
                f"Buyer {n}",
                f"{prefix}{n}@example.com",
                tags=tags,
                phone=number,
                Name=f"{prefix} {n} Trading",
            )
        )


def end_state(sandbox_shop, prefix: str) -> dict:
    """The Shopify customers and links of one prefix, with what differs by construction left out (the
    prefix in the Cin7 name, which Cin7 wants unique; address IDs, phone numbers, Cin7 IDs, state hashes)."""
    found = {}
    for customer in sandbox_shop.customers.values():
        if not customer.email.startswith(prefix):
            continue
        link = CustomerLink.objects.get(shopify_id=customer.id)
        written = dict(link.written)
        assert written.pop("address_id").split("?")[0] in [a["id"] for a in customer.addresses]
        found[customer.email[len(prefix) :]] = {
            "customer": (
                customer.first_name,
                customer.last_name,
                bool(customer.phone),
                sorted(customer.tags),
            ),
            "addresses": [{k: v for k, v in a.items() if k != "id"} for a in customer.addresses],
            "metafields": {
                k: (mf.type, mf.value) for (_ns, k), mf in customer.metafields.items() if k != "cin7_id"
            },
            "link": (
                link.created_by_app,
                link.create_started_at,
                link.in_scope,
                link.refused,
                _unphoned(written),
            ),
        }
    text = re.sub(r"\+1\d{10}", "+1…", json.dumps(found, default=str).replace(prefix, "#"))
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "uuid", text)
    return json.loads(re.sub(r"[0-9a-f]{64}", "hash", text))


def _unphoned(written: dict) -> dict:
    fields = dict(written.get("fields") or {})
    fields.pop("phone", None)
    return {**written, "fields": fields}


def issues_of(run, prefix: str) -> list[str]:
    messages = run.issues.values_list("message", flat=True)
    numbered = (re.sub(r"\+1\d{10}", "+1…", message) for message in messages if prefix in message)
    return sorted(re.sub(rf"{prefix}(\d)", r"#\1", message) for message in numbered)


def bulk_runs(shopify_sandbox) -> int:
    return sum("bulkOperationRunMutation" in call.root_fields for call in shopify_sandbox.calls)


def test_bulk_creates_the_same_customers_as_single_calls(
    installed_shop, cin7_account, sandbox_shop, shopify_sandbox, fast_bulk, monkeypatch
):
    add_buyers(cin7_account, "solo", 1)
    monkeypatch.setattr(BulkCreator, "threshold", 1000)
    single = run_sync(installed_shop, kind="customers")
    assert bulk_runs(shopify_sandbox) == 0
    add_buyers(cin7_account, "bulk", 2)
    sandbox_shop.add_customer(email="bulk9@example.com", tags=["merchant"])  # adopted, never created
    cin7_account.add_customer(b2b_customer("Adopt Me", "bulk9@example.com", phone="415 555 0299"))
    monkeypatch.setattr(BulkCreator, "threshold", 3)
    bulk = run_sync(installed_shop, kind="customers")
    assert bulk.status == single.status and bulk_runs(shopify_sandbox) == 2  # customers, then addresses
    assert bulk.counts["created"] == single.counts["created"] == 4
    assert issues_of(bulk, "bulk") == issues_of(single, "solo") != []  # the phone taken, as ever
    singles, bulks = end_state(sandbox_shop, "solo"), end_state(sandbox_shop, "bulk")
    adopted = bulks.pop("9@example.com")
    assert bulks == singles
    assert adopted["link"][0] is False and "merchant" in adopted["customer"][3]
    links = CustomerLink.objects.filter(email__startswith="solo")
    assert set(links.values_list("invite_status", flat=True)) == {"held"}  # the first import
    links = CustomerLink.objects.filter(email__startswith="bulk", created_by_app=True)
    assert set(links.values_list("invite_status", flat=True)) == {"sent"}  # as after it: sent at the end
    assert not PendingBulkOperation.objects.exists()
    rerun = run_sync(installed_shop, kind="customers")
    assert rerun.counts["created"] == 0 and bulk_runs(shopify_sandbox) == 2


def _kill_waiting(monkeypatch, stage: int) -> None:
    """The worker dies while it waits for the `stage`th bulk operation (it keeps running in Shopify)."""
    real, calls = BulkMutations.wait, []

    def wait(self, operation):
        calls.append(operation.id)
        if len(calls) == stage:
            raise WriteLimitReached("killed while waiting")
        return real(self, operation)

    monkeypatch.setattr(BulkMutations, "wait", wait)


def _kill_after_start(monkeypatch, stage: int) -> None:
    """The worker dies right after Shopify started the `stage`th operation, before its ID was stored."""
    real, calls = BulkMutations.run, []

    def run(self, *args):
        operation = real(self, *args)
        calls.append(operation.id)
        if len(calls) == stage:
            raise WriteLimitReached("killed after the start")
        return operation

    monkeypatch.setattr(BulkMutations, "run", run)


# Writes of the first run: the definitions, then per stage its upload and its start.
@pytest.mark.parametrize(
    "kill",
    [
        ("waiting", 1),
        ("waiting", 2),
        ("started", 1),
        ("started", 2),
        ("write_limit", DEFINITIONS + 1),
        ("write_limit", DEFINITIONS + 3),
    ],
)
def test_killed_during_a_bulk_stage_the_rerun_ends_in_the_same_state(
    installed_shop, cin7_account, sandbox_shop, shopify_sandbox, fast_bulk, monkeypatch, kill
):
    add_buyers(cin7_account, "k", 1, same_phone=False)
    how, where = kill
    with monkeypatch.context() as patch:
        options = {"write_limit": where} if how == "write_limit" else {}
        if how == "waiting":
            _kill_waiting(patch, where)
        elif how == "started":
            _kill_after_start(patch, where)
        with pytest.raises(WriteLimitReached):
            run_sync(installed_shop, kind="customers", **options)
    SyncRun.objects.filter(status="running").update(heartbeat_at="2020-01-01T00:00:00Z")
    rerun = run_sync(installed_shop, kind="customers")
    assert rerun.status == "succeeded", rerun.error_message
    emails = sorted(c.email for c in sandbox_shop.customers.values())
    assert emails == [f"k{n}@example.com" for n in range(4)]
    assert all(len(c.addresses) == 1 for c in sandbox_shop.customers.values())
    assert not PendingBulkOperation.objects.exists()
    links = CustomerLink.objects.all()
    assert len(links) == 4 and all(link.shopify_id and link.created_by_app for link in links)
    assert {link.invite_status for link in links} == {"held"}
    assert all(link.written.get("address_id") for link in links)
    state = end_state(sandbox_shop, "k")
    writes = shopify_sandbox.writes()
    assert run_sync(installed_shop, kind="customers").counts["created"] == 0
    assert shopify_sandbox.writes() == writes and end_state(sandbox_shop, "k") == state
