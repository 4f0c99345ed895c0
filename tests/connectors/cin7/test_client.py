"""`Cin7Client` over a scripted session: the retry policy by failure class, error messages, paging logic,
secrets kept out of errors and `repr`. The same behaviour over real HTTP is in `test_client_sandbox.py`."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import format_datetime

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from connectors.cin7 import (
    Cin7Client,
    Cin7CredentialsError,
    Cin7Error,
    Cin7ResponseError,
    Cin7UnavailableError,
    MemoryPacer,
    RetryPolicy,
)
from connectors.clock import VirtualClock

ACCOUNT_ID = "5b4e1f6c-0a52-4d0b-9a57-1f0e8b2c7d11"
API_KEY = "9f3c2a1e-77aa-4c4d-b1e2-c0ffee123456"


def response(status: int = 200, body=None, text: str | None = None, **headers) -> requests.Response:
    reply = requests.Response()
    reply.status_code = status
    reply._content = (text if text is not None else json.dumps(body)).encode()
    reply.headers = CaseInsensitiveDict(headers)
    return reply


class ScriptedSession:
    """Answers each GET with the next scripted reply (a response, or an exception to raise)."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.requests: list[dict] = []

    def get(self, url, params=None, headers=None, timeout=None):
        self.requests.append(
            {"url": url, "params": dict(params or {}), "headers": headers, "timeout": timeout}
        )
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


@pytest.fixture
def clock():
    return VirtualClock()


def client_for(session, clock, **kwargs) -> Cin7Client:
    return Cin7Client(
        ACCOUNT_ID,
        API_KEY,
        base_url="https://cin7.test/ExternalApi/v2",
        pacer=MemoryPacer(1000, clock=clock),
        clock=clock,
        session=session,
        **kwargs,
    )


def customers_page(ids, total, page=1):
    return response(body={"Total": total, "Page": page, "CustomerList": [{"ID": i, "Name": i} for i in ids]})


ME = {"Company": "Acme", "Currency": "USD", "TimeZone": "UTC"}


# -- requests ------------------------------------------------------------------------------------------------
def test_every_request_carries_credentials_json_headers_and_the_timeout(clock):
    session = ScriptedSession(response(body=ME))
    client_for(session, clock, timeout=12.5).me()
    sent = session.requests[0]
    assert sent["url"] == "https://cin7.test/ExternalApi/v2/me"
    assert sent["headers"]["api-auth-accountid"] == ACCOUNT_ID
    assert sent["headers"]["api-auth-applicationkey"] == API_KEY
    assert sent["headers"]["Accept"] == sent["headers"]["Content-Type"] == "application/json"
    assert sent["timeout"] == 12.5


def test_money_is_decimal_never_float(clock):
    body = '{"Total": 1, "Page": 1, "Products": [{"ID": "p1", "SKU": "A", "PriceTier1": 12.1234}]}'
    product = next(client_for(ScriptedSession(response(text=body)), clock).iter_products())
    assert product.tier_prices == {1: Decimal("12.1234")}


def test_equal_prices_of_one_listing_share_one_decimal_and_keep_their_text(clock):
    rows = [
        {"ID": "p1", "SKU": "A", "PriceTier1": "12.50", "PriceTier2": "12.5"},
        {"ID": "p2", "SKU": "B", "PriceTier1": "12.50", "PriceTier3": 7},
    ]
    body = json.dumps({"Total": 2, "Page": 1, "Products": rows})
    first, second = client_for(ScriptedSession(response(text=body)), clock).iter_products()
    assert first.tier_prices[1] is second.tier_prices[1]
    assert [str(p) for p in first.tier_prices.values()] == ["12.50", "12.5"]
    assert second.tier_prices == {1: Decimal("12.50"), 3: Decimal("7")}


def test_filters_and_page_sizes(clock):
    session = ScriptedSession(customers_page([], 0), customers_page([], 0), customers_page([], 0))
    client = client_for(session, clock)
    since = datetime(2026, 8, 1, 12, 30, 5, 250000, tzinfo=UTC)
    list(client.iter_customers(modified_since=since, include_deprecated=True))
    list(client.iter_customers(include_prices=True))
    list(client.iter_products())  # the empty product reply has no "Products" key but Total 0
    first, second, third = (sent["params"] for sent in session.requests)
    assert first == {
        "ModifiedSince": "2026-08-01T12:30:05.250",
        "IncludeDeprecated": "true",
        "Page": 1,
        "Limit": 1000,
    }
    assert second == {"IncludeProductPrices": "true", "Page": 1, "Limit": 500}
    assert third == {"Page": 1, "Limit": 1000}


