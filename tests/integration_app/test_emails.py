"""Error emails through a real SMTP server on loopback (contract §4 "Emails"): one digest per new problem,
silence while it persists, a daily reminder, "back to normal", distinct failure emails, no secrets."""

import base64
import email
import email.policy
import hashlib
import hmac
import json
import smtplib
from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.clock import VirtualClock
from integration_app.models import Cin7Connection, OpenProblem, Shop, ShopSyncState, SyncSettings
from integration_app.notifications.emails import notify_after_run
from tests.conftest import CIN7_KEY, SHOP, free_port, smtp_on_loopback
from tests.helpers import b2b_customer, run_sync

pytestmark = pytest.mark.django_db

OWNER = "owner@acme-supply.example"  # the sandbox shop's email
WRONG_KEY = "ffffffff-0000-4bad-8bad-key0000wrong"
REFRESH_TOKEN = "shprt_0123456789abcdef0123456789abcdef"


class RawMailbox:
    """Every message as it crossed the wire (bytes), with its envelope."""

    def __init__(self):
        self.raw: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.original_content or envelope.content)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(raw, policy=email.policy.default) for raw in self.raw]

    def subjects(self) -> list[str]:
        return [m["Subject"] for m in self.messages]

    def clear(self) -> None:
        self.raw.clear()
        self.envelopes.clear()


@pytest.fixture
def mailbox(settings):
    settings.EMAIL_TIMEOUT = 5
    with smtp_on_loopback(settings, RawMailbox()) as box:
        yield box


def bodies(message) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def sync(shop, **options):
    shop.refresh_from_db()
    return run_sync(shop, clock=VirtualClock(), **options)  # Cin7 retries and back-off cost no real time


def secrets_of(shop) -> list[str]:
    shop.refresh_from_db()
    return [CIN7_KEY, WRONG_KEY, shop.access_token, REFRESH_TOKEN]


def assert_no_secret(mailbox, shop):
    for raw, message in zip(mailbox.raw, mailbox.messages, strict=True):
        text, html = bodies(message)
        for secret in secrets_of(shop):
            assert secret and secret.encode() not in raw
            assert secret not in text and secret not in html and secret not in message["Subject"]


@pytest.fixture
def shop(installed_shop):
    Shop.objects.filter(pk=installed_shop.pk).update(refresh_token=REFRESH_TOKEN)
    installed_shop.refresh_from_db()
    return installed_shop


def test_failure_once_silence_then_back_to_normal(shop, cin7_account, mailbox):
    cin7_account.add_customer(b2b_customer("Ann", "ann@example.com"))
    Cin7Connection.objects.filter(shop=shop).update(api_key=WRONG_KEY)

    assert sync(shop).status == "failed"
    [message] = mailbox.messages
    assert message["Subject"] == "Cin7 Sync for Acme Supply: Cin7 rejected the Account ID or API key"
    assert message["To"] == OWNER  # no notification emails set: the shop's email
    text, html = bodies(message)
    assert "stopped before it finished" in text and "Integrations > API" in text
    assert "== Cin7 rejected the Account ID or API key (1) ==" in text
    assert "issue code: cin7_credentials" in text
    assert "Everything else was synced" not in text  # nothing was: the run stopped
    assert "Nothing more was written to Shopify" in text and "Nothing more was written to Shopify" in html
    assert "Integrations &gt; API" in html and "/apps/test-api-key" in html

    assert sync(shop).status == "failed"  # the same failure again: no email
    assert len(mailbox.raw) == 1

    Cin7Connection.objects.filter(shop=shop).update(api_key=CIN7_KEY)
    assert sync(shop).status == "succeeded"
    assert len(mailbox.raw) == 2
    recovered = mailbox.messages[1]
    assert recovered["Subject"] == "Cin7 Sync for Acme Supply: back to normal"
    assert "solved" in bodies(recovered)[0]

    assert sync(shop).status == "succeeded"  # still fine: nothing more
    assert len(mailbox.raw) == 2
    assert_no_secret(mailbox, shop)


