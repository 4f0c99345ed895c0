"""B2B root queries: companies, locations, contacts, catalogs, price lists, payment terms templates and
B2B markets.

Search filters follow the 2026-01 `query` argument tables: on `companies` `external_id` is an `id` field
(exact), on `companyLocations` a `string` field (tokenised like any text, so quote it), `catalogs` searches
`title`, `status`, `company_location_id`, `market_id` and `id`, `markets` `name`, `status`, `market_type`
and `id` (B2B.md).
"""

from functools import partial

from ..context import RequestContext
from ..search import Search, searched, sort_by
from ..store import gid_number
from ..views import by_number
from .access import require_b2b
from .store import DIRECT, MARKET, PAYMENT_TERMS_TEMPLATES, Catalog, Company, CompanyLocation, Market
from .views import (
    catalog_view,
    company_view,
    contact_view,
    location_view,
    market_view,
    price_list_view,
    role_view,
    terms_template_view,
)

COMPANY_SEARCH = {
    "known_fields": {"external_id", "id", "name", "created_at", "updated_at", "since_date"},
    "exact_fields": {"external_id", "id"},
    "default_fields": ("name", "external_id"),
}
LOCATION_SEARCH = {
    "known_fields": {"external_id", "id", "ids", "name", "company_id", "created_at", "updated_at"},
    "exact_fields": {"id", "ids", "company_id"},
    "default_fields": ("name", "external_id"),
}
CATALOG_SEARCH = {
    "known_fields": {"id", "title", "status", "company_location_id", "company_id", "app_id", "market_id"},
    "exact_fields": {"id", "status", "company_location_id", "company_id", "app_id", "market_id"},
    "default_fields": ("title",),
}
COMPANY_SORT = {
    "ID": by_number,
    "NAME": lambda c: (c.name.casefold(), gid_number(c.id)),
    "CREATED_AT": lambda c: (c.created_at, gid_number(c.id)),
    "UPDATED_AT": lambda c: (c.updated_at, gid_number(c.id)),
}
LOCATION_SORT = {
    "ID": by_number,
    "RELEVANCE": by_number,
    "NAME": lambda x: (x.name.casefold(), gid_number(x.id)),
    "COMPANY_ID": lambda x: (gid_number(x.company_id), gid_number(x.id)),
    "CREATED_AT": lambda x: (x.created_at, gid_number(x.id)),
    "UPDATED_AT": lambda x: (x.updated_at, gid_number(x.id)),
}
MARKET_SEARCH = {
    "known_fields": {"id", "name", "status", "market_type", "market_condition_types"},
    "exact_fields": {"id", "status", "market_type", "market_condition_types"},
    "default_fields": ("name",),
}
MARKET_SORT = {
    "ID": by_number,
    "NAME": lambda m: (m.name.casefold(), gid_number(m.id)),
    "STATUS": lambda m: (m.status, gid_number(m.id)),
    "MARKET_TYPE": lambda m: (m.type, gid_number(m.id)),
    "CREATED_AT": lambda m: (m.created_at, gid_number(m.id)),
    "UPDATED_AT": lambda m: (m.updated_at, gid_number(m.id)),
}
CATALOG_SORT = {
    "ID": by_number,
    "RELEVANCE": by_number,
    "TYPE": by_number,
    "TITLE": lambda c: (c.title.casefold(), gid_number(c.id)),
}
READ = ("read_customers", "read_companies")


def b2b_query_root(ctx: RequestContext) -> dict:
    """QueryRoot B2B fields, each `(info, **arguments)`."""
    b2b = ctx.shop.b2b
    fields = {name: partial(resolver, ctx) for name, resolver in B2B_QUERIES.items()}
    return fields | {
        "company": _one(ctx, "company", b2b.companies, company_view),
        "companyLocation": _one(ctx, "companyLocation", b2b.locations, location_view),
        "companyContact": _one(ctx, "companyContact", b2b.contacts, contact_view),
        "companyContactRole": _one(ctx, "companyContactRole", b2b.roles, lambda ctx, r: role_view(r)),
        "catalog": _one(ctx, "catalog", b2b.catalogs, catalog_view, ("read_products",)),
        "priceList": _one(ctx, "priceList", b2b.price_lists, price_list_view, ("read_products",)),
    }


def _one(ctx: RequestContext, field_name: str, records: dict, view, scopes=READ):
    def resolve(info, id):
        require_b2b(ctx, field_name, *scopes)
        record = records.get(id)
        return view(ctx, record) if record is not None else None

    return resolve


def _companies(ctx: RequestContext, info, query=None, sortKey="ID", reverse=False, **page):
    require_b2b(ctx, "companies", *READ)
    found = searched(ctx, info, query, COMPANY_SEARCH)
    items = [c for c in ctx.shop.b2b.companies.values() if found.matches(_company_fields(c))]
    view = lambda c: company_view(ctx, c)  # noqa: E731
    return ctx.page(items, sort_key=sort_by(COMPANY_SORT, sortKey), view=view, reverse=reverse, **page)


def _companies_count(ctx: RequestContext, info, limit=None):
    require_b2b(ctx, "companiesCount", *READ)
    return _count(len(ctx.shop.b2b.companies), limit)


