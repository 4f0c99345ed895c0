"""The B2B phase of a run: companies, locations, contacts, catalogs and fixed prices (contract §3).

Runs after customers and pricing, only with `b2b_companies` on. Companies and catalogs are found in
Shopify (by `externalId`, by title) before any create, so a run killed between a create and its record
makes no duplicate; what was written is kept (company links' `written`, catalogs' `prices`) so a rerun
without change writes nothing.
"""

import logging

from connectors.shopify.b2b import B2BAdmin

from ..issues import Code, Issue
from ..pricing.job import Priced
from .catalogs import CatalogWriter, DirectCatalogs
from .companies import CompanyWriter
from .desired import desired_state

logger = logging.getLogger(__name__)

REQUIRED_SCOPES = ("write_customers", "write_products")  # companies: write_customers; price lists: products


def required_scopes_missing(granted: str) -> list[str]:
    """Scopes B2B needs that the shop's token lacks (an empty record means unknown: nothing missing)."""
    have = {s.strip() for s in granted.split(",") if s.strip()}
    return [s for s in REQUIRED_SCOPES if have and s not in have]


class B2BJob:
    def __init__(self, ctx):
        self.ctx = ctx
        self.api = B2BAdmin(ctx.shopify.client)

    def run(self, customers: list, priced: Priced) -> None:
        """Sync the companies of `customers` (the customers the run read) and their catalogs, priced from
        `priced`. Both are emptied once mapped: with 10k customers and 20k products they are the run's
        largest objects."""
        ctx = self.ctx
        if not ctx.full and not customers and not priced.read:
            return  # nothing changed in Cin7: not even a read (incremental reruns stay at Cin7's floor)
        ctx.evaluated("b2b:shop")
        if not self._available():
            return
        currency = self.facts.currency or ctx.shop.currency
        terms = ctx.cin7.payment_terms()
        products = priced.products if priced.products is not None else list(ctx.cin7.iter_products())
        products = [p for p in products if not p.is_deprecated]
        variants = priced.variants if ctx.dry_run and priced.variants else None
        priced.products = priced.variants = None
        variants = variants or ctx.store.priced_variants_by_sku()
        links = ctx.store.company_links()
        written = {cin7_id: link.written for cin7_id, link in links.items()}
        desired = desired_state(
            ctx,
            customers,
            products,
            variants,
            terms=terms,
            templates=list(self.facts.templates),
            written=written,
        )
        read_ids = [customer.id for customer in customers]
        customers.clear()
        del products, variants, written
        CompanyWriter(ctx, self.api, links).write(desired.companies)
        catalogs = self._catalog_writer(currency, links)
        catalogs.write(desired.catalogs, desired.companies)
        desired.catalogs = {}
        wanted = {cin7_id: company.state["catalogs"] for cin7_id, company in desired.companies.items()}
        wanted.update({cin7_id: [] for cin7_id in self._leaving(read_ids, desired.companies, links)})
        catalogs.write_membership(wanted)
        if catalogs.refused:
            ctx.report(
                Issue(
                    Code.B2B_CATALOG_LIMIT,
                    "Shopify refused these catalogs (the plan's catalog limit): "
                    + ", ".join(catalogs.refused)
                    + ". Their buyers pay their other catalog's price or retail.",
                    subject="b2b:shop",
                )
            )

    def _catalog_writer(self, currency: str, links: dict) -> CatalogWriter:
        """The catalogs writer of the shop's B2B mode: catalogs on company locations, priced directly."""
        return DirectCatalogs(self.ctx, self.api, currency, links)

    def _available(self) -> bool:
        """The shop's token has B2B's scopes and its plan has B2B; else reported (False)."""
        ctx = self.ctx
        missing = required_scopes_missing(ctx.shop.scopes)
        if missing:
            ctx.report(
                Issue(
                    Code.MISSING_SCOPES,
                    f"Shopify B2B needs the app's access to {', '.join(missing)}.",
                    subject="b2b:shop",
                )
            )
            return False
        ctx.progress.phase("Shopify B2B")
        self.facts = self.api.facts()
        ctx.store.record_b2b_facts(self.facts)
        if not self.facts.available:
            ctx.report(Issue(Code.B2B_UNAVAILABLE, self.facts.reason, subject="b2b:shop"))
            return False
        return True

    def _leaving(self, read_ids: list[str], companies: dict, links: dict) -> list[str]:
        """Customers read now that are out of scope: with `on_untag: strip` they leave the app's catalogs
        (their company stays; the app never deletes one)."""
        if self.ctx.settings.on_untag != "strip":
            return []
        return [cin7_id for cin7_id in read_ids if cin7_id not in companies and cin7_id in links]
