"""Both sandboxes in a child process of the benchmark, so the CPU and memory it measures are the app's
alone. The sandbox servers, their data and their modules are loaded in the child only (this module imports
none of them), as in production, where the app's process never holds them."""

import multiprocessing
import random
import uuid


class SandboxProcess:
    """Both sandboxes in a child process (the benchmark measures the app's CPU and memory alone).

    The child shares the parent's modelled time through `clock` (a `SharedVirtualClock`), and answers a
    few commands over a pipe: a token for the shop, changes to Cin7 data, Shopify write counts.
    """

    def __init__(
        self,
        *,
        customers: int,
        products: int,
        shopify_only_variants: int = 0,
        seed: int,
        api_key: str,
        api_secret: str,
        clock,
        branch_share: float | None = None,
    ):
        context = multiprocessing.get_context("fork")
        self._pipe, child_end = context.Pipe()
        self._process = context.Process(
            target=_serve_sandboxes,
            args=(child_end, customers, products, shopify_only_variants, seed, api_key, api_secret, clock),
            kwargs={"branch_share": branch_share},
            name="sandboxes",
            daemon=True,
        )
        self._process.start()
        self.info = self._pipe.recv()

    def call(self, command: str, *args):
        self._pipe.send((command, args))
        return self._pipe.recv()

    def stop(self) -> None:
        self.call("stop")
        self._process.join(timeout=10)


def _serve_sandboxes(
    pipe, customers, products, shopify_only_variants, seed, api_key, api_secret, clock, branch_share=None
):
    from .sandbox_data import generate
    from .sandboxes import start_sandboxes

    sandboxes = start_sandboxes(
        generate(
            customers,
            products,
            seed=seed,
            shopify_only_variants=shopify_only_variants,
            branch_share=branch_share,
        ),
        api_key=api_key,
        api_secret=api_secret,
        clock=clock,
    )
    account, shopify = sandboxes.account, sandboxes.shopify
    pipe.send(
        {
            "cin7_url": sandboxes.cin7.base_url,
            "admin_url_template": shopify.admin_url_template,
            "shop": sandboxes.shop.domain,
            "account_id": account.account_id,
            "api_key": account.api_key,
            "summary": sandboxes.data.summary(),
        }
    )
    rng = random.Random(seed)
    while True:
        command, args = pipe.recv()
        if command == "token":  # args: the scopes granted (default: the app's)
            pipe.send(shopify.issue_token(sandboxes.shop.domain, scopes=args[0] if args else None))
        elif command == "writes":
            pipe.send(data_writes(shopify))
        elif command == "change":
            pipe.send(_change_share(account, rng, *args))
        elif command == "edit_shopify":
            pipe.send(_edit_in_shopify(sandboxes.shop, rng, clock, *args))
        elif command == "b2b_plan":  # "Shopify Plus" (no catalog limit) or "Grow" (3 B2B catalogs, markets)
            sandboxes.shop.b2b.settings.enabled = True
            sandboxes.shop.set_plan(*args)
            pipe.send(None)
        elif command == "bulk_seconds":  # args: a moment of the shared clock
            pipe.send(_bulk_seconds(sandboxes.shop, *args))
        elif command == "missing_customer_skus":
            pipe.send(_missing_customer_skus(account, *args))
        elif command == "stop":
            sandboxes.stop()
            pipe.send(None)
            return


def _bulk_seconds(shop, since: float) -> float:
    """Seconds of bulk processing (start-up included, at the sandbox's stated rates) of the operations
    started from `since` on: exports and imports alike, each from its creation to its completion."""
    return sum(op.completed_at - op.created_at for op in shop.bulk_operations if op.created_at >= since)


def data_writes(shopify) -> int:
    """Executed mutations that change shop data: a bulk export is a mutation in GraphQL but writes nothing."""
    return sum(
        len(call.root_fields)
        for call in shopify.calls
        if call.mutation and call.actual_cost is not None and "bulkOperationRunQuery" not in call.root_fields
    )


def _missing_customer_skus(account, share: float) -> int:
    """Customers with their own prices also price Cin7 products Shopify does not have (discontinued,
    offline), `share` of their customer-price SKUs in all; returns how many such SKUs were added."""
    added = 0
    for customer in list(account.customers.values()):
        extra = round(len(customer.get("ProductPrices") or ()) * share / (1 - share))
        for n in range(extra):
            sku = f"OFFLINE-{customer['ID'][:8]}-{n:04d}"
            product_id = str(uuid.uuid5(uuid.NAMESPACE_URL, sku))  # the sandbox's seeded ids would repeat
            account.add_product({"ID": product_id, "SKU": sku, "Name": f"Offline {sku}", "PriceTier1": "1"})
            account.set_customer_price(customer["ID"], sku, "0.5")
            added += 1
    return added


def _change_share(account, rng, share: float) -> dict:
    """Change `share` of the active customers (credit limit) and of the products (a tier price)."""
    customers = [c for c in account.customers.values() if c.get("Status") == "Active"]
    products = [p for p in account.products.values() if p.get("Status") == "Active"]
    changed_customers = rng.sample(customers, max(1, round(len(customers) * share)))
    changed_products = rng.sample(products, max(1, round(len(products) * share)))
    for customer in changed_customers:
        account.update_customer(customer["ID"], CreditLimit=customer.get("CreditLimit", 0) + 250)
    for product in changed_products:
        account.update_product(product["ID"], PriceTier1=(product.get("PriceTier1") or 0) + 1)
    return {"customers": len(changed_customers), "products": len(changed_products)}


SHOPIFY_EDITS = (
    lambda c: {"first_name": f"{c.first_name or ''} Jr".strip()},
    lambda c: {"tax_exempt": not c.tax_exempt},
    lambda c: {"tags": [t for t in c.tags if t.casefold() != "b2b"]},
    lambda c: (
        {"addresses": [{**c.addresses[0], "city": "Elsewhere"}, *c.addresses[1:]]} if c.addresses else {}
    ),
)


def _edit_in_shopify(shop, rng, clock, count: int) -> int:
    """A merchant edits one app-managed field of `count` customers the app synced, a minute after the run."""
    clock.sleep(60)
    synced = [c for c in shop.customers.values() if ("cin7", "cin7_id") in c.metafields]
    edited = 0
    for number, customer in enumerate(rng.sample(synced, min(count, len(synced)))):
        changes = SHOPIFY_EDITS[number % len(SHOPIFY_EDITS)](customer) or {"last_name": "Edited"}
        shop.update_customer(customer.id, **changes)
        edited += 1
    return edited
