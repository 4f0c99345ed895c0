"""The app's Shopify connector against the sandbox: documents, pacing, retries, batched helpers."""

import json
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from connectors.shopify import bulk as bulk_module
from connectors.shopify.admin import ShopifyAdmin
from connectors.shopify.client import GraphQLClient, RetryPolicy
from connectors.shopify.documents import document
from connectors.shopify.errors import ShopifyAuthError, ShopifyQueryError, ShopifyUnavailableError
from connectors.shopify.records import MetafieldWrite
from connectors.shopify.sandbox import ShopifySandbox

from .conftest import SHOP, VERSION


def admin_for(sandbox, clock, token=None, **options):
    client = GraphQLClient(
        SHOP,
        lambda: token or sandbox.issue_token(SHOP),
        admin_url_template=sandbox.admin_url_template,
        api_version=VERSION,
        clock=clock,
        retry=RetryPolicy(backoff_base=0.01, backoff_cap=0.05),
        **options,
    )
    return ShopifyAdmin(client)


def test_an_invalid_document_never_reaches_shopify(sandbox, clock):
    api = admin_for(sandbox, clock)
    with pytest.raises(ShopifyQueryError, match="invalid GraphQL document"):
        api.client.execute("query Broken { shop { notAField } }")
    assert sandbox.calls == []


@contextmanager
def small_bucket(clock, bucket_size: int, customers: int):
    """A sandbox whose shop has a bucket of `bucket_size` points refilling at 10 a second and `customers`
    customers: yields the sandbox, an admin for the shop and the customer IDs."""
    with ShopifySandbox(
        api_key="k", api_secret="s" * 32, clock=clock, bucket_size=bucket_size, restore_rate=10
    ) as sandbox:
        sandbox.add_shop(SHOP)
        api = admin_for(sandbox, clock, token=sandbox.issue_token(SHOP))
        ids = [sandbox.shops[SHOP].add_customer(email=f"c{n}@example.com") for n in range(customers)]
        yield sandbox, api, ids


def test_throttled_at_http_200_is_retried_after_the_computed_wait(clock):
    with small_bucket(clock, bucket_size=300, customers=250) as (sandbox, api, ids):
        api.client.execute(document("customer_states"), {"ids": ids})  # costs 250 of 300
        before = clock.slept
        api.client._expected_cost.clear()  # forget the cost, so the client cannot pace the next one
        api.client.execute(document("customer_states"), {"ids": ids})
        assert [c.throttled for c in sandbox.calls] == [False, True, False]
        assert api.client.stats.throttled == 1
        assert clock.slept - before == pytest.approx((250 - 50) / 10, abs=0.01)


def test_pacing_waits_instead_of_being_throttled(clock):
    with small_bucket(clock, bucket_size=100, customers=20) as (sandbox, api, ids):
        for _ in range(30):
            api.client.execute(document("customer_states"), {"ids": ids})
        assert not any(c.throttled for c in sandbox.calls)
        assert api.client.stats.wait_seconds > 0
        assert api.client.stats.requests == 30


def test_401_raises_and_reports_the_invalid_token(sandbox, clock):
    marked = []
    api = admin_for(sandbox, clock, token="shpat_revoked", on_auth_error=lambda: marked.append(True))
    with pytest.raises(ShopifyAuthError) as caught:
        api.shop_facts()
    assert marked == [True]
    assert "shpat_revoked" not in str(caught.value)


def test_5xx_is_retried_then_given_up(sandbox, clock):
    api = admin_for(sandbox, clock)
    sandbox.faults.error_every = 2
    assert api.shop_facts().name == "Acme Supply"
    assert api.shop_facts().name == "Acme Supply"  # the 2nd request failed once and was retried
    assert api.client.stats.retries == 1
    sandbox.faults.error_every = 1
    with pytest.raises(ShopifyUnavailableError):
        api.shop_facts()


def test_a_lost_response_is_retried(sandbox, clock):
    api = admin_for(sandbox, clock)
    sandbox.faults.drop_every = 2
    api.shop_facts()
    assert api.shop_facts().domain == SHOP


def test_customers_by_email_is_exact_and_batched(sandbox, clock, shop):
    shop.add_customer(email="Bob@Example.com", first_name="Bob")
    shop.add_customer(email="bobby@example.com", first_name="Bobby")
    api = admin_for(sandbox, clock)
    emails = ["bob@example.com", "nobody@example.com"] + [f"x{n}@example.com" for n in range(60)]
    found = api.customers_by_email(emails)
    assert list(found) == ["bob@example.com"] and found["bob@example.com"].email.lower() == "bob@example.com"
    assert len(sandbox.calls) == 2  # 62 emails, 50 per query


def test_variants_by_sku_are_exact_and_case_sensitive(sandbox, clock, shop):
    shop.add_product("A", variants=[{"sku": "A-1"}, {"sku": "A-10"}, {"sku": "a-1"}])
    shop.add_product("B", variants=[{"sku": "A-1"}])
    api = admin_for(sandbox, clock)
    found = api.variants_by_sku(["A-1", "ZZZ"])
    assert set(found) == {"A-1"} and len(found["A-1"]) == 2


def test_variants_by_sku_find_accented_quoted_and_spaced_skus(sandbox, clock, shop):
    skus = ["CAFÉ-1", 'BOLT 1/4" ZINC', "C:\\PART", "Größe-XL"]
    shop.add_product("A", variants=[{"sku": sku} for sku in skus])
    found = admin_for(sandbox, clock).variants_by_sku(skus)
    assert sorted(found) == sorted(skus)


