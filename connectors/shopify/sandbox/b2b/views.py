"""B2B records rendered as the GraphQL objects Shopify returns (see views.py for the view convention)."""

import pycountry
from graphql import GraphQLError

from ..context import RequestContext, iso
from ..store import gid, gid_number
from ..views import by_number, customer_view, variant_view
from .store import (
    MARKET,
    PAYMENT_TERMS_TEMPLATES,
    Catalog,
    Company,
    CompanyAddress,
    CompanyContact,
    CompanyContactRole,
    CompanyLocation,
    Market,
    PriceList,
    RoleAssignment,
    money,
)
from .volume import breaks_connection, rule_view, rules_connection


def terms_template_view(number: int) -> dict | None:
    row = next((t for t in PAYMENT_TERMS_TEMPLATES if t[0] == number), None)
    if row is None:
        return None
    number, name, kind, days, description = row
    return {
        "__typename": "PaymentTermsTemplate",
        "id": gid("PaymentTermsTemplate", number),
        "name": name,
        "translatedName": name,
        "paymentTermsType": kind,
        "dueInDays": days,
        "description": description,
    }


def _count(n: int) -> dict:
    return {"count": n, "precision": "EXACT"}


def company_view(ctx: RequestContext, company: Company) -> dict:
    b2b = ctx.shop.b2b
    contacts = [b2b.contacts[c] for c in company.contact_ids]
    locations = [b2b.locations[loc] for loc in company.location_ids]
    roles = [b2b.roles[r] for r in company.role_ids]
    main = b2b.contacts.get(company.main_contact_id or "")
    return {
        "__typename": "Company",
        "id": company.id,
        "name": company.name,
        "externalId": company.external_id,
        "note": company.note,
        "createdAt": iso(company.created_at),
        "updatedAt": iso(company.updated_at),
        "customerSince": iso(company.customer_since),
        "mainContact": contact_view(ctx, main) if main else None,
        "contactsCount": _count(len(contacts)),
        "locationsCount": _count(len(locations)),
        "defaultRole": role_view(roles[-1]) if roles else None,
        "contacts": lambda info, query=None, sortKey=None, **page: ctx.page(
            contacts, sort_key=by_number, view=lambda c: contact_view(ctx, c), **page
        ),
        "locations": lambda info, query=None, sortKey=None, **page: ctx.page(
            locations, sort_key=by_number, view=lambda loc: location_view(ctx, loc), **page
        ),
        "contactRoles": lambda info, sortKey=None, **page: ctx.page(
            roles, sort_key=by_number, view=role_view, **page
        ),
    }


def contact_view(ctx: RequestContext, contact: CompanyContact) -> dict:
    b2b = ctx.shop.b2b
    company = b2b.companies[contact.company_id]
    return {
        "__typename": "CompanyContact",
        "id": contact.id,
        "title": contact.title,
        "locale": contact.locale,
        "isMainContact": company.main_contact_id == contact.id,
        "createdAt": iso(contact.created_at),
        "updatedAt": iso(contact.updated_at),
        "company": lambda info: company_view(ctx, company),
        "customer": lambda info: customer_view(ctx, ctx.shop.customers[contact.customer_id]),
        "roleAssignments": lambda info, query=None, sortKey=None, **page: ctx.page(
            b2b.assignments_of(contact.id), sort_key=by_number, view=lambda a: assignment_view(ctx, a), **page
        ),
    }


def role_view(role: CompanyContactRole) -> dict:
    return {"__typename": "CompanyContactRole", "id": role.id, "name": role.name, "note": role.note}


def assignment_view(ctx: RequestContext, assignment: RoleAssignment) -> dict:
    b2b = ctx.shop.b2b
    return {
        "__typename": "CompanyContactRoleAssignment",
        "id": assignment.id,
        "createdAt": iso(assignment.created_at),
        "updatedAt": iso(assignment.created_at),
        "role": role_view(b2b.roles[assignment.role_id]),
        "company": lambda info: company_view(ctx, b2b.companies[assignment.company_id]),
        "companyContact": lambda info: contact_view(ctx, b2b.contacts[assignment.contact_id]),
        "companyLocation": lambda info: location_view(ctx, b2b.locations[assignment.location_id]),
    }


