"""The B2B phase of a run: companies, locations, contacts, catalogs and fixed prices (contract §3).

Companies follow Cin7's head offices (`trees.py`): a branch is a location of its head office's company
(`branches.py`) and every contact with an email a buyer of its location (`buyers.py`, `welcomes.py`).

Runs after customers and pricing, only with `b2b_companies` on. Its mode follows `shop.plan.shopifyPlus`,
read on every run: `direct` (Plus: a catalog per tier and per customer on the company locations) or
`markets` (below Plus: a B2B market per served tier, `markets.py`); a plan change moves the shop
(`modes.py`). Companies, catalogs and markets are found in Shopify before any create, so a run killed
between a create and its record makes no duplicate; what was written is kept (company links' `written`,
catalogs' `prices` and `volume`) so a rerun without change writes nothing. Volume pricing and pack sizes
go on the tier price lists after their fixed prices (`volume_writer.py`).
"""

import logging

from connectors.shopify.b2b import B2BAdmin
from connectors.shopify.b2b_volume import VolumeAdmin

from ..issues import Code, Issue
from ..pricing.job import Priced
from ..pricing.mapping import PricedProduct
from ..store import MARKET_KEY
from .buyers import BuyerWriter
from .catalogs import CatalogWriter, DirectCatalogs
from .companies import CompanyWriter
from .desired import add_tier_catalogs, desired_state, variants_for_b2b
from .markets import MarketCatalogs
from .modes import finish_upgrade, market_rows, retire_direct, step_aside
from .reach import CUSTOMER_PRICES_SUBJECT, TIERS_SUBJECT, reach, reach_issues, served_tiers
from .trees import link_facts, relatives_to_read
from .volume_writer import VolumeWriter, desired_volume
from .welcomes import send_buyer_welcomes

logger = logging.getLogger(__name__)

REQUIRED_SCOPES = ("write_customers", "write_products")  # companies: write_customers; price lists: products
MARKET_SCOPES = ("read_markets", "write_markets")  # B2B markets below Plus (shopify.dev `marketCreate`)


def required_scopes_missing(granted: str, needed=REQUIRED_SCOPES) -> list[str]:
    """Scopes B2B needs that the shop's token lacks (an empty record means unknown: nothing missing)."""
    have = {s.strip() for s in granted.split(",") if s.strip()}
    return [s for s in needed if have and s not in have]


