"""`POST /webhooks/shopify` (contract §2 "Webhooks"): HMAC first, de-duplication, fast answers with the work
queued, and what each topic does (uninstall, the three mandatory privacy topics)."""

import json
import pydoc
import time
import uuid

import pytest
from django.apps import apps
from django.core import mail
from django.test import Client
from django_q.models import OrmQ, Schedule
from django_q.tasks import async_task

from integration_app import scheduling, tasks
from integration_app.install.setup import after_install
from integration_app.models import (
    Cin7Connection,
    ComplianceRequest,
    CustomerLink,
    OAuthState,
    OpenProblem,
    Shop,
    SyncIssue,
    SyncRun,
    SyncSettings,
    WebhookDelivery,
)
from integration_app.webhooks import shopify as webhooks
from tests.conftest import CIN7_ACCOUNT, CIN7_KEY, SHOP
from tests.helpers import webhook_signature
from tests.integration_app.test_install import approve, start_install

pytestmark = pytest.mark.django_db

URL = "/webhooks/shopify"
OTHER_SHOP = "other-shop.myshopify.com"


def run_queued_tasks() -> int:
    """Run what the ORM broker holds, as a worker would, and empty it."""
    done = 0
    for queued in OrmQ.objects.order_by("id"):
        task = queued.task
        pydoc.locate(task["func"])(*task["args"], **task["kwargs"])
        queued.delete()
        done += 1
    return done


def customer_payload(link: CustomerLink, topic: str = "customers/redact") -> dict:
    """The body Shopify sends for `topic`, customers/redact or customers/data_request (FACTS §3)."""
    customer = {"id": int(link.shopify_id.rsplit("/", 1)[-1]), "email": link.email, "phone": None}
    body = {"shop_id": 1, "shop_domain": SHOP, "customer": customer}
    if topic == "customers/data_request":
        return body | {"orders_requested": [], "data_request": {"id": 9}}
    return body | {"orders_to_redact": []}


# --- verification ------------------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["", "not-base64", webhook_signature(b"{}", "another-secret")])
def test_a_bad_hmac_is_refused_before_the_body_is_read(deliver, installed_shop, monkeypatch, signature):
    parsed = []
    monkeypatch.setattr(webhooks.json, "loads", lambda *a, **k: parsed.append(a) or {})
    handled = []
    monkeypatch.setitem(webhooks.HANDLERS, "app/uninstalled", lambda *a: handled.append(a))
    response = deliver("app/uninstalled", {"id": 1, "myshopify_domain": SHOP}, signature=signature)
    assert response.status_code == 401
    assert parsed == [] and handled == [] and not WebhookDelivery.objects.exists()
    assert Shop.objects.get().is_installed


@pytest.mark.parametrize("signature", ["é", "\x80" * 44, "ñ" + webhook_signature(b"{}", "x")[1:]])
def test_a_non_ascii_hmac_header_is_refused_with_401_not_a_500(deliver, installed_shop, signature):
    response = deliver("app/uninstalled", {"myshopify_domain": SHOP}, signature=signature)
    assert response.status_code == 401 and Shop.objects.get().is_installed


def test_a_tampered_body_is_refused(deliver, installed_shop, settings):
    signature = webhook_signature(b'{"id": 1}', settings.SHOPIFY_API_SECRET)
    response = deliver("app/uninstalled", None, body=b'{"id": 2}', signature=signature)
    assert response.status_code == 401 and Shop.objects.get().is_installed


def test_a_body_that_is_not_json_is_refused_with_400(deliver, installed_shop):
    assert deliver("app/uninstalled", None, body=b"not json {").status_code == 400
    assert deliver("app/uninstalled", None, body=b"[1, 2]").status_code == 400
    assert deliver("app/uninstalled", {"id": 1}, shop="evil.example.com").status_code == 400
    assert Shop.objects.get().is_installed and not WebhookDelivery.objects.exists()


@pytest.mark.parametrize("key", ["myshopify_domain", "domain"])
def test_without_the_shop_header_the_signed_body_names_the_shop(client, settings, installed_shop, key):
    body = json.dumps({key: SHOP}).encode()
    response = client.post(
        URL,
        data=body,
        content_type="application/json",
        HTTP_X_SHOPIFY_TOPIC="app/uninstalled",
        HTTP_X_SHOPIFY_HMAC_SHA256=webhook_signature(body, settings.SHOPIFY_API_SECRET),
        HTTP_X_SHOPIFY_WEBHOOK_ID=str(uuid.uuid4()),
    )
    assert response.status_code == 200
    assert not Shop.objects.get().is_installed