def location_view(ctx: RequestContext, location: CompanyLocation) -> dict:
    b2b = ctx.shop.b2b
    company = b2b.companies[location.company_id]
    terms = location.payment_terms_template_id
    return {
        "__typename": "CompanyLocation",
        "id": location.id,
        "name": location.name,
        "externalId": location.external_id,
        "note": location.note,
        "phone": location.phone,
        "locale": location.locale,
        "currency": ctx.shop.currency,
        "createdAt": iso(location.created_at),
        "updatedAt": iso(location.updated_at),
        "company": lambda info: company_view(ctx, company),
        "shippingAddress": _optional_address(location.shipping_address, company),
        "billingAddress": _optional_address(location.billing_address, company),
        "taxSettings": {
            "taxExempt": location.tax_exempt,
            "taxExemptions": list(location.tax_exemptions),
            "taxRegistrationId": location.tax_registration_id,
        },
        "buyerExperienceConfiguration": {
            "checkoutToDraft": location.checkout_to_draft,
            "editableShippingAddress": location.editable_shipping_address,
            "deposit": None,
            "paymentTermsTemplate": terms_template_view(gid_number(terms)) if terms else None,
        },
        "catalogsCount": lambda info, limit=None: _count(len(b2b.catalogs_of(location.id))),
        "inCatalog": lambda info, catalogId: (
            location.id in getattr(b2b.catalogs.get(catalogId), "location_ids", ())
        ),
        "catalogs": lambda info, **page: ctx.page(
            b2b.catalogs_of(location.id), sort_key=by_number, view=lambda c: catalog_view(ctx, c), **page
        ),
        "roleAssignments": lambda info, query=None, sortKey=None, **page: ctx.page(
            b2b.assignments_of(location.id),
            sort_key=by_number,
            view=lambda a: assignment_view(ctx, a),
            **page,
        ),
    }


def _optional_address(address: CompanyAddress | None, company: Company) -> dict | None:
    return company_address_view(address, company) if address else None


def company_address_view(address: CompanyAddress, company: Company) -> dict:
    data = address.fields
    country_code, zone = data.get("countryCode"), data.get("zoneCode")
    country = pycountry.countries.get(alpha_2=country_code) if country_code else None
    province = pycountry.subdivisions.get(code=f"{country_code}-{zone}") if zone else None
    area = ", ".join(p for p in (data.get("city"), zone, country_code) if p) or None
    lines = [data.get("address1"), data.get("address2"), area, country.name if country else None]
    return {
        "__typename": "CompanyAddress",
        "id": address.id,
        **{k: data.get(k) for k in ("address1", "address2", "city", "zip", "firstName", "lastName")},
        **{k: data.get(k) for k in ("phone", "recipient")},
        "companyName": company.name,
        "countryCode": country_code,
        "country": country.name if country else None,
        "zoneCode": zone,
        "province": province.name if province else None,
        "formattedArea": area,
        "createdAt": iso(address.created_at),
        "updatedAt": iso(address.updated_at),
        "formattedAddress": lambda info, withName=False, withCompanyName=True: [
            line for line in [company.name if withCompanyName else None, *lines] if line
        ],
    }


def catalog_view(ctx: RequestContext, catalog: Catalog) -> dict:
    b2b = ctx.shop.b2b
    price_list = b2b.price_lists.get(catalog.price_list_id or "")
    common = {
        "__typename": catalog.kind,
        "id": catalog.id,
        "title": catalog.title,
        "status": catalog.status,
        "operations": [],
        "publication": None,
        "priceList": price_list_view(ctx, price_list) if price_list else None,
    }
    if catalog.kind == MARKET:
        return common | _markets_of(ctx, [b2b.markets[m] for m in catalog.market_ids])
    locations = [b2b.locations[loc] for loc in catalog.location_ids]
    return common | {
        "companyLocationsCount": _count(len(locations)),
        "companyLocations": lambda info, query=None, sortKey=None, **page: ctx.page(
            locations, sort_key=by_number, view=lambda loc: location_view(ctx, loc), **page
        ),
    }


def _markets_of(ctx: RequestContext, markets: list[Market]) -> dict:
    """`MarketCatalog.markets(type:, status:)` and `marketsCount`."""

    def wanted(type=None, status=None) -> list[Market]:
        return [m for m in markets if type in (None, m.type) and status in (None, m.status)]

    return {
        "marketsCount": lambda info, limit=None, query=None, type=None, status=None: _count(
            len(wanted(type, status))
        ),
        "markets": lambda info, type=None, status=None, **page: ctx.page(
            wanted(type, status), sort_key=by_number, view=lambda m: market_view(ctx, m), **page
        ),
    }


def market_view(ctx: RequestContext, market: Market) -> dict:
    """A Market; `conditions.companyLocationsCondition` is its only condition type here (B2B.md)."""
    b2b = ctx.shop.b2b
    locations = [b2b.locations[loc] for loc in market.location_ids]
    catalogs = b2b.catalogs_of_market(market.id)
    condition = {
        "applicationLevel": "SPECIFIED",
        "companyLocations": lambda info, **page: ctx.page(
            locations, sort_key=by_number, view=lambda loc: location_view(ctx, loc), **page
        ),
    }
    return {
        "__typename": "Market",
        "id": market.id,
        "name": market.name,
        "handle": market.handle,
        "status": market.status,
        "type": market.type,
        "conditions": {
            "conditionTypes": ["COMPANY_LOCATION"] if locations else [],
            "companyLocationsCondition": condition if locations else None,
            "locationsCondition": None,
            "regionsCondition": None,
        },
        "catalogsCount": _count(len(catalogs)),
        "catalogs": lambda info, **page: ctx.page(
            catalogs, sort_key=by_number, view=lambda c: catalog_view(ctx, c), **page
        ),
    }


