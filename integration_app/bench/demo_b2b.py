"""The demo's B2B steps (7 and 8): native B2B on Plus, then the same shop below Plus, with what buyers are
charged at checkout read back from Shopify (`contextualPricing`), price breaks included."""

from connectors.shopify.b2b import B2BAdmin
from connectors.shopify.b2b_volume import VolumeAdmin
from integration_app.bench.demo_trees import print_company_tree
from integration_app.models import CompanyLink, ManagedCatalog, Shop
from integration_app.shopify_api import admin_api


class B2BSteps:
    """Mixed into the demo command: uses its `stdout`, `heading`, `sync` and `api` (the JSON API call)."""

    def b2b(self, app_url: str, shop: Shop, sandboxes) -> None:
        """Native B2B turned on through the API, then what two buyers would pay at checkout."""
        out = self.stdout
        self.heading("7. Native Shopify B2B: companies, catalogs, the prices checkout charges")
        plan = sandboxes.shop.b2b.settings  # the demo shop is on Plus: no catalog limit
        plan.plan, plan.shopify_plus, plan.catalog_limit = "Plus", True, None
        saved = self.api(app_url, sandboxes, "PUT", "/api/settings", {"b2b_companies": True})
        run = self.sync(shop, progress=False)
        managed = self.api(app_url, sandboxes, "GET", "/api/settings")["b2b_managed"]
        out.write(
            f"b2b_companies {saved['b2b_companies']} (available: {saved['b2b_available']}); run {run.pk}: "
            f"{run.status}, {managed['companies']} companies, {managed['locations']} locations, "
            f"{managed['buyers']} buyers, {managed['catalogs']} catalogs, "
            f"{managed['price_breaks']} price breaks, "
            f"{run.stats.get('shopify_mutations', 0)} Shopify writes\n"
        )
        b2b_codes = (
            "unmapped_payment_term",
            "customer_price_above_tier",
            "b2b_catalog_limit",
            "b2b_discount_line_unsupported",
        )
        found = [f"{code} ({run.issues.filter(code=code).count()})" for code in b2b_codes]
        out.write(f"B2B issues: {', '.join(found)}\n")
        writes_before = sandboxes.shopify.writes()
        self.sync(shop, progress=False)
        out.write(f"Rerun without change: {sandboxes.shopify.writes() - writes_before} Shopify writes\n")
        print_company_tree(out, shop, sandboxes.shop, run)
        links = CompanyLink.objects.filter(shop=shop).exclude(location_id="").order_by("cin7_id")
        own = set(
            ManagedCatalog.objects.filter(shop=shop, key__startswith="customer:").values_list(
                "key", flat=True
            )
        )
        with_prices = next((link for link in links if f"customer:{link.cin7_id}" in own), None)
        other = next((link for link in links if link != with_prices and link.written.get("catalogs")), None)
        buyers = [link for link in (with_prices, other) if link is not None]
        if not buyers:
            return
        out.write("Checkout prices of two buyers next to retail (the first has customer-specific prices):\n")
        shown = self.checkout_prices(shop, sandboxes, buyers, None)
        self.price_break(shop, sandboxes, list(links))
        self.b2b_markets(shop, sandboxes, buyers, shown)

    def b2b_markets(self, shop: Shop, sandboxes, buyers: list, shown: list[str]) -> None:
        """The shop moves below Plus (Grow): the next full run serves 3 tiers through B2B markets."""
        out = self.stdout
        self.heading("8. Native B2B below Plus (Grow): B2B markets serve up to 3 price tiers")
        sandboxes.shop.set_plan("Grow")
        run = self.sync(shop, progress=False)
        shop.refresh_from_db()
        facts, markets = shop.b2b, sandboxes.shop.b2b.markets
        names = ", ".join(sorted(m.name for m in markets.values()))
        out.write(
            f"Plan {facts['plan']}, mode {facts['mode']}; run {run.pk}: {run.status}, {len(markets)} B2B "
            f"markets ({names}), {run.stats.get('shopify_mutations', 0)} Shopify writes\n"
        )
        left_out = ", ".join(f"{t['tier']} ({t['customers']})" for t in facts["tiers_not_served"]) or "none"
        out.write(
            f"Served tiers: {', '.join(facts['served_tiers'])}; customers at retail by tier: {left_out}; "
            f"customers whose own prices need Plus: {facts['customers_prices_need_plus']}\n"
        )
        writes_before = sandboxes.shopify.writes()
        self.sync(shop, progress=False)
        out.write(f"Rerun without change: {sandboxes.shopify.writes() - writes_before} Shopify writes\n")
        out.write("Checkout prices of the same buyers on Grow (tier prices where their tier is served):\n")
        self.checkout_prices(shop, sandboxes, buyers, shown)
        self.price_break(shop, sandboxes, list(CompanyLink.objects.filter(shop=shop).exclude(location_id="")))

    def checkout_prices(self, shop: Shop, sandboxes, buyers: list, shown: list[str] | None) -> list[str]:
        """A table of what `buyers` pay at checkout next to retail (`shown` variants, else 4 that differ)."""
        out = self.stdout
        variants = sorted(sandboxes.shop.variants)
        api = B2BAdmin(admin_api(shop).client)
        prices = [api.contextual_prices(variants, link.location_id) for link in buyers]
        if shown is None:
            shown = [v for v in variants if any(p[v][0] != p[v][1] for p in prices if v in p)][:4]
        names = [link.written.get("name", link.cin7_id)[:22] for link in buyers]
        out.write(f"  {'SKU':<16}{'retail':>9}" + "".join(f"{name:>25}" for name in names) + "\n")
        for variant_id in shown:
            sku = sandboxes.shop.variants[variant_id]["sku"]
            retail = prices[0][variant_id][0]
            out.write(f"  {sku:<16}{retail:>9}" + "".join(f"{p[variant_id][1]:>25}" for p in prices) + "\n")
        out.write("Prices read back from Shopify with productVariant.contextualPricing(companyLocationId).\n")
        return shown

    def price_break(self, shop: Shop, sandboxes, links: list) -> None:
        """The first location with a price break on a variant: what one unit and each break cost there."""
        variants = sorted(sandboxes.shop.variants)
        api = VolumeAdmin(admin_api(shop).client)
        for link in sorted(links, key=lambda link: link.cin7_id):
            found = api.contextual_volume(variants, link.location_id)
            variant_id = next((v for v in variants if v in found and found[v][1].breaks), None)
            if variant_id is None:
                continue
            price, volume = found[variant_id]
            sku = sandboxes.shop.variants[variant_id]["sku"]
            breaks = ", ".join(f"from {m} units {amount} each" for m, amount in volume.breaks)
            name = link.written.get("name", link.cin7_id)
            self.stdout.write(f"Price break at checkout, {sku} for {name}: 1 unit {price}; {breaks}\n")
            return