GONE_SHOP = "gone-shop.myshopify.com"
CAPTURED = {  # genuine, signed deliveries about a shop long gone, as an attacker may have kept them
    "shop/redact": {"shop_id": 2, "shop_domain": GONE_SHOP},
    "app/uninstalled": {"id": 2, "myshopify_domain": GONE_SHOP, "domain": "gone.example.com"},
    "customers/redact": {
        "shop_id": 2,
        "shop_domain": GONE_SHOP,
        "customer": {"id": 1, "email": "ann@example.com"},
    },
}


@pytest.mark.parametrize("topic", CAPTURED)
def test_a_signed_delivery_replayed_with_another_shops_header_does_nothing(
    deliver, synced_shop, run_tasks_inline, topic
):
    """The shop header is not signed: a captured delivery replayed with another shop's header and a fresh
    webhook id is refused, and that shop keeps its token, credentials, settings, links and schedules."""
    response = deliver(topic, CAPTURED[topic], shop=SHOP, webhook_id=str(uuid.uuid4()))
    assert response.status_code in (400, 401)
    shop = Shop.objects.get(domain=SHOP)
    assert shop.is_installed and shop.access_token
    assert Cin7Connection.objects.get(shop=shop).api_key == CIN7_KEY
    assert SyncSettings.objects.get(shop=shop).customer_tags == ["b2b"]
    assert CustomerLink.objects.filter(shop=shop).count() == 2
    assert Schedule.objects.filter(name__contains=SHOP).count() == 2
    assert not WebhookDelivery.objects.exists() and not OrmQ.objects.exists()


def test_a_customer_delivery_replayed_as_shop_redact_does_nothing(deliver, synced_shop, run_tasks_inline):
    """The topic header is not signed either: a captured customers/redact body (naming the shop) replayed
    with the topic `shop/redact` is refused."""
    ann = CustomerLink.objects.get(email="ann@example.com")
    assert deliver("shop/redact", customer_payload(ann)).status_code == 400
    assert Shop.objects.get(domain=SHOP).is_installed and CustomerLink.objects.count() == 2
    assert not WebhookDelivery.objects.exists() and not ComplianceRequest.objects.exists()


def test_the_shop_header_may_differ_in_case_only(deliver, synced_shop, run_tasks_inline):
    response = deliver("app/uninstalled", {"id": 1, "myshopify_domain": SHOP}, shop=SHOP.upper())
    assert response.status_code == 200 and not Shop.objects.get().is_installed


def test_only_post_is_accepted(client):
    assert client.get(URL).status_code == 405


def test_an_unhandled_topic_is_acknowledged_and_ignored(deliver, installed_shop):
    assert deliver("orders/create", {"id": 1}).status_code == 200
    assert not WebhookDelivery.objects.exists() and Shop.objects.get().is_installed


def test_a_duplicate_delivery_is_acknowledged_once(deliver, synced_shop, run_tasks_inline):
    webhook_id = str(uuid.uuid4())
    link = CustomerLink.objects.get(email="bob@example.com")
    for _ in range(3):
        assert (
            deliver(
                "customers/data_request",
                customer_payload(link, "customers/data_request"),
                webhook_id=webhook_id,
            ).status_code
            == 200
        )
    assert len(mail.outbox) == 1  # the handler ran once
    assert WebhookDelivery.objects.filter(webhook_id=webhook_id).count() == 1


def test_a_delivery_whose_handler_failed_is_handled_when_shopify_retries(
    deliver, installed_shop, monkeypatch
):
    calls = []

    def flaky(domain, payload):
        calls.append(domain)
        if len(calls) == 1:
            raise RuntimeError("database hiccup")

    monkeypatch.setitem(webhooks.HANDLERS, "app/uninstalled", flaky)
    webhook_id = str(uuid.uuid4())
    body = {"id": 1, "myshopify_domain": SHOP}
    failing = deliver(
        "app/uninstalled", body, webhook_id=webhook_id, http=Client(raise_request_exception=False)
    )
    assert failing.status_code == 500 and not WebhookDelivery.objects.exists()
    assert deliver("app/uninstalled", body, webhook_id=webhook_id).status_code == 200
    assert calls == [SHOP, SHOP]


# --- topics ------------------------------------------------------------------------------------------


