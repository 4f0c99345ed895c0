"""Fixtures that start the Shopify sandbox on loopback and talk to it over HTTP."""

import pytest
import requests

from connectors.clock import VirtualClock
from connectors.shopify.sandbox import ShopifySandbox

API_KEY = "test-key"
API_SECRET = "shpss_test-secret-0123456789abcdef0123"
CALLBACK = "http://127.0.0.1:8000/auth/callback"
SHOP = "acme.myshopify.com"
CLASSIC_SHOP = "legacy.myshopify.com"
VERSION = "2026-10"


class Admin:
    """A minimal Admin API client for one shop and token."""

    def __init__(self, sandbox: ShopifySandbox, shop: str, token: str):
        self.sandbox, self.shop, self.token = sandbox, shop, token
        self.url = f"{sandbox.admin_url_template.format(shop=shop)}/api/{VERSION}/graphql.json"

    def post(self, query: str, variables: dict | None = None, **extra) -> requests.Response:
        body = {"query": query, "variables": variables or {}, **extra}
        return requests.post(self.url, json=body, headers={"X-Shopify-Access-Token": self.token}, timeout=10)

    def __call__(self, query: str, variables: dict | None = None, **extra) -> dict:
        response = self.post(query, variables, **extra)
        assert response.status_code == 200, response.text
        return response.json()

    def data(self, query: str, variables: dict | None = None) -> dict:
        answer = self(query, variables)
        assert "errors" not in answer, answer
        return answer["data"]


class FrozenClock(VirtualClock):
    """A VirtualClock that does not follow wall time: only `sleep` moves it, so bucket levels are exact."""

    def __init__(self, start: float = 1_790_000_000.0):
        super().__init__()
        self.start = start

    def now(self) -> float:
        return self.start + self.slept


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def sandbox(clock):
    sandbox = ShopifySandbox(
        api_key=API_KEY, api_secret=API_SECRET, redirect_urls=[CALLBACK], clock=clock, seed=1
    )
    sandbox.add_shop(SHOP, name="Acme Supply", email="owner@acme.example")
    sandbox.add_shop(CLASSIC_SHOP, name="Legacy Goods", customer_accounts="CLASSIC")
    with sandbox:
        yield sandbox


@pytest.fixture
def shop(sandbox):
    return sandbox.shops[SHOP]


@pytest.fixture
def plus(shop):
    """Direct (company location) catalogs need Shopify Plus; below it they can only be archived."""
    shop.set_plan("Shopify Plus")


@pytest.fixture
def variants(shop) -> list[str]:
    """The four variants of one product, each at 40.00."""
    product = shop.add_product(
        "Linen Throw", [{"sku": f"TEX-{n}", "title": f"V{n}", "price": "40.00"} for n in range(1, 5)]
    )
    return shop.products[product]["variant_ids"]


@pytest.fixture
def admin(sandbox) -> Admin:
    return Admin(sandbox, SHOP, sandbox.issue_token(SHOP))


@pytest.fixture
def classic_admin(sandbox) -> Admin:
    return Admin(sandbox, CLASSIC_SHOP, sandbox.issue_token(CLASSIC_SHOP))
