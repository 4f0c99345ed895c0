"""The settings page's Cin7 calls (issue 27 items 1 and 6): `POST /api/settings/test-connection`,
`GET`/`POST /api/cin7/options` and `PUT /api/settings` never wait on Cin7's retry policy. A throttled Cin7
is answered at once with "Cin7 is busy, try again in N s" (both `Retry-After` formats, FACTS §2.2); a slow
one within the page client's deadline; each shop has a per-minute budget of such requests; credentials Cin7
has not verified are paced under the shop; a save queues the webhook registration. The last test serves
the app with gunicorn's threads and shows a throttled Cin7 no longer starves Shopify's webhooks."""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings as django_settings
from django.utils import timezone
from django_q.models import OrmQ

from connectors.cin7.sandbox import ThrottleConfig
from connectors.cin7.sandbox.limits import FaultConfig
from integration_app.api.cin7 import DEADLINE, PAGE_CALLS_PER_MINUTE
from integration_app.models import Cin7Connection, Cin7Pace
from tests.conftest import CIN7_ACCOUNT, CIN7_KEY, SHOP

pytestmark = pytest.mark.django_db

OTHER_ACCOUNT = "0e9a1c55-1111-4222-8333-444455556666"


def cin7_calls(server, endpoint=None) -> list:
    return [call for call in server.calls if endpoint is None or call.endpoint == endpoint]


@pytest.mark.parametrize("style", ["seconds", "seconds_word"])  # "60" and "60 Seconds"
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/cin7/options", None),
        ("post", "/api/cin7/options", {"cin7_account_id": CIN7_ACCOUNT, "cin7_api_key": CIN7_KEY}),
        ("post", "/api/settings/test-connection", {}),
    ],
)
def test_a_throttled_cin7_is_answered_at_once_with_its_wait(
    api, installed_shop, cin7_server, method, path, body, style
):
    cin7_server.throttle = ThrottleConfig(limit=0, retry_after=style)  # every call: 429, Retry-After 60
    started = time.monotonic()
    response = api(method, path, body)
    assert time.monotonic() - started < 2
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert response.json() == {"error": "Cin7 is busy, try again in 60 s.", "fields": {}, "retry_after": 60}
    assert len(cin7_calls(cin7_server)) == 1  # asked once, never retried in the request


@pytest.mark.slow
def test_a_cin7_that_does_not_answer_is_given_up_within_the_deadline(api, installed_shop, cin7_server):
    cin7_server.faults = FaultConfig(slow_every=1, slow_seconds=30)
    started = time.monotonic()
    response = api("get", "/api/cin7/options")
    elapsed = time.monotonic() - started
    assert response.status_code == 503 and "Cin7 is busy" in response.json()["error"]
    assert elapsed <= DEADLINE + 1 <= 10


def test_each_shop_has_a_budget_of_cin7_requests_a_minute(api, installed_shop, cin7_server):
    answers = [
        api("post", "/api/settings/test-connection", {}).status_code for _ in range(PAGE_CALLS_PER_MINUTE)
    ]
    assert answers == [200] * PAGE_CALLS_PER_MINUTE
    limited = api("get", "/api/cin7/options")
    assert limited.status_code == 429 and 60 <= int(limited["Retry-After"]) <= 65
    assert limited.json()["error"].startswith("Too many Cin7 requests from this page; try again in ")
    assert len(cin7_calls(cin7_server)) == PAGE_CALLS_PER_MINUTE  # the refused one asked Cin7 nothing
    credentials = {"cin7_account_id": CIN7_ACCOUNT, "cin7_api_key": "1" * 36}
    assert api("put", "/api/settings", credentials).status_code == 429  # a save with credentials too…
    assert api("put", "/api/settings", {"sync_interval_minutes": 30}).status_code == 200  # …not without


def test_unverified_credentials_are_paced_under_the_shop_not_the_account_they_name(
    api, installed_shop, cin7_server, cin7_store
):
    """Issue 27 item 6: naming another tenant's Account ID must not spend that account's pace."""
    other = cin7_store.add_account(account_id=OTHER_ACCOUNT, api_key="22222222-3333-4444-8555-666677778888")
    other.add_tax_rule("Zero")
    body = {"cin7_account_id": OTHER_ACCOUNT, "cin7_api_key": other.api_key}
    assert api("post", "/api/cin7/options", body).status_code == 200
    assert api("post", "/api/settings/test-connection", body).json()["ok"] is True
    keys = set(Cin7Pace.objects.values_list("account_key", flat=True))
    assert f"shop:{installed_shop.pk}" in keys
    assert not [key for key in keys if key.startswith("cin7:")]  # no account's pace was touched
    # The shop's own verified credentials share their account's pace with the workers.
    Cin7Connection.objects.filter(shop=installed_shop).update(verified_at=timezone.now())
    assert api("get", "/api/cin7/options").status_code == 200
    assert [key for key in Cin7Pace.objects.values_list("account_key", flat=True) if key.startswith("cin7:")]