def price_list_view(ctx: RequestContext, price_list: PriceList) -> dict:
    b2b = ctx.shop.b2b
    catalog = b2b.catalogs.get(price_list.catalog_id or "")

    def prices(info, originType=None, query=None, **page):
        if originType == "RELATIVE":
            rows = []  # relative prices are computed, the sandbox lists fixed ones only
        elif query:
            rows = _matching_prices(ctx, price_list, _price_terms(query))
        else:
            rows = [(v, p) for v, p in price_list.fixed.items() if v in ctx.shop.variants]
        return ctx.page(
            rows,
            sort_key=lambda row: (gid_number(row[0]),),
            view=lambda row: price_view(ctx, price_list, *row),
            **page,
        )

    return {
        "__typename": "PriceList",
        "id": price_list.id,
        "name": price_list.name,
        "currency": price_list.currency,
        "fixedPricesCount": len(price_list.fixed),
        "parent": {
            "adjustment": {"type": price_list.adjustment_type, "value": price_list.adjustment_value},
            "settings": {"compareAtMode": price_list.compare_at_mode},
        },
        "catalog": lambda info: catalog_view(ctx, catalog) if catalog else None,
        "prices": prices,
        "quantityRules": rules_connection(ctx, price_list),
    }


def price_view(ctx: RequestContext, price_list: PriceList, variant_id: str, row: dict) -> dict:
    compare_at = row.get("compare_at")
    return {
        "__typename": "PriceListPrice",
        "originType": "FIXED",
        "price": {"amount": money(row["price"]), "currencyCode": price_list.currency},
        "compareAtPrice": (
            {"amount": money(compare_at), "currencyCode": price_list.currency} if compare_at else None
        ),
        "variant": lambda info: variant_view(ctx, ctx.shop.variants[variant_id]),
        "quantityPriceBreaks": breaks_connection(
            ctx, price_list, variant_id, lambda: price_list_view(ctx, price_list)
        ),
    }


def contextual_pricing(ctx: RequestContext, variant: dict):
    """`ProductVariant.contextualPricing(context:)`: a company location's price (B2B.md)."""

    def resolve(info, context):
        location_id = context.get("companyLocationId")
        if location_id is None:
            raise GraphQLError("The Shopify sandbox implements contextualPricing for companyLocationId only.")
        if location_id not in ctx.shop.b2b.locations:
            raise GraphQLError(f"Company location does not exist: {location_id}")
        key = ("pricing_catalogs", location_id)  # once per request: a bulk export asks for every variant
        if key not in ctx.memo:
            ctx.memo[key] = ctx.shop.b2b.pricing_catalogs(location_id)
        amount, price_list = ctx.shop.b2b.pricing_price_list(variant, location_id, ctx.memo[key])
        rule = price_list.quantity_rules.get(variant["id"]) if price_list else None
        return {
            "price": {"amount": money(amount), "currencyCode": ctx.shop.currency},
            "compareAtPrice": None,
            "unitPrice": None,
            "quantityRule": rule_view(ctx, variant["id"], rule),
            "quantityPriceBreaks": breaks_connection(
                ctx, price_list, variant["id"], lambda: price_list_view(ctx, price_list)
            ),
        }

    return resolve


def b2b_node_view(ctx: RequestContext, record) -> dict | None:
    """A B2B record as its GraphQL type, or None when `record` is not one."""
    views = {
        Company: company_view,
        CompanyContact: contact_view,
        CompanyLocation: location_view,
        Catalog: catalog_view,
        PriceList: price_list_view,
        RoleAssignment: assignment_view,
        Market: market_view,
    }
    if isinstance(record, CompanyContactRole):
        return role_view(record)
    view = views.get(type(record))
    return view(ctx, record) if view else None


def _price_terms(query: str) -> dict[str, str]:
    """`PriceList.prices(query:)` terms: `variant_id:<number>` and `product_id:<number>` (the schema's
    filters), all of which must hold; any other term is refused as Shopify's search would ignore it."""
    terms = {}
    for term in query.split():
        name, _, value = term.partition(":")
        if name not in ("variant_id", "product_id"):
            raise GraphQLError(
                f"The Shopify sandbox filters price list prices by variant_id and product_id only: {term}"
            )
        terms[name] = value
    return terms


def _matching_prices(ctx: RequestContext, price_list: PriceList, terms: dict[str, str]) -> list:
    """The fixed prices the terms select: a `variant_id` term is looked up directly (a full run asks for
    thousands of variants, 30 a request, of lists holding tens of thousands of prices)."""
    if "variant_id" in terms:
        variant_id = gid("ProductVariant", terms["variant_id"])
        candidates = [variant_id] if variant_id in price_list.fixed else []
    else:
        candidates = list(price_list.fixed)
    product = terms.get("product_id")
    return [
        (v, price_list.fixed[v])
        for v in candidates
        if v in ctx.shop.variants
        and (product is None or str(gid_number(ctx.shop.variants[v]["product_id"])) == product)
    ]
