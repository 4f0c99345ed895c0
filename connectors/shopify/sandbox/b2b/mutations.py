"""The B2B Mutation fields: companies, contacts, roles, locations (b2b_companies.py) and catalogs, price
lists, fixed prices (b2b_pricing.py). Company operations need `write_customers` or `write_companies`,
catalogs and price lists `write_products`; all need the shop's B2B entitlement (B2B.md)."""

from ..context import RequestContext
from . import catalogs as pricing
from . import companies, locations
from .access import require_b2b


def b2b_mutation_root(ctx: RequestContext) -> dict:
    company = ("write_customers", "write_companies")
    products = ("write_products",)

    def guarded(name, scopes, function):
        def resolve(info, **arguments):
            require_b2b(ctx, name, *scopes)
            return function(ctx, **arguments)

        return resolve

    fields = {
        "companyCreate": (company, companies.company_create),
        "companyUpdate": (company, companies.company_update),
        "companyAssignCustomerAsContact": (company, companies.assign_customer_as_contact),
        "companyAssignMainContact": (company, companies.assign_main_contact),
        "companyContactAssignRole": (company, companies.contact_assign_role),
        "companyContactAssignRoles": (company, companies.contact_assign_roles),
        "companyLocationAssignRoles": (company, companies.location_assign_roles),
        "companyLocationCreate": (company, locations.location_create),
        "companyLocationUpdate": (company, locations.location_update),
        "companyLocationAssignAddress": (company, locations.location_assign_address),
        "companyLocationTaxSettingsUpdate": (company, locations.location_tax_settings_update),
        "companyContactSendWelcomeEmail": (company, companies.send_welcome_email),
        "catalogCreate": (products, pricing.catalog_create),
        "catalogUpdate": (products, pricing.catalog_update),
        "catalogContextUpdate": (products, pricing.catalog_context_update),
        "priceListCreate": (products, pricing.price_list_create),
        "priceListUpdate": (products, pricing.price_list_update),
        "priceListFixedPricesAdd": (products, pricing.fixed_prices_add),
        "priceListFixedPricesUpdate": (products, pricing.fixed_prices_update),
        "priceListFixedPricesDelete": (products, pricing.fixed_prices_delete),
    }
    return {name: guarded(name, scopes, function) for name, (scopes, function) in fields.items()}
