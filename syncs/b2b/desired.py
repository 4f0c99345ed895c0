"""The desired B2B state of a run: a company per synced B2B customer, the catalogs they use.

Mapping (pure, `mapping`) plus the lookup it needs: which Shopify customer each Cin7 customer became.
Variants come from one listing of the shop's variants per run (`variants_for_b2b`), never a search per
batch of SKUs: a SKU absent from Shopify is simply absent.
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
from .trees import LinkFacts, apply_trees

PREVIEW_CUSTOMER = "(the customer this run would create)"


@dataclass
class Desired:
    companies: dict[str, DesiredCompany]  # by Cin7 ID
    catalogs: dict[str, DesiredCatalog]  # by key: the customer catalogs, with `add_tier_catalogs` every one
    tiers_in_use: set[int]  # the tier codes whose catalogs `add_tier_catalogs` builds


def desired_state(
    ctx, customers, products, variants, *, terms, templates, links: dict[str, LinkFacts], read_ids: list[str]
) -> Desired:
    """The companies and customer catalogs of `customers`, and the tiers in use (`add_tier_catalogs`).
    `links`: Cin7 ID -> what its company link holds (`LinkFacts`: the tiers still in use, the buyers);
    `read_ids`: every customer the run read."""
    linked = ctx.store.linked_customers()
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
    apply_trees(ctx, companies, customers, links, read_ids)
    return Desired(companies, catalogs, _tiers_in_use(companies, links))


def add_tier_catalogs(ctx, desired: Desired, products, variants) -> None:
    """Add the catalog of each tier in use to `desired`. Their price maps (a price per tier in use and
    variant) are the phase's largest objects: built once the Cin7 customers are let go."""
    tiers = tier_catalogs(desired.tiers_in_use, ctx.tiers, products, variants)
    desired.catalogs = {**tiers, **desired.catalogs}


def _tiers_in_use(companies: dict[str, DesiredCompany], links: dict[str, LinkFacts]) -> set[int]:
    """Tier codes of the catalogs companies should be in, or still are in (not read this run), directly
    or through a B2B market."""
    in_use = {
        int(key.split(":")[1])
        for company in companies.values()
        for key in company.state["catalogs"]
        if key.startswith("tier:")
    }
    for cin7_id, facts in links.items():
        if cin7_id not in companies:
            in_use.update(facts.tiers)
    return in_use


def variants_for_b2b(ctx, customers: list, listed: dict | None) -> dict[str, list[str]]:
    """SKU -> variant gids: `listed` (the pricing phase's listing of every variant, on full runs), else the
    variants the pricing phase matched, plus one listing of the shop's variants when a customer price names
    a SKU they lack (a SKU not in Shopify is then simply absent)."""
    if listed is not None:
        return listed
    variants = ctx.store.priced_variants_by_sku()
    named = {row.sku for customer in customers for row in customer.product_prices if row.sku}
    if named <= variants.keys():
        return variants
    found: dict[str, list[str]] = {}
    for variant in ctx.shopify.all_variants():
        found.setdefault(variant.sku, []).append(variant.id)
    return found