def test_record_issues_new_types_and_a_daily_reminder(shop, cin7_account, mailbox):
    SyncSettings.objects.filter(shop=shop).update(notification_emails=["ops@example.com", "it@example.com"])
    cin7_account.add_customer(b2b_customer("Ann", "ann@example.com"))
    bob = cin7_account.add_customer(b2b_customer("Bob", "", phone=None))  # no default-contact email

    assert sync(shop).status == "completed_with_issues"
    [message] = mailbox.messages
    assert message["Subject"] == "Cin7 Sync for Acme Supply: 1 record needs attention"
    assert mailbox.envelopes[0][1] == ["ops@example.com", "it@example.com"]
    text, html = bodies(message)
    assert "no_email" in text and bob in text and "mark one contact as Default" in text
    assert "== Customer has no email (1) ==" in text and ">Customer has no email (1)</h3>" in html
    assert "Everything else was synced" in text

    sync(shop)
    sync(shop, full=False)
    assert len(mailbox.raw) == 1  # the same problem: no email

    cin7_account.add_customer(b2b_customer("Cy", "cy@example.com", phone="12"))  # a new issue type
    sync(shop)
    assert len(mailbox.raw) == 2
    text, _ = bodies(mailbox.messages[1])
    assert "invalid_phone" in text and "no_email" not in text  # lists what is new
    assert mailbox.messages[1]["Subject"] == "Cin7 Sync for Acme Supply: 1 record needs attention"

    sync(shop)
    assert len(mailbox.raw) == 2
    ShopSyncState.objects.filter(shop=shop).update(last_alert_at=timezone.now() - timedelta(hours=25))
    sync(shop)
    assert len(mailbox.raw) == 3
    reminder = mailbox.messages[2]
    assert reminder["Subject"] == "Reminder: Cin7 Sync for Acme Supply: 2 records need attention"
    text, _ = bodies(reminder)
    assert "still open" in text and "no_email" in text and "invalid_phone" in text
    sync(shop)
    assert len(mailbox.raw) == 3  # at most one reminder a day
    ShopSyncState.objects.filter(shop=shop).update(last_alert_at=timezone.now() - timedelta(hours=23))
    sync(shop)
    assert len(mailbox.raw) == 3
    assert_no_secret(mailbox, shop)


@pytest.mark.parametrize(
    ("break_it", "subject", "phrase"),
    [
        ("cin7_key", "Cin7 rejected the Account ID or API key", "Integrations > API"),
        ("cin7_down", "Cin7 could not be reached", "Cin7 could not be reached or kept refusing"),
        ("shopify_revoked", "Shopify access needs to be renewed", "authorise it again"),
        ("no_email", "1 record needs attention", "mark one contact as Default"),
    ],
)
def test_each_kind_of_trouble_has_its_own_email(
    shop, cin7_account, shopify_sandbox, mailbox, settings, break_it, subject, phrase
):
    cin7_account.add_customer(b2b_customer("Ann", "ann@example.com"))
    if break_it == "cin7_key":
        Cin7Connection.objects.filter(shop=shop).update(api_key=WRONG_KEY)
    elif break_it == "cin7_down":
        settings.CIN7_API_URL = f"http://127.0.0.1:{free_port()}/ExternalApi/v2/"  # nothing listens there
    elif break_it == "shopify_revoked":
        shopify_sandbox.revoke_tokens(SHOP)
    else:
        cin7_account.add_customer(b2b_customer("Bob", "", phone=None))
    run = sync(shop)
    [message] = mailbox.messages
    assert message["Subject"] == f"Cin7 Sync for Acme Supply: {subject}"
    text, html = bodies(message)
    assert phrase in text
    if run.status == "failed":
        assert run.error_message in text  # the reason, as the run history shows it
    assert html.startswith("<!doctype html>")
    assert_no_secret(mailbox, shop)
    sync(shop)
    assert len(mailbox.raw) == 1  # the same trouble twice: one email


def test_every_issue_code_has_a_title_and_a_fix_for_the_merchant():
    from integration_app.issue_texts import ISSUE_TITLES
    from syncs.issues import FIXES, Code

    assert set(ISSUE_TITLES) == set(FIXES) == set(Code)
    assert len(set(ISSUE_TITLES.values())) == len(Code)  # the page's filter and the emails tell them apart
    assert all("_" not in title for title in ISSUE_TITLES.values())


def test_the_welcome_email_names_the_shop_the_buyer_and_the_sign_in_address(shop, mailbox):
    from integration_app.notifications.emails import send_welcome_email

    send_welcome_email(shop, "buyer@example.com")
    [message] = mailbox.messages
    assert message["Subject"] == "Your trade account at Acme Supply is ready"
    assert message["Reply-To"] == OWNER
    text, html = bodies(message)
    url = shop.customer_accounts_url or f"https://{SHOP}/account"
    for body in (text, html):
        assert "Acme Supply" in body and "buyer@example.com" in body and url in body
    assert html.count(url) >= 3  # the button, and the address written out for mail clients without buttons
    assert_no_secret(mailbox, shop)