def test_a_save_checks_the_credentials_and_queues_the_webhook_registration(api, installed_shop, cin7_server):
    cin7_server.faults = FaultConfig()
    response = api("put", "/api/settings", {"cin7_account_id": CIN7_ACCOUNT, "cin7_api_key": CIN7_KEY})
    assert response.status_code == 200 and response.json()["cin7_verified"] is True
    assert {call.endpoint for call in cin7_calls(cin7_server)} == {"me"}  # no registration in the request
    queued = [(q.task["func"], q.task["args"]) for q in OrmQ.objects.all()]
    assert queued == [("integration_app.tasks.cin7_credentials_saved", (SHOP,))]


def test_a_save_while_cin7_is_throttled_answers_at_once_and_the_worker_verifies(
    api, installed_shop, cin7_server
):
    from integration_app import tasks

    cin7_server.throttle = ThrottleConfig(limit=0)
    started = time.monotonic()
    response = api("put", "/api/settings", {"cin7_account_id": CIN7_ACCOUNT, "cin7_api_key": CIN7_KEY})
    assert response.status_code == 200 and time.monotonic() - started < 2
    assert response.json()["cin7_verified"] is False
    cin7_server.throttle = ThrottleConfig(limit=None)  # later, in the worker, Cin7 answers
    Cin7Pace.objects.all().delete()
    tasks.cin7_credentials_saved(SHOP)
    assert api("get", "/api/settings").json()["cin7_verified"] is True
    # Checked under the shop's pace; registered (verified now) under the account's.
    assert f"shop:{installed_shop.pk}" in set(Cin7Pace.objects.values_list("account_key", flat=True))


# -- gunicorn's threads against a throttled Cin7 ---------------------------------------------------------
SEED = """
import django, sys
django.setup()
from django.utils import timezone
from integration_app.models import Cin7Connection, Shop
shop = Shop.objects.create(domain=sys.argv[1], access_token="shpat_test")
Cin7Connection.objects.create(
    shop=shop, account_id=sys.argv[2], api_key=sys.argv[3], verified_at=timezone.now()
)
"""


@pytest.mark.slow
def test_eight_parallel_option_calls_against_a_throttled_cin7_leave_room_for_shopify_webhooks(
    tmp_path, cin7_server, shopify_sandbox, sandbox_shop
):
    """Issue 27's test: Cin7 answers every call 429 with `Retry-After: 60`; gunicorn serves the app with 8
    threads; 8 parallel `GET /api/cin7/options` all return within 10 s, and a Shopify webhook posted
    meanwhile is answered within 1 s (before, each thread slept on Cin7's Retry-After for minutes)."""
    from tests.integration_app.test_production import (
        free_port,
        process,
        production_env,
        run,
        wait_until_serving,
    )

    cin7_server.throttle = ThrottleConfig(limit=0, retry_after="seconds_word")
    port = free_port()
    env = production_env(
        tmp_path,
        port,
        SHOPIFY_API_KEY=django_settings.SHOPIFY_API_KEY,
        SHOPIFY_API_SECRET=django_settings.SHOPIFY_API_SECRET,
        CIN7_API_URL=cin7_server.base_url,
        GUNICORN_THREADS="8",
        LOG_FORMAT="plain",
    )
    run(["python", "manage.py", "migrate", "--noinput"], env)
    run(["python", "-c", SEED, SHOP, CIN7_ACCOUNT, CIN7_KEY], env)
    base = f"http://127.0.0.1:{port}"

    def options() -> tuple[int, float, dict]:
        headers = {"Authorization": f"Bearer {shopify_sandbox.mint_session_token(SHOP)}"}
        started = time.monotonic()
        response = requests.get(f"{base}/api/cin7/options", headers=headers, timeout=30)
        return response.status_code, time.monotonic() - started, response.json()

    log = tmp_path / "gunicorn.log"
    with process("gunicorn -c gunicorn.conf.py integration_app.wsgi", env, log) as proc:
        wait_until_serving(proc, port, log)
        with ThreadPoolExecutor(8) as pool:
            calls = [pool.submit(options) for _ in range(8)]
            time.sleep(0.3)  # the eight are in the app's threads now
            started = time.monotonic()
            status, _ = shopify_sandbox.send_webhook(
                SHOP,
                "customers/data_request",
                {
                    "shop_domain": SHOP,
                    "customer": {"id": 1, "email": "ann@example.com"},
                    "orders_requested": [],
                },
                url=f"{base}/webhooks/shopify",
            )
            webhook_seconds = time.monotonic() - started
            answers = [call.result() for call in calls]
    assert status == 200 and webhook_seconds < 1, (status, webhook_seconds, log.read_text()[-3000:])
    assert all(seconds < 10 for _, seconds, _ in answers), answers
    assert {code for code, _, _ in answers} == {503}, answers
    assert {body["error"] for _, _, body in answers} == {"Cin7 is busy, try again in 60 s."}
    assert json.loads(json.dumps(answers[0][2]))["retry_after"] == 60
