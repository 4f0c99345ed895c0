"""The demo (`manage.py demo [--serve]`): the product end to end on the embedded default (contract §5).

Migrates SQLite, starts the sandbox Cin7 Core and Shopify with the demo data, installs the app into the
sandbox shop through the real OAuth redirects, saves settings through the JSON API with a session token,
runs a full sync with progress bars and prints what landed in Shopify. `--serve` keeps everything running
with an in-process worker and prints the settings page URL (standalone mode, DEBUG only).
"""

import logging
import threading
import time
from contextlib import suppress

import requests
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django_q.conf import Conf
from django_q.scheduler import scheduler

from connectors.sandbox_data import demo_data
from connectors.sandboxes import DEMO_SHOP, start_sandboxes
from integration_app import scheduling
from integration_app.bench.demo_b2b import B2BSteps
from integration_app.bench.local_server import LocalAppServer
from integration_app.bench.sandbox_app import SandboxAppCommand
from integration_app.management.foreground import flush_each_line, stop_on_signals, wait_for_stop
from integration_app.models import (
    CustomerLink,
    InviteStatus,
    RunKind,
    RunTrigger,
    Shop,
)
from integration_app.runs.control import claim_run, start_run
from integration_app.runs.execute import execute
from integration_app.runs.progress import TqdmProgress
from syncs.issues import FIXES, Code

DEMO_SETTINGS = {
    "customer_tags": ["b2b"],
    "group_mappings": [{"tag": "VIP", "group": "VIP"}, {"tag": "Gold", "group": "Gold"}],
    "tax_exempt_rules": ["Tax Exempt", "GST Free Exports"],
    "sync_interval_minutes": 15,
    "full_sync_interval_hours": 24,
    "send_invites": True,
    "on_untag": "keep",
    "notification_emails": ["ops@demo-wholesale.example"],
}