def test_an_smtp_server_that_is_down_does_not_fail_the_run(shop, cin7_account, settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    cin7_account.add_customer(b2b_customer("Bob", "", phone=None))
    run = sync(shop)
    assert run.status == "completed_with_issues"
    assert "Notification email for acme-supply.myshopify.com not sent" in caplog.text
    # Not marked as notified: the next run, with the server back, sends it.
    assert OpenProblem.objects.filter(shop=shop, notified_at=None).count() == 1
    assert ShopSyncState.objects.get(shop=shop).alert_active is False


def test_the_digest_is_sent_once_the_smtp_server_is_back(shop, cin7_account, settings, mailbox):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()
    cin7_account.add_customer(b2b_customer("Bob", "", phone=None))
    sync(shop)
    assert mailbox.raw == []
    settings.EMAIL_PORT = port
    sync(shop)
    assert mailbox.subjects() == ["Cin7 Sync for Acme Supply: 1 record needs attention"]


def test_smtp_errors_are_oserrors():
    """notify_after_run catches OSError: smtplib's errors and refused connections are both OSErrors."""
    assert issubclass(smtplib.SMTPException, OSError) and issubclass(ConnectionRefusedError, OSError)


def test_dry_runs_send_no_email(shop, cin7_account, mailbox):
    cin7_account.add_customer(b2b_customer("Bob", "", phone=None))
    sync(shop, dry_run=True)
    assert mailbox.raw == []


def test_no_recipient_no_email_and_a_warning(shop, cin7_account, mailbox, caplog):
    Shop.objects.filter(pk=shop.pk).update(email="")
    cin7_account.add_customer(b2b_customer("Bob", "", phone=None))
    shop.refresh_from_db()
    run = sync(shop)
    assert mailbox.raw == [] and run.status == "completed_with_issues"
    assert "set notification emails" in caplog.text


def test_notify_after_run_lists_at_most_fifty_per_code(shop, mailbox):
    now = timezone.now()
    OpenProblem.objects.bulk_create(
        [
            OpenProblem(
                shop=shop,
                subject=f"customer:{i}",
                fingerprint=f"no_email:{i}",
                code="no_email",
                message=f"Customer {i} has no email",
                cin7_id=str(i),
                first_seen_at=now,
                last_seen_at=now,
            )
            for i in range(60)
        ]
    )
    run = shop.runs.create(kind="all", trigger="schedule", status="completed_with_issues")
    shop.refresh_from_db()
    notify_after_run(shop, run)
    [message] = mailbox.messages
    text, _ = bodies(message)
    assert message["Subject"] == "Cin7 Sync for Acme Supply: 60 records need attention"
    assert text.count("\n- Customer ") == 50 and "60 in all" in text  # 50 listed under their title


def test_a_refused_token_refresh_asks_for_reauthorisation(shop, cin7_account, shopify_sandbox, mailbox):
    """An expiring token whose refresh token Shopify no longer accepts (app access revoked)."""
    cin7_account.add_customer(b2b_customer("Ann", "ann@example.com"))
    tokens = shopify_sandbox.oauth.issue(SHOP, frozenset(shopify_sandbox.oauth.app_scopes), expiring=True)
    Shop.objects.filter(pk=shop.pk).update(
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        access_token_expires_at=timezone.now() - timedelta(minutes=1),  # due for a refresh
    )
    shopify_sandbox.revoke_tokens(SHOP)
    run = sync(shop)
    assert (run.status, run.error_code) == ("failed", "shopify_access_revoked")
    assert mailbox.subjects() == ["Cin7 Sync for Acme Supply: Shopify access needs to be renewed"]
    shop.refresh_from_db()
    assert shop.token_invalid_at is not None  # the page asks for re-authorisation


def test_no_email_after_the_merchant_uninstalled(shop, cin7_account, mailbox, deliver_uninstall):
    cin7_account.add_customer(b2b_customer("Ann", "ann@example.com"))
    deliver_uninstall()
    run = sync(shop)  # a run queued before the uninstall
    assert (run.status, run.error_code) == ("failed", "shopify_access_revoked")
    assert mailbox.raw == []


@pytest.fixture
def deliver_uninstall(client, settings):
    def post():
        body = json.dumps({"id": 1, "myshopify_domain": SHOP}).encode()
        digest = hmac.new(settings.SHOPIFY_API_SECRET.encode(), body, hashlib.sha256).digest()
        response = client.post(
            "/webhooks/shopify",
            data=body,
            content_type="application/json",
            HTTP_X_SHOPIFY_TOPIC="app/uninstalled",
            HTTP_X_SHOPIFY_SHOP_DOMAIN=SHOP,
            HTTP_X_SHOPIFY_HMAC_SHA256=base64.b64encode(digest).decode(),
            HTTP_X_SHOPIFY_WEBHOOK_ID="uninstall-1",
        )
        assert response.status_code == 200

    return post