def test_all_variants_one_page_or_bulk_export(sandbox, clock, shop):
    api = admin_for(sandbox, clock)
    shop.add_product("Small", variants=[{"sku": "S-1"}, {"sku": ""}])
    assert [v.sku for v in api.all_variants()] == ["S-1"]
    assert [c.operation_name for c in sandbox.calls] == ["ProductVariants"]
    for n in range(300):
        shop.add_product(f"P{n}", variants=[{"sku": f"P-{n}"}])
    sandbox.reset_calls()
    skus = {v.sku for v in api.all_variants()}
    assert len(skus) == 301
    assert [c.operation_name for c in sandbox.calls][:2] == ["ProductVariants", "BulkRunQuery"]
    sandbox.reset_calls()
    assert {v.sku for v in api.all_variants(expected=301)} == skus
    assert sandbox.calls[0].operation_name == "BulkRunQuery"
    assert sum(c.actual_cost or 0 for c in sandbox.calls) < 30  # versus 2 x 252 for two pages


def test_set_metafields_in_batches_of_25_isolating_a_bad_input(sandbox, clock, shop):
    api = admin_for(sandbox, clock)
    customer = shop.add_customer(email="m@example.com")
    writes = [
        MetafieldWrite(customer, "cin7", f"k{n:02d}", "single_line_text_field", f"v{n}") for n in range(30)
    ]
    writes[3] = MetafieldWrite(customer, "cin7", "k03", "boolean", "maybe")
    failures = api.set_metafields(writes)
    assert list(failures) == [3]
    assert shop.metafield(customer, "cin7", "k04")["value"] == "v4"
    assert shop.metafield(customer, "cin7", "k29")["value"] == "v29"
    assert shop.metafield(customer, "cin7", "k03") is None


def test_stats_count_requests_cost_and_mutations(sandbox, clock, shop):
    api = admin_for(sandbox, clock)
    api.shop_facts()
    api.create_customer({"email": "new@example.com"})
    stats = api.client.stats.as_dict()
    assert stats["shopify_requests"] == 2 and stats["shopify_mutations"] == 1
    assert stats["shopify_cost"] == sum(c.actual_cost for c in sandbox.calls)


class ScriptedSession:
    """Answers each POST with the next scripted `requests.Response`."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.posts = 0

    def post(self, url, data=None, headers=None, timeout=None):
        self.posts += 1
        return self.replies.pop(0)


def scripted_reply(status: int, body=None, text: str | None = None, **headers):
    reply = requests.Response()
    reply.status_code = status
    reply._content = (text if text is not None else json.dumps(body)).encode()
    reply._content_consumed = True  # so `iter_lines` reads `_content` (bulk files are streamed)
    reply.headers = CaseInsensitiveDict(headers)
    return reply


SHOP_DATA = {"data": {"shop": {"id": "gid://shopify/Shop/1", "name": "Acme"}}}


def scripted_client(clock, *replies) -> GraphQLClient:
    return GraphQLClient(
        SHOP,
        lambda: "shpat_secret",
        admin_url_template="https://{shop}/admin",
        api_version=VERSION,
        clock=clock,
        session=ScriptedSession(*replies),
        validate=False,
    )


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured_on_429_and_503(clock, status):
    client = scripted_client(
        clock, scripted_reply(status, text="busy", **{"Retry-After": "7"}), scripted_reply(200, SHOP_DATA)
    )
    assert client.execute("query { shop { id } }")["shop"]["name"] == "Acme"
    assert client.stats.wait_seconds == 7


def test_retry_after_as_an_http_date(clock):
    when = format_datetime(datetime.fromtimestamp(clock.now() + 12, UTC), usegmt=True)
    client = scripted_client(
        clock, scripted_reply(429, text="", **{"Retry-After": when}), scripted_reply(200, SHOP_DATA)
    )
    client.execute("query { shop { id } }")
    assert client.stats.wait_seconds == pytest.approx(12, abs=1)


def test_throttled_without_cost_backs_off_instead_of_spinning(clock):
    throttled = {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]}
    client = scripted_client(clock, scripted_reply(200, throttled), scripted_reply(200, SHOP_DATA))
    client.execute("query { shop { id } }")
    assert client.stats.throttled == 1 and client.stats.wait_seconds >= 1


@pytest.mark.parametrize(
    ("errors", "said"),
    [("Not Found", "Shopify said: Not Found"), ({"query": "Required parameter missing"}, "query: Required")],
)
def test_top_level_errors_that_are_not_a_list_are_reported_readably(clock, errors, said):
    client = scripted_client(clock, scripted_reply(200, {"errors": errors}))
    with pytest.raises(ShopifyQueryError) as caught:
        client.execute("query { shop { id } }")
    assert said in str(caught.value) and "shpat_secret" not in repr(caught.value)


def test_a_corrupt_bulk_file_falls_back_to_paging(sandbox, clock, shop, monkeypatch):
    for n in range(300):
        shop.add_product(f"P{n}", variants=[{"sku": f"P-{n}"}])
    api = admin_for(sandbox, clock)
    monkeypatch.setattr(
        bulk_module.requests,
        "get",
        lambda url, timeout, stream: scripted_reply(200, text='{"id": "gid://x"}\n{"id": '),
    )
    assert len({v.sku for v in api.all_variants(expected=300)}) == 300
