"""The values `syncs` writes are the ones the app's models store (the ORM store maps nothing)."""

import json
import zlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integration_app.models import (
    CompanyLink,
    CustomerLink,
    InviteStatus,
    ManagedCatalog,
    OnUntag,
    PendingBulkOperation,
    RunKind,
    Shop,
)
from integration_app.runs.stores import OrmStore
from syncs.context import RunKind as SyncsRunKind
from syncs.store import BulkOperationRecord, InviteState


def test_invite_states_are_the_stored_invite_statuses():
    assert {state.value for state in InviteState} == set(InviteStatus.values)


def test_run_kinds_and_untag_choice_are_the_stored_ones():
    assert {SyncsRunKind.ALL, SyncsRunKind.CUSTOMERS, SyncsRunKind.PRICING} == set(RunKind.values)
    assert OnUntag.STRIP == "strip" and OnUntag.KEEP == "keep"


@pytest.mark.django_db
def test_loaded_json_keeps_its_values_and_shares_repeated_texts():
    shop = Shop.objects.create(domain="texts.myshopify.com", access_token="token")
    written = {"catalogs": ["tier:2"], "location": {"shipping": {"countryCode": "NZ"}}, "name": "x" * 100}
    prices = {"gid://shopify/ProductVariant/1": "12.50", "gid://shopify/ProductVariant/2": "3.00"}
    for cin7_id in ("a", "b"):
        CompanyLink.objects.create(shop=shop, cin7_id=cin7_id, company_id="c" + cin7_id, written=written)
        CustomerLink.objects.create(shop=shop, cin7_id=cin7_id, email=f"{cin7_id}@x.test", written=written)
        ManagedCatalog.objects.create(shop=shop, key=f"tier:{cin7_id}", title=cin7_id, prices=prices)
    store = OrmStore(shop)

    companies, customers, catalogs = store.company_links(), store.customer_links(None), store.catalogs()

    assert [link.written for link in companies.values()] == [written, written]
    assert [link.written for link in customers.values()] == [written, written]
    assert [row.prices for row in catalogs.values()] == [prices, prices]
    first, second = companies["a"].written, customers["b"].written
    assert first["catalogs"][0] is companies["b"].written["catalogs"][0]
    assert next(iter(second)) is next(iter(customers["a"].written))
    one, other = (next(iter(row.prices.items())) for row in catalogs.values())
    assert one[0] is other[0] and one[1] is other[1]
    first["catalogs"].append("tier:3")  # containers of its own: one link's edit stays its own
    assert companies["b"].written["catalogs"] == ["tier:2"]


@pytest.mark.django_db
def test_company_links_can_be_read_one_by_one_as_company_links_reads_them():
    shop = Shop.objects.create(domain="iter.myshopify.com", access_token="token")
    for cin7_id in ("a", "b"):
        written = {"head": "a", "buyers": {f"{cin7_id}@x.test": {"role": "Ordering only"}}}
        CompanyLink.objects.create(shop=shop, cin7_id=cin7_id, location_id="l" + cin7_id, written=written)
    store = OrmStore(shop)

    read = store.iter_company_links()

    assert not isinstance(read, list | dict)  # a generator: nothing is held beyond the row at hand
    assert {link.cin7_id: link for link in read} == store.company_links()


@pytest.mark.django_db
def test_catalogs_are_read_by_kind_market_or_direct():
    shop = Shop.objects.create(domain="kinds.myshopify.com", access_token="token")
    for key in ("tier:1", "customer:c-1", "market:2"):
        ManagedCatalog.objects.create(
            shop=shop, key=key, title=key, prices={"gid://shopify/ProductVariant/1": "1"}
        )
    store = OrmStore(shop)

    assert sorted(store.catalogs()) == ["customer:c-1", "market:2", "tier:1"]
    assert sorted(store.catalogs(markets=True)) == ["market:2"]
    assert sorted(store.catalogs(markets=False)) == ["customer:c-1", "tier:1"]
    assert store.catalogs(markets=True)["market:2"].prices == {"gid://shopify/ProductVariant/1": "1"}


@pytest.mark.django_db
def test_a_bulk_operation_is_stored_with_its_packed_lines_then_only_its_id_is_written():
    shop = Shop.objects.create(domain="bulk.myshopify.com", access_token="token")
    store = OrmStore(shop)
    lines = [["cin7-1", {"a@x.test": {"role": "Ordering only"}}], ["cin7-2", {}]]
    record = BulkOperationRecord("buyer_roles", "cin7_buyer_roles_1", lines=lines)
    store.save_bulk_operation(record)
    record.operation_id = "gid://shopify/BulkOperation/7"
    with CaptureQueriesContext(connection) as queries:
        store.save_bulk_operation(record)
    assert "lines" not in queries[0]["sql"]  # thousands of keys in a large stage are not written twice
    (kept,) = store.bulk_operations(["buyer_roles"])
    assert (kept.operation_id, kept.lines, kept.id) == (record.operation_id, lines, record.id)
    assert PendingBulkOperation.objects.filter(shop=shop).count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT lines FROM integration_app_pendingbulkoperation WHERE id = %s", [record.id])
        (stored,) = cursor.fetchone()
    assert json.loads(zlib.decompress(stored)) == lines  # packed