def _company_locations(ctx: RequestContext, info, query=None, sortKey="ID", reverse=False, **page):
    require_b2b(ctx, "companyLocations", *READ)
    found = searched(ctx, info, query, LOCATION_SEARCH)
    items = [x for x in ctx.shop.b2b.locations.values() if found.matches(_location_fields(x))]
    view = lambda x: location_view(ctx, x)  # noqa: E731
    return ctx.page(items, sort_key=sort_by(LOCATION_SORT, sortKey), view=view, reverse=reverse, **page)


def _catalogs(ctx: RequestContext, info, type=None, query=None, sortKey="ID", reverse=False, **page):
    require_b2b(ctx, "catalogs", "read_products")
    items = _catalogs_of_type(ctx, searched(ctx, info, query, CATALOG_SEARCH), type)
    view = lambda c: catalog_view(ctx, c)  # noqa: E731
    return ctx.page(items, sort_key=sort_by(CATALOG_SORT, sortKey), view=view, reverse=reverse, **page)


def _catalogs_count(ctx: RequestContext, info, type=None, query=None, limit=None):
    require_b2b(ctx, "catalogsCount", "read_products")
    return _count(len(_catalogs_of_type(ctx, searched(ctx, info, query, CATALOG_SEARCH), type)), limit)


def _catalogs_of_type(ctx: RequestContext, found: Search, type_) -> list[Catalog]:
    """Catalogs of a CatalogType (None: all); app catalogs are not modelled."""
    kind = {"COMPANY_LOCATION": DIRECT, "MARKET": MARKET}.get(type_) if type_ else None
    return [
        c
        for c in ctx.shop.b2b.catalogs.values()
        if (type_ is None or c.kind == kind) and found.matches(_catalog_fields(c))
    ]


def _markets(ctx: RequestContext, info, type=None, query=None, sortKey="NAME", reverse=False, **page):
    """`markets(type:)`: only markets with company-location conditions (or none) exist here."""
    ctx.require("read_markets", "markets")
    found = searched(ctx, info, query, MARKET_SEARCH)
    items = [
        m
        for m in ctx.shop.b2b.markets.values()
        if type in (None, m.type) and found.matches(_market_fields(m))
    ]
    view = lambda m: market_view(ctx, m)  # noqa: E731
    return ctx.page(items, sort_key=sort_by(MARKET_SORT, sortKey), view=view, reverse=reverse, **page)


def _market(ctx: RequestContext, info, id):
    ctx.require("read_markets", "market")
    market = ctx.shop.b2b.markets.get(id)
    return market_view(ctx, market) if market else None


def _price_lists(ctx: RequestContext, info, sortKey="ID", reverse=False, **page):
    require_b2b(ctx, "priceLists", "read_products")
    view = lambda p: price_list_view(ctx, p)  # noqa: E731
    items = list(ctx.shop.b2b.price_lists.values())
    return ctx.page(items, sort_key=by_number, view=view, reverse=reverse, **page)


def _payment_terms_templates(ctx: RequestContext, info, paymentTermsType=None):
    return [
        terms_template_view(number)
        for number, _, kind, _, _ in PAYMENT_TERMS_TEMPLATES
        if paymentTermsType in (None, kind)
    ]


def _count(count: int, limit: int | None) -> dict:
    if limit is not None and count > limit:
        return {"count": limit, "precision": "AT_LEAST"}
    return {"count": count, "precision": "EXACT"}


B2B_QUERIES = {
    "companies": _companies,
    "companiesCount": _companies_count,
    "companyLocations": _company_locations,
    "catalogs": _catalogs,
    "catalogsCount": _catalogs_count,
    "priceLists": _price_lists,
    "markets": _markets,
    "market": _market,
    "paymentTermsTemplates": _payment_terms_templates,
}


def _ids(record_id: str) -> list[str]:
    return [str(gid_number(record_id)), record_id]


def _company_fields(company: Company):
    def values(name: str) -> list:
        return {
            "id": _ids(company.id),
            "external_id": [company.external_id],
            "name": [company.name],
        }.get(name, [])

    return values


def _location_fields(location: CompanyLocation):
    def values(name: str) -> list:
        return {
            "id": _ids(location.id),
            "ids": _ids(location.id),
            "company_id": _ids(location.company_id),
            "external_id": [location.external_id],
            "name": [location.name],
        }.get(name, [])

    return values


def _catalog_fields(catalog: Catalog):
    def values(name: str) -> list:
        if name == "company_location_id":
            return [v for loc in catalog.location_ids for v in _ids(loc)]
        if name == "market_id":
            return [v for market in catalog.market_ids for v in _ids(market)]
        return {"id": _ids(catalog.id), "title": [catalog.title], "status": [catalog.status]}.get(name, [])

    return values


def _market_fields(market: Market):
    def values(name: str) -> list:
        return {
            "id": _ids(market.id),
            "name": [market.name],
            "status": [market.status],
            "market_type": [market.type],
            "market_condition_types": [market.type] if market.location_ids else [],
        }.get(name, [])

    return values