def test_repr_and_stats_hide_the_credentials(clock):
    client = client_for(ScriptedSession(response(body=ME)), clock)
    client.me()
    shown = repr(client) + repr(client.stats) + client.pacing_key
    assert API_KEY not in shown and ACCOUNT_ID not in shown
    assert client.stats.as_dict() == {
        "cin7_calls": 1,
        "cin7_retries": 0,
        "cin7_throttled": 0,
        "cin7_wait_seconds": 0.0,
        "cin7_pace_wait_seconds": 0.0,
        "cin7_by_endpoint": {"me": 1},
    }


# -- retry policy --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "expected"),
    [("30", 30), ("60 Seconds", 60), ("30 sec", 30), (" 7 ", 7), ("2 Minutes", 120), ("1 min", 60)],
)
def test_429_waits_the_retry_after_it_says(clock, header, expected):
    session = ScriptedSession(
        response(429, {"ErrorCode": 429, "Exception": "slow"}, **{"Retry-After": header})
    )
    session.replies.append(response(body=ME))
    client = client_for(session, clock)
    assert client.me().company == "Acme"
    assert client.stats.wait_seconds == expected and client.stats.throttled == 1 and client.stats.retries == 1


def test_retry_after_as_an_http_date(clock):
    when = datetime.fromtimestamp(clock.now() + 42, UTC)
    session = ScriptedSession(response(429, None, **{"Retry-After": format_datetime(when, usegmt=True)}))
    session.replies.append(response(body=ME))
    client = client_for(session, clock)
    client.me()
    assert 40 <= client.stats.wait_seconds <= 42


def test_an_absurd_retry_after_is_capped(clock):
    session = ScriptedSession(response(429, None, **{"Retry-After": "86400"}), response(body=ME))
    client = client_for(session, clock, retry=RetryPolicy(max_retry_after=120))
    client.me()
    assert client.stats.wait_seconds == 120


@pytest.mark.parametrize("headers", [{}, {"Retry-After": "soon"}])
def test_throttling_without_a_usable_retry_after_backs_off_from_five_seconds(clock, headers):
    session = ScriptedSession(
        response(503, None, **headers), response(503, None, **headers), response(body=ME)
    )
    client = client_for(session, clock)
    client.me()
    assert client.stats.throttled == 2
    assert 2.5 + 5 <= client.stats.wait_seconds <= 5 + 10


def test_throttling_gives_up_after_its_budget(clock):
    session = ScriptedSession(*[response(429, None, **{"Retry-After": "1"}) for _ in range(4)])
    client = client_for(session, clock, retry=RetryPolicy(throttled_retries=3))
    with pytest.raises(Cin7UnavailableError, match=r"gave up after 4 tries.*HTTP 429"):
        client.me()
    assert len(session.requests) == 4


@pytest.mark.parametrize(
    "failure",
    [
        response(500, {"ErrorCode": 500, "Exception": "boom"}),
        response(502, text="<html>Bad gateway</html>"),
        requests.ConnectTimeout("connect timed out"),
        requests.ReadTimeout("read timed out"),
        requests.ConnectionError("connection reset"),
        requests.exceptions.ChunkedEncodingError("cut short"),
    ],
)
def test_server_errors_and_network_failures_back_off_and_retry(clock, failure):
    session = ScriptedSession(failure, failure, response(body=ME))
    client = client_for(session, clock)
    assert client.me().currency == "USD"
    assert client.stats.retries == 2 and 0.5 + 1 <= client.stats.wait_seconds <= 1 + 2


def test_transient_failures_give_up_with_an_unavailable_error(clock):
    session = ScriptedSession(*[response(500, {"ErrorCode": 500, "Exception": "boom"}) for _ in range(6)])
    with pytest.raises(Cin7UnavailableError) as caught:
        client_for(session, clock).me()
    assert "gave up after 6 tries" in str(caught.value) and "GET me" in str(caught.value)
    assert "HTTP 500" in str(caught.value) and "boom" in str(caught.value)


@pytest.mark.parametrize("status", [401, 403])
def test_rejected_credentials_are_never_retried(clock, status):
    session = ScriptedSession(response(status, text="Incorrect credentials!"))
    with pytest.raises(Cin7CredentialsError) as caught:
        client_for(session, clock).me()
    message = str(caught.value)
    assert len(session.requests) == 1
    assert "Account ID / API key" in message and f"HTTP {status}" in message
    assert ACCOUNT_ID not in message and API_KEY not in message


def test_echoed_secrets_are_scrubbed_from_error_bodies(clock):
    echo = f"bad key {API_KEY.upper()} for account {ACCOUNT_ID}"
    with pytest.raises(Cin7Error) as caught:
        client_for(ScriptedSession(response(400, {"ErrorCode": 400, "Exception": echo})), clock).me()
    assert API_KEY.upper() not in str(caught.value) and ACCOUNT_ID not in str(caught.value)
    assert "[redacted]" in str(caught.value)


