"""`Cin7Client` against the Cin7 sandbox over real HTTP: unstable paging, records moving while paging, shared
pacing, throttling with `Retry-After`, injected faults, bad credentials and bad records."""

import json
import threading
from bisect import bisect_left
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from connectors.cin7 import (
    Cin7Client,
    Cin7CredentialsError,
    Cin7ResponseError,
    MemoryPacer,
)
from connectors.cin7.sandbox import Cin7Sandbox, Cin7Store, FaultConfig, ThrottleConfig
from connectors.clock import SYSTEM_CLOCK, VirtualClock

ACCOUNT_ID = "1c7e0c52-6f0a-4a8e-9d0e-3b1f5a9c2e44"
API_KEY = "a6d3e2f1-08b4-4c5d-9e6f-7a8b9c0d1e2f"
SAME_STAMP = "2026-03-01T10:00:00.000Z"


@pytest.fixture
def clock():
    return VirtualClock()


@pytest.fixture
def store(clock):
    return Cin7Store(clock=clock, seed=3)


@pytest.fixture
def account(store):
    return store.add_account(account_id=ACCOUNT_ID, api_key=API_KEY, company="Acme Wholesale", currency="USD")


@pytest.fixture
def server(store, account):
    with Cin7Sandbox(store, throttle=ThrottleConfig(limit=None)) as running:
        yield running


def make_client(server, clock, pacer=None, session=None, **kwargs) -> Cin7Client:
    return Cin7Client(
        ACCOUNT_ID,
        API_KEY,
        base_url=server.base_url,
        pacer=pacer or MemoryPacer(10_000, clock=clock),
        clock=clock,
        timeout=5.0,
        session=session,
        **kwargs,
    )


def add_customers(account, count: int, **fields) -> list[str]:
    return [account.add_customer({"Name": f"Customer {n:03d}", **fields}) for n in range(count)]


class PageHook(requests.Session):
    """A session that calls `on_page(page, limit, rows)` after each page of customers arrives."""

    def __init__(self, on_page):
        super().__init__()
        self.hooks["response"].append(self._seen)
        self.on_page = on_page

    def _seen(self, response, *args, **kwargs):
        query = parse_qs(urlsplit(response.url).query)
        if response.status_code == 200 and "Page" in query:
            rows = json.loads(response.content)["CustomerList"]
            self.on_page(int(query["Page"][0]), int(query["Limit"][0]), rows)


class Corrupting(requests.Session):
    """A session that rewrites the records of each customer page with `change(row)`."""

    def __init__(self, change):
        super().__init__()
        self.change = change

    def get(self, url, **kwargs):
        reply = super().get(url, **kwargs)
        body = json.loads(reply.content, parse_float=Decimal)
        if isinstance(body, dict) and "CustomerList" in body:
            body["CustomerList"] = [self.change(row) for row in body["CustomerList"]]
            reply._content = json.dumps(body, default=str).encode()
        return reply


# -- paging --------------------------------------------------------------------------------------------------
def test_unstable_order_yields_every_customer_exactly_once(server, account, clock):
    ids = add_customers(account, 37, LastModifiedOn=SAME_STAMP)  # ties: Cin7 orders them anew per request
    rows_by_limit = {}
    session = PageHook(
        lambda page, limit, rows: rows_by_limit.setdefault(limit, []).extend(r["ID"] for r in rows)
    )
    client = make_client(server, clock, session=session, page_size=5)
    seen = [customer.id for customer in client.iter_customers()]
    assert sorted(seen) == sorted(ids)  # all of them, each once
    first_pass = rows_by_limit[5]
    assert len(first_pass) == 37 and len(set(first_pass)) < 37  # 8 pages of 5 repeated some, missed others
    assert sorted(rows_by_limit[993]) == sorted(ids)  # the re-read: one page near the largest allowed


def test_a_customer_modified_between_pages_is_not_lost(server, account, clock):
    ids = add_customers(account, 12)  # distinct stamps: a stable order until something changes

    def touch_first_customer(page, limit, rows):
        if page == 1 and limit == 4:
            account.update_customer(rows[0]["ID"], Comments="edited while the sync paged")

    client = make_client(server, clock, session=PageHook(touch_first_customer), page_size=4)
    seen = [customer.id for customer in client.iter_customers()]
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    assert client.stats.by_endpoint["customer"] == 4  # 3 pages, then one re-read


def test_include_prices_pages_by_500(server, account, clock):
    account.add_product({"SKU": "SKU-1", "Name": "Widget"})
    customer_id = account.add_customer({"Name": "Buyer"})
    account.set_customer_price(customer_id, "SKU-1", Decimal("12.3400"))
    client = make_client(server, clock)
    [customer] = client.iter_customers(include_prices=True)
    assert customer.product_prices[0].sku == "SKU-1" and customer.product_prices[0].price == Decimal("12.34")
    assert server.calls[-1].params == {"IncludeProductPrices": "true", "Page": "1", "Limit": "500"}


