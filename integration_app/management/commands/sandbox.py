"""`manage.py sandbox [--customers N --products M --seed S]`: the sandbox Cin7 Core and Shopify servers."""

import time
from contextlib import suppress

from django.conf import settings

from connectors.sandbox_data import demo_data, generate
from connectors.sandboxes import start_sandboxes
from integration_app.bench.sandbox_app import SANDBOX_API_KEY, SANDBOX_API_SECRET, SandboxAppCommand
from integration_app.management.foreground import flush_each_line, stop_on_signals, wait_for_stop


class Command(SandboxAppCommand):
    help = "Run the sandbox Cin7 Core API and Shopify admin on loopback, filled with seeded sample data."

    def add_arguments(self, parser):
        parser.add_argument(
            "--customers", type=int, help="Cin7 customers to generate (default: the demo set)"
        )
        parser.add_argument("--products", type=int, help="Cin7 products to generate (default: the demo set)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--cin7-port", type=int, default=9001)
        parser.add_argument("--shopify-port", type=int, default=9002)
        parser.add_argument(
            "--app-url", default=settings.APP_URL, help="where the app runs (OAuth redirects)"
        )

    def handle(self, *args, **options):
        flush_each_line()
        with stop_on_signals(), suppress(KeyboardInterrupt):
            self.serve(options)
        self.stdout.write("Sandboxes stopped.")

    def serve(self, options):
        started = time.monotonic()
        if options["customers"] is None and options["products"] is None:
            data = demo_data()
        else:
            data = generate(options["customers"] or 0, options["products"] or 0, seed=options["seed"])
        sandboxes = start_sandboxes(
            data,
            api_key=settings.SHOPIFY_API_KEY,
            api_secret=settings.SHOPIFY_API_SECRET,
            app_url=options["app_url"],
            cin7_port=options["cin7_port"],
            shopify_port=options["shopify_port"],
        )
        try:  # the servers are closed whenever the stop comes, even while this prints
            account, shopify = sandboxes.account, sandboxes.shopify
            summary = data.summary()
            credentials = (
                f"  SHOPIFY_API_KEY={SANDBOX_API_KEY}\n  SHOPIFY_API_SECRET={SANDBOX_API_SECRET}\n"
                if self.own_credentials
                else "  SHOPIFY_API_KEY and SHOPIFY_API_SECRET as set for this command\n"
            )
            self.stdout.write(
                f"Sandboxes ready in {time.monotonic() - started:.2f} s "
                f"({summary['cin7_customers']} Cin7 customers, {summary['cin7_products']} products, "
                f"{summary['shopify_variants']} Shopify variants)\n\n"
                f"Cin7 Core API     {sandboxes.cin7.base_url}\n"
                f"  Account ID      {account.account_id}\n"
                f"  API key         {account.api_key}   (a sandbox credential)\n"
                f"Shopify admin     {shopify.admin_url_template}\n"
                f"  shop            {sandboxes.shop.domain}\n"
                f"  install         {options['app_url']}/auth/install?shop={sandboxes.shop.domain}\n\n"
                "Point the app at them:\n"
                f"  CIN7_API_URL={sandboxes.cin7.base_url}\n"
                f"  SHOPIFY_ADMIN_URL={shopify.admin_url_template}\n"
                f"{credentials}"
                f"  APP_URL={options['app_url']}\n\n"
                "Ctrl-C (or SIGTERM) stops them.\n"
            )
            wait_for_stop()
        finally:
            sandboxes.stop()
