"""The embedded settings page in headless Chromium (Debian's), served by pytest-django's live server.

Shopify's App Bridge script is replaced through Playwright routing by a small stand-in whose
`shopify.idToken()` fetches `https://cdn.shopify.com/__test_token`, which a Python handler answers with a
fresh session token minted by the Shopify sandbox (so tokens never go stale during a test), and whose
`shopify.toast.show()` records the toasts in `window.__toasts` (and shows them, for the screenshots).
"""

import base64
import json
import os
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.conftest import SHOP

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
APP_BRIDGE_URL = "https://cdn.shopify.com/shopifycloud/app-bridge.js"
TOKEN_URL = "https://cdn.shopify.com/__test_token"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
HOST = base64.urlsafe_b64encode(b"admin.shopify.com/store/acme-supply").decode().rstrip("=")

STAND_IN_JS = f"""
window.__toasts = [];
window.shopify = {{
  idToken: async () => (await (await fetch("{TOKEN_URL}", {{cache: "no-store"}})).json()).token,
  toast: {{
    show(message, options) {{
      window.__toasts.push({{message, isError: !!(options && options.isError)}});
      const node = document.createElement("div");
      node.className = options && options.isError ? "toast toast--error" : "toast";
      node.textContent = message;
      (document.getElementById("toasts") || document.body).append(node);
      setTimeout(() => node.remove(), 3000);
    }},
  }},
}};
"""


def pytest_collection_modifyitems(session, config, items):
    """Browser tests run last. Playwright's sync API keeps an event loop registered on the main thread
    until the session ends, and Django then refuses ORM calls from that thread (SynchronousOnlyOperation),
    so no other test may run after the first browser test."""
    browser = [item for item in items if item.get_closest_marker("browser")]
    if browser:
        items[:] = [item for item in items if not item.get_closest_marker("browser")] + browser


@pytest.fixture(scope="session", autouse=True)
def _orm_beside_playwright():
    """These tests use the ORM beside Playwright's loop on purpose (they never await). Set from the first
    browser test to the end of the session only, so no subprocess of an earlier test inherits it."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class _SerialWSGIServer(WSGIServer):
    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)  # requests run in the server thread, on its (shared) connection


class _SerialLiveServerThread(LiveServerThread):
    server_class = _SerialWSGIServer


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, answering one request at a time.

    The test database is one in-memory SQLite connection that the live server shares with the test (and,
    in a threaded server, among its request threads); the page's parallel API calls would then interleave
    transactions on that one connection and fail in ways production (a connection per thread) never
    does. Serving requests in turn keeps the tests deterministic; the browser still sends them in parallel.
    """
    server = LiveServer("localhost", start=False)
    threaded = server.thread
    server.thread = _SerialLiveServerThread(
        threaded.host,
        static_handler=threaded.static_handler,
        connections_override=threaded.connections_override,
        port=threaded.port,
    )
    server.thread.daemon = True
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "en-US"}


@pytest.fixture(autouse=True)
def _browser_defaults(page: Page):
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)


@pytest.fixture
def sync_tasks(settings, monkeypatch):
    """django-q2 runs queued tasks in the request (`Q_CLUSTER["sync"]`); `Conf` is read at import time."""
    from django_q import conf
    from django_q.models import Task
    from django_q.tasks import async_task

    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    monkeypatch.setattr(conf.Conf, "SYNC", True)
    task_id = async_task("math.floor", 1.5)
    assert Task.objects.get(id=task_id).result == 1  # ran in this thread: no cluster is listening


class AppBridgeStandIn:
    """Serves the App Bridge stand-in and mints session tokens; `expire_next()` makes one token stale."""

    def __init__(self, page: Page, sandbox):
        self.page, self.sandbox = page, sandbox
        self.expired_to_issue = 0
        self.tokens_issued = 0
        page.route("https://cdn.shopify.com/**", self._handle)

    def expire_next(self, count: int = 1) -> None:
        self.expired_to_issue += count

    def token(self, *, expired: bool = False) -> str:
        return self.sandbox.mint_session_token(SHOP, exp_in=-60 if expired else 60)

    def _handle(self, route) -> None:
        url = route.request.url
        if url.startswith(TOKEN_URL):
            expired = self.expired_to_issue > 0
            self.expired_to_issue -= int(expired)
            self.tokens_issued += 1
            route.fulfill(
                status=200,
                content_type="application/json",
                headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"},
                body=json.dumps({"token": self.token(expired=expired)}),
            )
        elif url.startswith(APP_BRIDGE_URL):
            route.fulfill(status=200, content_type="text/javascript", body=STAND_IN_JS)
        else:
            route.abort()


@pytest.fixture
def app_bridge(page, shopify_sandbox):
    return AppBridgeStandIn(page, shopify_sandbox)


@pytest.fixture
def api_log(page, live_server):
    """(method, path[?query], status) of every JSON API response the page received, in order."""
    log = []
    prefix = f"{live_server.url}/api/"

    def record(response):
        if response.url.startswith(prefix):
            url = urlsplit(response.url)
            path = f"{url.path}?{url.query}" if url.query else url.path
            log.append((response.request.method, path, response.status))

    page.on("response", record)
    return log


@pytest.fixture
def open_app(page, live_server, app_bridge, api_log, sync_tasks, sandboxes):
    """Open the app home as the Shopify admin frames it; returns when the page has loaded its data."""

    def _open(**extra):
        query = {"shop": SHOP, "host": HOST, "embedded": "1", "id_token": app_bridge.token(), **extra}
        page.goto(f"{live_server.url}/?{urlencode(query)}")
        expect(page.locator("#app")).to_have_attribute("data-ready", "true")
        return page

    return _open


def screenshot(page: Page, name: str) -> None:
    """A full-page screenshot artifact (not committed: artifacts/ is git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(150)  # let transitions settle
    # The unsaved-changes bar is sticky to the viewport; in a full-page capture it is drawn where it sits.
    page.screenshot(
        path=str(SCREENSHOTS / f"{name}.png"),
        full_page=True,
        animations="disabled",
        style=".save-bar--dirty { position: static !important; }",
    )


def toasts(page: Page) -> list[str]:
    return [t["message"] for t in page.evaluate("window.__toasts")]
