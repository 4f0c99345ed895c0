"""Shared fixtures: the two sandbox servers on free loopback ports, the app pointed at them, shops."""

import contextlib
import importlib
import json
import os
import signal
import socket
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from connectors.cin7.sandbox import Cin7Sandbox, Cin7Store, ThrottleConfig
from connectors.shopify.sandbox import ShopifySandbox

# Every process a test starts inherits this mark, so one left behind is found at the end of the session,
# even after it was re-parented to init.
LEAK_MARK = "CIN7SYNC_TEST_SESSION"


def pytest_sessionstart(session):
    os.environ[LEAK_MARK] = uuid.uuid4().hex


def pytest_sessionfinish(session):
    if hasattr(session.config, "workerinput") or getattr(session.config.option, "numprocesses", None):
        return  # under pytest-xdist every worker process carries the mark itself
    leaked = _processes_marked(f"{LEAK_MARK}={os.environ[LEAK_MARK]}".encode())
    if not leaked:
        return
    for pid in leaked:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    reporter.write_line(f"FAILED: tests left processes behind: {leaked}", red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _processes_marked(mark: bytes, grace: float = 5) -> dict[int, str]:
    """Processes other than this one whose environment holds `mark`, after `grace` seconds for the ones
    just told to stop (a browser closing) to exit."""
    deadline = time.monotonic() + grace
    while True:
        found = {}
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                if int(proc.name) != os.getpid() and mark in (proc / "environ").read_bytes().split(b"\0"):
                    state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
                    if state != "Z":  # a zombie is already gone, only not yet reaped
                        found[int(proc.name)] = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, ValueError, IndexError):
                continue  # exited meanwhile, or not ours to read
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


SHOP = "acme-supply.myshopify.com"
CIN7_ACCOUNT = "7c1b5e0a-2f4d-4c1e-9a55-0d3c2b1a0f99"
CIN7_KEY = "0342a546-e0c2-0dff-f0be-6a5e17154033"


@pytest.fixture
def cin7_store():
    return Cin7Store(seed=1)


@pytest.fixture
def cin7_account(cin7_store):
    account = cin7_store.add_account(account_id=CIN7_ACCOUNT, api_key=CIN7_KEY, company="Acme Wholesale")
    account.add_tax_rule("Tax Exempt")
    account.add_tax_rule("Sales Tax", percent=8)
    return account


@pytest.fixture
def cin7_server(cin7_store, cin7_account):
    """The Cin7 sandbox without a rate limit (tests of pacing set their own)."""
    with Cin7Sandbox(cin7_store, throttle=ThrottleConfig(limit=None)) as server:
        yield server


@pytest.fixture
def shopify_sandbox():
    with ShopifySandbox(
        api_key=settings.SHOPIFY_API_KEY, api_secret=settings.SHOPIFY_API_SECRET, app_url=settings.APP_URL
    ) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox_shop(shopify_sandbox):
    return shopify_sandbox.add_shop(
        SHOP,
        name="Acme Supply",
        email="owner@acme-supply.example",
        currency="USD",
        customer_accounts="CLASSIC",
        customer_accounts_url="https://shopify.com/acme-supply/account",
    )


@pytest.fixture
def sandboxes(settings, cin7_server, shopify_sandbox, sandbox_shop):
    """The app configured to reach both sandboxes, as the demo and production configure it by env."""
    settings.SHOPIFY_ADMIN_URL = shopify_sandbox.admin_url_template
    settings.CIN7_API_URL = cin7_server.base_url
    settings.CIN7_CALLS_PER_MINUTE = 1000
    return cin7_server, shopify_sandbox


@pytest.fixture
def installed_shop(db, sandboxes, shopify_sandbox):
    """A shop with a (non-expiring) token, its facts read, Cin7 connected and `b2b` customers in scope."""
    from integration_app.install.setup import after_install
    from integration_app.models import Cin7Connection, Shop, SyncSettings

    shop = Shop.objects.create(domain=SHOP, access_token=shopify_sandbox.issue_token(SHOP))
    assert after_install(shop)
    shop.refresh_from_db()
    Cin7Connection.objects.create(shop=shop, account_id=CIN7_ACCOUNT, api_key=CIN7_KEY)
    SyncSettings.objects.filter(shop=shop).update(
        customer_tags=["b2b"],
        group_mappings=[{"tag": "VIP", "group": "VIP"}],
        tax_exempt_rules=["Tax Exempt"],
    )
    return Shop.objects.get(pk=shop.pk)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Mailbox:
    """Messages received by the loopback SMTP server, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        import email

        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@contextlib.contextmanager
def smtp_on_loopback(settings, handler):
    """A real SMTP server on loopback (aiosmtpd) that hands every message to `handler` (its `handle_DATA`);
    Django sends through it. Yields the handler."""
    from aiosmtpd.controller import Controller

    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback; Django sends through it. Yields the mailbox."""
    with smtp_on_loopback(settings, _Mailbox()) as mailbox:
        yield mailbox


@pytest.fixture
def run_tasks_inline(monkeypatch):
    """django-q2 tasks queued with async_task run at once, in the caller (as a worker would run them)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def debug_urls(settings):
    """DEBUG on and the URL patterns re-imported (they add the /dev/ routes only when DEBUG), undone after."""
    from django.urls import clear_url_caches

    import integration_app.urls

    settings.DEBUG = True
    importlib.reload(integration_app.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(integration_app.urls)
    clear_url_caches()


@pytest.fixture
def api(client, shopify_sandbox):
    """Call the JSON API as the embedded page does: `api("put", "/api/settings", {...}, shop=SHOP)`."""

    def call(method, path, body=None, shop=SHOP):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {shopify_sandbox.mint_session_token(shop)}"}
        if body is None:
            return getattr(client, method)(path, **headers)
        return getattr(client, method)(
            path, data=json.dumps(body), content_type="application/json", **headers
        )

    return call
