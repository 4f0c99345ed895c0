"""B2B root queries: companies, locations, contacts, catalogs, price lists and payment terms templates.

Search filters follow the 2026-01 `query` argument tables: on `companies` `external_id` is an `id` field
(exact), on `companyLocations` a `string` field (tokenised like any text, so quote it), `catalogs` searches
`title`, `status`, `company_location_id` and `id` (B2B.md).
"""

from graphql import GraphQLError

from .b2b_access import require_b2b
from .b2b_store import PAYMENT_TERMS_TEMPLATES, Catalog, Company, CompanyLocation
from .b2b_views import (
    catalog_view,
    company_view,
    contact_view,
    location_view,
    price_list_view,
    role_view,
    terms_template_view,
)
from .context import RequestContext
from .search import Search
from .store import gid_number
from .views import by_number

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
CATALOG_SORT = {
    "ID": by_number,
    "RELEVANCE": by_number,
    "TYPE": by_number,
    "TITLE": lambda c: (c.title.casefold(), gid_number(c.id)),
}
READ = ("read_customers", "read_companies")


def b2b_query_root(ctx: RequestContext, search) -> dict:
    """QueryRoot B2B fields; `search(info, query, rules)` parses a query and records its warnings."""
    b2b = ctx.shop.b2b

    def companies(info, query=None, sortKey="ID", reverse=False, **page):
        require_b2b(ctx, "companies", *READ)
        found = search(info, query, COMPANY_SEARCH)
        items = [c for c in b2b.companies.values() if found.matches(_company_fields(c))]
        view = lambda c: company_view(ctx, c)  # noqa: E731
        return ctx.page(items, sort_key=_sort(COMPANY_SORT, sortKey), view=view, reverse=reverse, **page)

    def company_locations(info, query=None, sortKey="ID", reverse=False, **page):
        require_b2b(ctx, "companyLocations", *READ)
        found = search(info, query, LOCATION_SEARCH)
        items = [x for x in b2b.locations.values() if found.matches(_location_fields(x))]
        view = lambda x: location_view(ctx, x)  # noqa: E731
        return ctx.page(items, sort_key=_sort(LOCATION_SORT, sortKey), view=view, reverse=reverse, **page)

    def catalogs(info, type=None, query=None, sortKey="ID", reverse=False, **page):
        require_b2b(ctx, "catalogs", "read_products")
        items = _catalogs(search(info, query, CATALOG_SEARCH), type)
        view = lambda c: catalog_view(ctx, c)  # noqa: E731
        return ctx.page(items, sort_key=_sort(CATALOG_SORT, sortKey), view=view, reverse=reverse, **page)

    def catalogs_count(info, type=None, query=None, limit=None):
        require_b2b(ctx, "catalogsCount", "read_products")
        count = len(_catalogs(search(info, query, CATALOG_SEARCH), type))
        if limit is not None and count > limit:
            return {"count": limit, "precision": "AT_LEAST"}
        return {"count": count, "precision": "EXACT"}

    def _catalogs(found: Search, type_) -> list[Catalog]:
        if type_ not in (None, "COMPANY_LOCATION"):
            return []  # market and app catalogs are not modelled
        return [c for c in b2b.catalogs.values() if found.matches(_catalog_fields(c))]

    def one(field_name: str, records: dict, view, scopes=READ):
        def resolve(info, id):
            require_b2b(ctx, field_name, *scopes)
            record = records.get(id)
            return view(record) if record is not None else None

        return resolve

    def price_lists(info, sortKey="ID", reverse=False, **page):
        require_b2b(ctx, "priceLists", "read_products")
        view = lambda p: price_list_view(ctx, p)  # noqa: E731
        return ctx.page(
            list(b2b.price_lists.values()), sort_key=by_number, view=view, reverse=reverse, **page
        )

    def payment_terms_templates(info, paymentTermsType=None):
        return [
            terms_template_view(number)
            for number, _, kind, _, _ in PAYMENT_TERMS_TEMPLATES
            if paymentTermsType in (None, kind)
        ]

    def companies_count(info, limit=None):
        require_b2b(ctx, "companiesCount", *READ)
        count = len(b2b.companies)
        if limit is not None and count > limit:
            return {"count": limit, "precision": "AT_LEAST"}
        return {"count": count, "precision": "EXACT"}

    return {
        "companies": companies,
        "companiesCount": companies_count,
        "company": one("company", b2b.companies, lambda c: company_view(ctx, c)),
        "companyLocations": company_locations,
        "companyLocation": one("companyLocation", b2b.locations, lambda x: location_view(ctx, x)),
        "companyContact": one("companyContact", b2b.contacts, lambda c: contact_view(ctx, c)),
        "companyContactRole": one("companyContactRole", b2b.roles, role_view),
        "catalogs": catalogs,
        "catalogsCount": catalogs_count,
        "catalog": one("catalog", b2b.catalogs, lambda c: catalog_view(ctx, c), ("read_products",)),
        "priceList": one("priceList", b2b.price_lists, lambda p: price_list_view(ctx, p), ("read_products",)),
        "priceLists": price_lists,
        "paymentTermsTemplates": payment_terms_templates,
    }


def _sort(keys: dict, sort_key: str):
    if sort_key not in keys:
        raise GraphQLError(f"The Shopify sandbox does not implement sortKey {sort_key}.")
    return keys[sort_key]


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
        return {"id": _ids(catalog.id), "title": [catalog.title], "status": [catalog.status]}.get(name, [])

    return values