def api_call(app_url: str, sandboxes, method: str, path: str, body=None) -> dict:
    """The JSON API as the settings page calls it, with a fresh session token."""
    token = sandboxes.shopify.mint_session_token(DEMO_SHOP)
    response = requests.request(
        method, f"{app_url}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    if response.status_code >= 300:
        raise CommandError(f"{method} {path} answered {response.status_code}: {response.text[:300]}")
    return response.json()


STAT_KEYS = (
    "cin7_calls",
    "shopify_requests",
    "shopify_mutations",
    "shopify_cost",
    "shopify_requested_cost",
    "shopify_throttled",
    "shopify_wait_seconds",
)


class DemoCommand(B2BSteps, SandboxAppCommand):
    help = "Install into the sandbox shop, run a full sync and show what landed in Shopify."
    api = staticmethod(api_call)

    def add_arguments(self, parser):
        parser.add_argument(
            "--serve", action="store_true", help="keep the app, sandboxes and a worker running"
        )
        parser.add_argument(
            "--port", type=int, help="the app's port (default 8000 with --serve, else any free)"
        )

    def handle(self, *args, **options):
        flush_each_line()
        out = self.stdout
        serve = options["serve"]
        port = options["port"] if options["port"] is not None else (8000 if serve else 0)
        try:
            app = LocalAppServer(port=port)
        except OSError as exc:
            raise CommandError(
                f"Cannot listen on 127.0.0.1:{port} ({exc.strerror}); pass --port with a free port."
            ) from None
        call_command("migrate", interactive=False, verbosity=0)
        logging.getLogger().setLevel(logging.WARNING)  # the demo tells its own story; warnings still show
        # Emails are kept in memory and summarised below instead of printed whole.
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        mail.outbox = []
        app.start()
        settings.APP_URL = app.url
        started = time.monotonic()
        sandboxes = start_sandboxes(
            demo_data(),
            api_key=settings.SHOPIFY_API_KEY,
            api_secret=settings.SHOPIFY_API_SECRET,
            app_url=app.url,
        )
        settings.SHOPIFY_ADMIN_URL = sandboxes.shopify.admin_url_template
        settings.CIN7_API_URL = sandboxes.cin7.base_url
        summary = sandboxes.data.summary()
        self.heading("1. Sandboxes")
        out.write(
            f"Cin7 Core sandbox  {sandboxes.cin7.base_url}  ({summary['cin7_customers']} customers, "
            f"{summary['cin7_b2b_customers']} tagged b2b, {summary['cin7_products']} products)\n"
            f"Shopify sandbox    {sandboxes.shopify.admin_url_template.format(shop=DEMO_SHOP)}  "
            f"({summary['shopify_variants']} variants, {summary['shopify_customers']} existing customer(s))\n"
            f"App                {app.url}  (started in {time.monotonic() - started:.1f} s)\n"
        )
        self.forget_previous_demo()
        shop = self.install(app.url)
        self.save_settings(app.url, sandboxes)
        self.heading("4. Full sync (customers + pricing)")
        run = self.sync(shop)
        self.report(run, shop, sandboxes)
        self.heading("6. Second run, nothing changed in Cin7")
        writes_before = sandboxes.shopify.writes()
        again = self.sync(shop, full=False, progress=False)
        out.write(
            f"Incremental run {again.pk}: {again.status}, read {again.counts['read']} changed record(s), "
            f"{sandboxes.shopify.writes() - writes_before} Shopify writes, "
            f"{again.stats.get('cin7_calls', 0)} Cin7 calls.\n"
        )
        self.b2b(app.url, shop, sandboxes)
        if serve:
            with stop_on_signals(), suppress(KeyboardInterrupt):
                self.serve(app.url, sandboxes)
            out.write("Stopped.\n")
        sandboxes.stop()
        app.stop()

    def heading(self, text: str) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING(f"\n{text}\n"))

    def forget_previous_demo(self) -> None:
        """Each demo is a first install: earlier demo data of the sandbox shop is removed."""
        for shop in Shop.objects.filter(domain=DEMO_SHOP):
            scheduling.remove_schedules(shop)
            shop.delete()

    def install(self, app_url: str) -> Shop:
        """The merchant installs: app -> Shopify's grant screen -> app callback -> the app in the admin."""
        self.heading("2. Install by OAuth (authorization code, expiring offline token)")
        browser = requests.Session()
        response = browser.get(f"{app_url}/auth/install", params={"shop": DEMO_SHOP}, timeout=30)
        hops = [r.url.split("?")[0] for r in response.history] + [response.url.split("?")[0]]
        if response.status_code != 200 or not hops[-1].endswith(f"/apps/{settings.SHOPIFY_API_KEY}"):
            raise CommandError(f"The install did not complete (HTTP {response.status_code} at {hops[-1]}).")
        shop = Shop.objects.get(domain=DEMO_SHOP)
        for hop in hops:
            self.stdout.write(f"  → {hop}\n")
        self.stdout.write(
            f"Installed on {shop.name} ({shop.domain}), "
            f"token expires {shop.access_token_expires_at:%H:%M} UTC, "
            f"customer accounts: {shop.customer_accounts_version}\n"
        )
        return shop

    def save_settings(self, app_url: str, sandboxes) -> None:
        """What the merchant does on the settings page, through the same JSON API and session tokens."""
        self.heading("3. Settings saved through the JSON API (session token from App Bridge)")

        def call(method, path, body=None):
            return api_call(app_url, sandboxes, method, path, body)

        account = sandboxes.account
        credentials = {"cin7_account_id": account.account_id, "cin7_api_key": account.api_key}
        connection = call("POST", "/api/settings/test-connection", credentials)
        self.stdout.write(f"Test connection: {connection['company']} ({connection['currency']})\n")
        saved = call("PUT", "/api/settings", {**credentials, **DEMO_SETTINGS})
        options = call("GET", "/api/cin7/options")
        groups = ", ".join(f"{m['tag']} → {m['group']}" for m in saved["group_mappings"])
        self.stdout.write(
            f"B2B tags {saved['customer_tags']}, groups {groups}, "
            f"tax-exempt rules {saved['tax_exempt_rules']} (Cin7 offers {len(options['tax_rules'])}), "
            f"API key stored: {saved['cin7_api_key_set']}\n"
        )

    def sync(self, shop: Shop, *, full: bool = True, progress: bool = True):
        run = claim_run(
            start_run(shop, kind=RunKind.ALL, full=full, dry_run=False, trigger=RunTrigger.MANUAL).pk
        )
        bars = TqdmProgress(disable=not progress, file=self.stderr._out)
        try:
            execute(run, progress=bars)
        finally:
            bars.close()
        run.refresh_from_db()
        return run

    def report(self, run, shop: Shop, sandboxes) -> None:
        counts = run.counts
        self.stdout.write(
            f"Run {run.pk}: {run.status} in {run.duration_seconds:.1f} s — read {counts['read']}, "
            f"created {counts['created']}, updated {counts['updated']}, unchanged {counts['unchanged']}, "
            f"skipped {counts['skipped']}, failed {counts['failed']}, "
            f"variants priced {counts['variants_updated']}\n"
        )
        self.heading("5. What landed in Shopify")
        self.report_customers(shop, sandboxes.shop)
        self.report_prices(sandboxes.shop)
        self.report_issues_and_figures(run)

    def report_customers(self, shop: Shop, sandbox_shop) -> None:
        out = self.stdout
        links = CustomerLink.objects.filter(shop=shop, in_scope=True).exclude(shopify_id="")
        adopted = [link for link in links if not link.created_by_app]
        out.write(
            f"Customers: {links.filter(created_by_app=True).count()} created, {len(adopted)} adopted "
            f"(existing Shopify customers, merchant tags kept)\n"
        )
        for link in adopted:
            customer = sandbox_shop.customers[link.shopify_id]
            out.write(f"  adopted {customer.email}: tags {sorted(customer.tags)}\n")
        held = links.filter(invite_status=InviteStatus.HELD).count()
        out.write(
            f"Invites: {held} held from this first import (release them on the settings page or "
            f"POST /api/invites/send); later new customers are invited automatically\n"
        )
        customers = [sandbox_shop.customers[link.shopify_id] for link in links]
        sample = max(
            customers,
            key=lambda c: (("cin7", "customer_prices") in c.metafields, len(c.metafields), bool(c.phone)),
            default=None,
        )
        if sample is not None:
            self.report_sample(sample)

    def report_sample(self, sample) -> None:
        out = self.stdout
        out.write(
            f"\nSample customer {sample.first_name} {sample.last_name} <{sample.email}> "
            f"phone {sample.phone}, "
            f"tax exempt {sample.tax_exempt}, tags {sorted(sample.tags)}\n"
        )
        if sample.addresses:
            a = sample.addresses[0]
            place = " ".join(filter(None, (a.get("city"), a.get("provinceCode"), a.get("countryCode"))))
            out.write(f"  address: {a.get('address1')}, {place}\n")
        for (namespace, key), metafield in sorted(sample.metafields.items()):
            value = metafield.value if len(metafield.value) < 90 else metafield.value[:87] + "…"
            out.write(f"  {namespace}.{key:<16} {metafield.type:<24} {value}\n")

    def report_prices(self, sandbox_shop) -> None:
        out = self.stdout
        tier_names = sandbox_shop.shop_metafields.get(("cin7", "price_tier_names"))
        if tier_names:
            out.write(f"\nShop cin7.price_tier_names: {tier_names.value}\n")
        priced = [
            (variant["sku"], sandbox_shop.metafield(variant_id, "cin7", "price_tiers"))
            for variant_id, variant in sandbox_shop.variants.items()
        ]
        priced = [(sku, mf["value"]) for sku, mf in priced if mf]
        out.write(f"Variant cin7.price_tiers: {len(priced)} variants priced, for example:\n")
        for sku, value in priced[:3]:
            out.write(f"  {sku:<14} {value}\n")

    def report_issues_and_figures(self, run) -> None:
        out = self.stdout
        issues = list(run.issues.all())
        if issues:
            out.write(f"\nIssues ({len(issues)}), each with what to do:\n")
            for code in sorted({i.code for i in issues}):
                group = [i for i in issues if i.code == code]
                out.write(self.style.WARNING(f"  {code} ({len(group)})") + f" — {FIXES[Code(code)]}\n")
                for issue in group[:3]:
                    out.write(f"    · {issue.message}\n")
        stats = {key: run.stats.get(key, 0) for key in STAT_KEYS}
        out.write(
            f"\nAPI figures: Cin7 {stats['cin7_calls']} calls; Shopify {stats['shopify_requests']} requests, "
            f"{stats['shopify_mutations']} writes, GraphQL cost {stats['shopify_cost']} "
            f"(requested {stats['shopify_requested_cost']}), throttled {stats['shopify_throttled']}, "
            f"waited {stats['shopify_wait_seconds']:.1f} s for the bucket\n"
        )
        for message in mail.outbox:
            out.write(f"Email to {', '.join(message.to)}: “{message.subject}”\n")
        out.write(f"Run details as the settings page shows them: GET /api/runs/{run.pk}\n")

    def serve(self, app_url: str, sandboxes) -> None:
        """Keep serving: tasks run in-process (no separate qcluster needed) and the scheduler ticks."""
        Conf.SYNC = True
        stop = threading.Event()

        def tick():
            while not stop.wait(30):
                scheduler()

        threading.Thread(target=tick, name="scheduler", daemon=True).start()
        self.heading("Serving")
        admin = sandboxes.shopify.admin_url_template.format(shop=DEMO_SHOP)
        page = (
            f"{app_url}/dev/standalone?shop={DEMO_SHOP}"
            if settings.DEBUG
            else "(standalone page needs DEBUG=true)"
        )
        self.stdout.write(
            f"Settings page (standalone mode): {page}\n"
            f"The app as the sandbox admin frames it: {admin}/apps/{settings.SHOPIFY_API_KEY}\n"
            f"Cin7 sandbox {sandboxes.cin7.base_url} · Shopify sandbox {sandboxes.shopify.base_url}\n"
            "Ctrl-C (or SIGTERM) stops everything.\n"
        )
        try:
            wait_for_stop()
        finally:
            stop.set()
