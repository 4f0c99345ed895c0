"""Shopify's privacy requests (issue 27 item 8): stored as rows, the queued task carrying only the row's id,
idempotent, retried by the minute sweep until done, logged at ERROR and shown by /healthz after repeated
failure."""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_q.models import OrmQ, Task

from integration_app import tasks
from integration_app.models import ComplianceRequest, CustomerLink, OpenProblem, Shop, SyncIssue
from integration_app.webhooks import compliance
from tests.conftest import SHOP, free_port
from tests.integration_app.test_webhooks import customer_payload, run_queued_tasks

pytestmark = pytest.mark.django_db


def make_retry_due() -> None:
    """The retry delay has passed (instead of waiting minutes)."""
    ComplianceRequest.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def failing(times: int, work):
    """`work`, after failing `times` times with an error that quotes the customer (as database errors do)."""
    calls = []

    def attempt(domain, payload):
        calls.append(domain)
        if len(calls) <= times:
            raise RuntimeError(f"database hiccup about {payload['customer']['email']}")
        work(domain, payload)

    attempt.calls = calls
    return attempt


def test_a_failing_customers_redact_is_retried_until_done_without_personal_data_in_tasks(
    client, deliver, synced_shop, run_tasks_inline, monkeypatch, caplog
):
    ann = CustomerLink.objects.get(email="ann@example.com")
    flaky = failing(3, compliance.erase_customer)
    monkeypatch.setitem(compliance.WORK, "customers/redact", flaky)
    caplog.set_level(logging.INFO)

    assert deliver("customers/redact", customer_payload(ann)).status_code == 200  # attempt 1 fails
    request = ComplianceRequest.objects.get()
    assert (request.attempts, request.topic) == (1, "customers/redact")
    assert request.next_attempt_at > timezone.now()
    assert tasks.sweep_overdue() == 0 and len(flaky.calls) == 1  # not due yet: nothing queued
    for attempt in (2, 3):
        make_retry_due()
        tasks.sweep_overdue()
        assert ComplianceRequest.objects.get().attempts == attempt
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name == compliance.__name__]
    assert len(errors) == 1 and "failed 3 time(s)" in errors[0].getMessage()  # the third failure alerts
    # While it fails, django-q's task history holds the row id only: no email, no customer id.
    history = list(Task.objects.all())
    assert history and all(t.func == compliance.TASK and t.args == (request.pk,) for t in history)
    customer_id = ann.shopify_id.rsplit("/", 1)[-1]
    for task in history:
        assert "ann@example.com" not in repr((task.name, task.args, task.kwargs, task.result))
        assert customer_id not in repr((task.name, task.args, task.kwargs))
    assert "ann@example.com" not in caplog.text  # the log names the error's type, not its text

    health = client.get("/healthz")  # operators see it too
    assert (
        health.status_code == 503
        and health.json()["queue"] == "privacy requests failing: 1 (see the ERROR logs)"
    )

    make_retry_due()
    tasks.sweep_overdue()  # attempt 4 succeeds
    assert client.get("/healthz").status_code == 200
    assert len(flaky.calls) == 4 and not ComplianceRequest.objects.exists()
    assert not CustomerLink.objects.filter(email="ann@example.com").exists()
    assert not OpenProblem.objects.filter(cin7_id=ann.cin7_id).exists()
    assert not SyncIssue.objects.filter(email="ann@example.com").exists()


@pytest.mark.parametrize(
    ("captured", "replayed_as"),
    [("customers/data_request", "customers/redact"), ("customers/redact", "customers/data_request")],
)
def test_a_compliance_body_replayed_under_the_other_customer_topic_is_refused(
    deliver, synced_shop, run_tasks_inline, captured, replayed_as
):
    """The topic header is not signed: a captured data request replayed as customers/redact (a fresh
    webhook id) must not erase the customer's links, nor a redaction pass for a data request."""
    ann = CustomerLink.objects.get(email="ann@example.com")
    assert deliver(replayed_as, customer_payload(ann, captured)).status_code == 400
    assert CustomerLink.objects.filter(email="ann@example.com").exists() and CustomerLink.objects.count() == 2
    assert OpenProblem.objects.filter(cin7_id=ann.cin7_id).exists() and mail.outbox == []
    assert not ComplianceRequest.objects.exists()