def test_app_uninstalled_deletes_the_token_stops_schedules_and_keeps_settings(deliver, synced_shop):
    Shop.objects.filter(pk=synced_shop.pk).update(refresh_token="shprt_abc")
    response = deliver("app/uninstalled", {"id": 1, "myshopify_domain": SHOP})
    assert response.status_code == 200 and response.elapsed < 1
    shop = Shop.objects.get()
    assert (shop.access_token, shop.refresh_token, shop.access_token_expires_at) == ("", "", None)
    assert shop.uninstalled_at is not None and not shop.is_installed
    assert not Schedule.objects.exists()
    # Kept for a reinstall: settings, Cin7 credentials, links and history.
    assert SyncSettings.objects.get(shop=shop).customer_tags == ["b2b"]
    assert Cin7Connection.objects.get(shop=shop).api_key
    assert CustomerLink.objects.filter(shop=shop).count() == 2 and SyncRun.objects.count() == 1
    # A tick still queued somewhere runs nothing.
    assert tasks.scheduled_sync(SHOP, True) is None and SyncRun.objects.count() == 1
    again = {"id": 1, "myshopify_domain": SHOP}
    assert deliver("app/uninstalled", again).status_code == 200  # again (another delivery): harmless
    unknown = "unknown-shop.myshopify.com"
    assert deliver("app/uninstalled", {"id": 2, "myshopify_domain": unknown}, shop=unknown).status_code == 200


def test_customers_data_request_emails_the_merchant_what_the_app_holds(
    deliver, synced_shop, run_tasks_inline
):
    SyncSettings.objects.filter(shop=synced_shop).update(notification_emails=["privacy@acme.example"])
    ann = CustomerLink.objects.get(email="ann@example.com")
    response = deliver("customers/data_request", customer_payload(ann, "customers/data_request"))
    assert response.status_code == 200
    [message] = mail.outbox
    assert message.to == ["privacy@acme.example"]
    assert message.subject == "Cin7 Sync: data held about ann@example.com"
    html = message.alternatives[0][0]
    for text in (message.body, html):
        assert ann.cin7_id in text and ann.shopify_id in text and "ann@example.com" in text
        assert "Open sync problem (invalid_phone)" in text and "1 entry in the sync run history" in text
    assert "Bob" not in message.body and "bob@example.com" not in message.body


def test_customers_data_request_for_an_unknown_customer_says_nothing_is_held(
    deliver, synced_shop, run_tasks_inline
):
    payload = {"shop_domain": SHOP, "customer": {"id": 123, "email": "nobody@example.com"}}
    assert deliver("customers/data_request", payload).status_code == 200
    [message] = mail.outbox
    assert message.to == ["owner@acme-supply.example"]
    assert "Nothing: the app holds no record of this customer." in message.body


def test_customers_redact_deletes_that_customers_records_only(deliver, synced_shop, run_tasks_inline):
    ann = CustomerLink.objects.get(email="ann@example.com")
    bob = CustomerLink.objects.get(email="bob@example.com")
    assert OpenProblem.objects.filter(cin7_id=ann.cin7_id).exists()
    assert SyncIssue.objects.filter(cin7_id=ann.cin7_id).exists()
    OpenProblem.objects.create(
        shop=synced_shop, subject=f"customer:{bob.cin7_id}", fingerprint="x:bob", code="invalid_phone",
        message="m", cin7_id=bob.cin7_id, first_seen_at=ann.created_at, last_seen_at=ann.created_at,
    )  # fmt: skip
    response = deliver("customers/redact", customer_payload(ann))
    assert response.status_code == 200
    assert list(CustomerLink.objects.values_list("email", flat=True)) == ["bob@example.com"]
    assert not OpenProblem.objects.filter(cin7_id=ann.cin7_id).exists()
    assert not SyncIssue.objects.filter(cin7_id=ann.cin7_id).exists()
    assert not SyncIssue.objects.filter(email="ann@example.com").exists()
    assert OpenProblem.objects.filter(cin7_id=bob.cin7_id).count() == 1
    assert SyncRun.objects.count() == 1  # the run itself stays (it is about the shop)


def test_shop_redact_deletes_everything_of_the_shop(deliver, synced_shop, run_tasks_inline):
    other = Shop.objects.create(domain=OTHER_SHOP, access_token="shpat_other")
    SyncRun.objects.create(shop=other, kind="all", trigger="schedule", status="succeeded")
    OAuthState.objects.create(nonce="n1", shop_domain=SHOP)
    response = deliver("shop/redact", {"shop_id": 1, "shop_domain": SHOP})
    assert response.status_code == 200 and response.elapsed < 1
    assert list(Shop.objects.values_list("domain", flat=True)) == [OTHER_SHOP]
    assert not OAuthState.objects.filter(shop_domain=SHOP).exists()
    for model in (SyncSettings, Cin7Connection, CustomerLink, OpenProblem, SyncIssue):
        assert not model.objects.filter(
            **{"run__shop__domain" if model is SyncIssue else "shop__domain": SHOP}
        ).exists()
    assert (
        SyncRun.objects.filter(shop=other).count() == 1
        and not Schedule.objects.exclude(name=scheduling.SWEEP).exists()
    )


