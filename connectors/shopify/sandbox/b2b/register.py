"""Adds the B2B fields to the core's extension table (extensions.py): QueryRoot and Mutation fields,
`Shop.plan`/`Shop.entitlements`, `ProductVariant.contextualPricing`, B2B records as nodes."""

from ..extensions import Extensions
from .access import require_b2b
from .mutations import b2b_mutation_root
from .queries import b2b_query_root
from .views import b2b_node_view, contextual_pricing

READ_COMPANIES = ("read_customers", "read_companies")
COMPANY_NODES = ("Company", "CompanyContact", "CompanyLocation", "CompanyContactRole")
PRODUCT_NODES = ("CompanyLocationCatalog", "MarketCatalog", "PriceList")


def register_b2b(extensions: Extensions) -> None:
    extensions.queries.append(b2b_query_root)
    extensions.mutations.append(b2b_mutation_root)
    extensions.shop_fields.append(shop_fields)
    extensions.variant_fields.append(
        lambda ctx, variant: {"contextualPricing": contextual_pricing(ctx, variant)}
    )
    extensions.node_views.append(b2b_node_view)
    for kind in (*COMPANY_NODES, "CompanyContactRoleAssignment"):
        extensions.node_access[kind] = lambda ctx: require_b2b(ctx, "nodes", *READ_COMPANIES)
    for kind in PRODUCT_NODES:
        extensions.node_access[kind] = lambda ctx: ctx.require("read_products", "nodes")
    extensions.node_access["Market"] = lambda ctx: ctx.require("read_markets", "nodes")


def shop_fields(ctx) -> dict:
    """`shop.plan` and `shop.entitlements` (only `markets.b2b` is modelled), from the shop's B2B settings."""
    settings = ctx.shop.b2b.settings
    name = "Shopify Plus" if settings.shopify_plus else settings.plan
    catalogs = settings.enabled and settings.catalog_limit != 0
    return {
        "plan": {
            "displayName": name,
            "publicDisplayName": name,
            "partnerDevelopment": False,
            "shopifyPlus": settings.shopify_plus,
        },
        "entitlements": {
            "markets": {"b2b": {"enabled": settings.enabled, "catalogs": {"enabled": catalogs}}}
        },
    }