def test_reads_products_tiers_tax_rules_and_me(server, account, clock):
    account.add_tax_rule("GST on Income", Decimal("10"))
    account.rename_tier(2, "Wholesale")
    account.add_product({"SKU": "SKU-1", "Name": "Widget", "PriceTier2": Decimal("7.5")})
    client = make_client(server, clock)
    assert client.me().company == "Acme Wholesale"
    assert client.price_tiers()[1].name == "Wholesale"
    assert [(rule.name, rule.percent) for rule in client.tax_rules()] == [("GST on Income", Decimal(10))]
    [product] = client.iter_products()
    assert product.tier_prices[2] == Decimal("7.5")


def test_bad_records_are_collected_and_the_rest_read(server, account, clock):
    ids = add_customers(account, 6)
    broken = {ids[1]: {"CreditLimit": "a lot"}, ids[4]: {"ID": None}}
    session = Corrupting(lambda row: {**row, **broken.get(row["ID"], {})})
    client = make_client(server, clock, session=session)
    assert sorted(c.id for c in client.iter_customers()) == sorted(set(ids) - set(broken))
    assert sorted(client.bad_records, key=str) == sorted(
        [(ids[1], f"Customer.CreditLimit: expected a number, got 'a lot' (record {ids[1]})"),
         (None, "Customer.ID: required, got None")],
        key=str,
    )  # fmt: skip


# -- pacing and throttling -----------------------------------------------------------------------------------
def max_in_any_window(times: list[float], window: float) -> int:
    ordered = sorted(times)
    return max(bisect_left(ordered, t + window) - i for i, t in enumerate(ordered))


def test_two_clients_sharing_a_pacer_stay_under_the_limit():
    store = Cin7Store(clock=SYSTEM_CLOCK, seed=1)
    account = store.add_account(account_id=ACCOUNT_ID, api_key=API_KEY)
    add_customers(account, 12)
    pacer = MemoryPacer(5, clock=SYSTEM_CLOCK, window_seconds=1.0)
    with Cin7Sandbox(store, throttle=ThrottleConfig(limit=None)) as server:
        clients = [make_client(server, SYSTEM_CLOCK, pacer=pacer, page_size=2) for _ in range(2)]
        counts = []
        threads = [
            threading.Thread(target=lambda c=c: counts.append(len(list(c.iter_customers())))) for c in clients
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        times = [call.at for call in server.calls]
    assert counts == [12, 12] and len(times) == 12
    # Arrival times jitter by the loopback round trip; a window 50 ms shorter absorbs it.
    assert max_in_any_window(times, 0.95) <= 5
    assert max(times) - min(times) >= 1.9  # 12 calls at 5 per second: slots at 0, 1 and 2 s
    assert sum(c.stats.pace_wait_seconds for c in clients) > 0


def test_429_with_retry_after_60_seconds_is_honoured(server, account, clock):
    add_customers(account, 3)
    server.throttle = ThrottleConfig(limit=2, window_seconds=60.0, retry_after="seconds_word")
    client = make_client(server, clock, page_size=1)
    slept_before = clock.slept
    assert len(list(client.iter_customers())) == 3
    throttled = [call for call in server.calls if call.throttled]
    assert [call.status for call in throttled] == [429]
    assert client.stats.throttled == 1 and 59 <= client.stats.wait_seconds <= 60
    assert 59 <= clock.slept - slept_before <= 61


def test_503_without_retry_after_backs_off_until_served(server, account, clock):
    add_customers(account, 3)
    server.throttle = ThrottleConfig(limit=2, window_seconds=20.0, mode="503")
    client = make_client(server, clock, page_size=1)
    assert len(list(client.iter_customers())) == 3
    assert client.stats.throttled >= 2 and client.stats.wait_seconds >= 15
    assert all(call.status == 503 for call in server.calls if call.throttled)


# -- faults and failures -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "faults", [FaultConfig(error_every=3), FaultConfig(drop_every=2), FaultConfig(html_every=4)], ids=str
)
def test_injected_faults_are_retried(server, account, clock, faults):
    ids = add_customers(account, 10)
    server.faults = faults
    client = make_client(server, clock, page_size=2)
    assert sorted(c.id for c in client.iter_customers()) == sorted(ids)
    assert client.stats.retries >= 1


def test_html_200_on_every_call_is_a_response_error(server, account, clock):
    server.faults = FaultConfig(html_every=1)
    with pytest.raises(Cin7ResponseError, match="Page not found"):
        make_client(server, clock).me()


def test_a_wrong_base_path_is_a_response_error(server, clock):
    client = Cin7Client(
        ACCOUNT_ID,
        API_KEY,
        base_url=server.base_url.replace("/v2/", "/v3/"),
        pacer=MemoryPacer(100),
        clock=clock,
    )
    with pytest.raises(Cin7ResponseError):
        client.me()


def test_a_wrong_key_is_a_credentials_error_without_secrets(server, clock):
    wrong_key = "deadbeef-0000-4000-8000-000000000000"
    client = Cin7Client(ACCOUNT_ID, wrong_key, base_url=server.base_url, pacer=MemoryPacer(100), clock=clock)
    with pytest.raises(Cin7CredentialsError) as caught:
        client.me()
    message = str(caught.value)
    assert "Cin7 rejected the Account ID / API key" in message and "HTTP 403" in message
    assert wrong_key not in message and ACCOUNT_ID not in message and API_KEY not in message
    assert len(server.calls) == 1
