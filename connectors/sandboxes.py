"""Both sandbox servers started together and filled with sample data (the demo, `manage.py sandbox`, the
benchmark's child process: `sandbox_process.py`). Plain Python: the caller passes the app's credentials
and URLs."""

from dataclasses import dataclass

from .cin7.sandbox import Cin7Account, Cin7Sandbox, Cin7Store, ThrottleConfig
from .clock import SYSTEM_CLOCK
from .sandbox_data import SampleData
from .shopify.sandbox import SandboxShop, ShopifySandbox

DEMO_SHOP = "demo-wholesale.myshopify.com"


@dataclass
class RunningSandboxes:
    cin7: Cin7Sandbox
    shopify: ShopifySandbox
    account: Cin7Account
    shop: SandboxShop
    data: SampleData

    def stop(self) -> None:
        self.cin7.stop()
        self.shopify.stop()


def start_sandboxes(
    data: SampleData,
    *,
    api_key: str,
    api_secret: str,
    shop_domain: str = DEMO_SHOP,
    app_url: str | None = None,
    clock=SYSTEM_CLOCK,
    cin7_port: int = 0,
    shopify_port: int = 0,
    cin7_throttle: ThrottleConfig | None = None,
    bucket_size: float = 2000,
    restore_rate: float = 100,
    customer_accounts: str = "NEW_CUSTOMER_ACCOUNTS",
) -> RunningSandboxes:
    """Start the Cin7 and Shopify sandboxes on loopback with `data` loaded into one account and one shop."""
    store = Cin7Store(clock=clock, seed=data.seed)
    account = store.add_account(**data.account_kwargs)
    data.load_cin7(account)
    cin7 = Cin7Sandbox(store, port=cin7_port, throttle=cin7_throttle or ThrottleConfig()).start()
    redirect_urls = [f"{app_url.rstrip('/')}/auth/callback"] if app_url else None
    shopify = ShopifySandbox(
        api_key=api_key,
        api_secret=api_secret,
        redirect_urls=redirect_urls,
        clock=clock,
        bucket_size=bucket_size,
        restore_rate=restore_rate,
        seed=data.seed,
        app_url=app_url,
    )
    shop = shopify.add_shop(
        shop_domain,
        name="Demo Wholesale Co.",
        email="owner@demo-wholesale.example",
        currency="USD",
        customer_accounts=customer_accounts,
    )
    data.load_shopify(shop)
    shopify.start(port=shopify_port)
    return RunningSandboxes(cin7=cin7, shopify=shopify, account=account, shop=shop, data=data)