def rows_naming(text: str) -> list[str]:
    """Every stored row, of every model (the task queue's history too), whose values contain `text`."""
    return [
        f"{model.__name__} {row}"
        for model in apps.get_models()
        for row in model.objects.values_list()
        if text in str(row)
    ]


def test_a_shop_redact_replayed_after_a_reinstall_is_acknowledged_and_not_applied(
    api, client, deliver, sandboxes, run_tasks_inline
):
    def install():
        assert client.get("/auth/callback", approve(start_install(client))).status_code == 302
        shop = Shop.objects.get(domain=SHOP)
        Cin7Connection.objects.create(shop=shop, account_id=CIN7_ACCOUNT, api_key=CIN7_KEY)
        assert api("post", "/api/sync", {"kind": "pricing"}).status_code == 202  # a task in history
        return shop

    install()
    kept = async_task("math.floor", 1.5, task_name=f"sync b{SHOP} 1")  # another shop's, a longer domain
    redact = str(uuid.uuid4())
    assert deliver("shop/redact", {"shop_id": 1, "shop_domain": SHOP}, webhook_id=redact).status_code == 200
    assert not Shop.objects.exists()
    # Nothing names the shop (the delivery ids stay, naming none); the other shop's task history stays.
    left = rows_naming(SHOP)
    assert left and all(kept in row for row in left), left
    assert WebhookDelivery.objects.filter(webhook_id=redact, topic="shop/redact").exists()

    shop = install()  # the merchant installs the app again
    replay = deliver("shop/redact", {"shop_id": 1, "shop_domain": SHOP}, webhook_id=redact)
    assert replay.status_code == 200
    again = Shop.objects.get(domain=SHOP)
    assert again.pk == shop.pk and again.is_installed and again.access_token == shop.access_token
    assert Cin7Connection.objects.get(shop=again).api_key == CIN7_KEY
    assert SyncSettings.objects.filter(shop=again).exists()


def test_the_answer_is_fast_and_the_work_is_queued_in_the_orm_broker(deliver, synced_shop):
    """Without Conf.SYNC: each privacy topic answers at once and leaves a task row for a worker."""
    ann = CustomerLink.objects.get(email="ann@example.com")
    for topic, payload in (
        ("customers/data_request", customer_payload(ann, "customers/data_request")),
        ("customers/redact", customer_payload(ann)),
        ("shop/redact", {"shop_id": 1, "shop_domain": SHOP}),
    ):
        response = deliver(topic, payload)
        assert response.status_code == 200 and response.elapsed < 1
    queued = [q.task for q in OrmQ.objects.order_by("id")]
    requests = list(ComplianceRequest.objects.order_by("id"))
    assert [r.topic for r in requests] == ["customers/data_request", "customers/redact", "shop/redact"]
    assert [(t["func"], t["args"]) for t in queued] == [
        ("integration_app.tasks.handle_compliance_request", (r.pk,)) for r in requests
    ]  # a row id only: no customer's email (nor the shop's domain) in the task queue or its history
    assert not any("ann@" in repr(t) or SHOP in repr(t) for t in queued)
    assert CustomerLink.objects.count() == 2 and mail.outbox == []  # nothing done before a worker runs
    assert not Schedule.objects.exists()  # shop/redact stops the schedules at once
    assert run_queued_tasks() == 3
    assert len(mail.outbox) == 1 and not Shop.objects.filter(domain=SHOP).exists()
    assert not ComplianceRequest.objects.exists()  # done: the requests are gone


# --- end to end over HTTP ----------------------------------------------------------------------------


def test_a_delivery_from_the_shopify_sandbox_to_the_live_app(live_server, installed_shop, shopify_sandbox):
    scheduling.update_schedules(installed_shop)
    started = time.perf_counter()
    status, _ = shopify_sandbox.send_webhook(
        SHOP, "app/uninstalled", {"id": 1, "myshopify_domain": SHOP}, url=live_server.url + URL
    )
    assert status == 200 and time.perf_counter() - started < 1
    shop = Shop.objects.get()
    assert not shop.is_installed and not Schedule.objects.exists()


def test_uninstalling_in_the_sandbox_reaches_the_subscription_the_app_registered(
    live_server, sandboxes, shopify_sandbox, sandbox_shop, settings
):
    settings.APP_URL = live_server.url
    shop = Shop.objects.create(domain=SHOP, access_token=shopify_sandbox.issue_token(SHOP))
    assert after_install(shop)
    assert [(w.topic, w.callback_url) for w in sandbox_shop.webhooks] == [
        ("APP_UNINSTALLED", live_server.url + URL)
    ]
    assert shopify_sandbox.uninstall(SHOP) == [(200, "")]
    shop.refresh_from_db()
    assert shop.access_token == "" and shop.uninstalled_at is not None
    assert WebhookDelivery.objects.get().topic == "app/uninstalled"
