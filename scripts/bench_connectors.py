"""Benchmark: Cin7 calls needed to read a large account, against the floor `ceil(N / 1000)`.

Starts the Cin7 sandbox (Cin7's 60 calls/minute limit on) with `generate(customers=10000, products=20000)`
and reads it with `Cin7Client` paced at `--calls-per-minute` (the app's default 50). Sleeps go through a
`VirtualClock` shared by the client, its pacer and the sandbox, so pacing waits cost no real time: `waited`
is the time the client would have spent waiting (pacing, backoff) against Cin7, `real` what this run took.

    python scripts/bench_connectors.py [--customers 10000] [--products 20000] [--calls-per-minute 50]
"""

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.cin7 import Cin7Client, MemoryPacer
from connectors.cin7.sandbox import Cin7Sandbox, Cin7Store
from connectors.clock import VirtualClock
from connectors.sandbox_data import generate
from connectors.shopify.admin import ShopifyAdmin
from connectors.shopify.client import GraphQLClient
from connectors.shopify.sandbox import ShopifySandbox


def measure(name: str, client: Cin7Client, clock: VirtualClock, limit: int, read) -> dict:
    """Run `read(client)` (pages of `limit`) and report records, calls, throttling, real time and waits."""
    calls, throttled, slept = client.stats.calls, client.stats.throttled, clock.slept
    started = time.perf_counter()
    records = sum(1 for _ in read(client))
    return {
        "read": name,
        "records": records,
        "calls": client.stats.calls - calls,
        "floor": math.ceil(records / 1000),
        "pages": math.ceil(records / limit),
        "throttled": client.stats.throttled - throttled,
        "real_s": time.perf_counter() - started,
        "waited_s": clock.slept - slept,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--calls-per-minute", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    started = time.perf_counter()
    data = generate(customers=args.customers, products=args.products, seed=args.seed)
    clock = VirtualClock()
    store = Cin7Store(clock=clock, seed=args.seed)
    account = store.add_account(**data.account_kwargs)
    data.load_cin7(account)
    print(f"generated and loaded {data.summary()} in {time.perf_counter() - started:.1f} s")

    with Cin7Sandbox(store) as server:
        client = Cin7Client(
            account.account_id,
            account.api_key,
            base_url=server.base_url,
            pacer=MemoryPacer(args.calls_per_minute, clock=clock),
            clock=clock,
        )
        rows = [
            measure("customers", client, clock, 1000, lambda c: c.iter_customers(include_deprecated=True)),
            measure(
                "customers + product prices",
                client,
                clock,
                500,
                lambda c: c.iter_customers(include_deprecated=True, include_prices=True),
            ),
            measure("products", client, clock, 1000, lambda c: c.iter_products(include_deprecated=True)),
        ]
        client.close()

    print(f"\nCin7 sandbox, 60 calls/min enforced; client paced at {args.calls_per_minute} calls/min")
    header = f"{'read':<28}{'records':>8}{'calls':>6}{'floor':>6}{'pages':>6}{'throttled':>10}"
    header += f"{'real s':>8}{'waited s':>10}"
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['read']:<28}{row['records']:>8}{row['calls']:>6}{row['floor']:>6}{row['pages']:>6}"
            f"{row['throttled']:>10}{row['real_s']:>8.2f}{row['waited_s']:>10.1f}"
        )
    print("\nfloor = ceil(records / 1000); pages = ceil(records / Limit); Limit 500 with prices (§8.10)")
    print("calls above `pages` are re-reads: records that slipped between pages (FACTS §3)")
    print(f"bad records: {len(client.bad_records)}; stats: {client.stats.as_dict()}")
    shopify_lookup_cost(data, args.customers)


def shopify_lookup_cost(data, count: int) -> None:
    """Shopify cost of looking customers up by email (50 per query, `customerByIdentifier` aliases)."""
    clock = VirtualClock()
    secret = "bench-secret-0123456789abcdef0123"  # noqa: S105 (the sandbox app's own credential)
    with ShopifySandbox(api_key="bench", api_secret=secret, clock=clock) as sandbox:
        shop = sandbox.add_shop("bench.myshopify.com")
        emails = [f"buyer{n}@example.com" for n in range(count)]
        for email in emails[::2]:  # half of them exist in Shopify
            shop.add_customer(email=email)
        client = GraphQLClient(
            shop.domain,
            lambda: sandbox.issue_token(shop.domain),
            admin_url_template=sandbox.admin_url_template,
            api_version="2026-10",
            clock=clock,
        )
        found = ShopifyAdmin(client).customers_by_email(emails)
    stats = client.stats
    print(
        f"\nShopify: looked up {count} emails ({len(found)} found) in {stats.requests} requests, cost "
        f"{stats.actual_cost} (requested {stats.requested_cost}): {stats.actual_cost / count:.2f} points "
        f"per looked-up customer, {stats.wait_seconds:.1f} s modelled waiting at 100 points/s"
    )


if __name__ == "__main__":
    main()