def test_an_echoed_webhook_bearer_token_is_scrubbed_from_error_bodies(clock):
    echo = [{"ID": "1", "Type": "Customer/Updated", "ExternalBearerToken": "tok-secret-0123"}]
    with pytest.raises(Cin7Error) as caught:
        client_for(ScriptedSession(response(200, {"Unexpected": echo})), clock).webhooks()
    assert "tok-secret-0123" not in str(caught.value) and '"ExternalBearerToken": "[redacted]"' in str(
        caught.value
    )


@pytest.mark.parametrize(
    ("status", "body", "said"),
    [
        (
            400,
            {"ErrorCode": 400, "Exception": "Customer with specified ID not found"},
            "specified ID not found",
        ),
        (
            400,
            [{"ErrorCode": 400, "Exception": "first"}, {"ErrorCode": 400, "Exception": "second"}],
            "first; second",
        ),
        (404, "Not found", "Not found"),
    ],
)
def test_client_errors_carry_the_call_status_and_body(clock, status, body, said):
    reply = response(status, text=body) if isinstance(body, str) else response(status, body)
    with pytest.raises(Cin7Error) as caught:
        client_for(ScriptedSession(reply), clock).customer("0365e5bb-e5ea-4a45-b98b-fdc4466bdaf1")
    error = caught.value
    assert type(error) is Cin7Error and error.status == status
    assert str(error).startswith("Cin7 refused the request (call: GET customer?ID=0365e5bb")
    assert f"HTTP {status})" in str(error) and said in str(error)


def test_a_non_json_200_is_retried_then_a_response_error(clock):
    html = response(text="<!DOCTYPE html><html><head><title>Page not found</title></head></html>")
    with pytest.raises(Cin7ResponseError, match="HTML page: Page not found") as caught:
        client_for(ScriptedSession(html, html, html), clock).me()
    assert caught.value.status == 200


def test_a_transient_proxy_page_is_survived(clock):
    session = ScriptedSession(response(text="<html>proxy hiccup</html>"), response(body=ME))
    assert client_for(session, clock).me().company == "Acme"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"Exception": "Something went wrong"}, Cin7Error),  # FACTS §1.5: Error Model with 200
        ([{"ErrorCode": 400, "Exception": "x"}], Cin7Error),
        ({"Total": 1, "Page": 1, "CustomerList": "nope"}, Cin7ResponseError),
        ([1, 2], Cin7ResponseError),
    ],
)
def test_unexpected_shapes_are_errors(clock, body, error):
    with pytest.raises(error):
        list(client_for(ScriptedSession(response(body=body)), clock).iter_customers())


def test_an_error_model_with_status_200_is_handled_as_its_error_code(clock):
    """FACTS §1.5: the Error Model can come with HTTP 200; its ErrorCode says what kind of failure it is."""
    throttled = response(body=[{"ErrorCode": 429, "Exception": "You reached 60 calls per minute API limit"}])
    failed = response(body={"ErrorCode": 500, "Exception": "Execution Timeout Expired"})
    client = client_for(ScriptedSession(throttled, failed, response(body=ME)), clock)
    assert client.me().company == "Acme"
    assert client.stats.throttled == 1 and client.stats.retries == 2
    denied = response(body={"ErrorCode": 403, "Exception": "Incorrect credentials!"})
    with pytest.raises(Cin7CredentialsError):
        client_for(ScriptedSession(denied), clock).me()
    refused = response(body={"ErrorCode": "400", "Exception": "Page should be at least 1."})
    with pytest.raises(Cin7Error, match=r"refused the request.*Page should be at least 1"):
        list(client_for(ScriptedSession(refused), clock).iter_customers())


# -- paging --------------------------------------------------------------------------------------------------
def test_stops_when_page_times_limit_reaches_total(clock):
    session = ScriptedSession(customers_page(["a", "b"], 4), customers_page(["c", "d"], 4, page=2))
    client = client_for(session, clock, page_size=2)
    assert [c.id for c in client.iter_customers()] == ["a", "b", "c", "d"]
    assert len(session.requests) == 2  # no empty third page


def test_customers_of_a_listing_share_their_repeated_texts(clock):
    address = {"Country": "New Zealand", "City": "Auckland", "Type": "Billing", "Line1": "1 Queen St"}
    rows = [
        {"ID": i, "Name": i, "Currency": "NZD", "PriceTier": "Wholesale", "Addresses": [dict(address)]}
        for i in ("a", "b")
    ]
    pages = [response(body={"Total": 2, "Page": n + 1, "CustomerList": [row]}) for n, row in enumerate(rows)]
    first, second = client_for(ScriptedSession(*pages), clock, page_size=1).iter_customers()
    assert (first.currency, first.addresses[0].country) == ("NZD", "New Zealand")
    assert first.currency is second.currency and first.price_tier is second.price_tier
    assert first.addresses[0].country is second.addresses[0].country
    assert first.addresses[0].city is second.addresses[0].city


