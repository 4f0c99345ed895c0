"""Rate limiting (FACTS §2) and injected faults of the Cin7 sandbox."""

import time

import pytest
import requests

from connectors.cin7.sandbox import Cin7Sandbox, FaultConfig, ThrottleConfig


def statuses(cin7_get, count: int, endpoint: str = "me") -> list[int]:
    return [cin7_get(endpoint).status_code for _ in range(count)]


def test_calls_over_the_limit_get_429_with_retry_after_in_seconds(cin7_server, cin7_get, cin7_clock):
    cin7_server.throttle = ThrottleConfig(limit=3, window_seconds=60)
    assert statuses(cin7_get, 3) == [200, 200, 200]
    cin7_clock.sleep(20)
    throttled = cin7_get("customer")
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "40"
    assert throttled.json() == {"ErrorCode": 429, "Exception": "You reached 3 calls per minute API limit"}
    assert [(c.endpoint, c.status, c.throttled) for c in cin7_server.calls[-2:]] == [
        ("me", 200, False),
        ("customer", 429, True),
    ]


def test_the_window_rolls_and_throttled_calls_do_not_count(cin7_server, cin7_get, cin7_clock):
    cin7_server.throttle = ThrottleConfig(limit=2, window_seconds=10)
    assert statuses(cin7_get, 2) == [200, 200]
    cin7_clock.sleep(5)
    assert statuses(cin7_get, 3) == [429, 429, 429]
    cin7_clock.sleep(5)  # the first two calls leave the window; the refused ones never entered it
    assert statuses(cin7_get, 3) == [200, 200, 429]


def test_a_real_short_window_recovers(cin7_server, cin7_get):
    cin7_server.throttle = ThrottleConfig(limit=1, window_seconds=0.5)
    assert cin7_get("me").status_code == 200
    throttled = cin7_get("me")
    assert (throttled.status_code, throttled.headers["Retry-After"]) == (
        429,
        "1",
    )  # whole seconds, at least 1
    time.sleep(0.55)
    assert statuses(cin7_get, 2) == [200, 429]


@pytest.mark.parametrize(
    ("style", "values"),
    [
        ("seconds", ["60", "60", "60"]),
        ("seconds_word", ["60 Seconds", "60 Seconds", "60 Seconds"]),
        ("alternate", ["60", "60 Seconds", "60"]),
    ],
)
def test_retry_after_formats(cin7_server, cin7_get, style, values):
    cin7_server.throttle = ThrottleConfig(limit=1, window_seconds=60, retry_after=style)
    cin7_get("me")
    assert [cin7_get("me").headers["Retry-After"] for _ in values] == values


def test_legacy_503_mode_has_no_retry_after(cin7_server, cin7_get):
    cin7_server.throttle = ThrottleConfig(limit=1, mode="503")
    cin7_get("me")
    response = cin7_get("me")
    assert response.status_code == 503
    assert "Retry-After" not in response.headers
    assert response.json()["ErrorCode"] == 503


def test_each_account_has_its_own_window(cin7_store, cin7_server, cin7_get):
    other = cin7_store.add_account()
    cin7_server.throttle = ThrottleConfig(limit=1)
    assert statuses(cin7_get, 2) == [200, 429]
    headers = {"api-auth-accountid": other.account_id, "api-auth-applicationkey": other.api_key}
    assert requests.get(cin7_server.base_url + "me", headers=headers, timeout=5).status_code == 200


def test_the_default_throttle_is_cin7s_60_per_minute(cin7_store):
    throttle = Cin7Sandbox(cin7_store).throttle
    assert (throttle.limit, throttle.window_seconds, throttle.mode) == (60, 60.0, "429")


def test_error_fault_answers_500_with_the_error_model(cin7_server, cin7_get):
    cin7_server.faults = FaultConfig(error_every=2)
    responses = [cin7_get("me") for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 500, 200, 500]
    assert set(responses[1].json()) == {"ErrorCode", "Exception"}


def test_drop_fault_closes_the_connection_without_a_response(cin7_server, cin7_get):
    cin7_server.faults = FaultConfig(drop_every=2)
    assert cin7_get("me").status_code == 200
    with pytest.raises(requests.ConnectionError):
        cin7_get("me")
    assert cin7_get("me").status_code == 200
    assert [c.status for c in cin7_server.calls] == [200, None, 200]


def test_slow_fault_delays_the_answer(cin7_server, cin7_get):
    cin7_server.faults = FaultConfig(slow_every=2, slow_seconds=0.3)
    started = time.monotonic()
    cin7_get("me")
    fast = time.monotonic() - started
    slow = cin7_get("me")
    assert slow.status_code == 200 and slow.elapsed.total_seconds() >= 0.3 > fast


def test_html_fault_answers_200_with_a_not_found_page(cin7_server, cin7_get):
    cin7_server.faults = FaultConfig(html_every=1)
    response = cin7_get("customer")
    assert response.status_code == 200 and "Page not found" in response.text
    assert response.headers["Content-Type"].startswith("text/html")


def test_faults_count_only_authenticated_calls(cin7_server, cin7_get):
    cin7_server.faults = FaultConfig(error_every=2)
    requests.get(cin7_server.base_url + "me", timeout=5)  # 403, not counted
    cin7_get("nothing-here")  # HTML not-found page, not counted
    assert [cin7_get("me").status_code for _ in range(2)] == [200, 500]


def test_calls_record_what_was_asked(cin7_server, cin7_get):
    cin7_get("ref/priceTier")
    cin7_get("customer", page=2, IncludeDeprecated="true")
    cin7_server.reset_calls()
    cin7_get("Customer", Name="Acme")
    [call] = cin7_server.calls
    assert (call.method, call.path, call.endpoint, call.params, call.status) == (
        "GET",
        "/ExternalApi/v2/Customer",
        "customer",
        {"Name": "Acme"},
        200,
    )