def test_a_data_request_whose_email_could_not_be_sent_is_sent_by_a_retry(
    deliver, synced_shop, run_tasks_inline, settings
):
    ann = CustomerLink.objects.get(email="ann@example.com")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # an SMTP server that is down
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    assert (
        deliver("customers/data_request", customer_payload(ann, "customers/data_request")).status_code == 200
    )
    request = ComplianceRequest.objects.get()
    assert request.attempts == 1 and "ConnectionRefusedError" in request.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # back up
    make_retry_due()
    tasks.sweep_overdue()
    [report] = mail.outbox
    assert "ann@example.com" in report.subject and not ComplianceRequest.objects.exists()


def test_a_request_whose_worker_died_is_queued_again_once_its_lease_passed(deliver, synced_shop):
    ann = CustomerLink.objects.get(email="ann@example.com")
    assert (
        deliver("customers/data_request", customer_payload(ann, "customers/data_request")).status_code == 200
    )
    OrmQ.objects.all().delete()  # the worker that took the task was killed
    assert tasks.sweep_overdue() == 0 and not OrmQ.objects.exists()  # still within its lease
    ComplianceRequest.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    tasks.sweep_overdue()
    tasks.sweep_overdue()  # a second sweep (another cluster) does not queue it twice
    assert OrmQ.objects.count() == 1
    assert run_queued_tasks() == 1
    assert len(mail.outbox) == 1 and not ComplianceRequest.objects.exists()


@pytest.mark.parametrize("topic", ["customers/redact", "customers/data_request", "shop/redact"])
def test_each_request_is_idempotent(synced_shop, topic):
    ann = CustomerLink.objects.get(email="ann@example.com")
    payload = customer_payload(ann, topic)
    for _ in range(2):  # done twice (a retry after the work but before the row was deleted)
        assert compliance.handle(compliance.record(topic, SHOP, payload).pk) is True
    assert not ComplianceRequest.objects.exists()
    assert compliance.handle(12345) is True  # gone already: nothing to do


def test_a_failing_shop_redact_keeps_the_shop_until_a_retry_succeeds(
    deliver, synced_shop, run_tasks_inline, monkeypatch
):
    flaky = failing(1, lambda domain, payload: compliance.erase_shop(domain))
    monkeypatch.setitem(compliance.WORK, "shop/redact", lambda d, p: flaky(d, {"customer": {"email": ""}}))
    assert deliver("shop/redact", {"shop_id": 1, "shop_domain": SHOP}).status_code == 200
    assert Shop.objects.filter(domain=SHOP).exists() and ComplianceRequest.objects.get().attempts == 1
    make_retry_due()
    tasks.sweep_overdue()
    assert not Shop.objects.filter(domain=SHOP).exists() and not ComplianceRequest.objects.exists()
    names = [t.name for t in Task.objects.all()]
    assert names and all(SHOP not in name for name in names)


def test_malformed_customer_fields_are_stored_harmlessly(synced_shop):
    for customer in ([1, 2], "x", {"id": True, "email": 5}, None):
        request = compliance.record("customers/redact", SHOP, {"shop_domain": SHOP, "customer": customer})
        assert request.payload == {"customer": {"id": None, "email": ""}}
        assert compliance.handle(request.pk) is True
    assert CustomerLink.objects.count() == 2  # naming nobody erased nobody


def test_tasks_queued_before_the_upgrade_still_run(synced_shop):
    ann = CustomerLink.objects.get(email="ann@example.com")
    tasks.customer_data_request(SHOP, customer_payload(ann, "customers/data_request"))
    tasks.redact_customer(SHOP, customer_payload(ann))
    assert len(mail.outbox) == 1 and not CustomerLink.objects.filter(email="ann@example.com").exists()
    tasks.redact_shop(SHOP)
    assert not Shop.objects.exists() and not ComplianceRequest.objects.exists()