def test_products_of_a_listing_share_their_statuses_and_rule_names(clock):
    rows = [{"ID": i, "SKU": i, "Status": "Active", "DiscountRule": "Bulk buy"} for i in ("a", "b")]
    pages = [response(body={"Total": 2, "Page": n + 1, "Products": [row]}) for n, row in enumerate(rows)]
    first, second = client_for(ScriptedSession(*pages), clock, page_size=1).iter_products()
    assert (first.status, first.discount_rule) == ("Active", "Bulk buy")
    assert first.status is second.status and first.discount_rule is second.discount_rule


def test_duplicates_across_pages_are_yielded_once_and_missing_ones_re_read(clock):
    session = ScriptedSession(
        customers_page(["a", "b"], 4),
        customers_page(["b", "c"], 4, page=2),  # "b" moved: "d" slipped out of sight
        customers_page(["c", "a", "d", "b"], 4),  # the re-read: pages near the largest allowed
    )
    client = client_for(session, clock, page_size=2)
    assert [c.id for c in client.iter_customers()] == ["a", "b", "c", "d"]
    assert [sent["params"]["Limit"] for sent in session.requests] == [2, 2, 993]


def test_a_re_read_stops_as_soon_as_the_missing_records_turned_up(clock):
    ids = [f"c{n:04d}" for n in range(2000)]
    session = ScriptedSession(
        customers_page(ids[:1000], 2000),
        customers_page(ids[1001:], 2000, page=2),  # c1000 slipped away: a short page ends the pass
        customers_page(ids[990:1983], 2000),  # the re-read's first page has it
    )
    client = client_for(session, clock)
    assert sorted(c.id for c in client.iter_customers()) == ids
    assert len(session.requests) == 3


def test_re_reads_at_most_twice_then_warns(clock, caplog):
    session = ScriptedSession(
        customers_page(["a"], 3), customers_page(["a"], 3), customers_page(["b", "a"], 3)
    )
    client = client_for(session, clock)
    assert [c.id for c in client.iter_customers()] == ["a", "b"]
    assert [sent["params"]["Limit"] for sent in session.requests] == [1000, 993, 986]  # boundaries move
    assert "only 2 of 3 records seen" in caplog.text


def test_a_read_left_short_of_total_is_reported_not_silent(clock):
    session = ScriptedSession(
        customers_page(["a"], 3), customers_page(["a"], 3), customers_page(["b", "a"], 3)
    )
    client = client_for(session, clock)
    assert [c.id for c in client.iter_customers()] == ["a", "b"]
    assert client.incomplete_reads == ["customer"]
    [(record_id, message)] = client.bad_records
    assert record_id is None and "Cin7 listed 3 customer records but 1 of them did not come back" in message


def test_a_complete_read_reports_nothing(clock):
    client = client_for(ScriptedSession(customers_page(["a", "b"], 2)), clock)
    assert [c.id for c in client.iter_customers()] == ["a", "b"]
    assert client.incomplete_reads == [] and client.bad_records == []


def test_bad_records_are_collected_and_skipped(clock):
    rows = [{"ID": "a"}, {"Name": "no id"}, {"ID": "c", "CreditLimit": "lots"}, "junk", {"ID": "e"}]
    session = ScriptedSession(response(body={"Total": 5, "Page": 1, "CustomerList": rows}))
    client = client_for(session, clock)
    assert [c.id for c in client.iter_customers()] == ["a", "e"]
    assert [record_id for record_id, _ in client.bad_records] == [None, "c", None]
    assert "Customer.CreditLimit" in client.bad_records[1][1]


def test_customer_by_id(clock):
    wanted = "0365E5BB-E5EA-4A45-B98B-FDC4466BDAF1"
    session = ScriptedSession(customers_page([wanted.lower()], 1), customers_page([], 0))
    client = client_for(session, clock)
    assert client.customer(wanted).id == wanted.lower()
    assert client.customer(wanted) is None
    assert session.requests[0]["params"] == {"ID": wanted, "IncludeDeprecated": "true"}


def test_price_tiers_are_sorted_by_code(clock):
    body = {"PriceTiers": [{"Code": 2, "Name": "Wholesale"}, {"Code": 1, "Name": "Retail"}]}
    tiers = client_for(ScriptedSession(response(body=body)), clock).price_tiers()
    assert [(t.code, t.name) for t in tiers] == [(1, "Retail"), (2, "Wholesale")]
