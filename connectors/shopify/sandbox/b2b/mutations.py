"""The B2B Mutation fields: companies, contacts, roles (companies.py, roles.py), locations (locations.py),
catalogs (catalogs.py), price lists and fixed prices (price_lists.py), volume pricing (volume.py), B2B markets
(markets.py). Company operations
need `write_customers` or `write_companies` and the shop's B2B entitlement; catalogs and price lists
`write_products` and B2B; markets `write_markets` (their company-location conditions also B2B) (B2B.md)."""

from ..context import RequestContext
from . import catalogs, companies, locations, markets, price_lists, roles, volume
from .access import require_b2b

COMPANY = ("write_customers", "write_companies")
PRODUCTS = ("write_products",)
MARKETS = ("write_markets",)
FIELDS = {
    "companyCreate": (COMPANY, companies.company_create),
    "companyUpdate": (COMPANY, companies.company_update),
    "companyAssignCustomerAsContact": (COMPANY, companies.assign_customer_as_contact),
    "companyAssignMainContact": (COMPANY, companies.assign_main_contact),
    "companyContactAssignRole": (COMPANY, companies.contact_assign_role),
    "companyContactAssignRoles": (COMPANY, companies.contact_assign_roles),
    "companyLocationAssignRoles": (COMPANY, companies.location_assign_roles),
    "companyContactRevokeRole": (COMPANY, roles.contact_revoke_role),
    "companyContactRevokeRoles": (COMPANY, roles.contact_revoke_roles),
    "companyLocationRevokeRoles": (COMPANY, roles.location_revoke_roles),
    "companyContactSendWelcomeEmail": (COMPANY, companies.send_welcome_email),
    "companyLocationCreate": (COMPANY, locations.location_create),
    "companyLocationUpdate": (COMPANY, locations.location_update),
    "companyLocationDelete": (COMPANY, locations.location_delete),
    "companyLocationAssignAddress": (COMPANY, locations.location_assign_address),
    "companyLocationTaxSettingsUpdate": (COMPANY, locations.location_tax_settings_update),
    "catalogCreate": (PRODUCTS, catalogs.catalog_create),
    "catalogUpdate": (PRODUCTS, catalogs.catalog_update),
    "catalogContextUpdate": (PRODUCTS, catalogs.catalog_context_update),
    "catalogDelete": (PRODUCTS, catalogs.catalog_delete),
    "priceListCreate": (PRODUCTS, price_lists.price_list_create),
    "priceListUpdate": (PRODUCTS, price_lists.price_list_update),
    "priceListFixedPricesAdd": (PRODUCTS, price_lists.fixed_prices_add),
    "priceListFixedPricesUpdate": (PRODUCTS, price_lists.fixed_prices_update),
    "priceListFixedPricesDelete": (PRODUCTS, price_lists.fixed_prices_delete),
    "quantityPricingByVariantUpdate": (PRODUCTS, volume.quantity_pricing_update),
    "quantityRulesAdd": (PRODUCTS, volume.quantity_rules_add),
    "quantityRulesDelete": (PRODUCTS, volume.quantity_rules_delete),
    "marketCreate": (MARKETS, markets.market_create),
    "marketUpdate": (MARKETS, markets.market_update),
    "marketDelete": (MARKETS, markets.market_delete),
}


def b2b_mutation_root(ctx: RequestContext) -> dict:
    def guarded(name, scopes, function):
        def resolve(info, **arguments):
            if scopes == MARKETS:
                ctx.require("write_markets", name)  # markets are not B2B-only: B2B is checked per condition
            else:
                require_b2b(ctx, name, *scopes)
            return function(ctx, **arguments)

        return resolve

    return {name: guarded(name, scopes, function) for name, (scopes, function) in FIELDS.items()}
