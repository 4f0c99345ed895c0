"""The desired B2B state of a run: a company per synced B2B customer, the catalogs they use.

Mapping (pure, `mapping`) plus the lookups it needs: which Shopify customer each Cin7 customer became,
and the variants of SKUs only customer prices name.
"""

from dataclasses import dataclass

from ..customers.mapping import MappingSettings, in_scope
from .mapping import (
    DesiredCatalog,
    DesiredCompany,
    customer_catalog,
    map_company,
    tier_catalogs,
    tier_code_of,
)

PREVIEW_CUSTOMER = "(the customer this run would create)"


@dataclass
class Desired:
    companies: dict[str, DesiredCompany]  # by Cin7 ID
    catalogs: dict[str, DesiredCatalog]  # by key


def desired_state(ctx, customers, products, variants, *, terms, templates, written: dict) -> Desired:
    """`written`: Cin7 ID -> what was written to each company so far (the tiers still in use)."""
    linked = ctx.store.linked_customers()
    variants = _with_customer_price_skus(ctx, customers, variants, linked)
    by_sku = {p.sku: p for p in products}
    rules = frozenset(r.strip().casefold() for r in ctx.settings.tax_exempt_rules)
    scope = MappingSettings.build(customer_tags=ctx.settings.customer_tags)
    companies, catalogs = {}, {}
    for customer in customers:
        gid = linked.get(customer.id)
        if not gid and ctx.dry_run and in_scope(customer, scope):
            gid = PREVIEW_CUSTOMER  # a preview shows its company too
        if not gid:
            continue
        ctx.evaluated(f"b2b:{customer.id}")
        code = tier_code_of(customer, ctx.tiers)
        tier_prices = {  # the customer's own SKUs only: customers x products would not scale
            row.sku: by_sku[row.sku].tier_prices.get(code)
            for row in customer.product_prices
            if code is not None and row.sku in by_sku
        }
        catalog, issues = customer_catalog(customer, tier_prices, variants)
        company, more = map_company(
            customer,
            gid,
            tiers=ctx.tiers,
            terms=terms,
            templates=templates,
            tax_exempt_rules=rules,
            has_customer_catalog=catalog is not None,
        )
        for issue in issues + more:
            ctx.report(issue)
        companies[customer.id] = company
        if catalog is not None:
            catalogs[catalog.key] = catalog
    in_use = _tiers_in_use(companies, written)
    return Desired(companies, {**tier_catalogs(in_use, ctx.tiers, products, variants), **catalogs})


def _tiers_in_use(companies: dict[str, DesiredCompany], written: dict[str, dict]) -> set[int]:
    """Tier codes of the catalogs companies should be in, or still are in (not read this run)."""
    in_use = {
        int(key.split(":")[1])
        for company in companies.values()
        for key in company.state["catalogs"]
        if key.startswith("tier:")
    }
    for cin7_id, state in written.items():
        if cin7_id not in companies:
            in_use.update(int(k.split(":")[1]) for k in state.get("catalogs") or () if k.startswith("tier:"))
    return in_use


def _with_customer_price_skus(ctx, customers: list, variants: dict, linked: dict) -> dict:
    """`variants` plus the variants of SKUs only customer prices name (no tier prices them, so the
    pricing phase recorded no variant for them): searched by exact SKU, the same on every run."""
    missing = {
        row.sku
        for customer in customers
        if customer.id in linked
        for row in customer.product_prices
        if row.sku and row.sku not in variants
    }
    if not missing:
        return variants
    found = ctx.shopify.variants_by_sku(missing)
    return {**variants, **{sku: [v.id for v in found[sku]] for sku in found}}
