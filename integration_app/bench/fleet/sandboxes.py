"""The fleet's two sandboxes: N Cin7 accounts and N Shopify shops, the trickle of Cin7 changes made while
the clusters work, and the check that each change reached Shopify (its freshness)."""

import random
import time
from dataclasses import dataclass

from connectors.cin7.sandbox import Cin7Sandbox, Cin7Store, ThrottleConfig
from connectors.cin7.sandbox.limits import FaultConfig
from connectors.sandbox_data import generate
from connectors.shopify.sandbox import ShopifySandbox

from .options import Options

API_KEY, API_SECRET = "fleet-bench-app", "fleet-bench-app-secret"  # the sandbox app's credentials


@dataclass
class Change:
    shop: str
    email: str
    at: float


def domain(n: int) -> str:
    return f"fleet-{n:04d}.myshopify.com"


class Sandboxes:
    """Both sandboxes holding N shops, each with its own Cin7 account (Cin7's real 60-calls-a-minute limit)
    and its own Shopify bucket, plus the trickle of Cin7 changes and the check that they reached Shopify."""

    def __init__(self, options: Options):
        self.store = Cin7Store(seed=1)
        slow = FaultConfig(slow_every=1, slow_seconds=options.cin7_latency) if options.cin7_latency else None
        self.cin7 = Cin7Sandbox(self.store, throttle=ThrottleConfig(limit=60), faults=slow)
        self.shopify = ShopifySandbox(api_key=API_KEY, api_secret=API_SECRET, seed=1)
        self.accounts, self.entries = {}, []
        for n in range(options.shops):
            data = generate(options.customers, options.products, seed=n)
            account = self.store.add_account(**data.account_kwargs)
            data.load_cin7(account)
            data.load_shopify(self.shopify.add_shop(domain(n), name=f"Fleet shop {n}"))
            self.accounts[domain(n)] = account
        self.rng = random.Random(1)
        self.pending: list[Change] = []
        self.freshness: list[float] = []
        self.changes = 0

    def start(self) -> None:
        self.cin7.start()
        self.shopify.start()
        self.entries = [
            {
                "domain": shop,
                "token": self.shopify.issue_token(shop),
                "cin7_account_id": account.account_id,
                "cin7_api_key": account.api_key,
            }
            for shop, account in self.accounts.items()
        ]

    def stop(self) -> None:
        self.cin7.stop()
        self.shopify.stop()

    def change_one(self) -> None:
        """Raise the credit limit of a random synced customer of a random shop (a metafield write)."""
        shop_domain = self.rng.choice(list(self.accounts))
        account, shop = self.accounts[shop_domain], self.shopify.find_shop(shop_domain)
        synced = []
        for customer in account.customers.values():
            email = next((c.get("Email") for c in customer.get("Contacts", []) if c.get("Default")), None)
            linked = email and shop.customer_by_email(email)
            if customer.get("Status") == "Active" and linked and ("cin7", "cin7_id") in linked.metafields:
                synced.append((customer, email))
        if not synced:
            return  # the shop's first run has not landed yet
        customer, email = self.rng.choice(synced)
        account.update_customer(customer["ID"], CreditLimit=(customer.get("CreditLimit") or 0) + 250)
        self.pending.append(Change(shop_domain, email, time.time()))
        self.changes += 1

    def check_written(self) -> None:
        """Move changes whose credit limit Shopify now holds (written after the change) to `freshness`."""
        still = []
        for change in self.pending:
            customer = self.shopify.find_shop(change.shop).customer_by_email(change.email)
            metafield = customer and customer.metafields.get(("cin7", "credit_limit"))
            if metafield and metafield.updated_at >= change.at:
                self.freshness.append(metafield.updated_at - change.at)
            else:
                still.append(change)
        self.pending = still