class B2BJob:
    def __init__(self, ctx):
        self.ctx = ctx
        self.api = B2BAdmin(ctx.shopify.client)

    def run(self, customers: list, priced: Priced, *, read_ids: list[str], complete: bool = False) -> None:
        """Sync the companies of `customers` (the customers the run read that are in scope or linked) and
        their catalogs, priced from `priced`. Both are emptied once mapped: with 10k customers and 20k
        products they are the run's largest objects. `read_ids`: every customer the run read. `complete`:
        the run read all of them (what reaches checkout is counted)."""
        ctx = self.ctx
        if not ctx.full and not read_ids and not priced.read:
            return  # nothing changed in Cin7: not even a read (incremental reruns stay at Cin7's floor)
        ctx.evaluated("b2b:shop")
        if not self._available():
            return
        currency = self.facts.currency or ctx.shop.currency
        terms = ctx.cin7.payment_terms()
        products = priced.products
        if products is None:
            products = [PricedProduct.of(p) for p in ctx.cin7.iter_products() if not p.is_deprecated]
        variants = variants_for_b2b(ctx, customers, priced.variants)
        priced.products = priced.variants = None
        links = self._add_relatives(customers, read_ids) if not ctx.full else None
        facts = link_facts(links.values() if links is not None else ctx.store.iter_company_links())
        templates = list(self.facts.templates)
        desired = desired_state(
            ctx,
            customers,
            products,
            variants,
            terms=terms,
            templates=templates,
            links=facts,
            read_ids=read_ids,
        )
        customers.clear()
        del facts
        add_tier_catalogs(ctx, desired, products, variants)
        volume = desired_volume(ctx, products, variants, desired.catalogs)
        del products, variants
        if links is None:  # read only now: with 10k customers, they and the links are the largest objects
            links = ctx.store.company_links()
        CompanyWriter(ctx, self.api, links).write(desired.companies)
        BuyerWriter(ctx, self.api, links).write(desired.companies)
        welcomed = send_buyer_welcomes(ctx, self.api, links)
        if welcomed:
            ctx.count("invited", welcomed)
        catalogs = self._catalog_writer(currency, links, desired.companies, complete)
        catalogs.write(desired.catalogs, desired.companies)
        VolumeWriter(ctx, VolumeAdmin(ctx.shopify.client), currency, links).write(catalogs.rows, volume)
        active = all(row.catalog_id for key, row in catalogs.rows.items() if key in desired.catalogs)
        desired.catalogs = {}
        wanted = {cin7_id: company.state["catalogs"] for cin7_id, company in desired.companies.items()}
        wanted.update({cin7_id: [] for cin7_id in self._leaving(read_ids, desired.companies, links)})
        catalogs.write_membership(wanted)
        if self.facts.shopify_plus:
            finish_upgrade(ctx, self.api, links, active)
        self._report_refusals(catalogs)

    def _add_relatives(self, customers: list, read_ids: list[str]) -> dict:
        """On an incremental run, add the head offices and branches of the customers read to `customers`
        and `read_ids` (the tree needs them); returns the company links."""
        links = self.ctx.store.company_links()
        for cin7_id in relatives_to_read(customers, links, read_ids):
            customer = self.ctx.cin7.customer(cin7_id, include_prices=True)
            if customer is not None:
                customers.append(customer)
                read_ids.append(customer.id)
        return links

    def _catalog_writer(self, currency: str, links: dict, companies: dict, complete: bool) -> CatalogWriter:
        """The catalogs writer of the shop's mode; a plan change first moves the app's catalogs aside."""
        ctx = self.ctx
        if self.facts.shopify_plus:
            if market_rows(ctx):
                step_aside(ctx, self.api)
            ctx.evaluated(TIERS_SUBJECT)
            ctx.evaluated(CUSTOMER_PRICES_SUBJECT)
            return DirectCatalogs(ctx, self.api, currency, links)
        retire_direct(ctx, self.api, links)
        kept = None
        if not complete:
            kept = sorted(int(key.removeprefix(MARKET_KEY)) for key in market_rows(ctx)) or None
        served = served_tiers(companies, ctx.tiers, ctx.settings.b2b_market_tiers, kept)
        if complete:
            facts = reach(companies, ctx.tiers, served)
            ctx.evaluated(TIERS_SUBJECT)
            ctx.evaluated(CUSTOMER_PRICES_SUBJECT)
            for issue in reach_issues(facts):
                ctx.report(issue)
            if not ctx.dry_run:
                ctx.store.record_b2b_reach(facts)
        return MarketCatalogs(ctx, self.api, currency, links, served)

    def _report_refusals(self, catalogs: CatalogWriter) -> None:
        """One issue for the catalogs refused for the plan's catalog limit, one for those the plan forbids."""
        limit = "Shopify refused these catalogs (the plan's catalog limit)"
        plan = "Shopify's plan does not allow these catalogs"
        for code, why, titles in (
            (Code.B2B_CATALOG_LIMIT, limit, catalogs.refused),
            (Code.B2B_PLAN_REFUSED, plan, catalogs.plan_refused),
        ):
            if titles:
                consequence = "Their buyers pay their other catalog's price or retail."
                self.ctx.report(Issue(code, f"{why}: {', '.join(titles)}. {consequence}", subject="b2b:shop"))

    def _available(self) -> bool:
        """The shop's token has B2B's scopes and its plan has B2B; else reported (False)."""
        ctx = self.ctx
        if self._missing_scopes(REQUIRED_SCOPES):
            return False
        ctx.progress.phase("Shopify B2B")
        self.facts = self.api.facts()
        ctx.store.record_b2b_facts(self.facts)
        if not self.facts.available:
            ctx.report(Issue(Code.B2B_UNAVAILABLE, self.facts.reason, subject="b2b:shop"))
            return False
        return self.facts.shopify_plus or not self._missing_scopes(MARKET_SCOPES)

    def _missing_scopes(self, needed) -> bool:
        missing = required_scopes_missing(self.ctx.shop.scopes, needed)
        if missing:
            self.ctx.report(
                Issue(
                    Code.MISSING_SCOPES,
                    f"Shopify B2B needs the app's access to {', '.join(missing)}.",
                    subject="b2b:shop",
                )
            )
        return bool(missing)

    def _leaving(self, read_ids: list[str], companies: dict, links: dict) -> list[str]:
        """Customers read now that are out of scope: with `on_untag: strip` they leave the app's catalogs
        (their company stays; the app never deletes one)."""
        if self.ctx.settings.on_untag != "strip":
            return []
        return [cin7_id for cin7_id in read_ids if cin7_id not in companies and cin7_id in links]
