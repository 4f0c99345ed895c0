"""Root query fields the app uses (CONTRACT §3), over the shop's store."""

from graphql import GraphQLError

from .b2b_access import require_b2b
from .b2b_queries import b2b_query_root
from .context import RequestContext, iso, limit_input_array
from .search import Search
from .store import Customer, gid_kind, gid_number
from .validation import normalize_phone
from .views import bulk_view, by_number, customer_view, definition_view, node_view, shop_view, variant_view

CUSTOMER_SEARCH = {
    "known_fields": {
        "email",
        "phone",
        "id",
        "state",
        "tag",
        "first_name",
        "last_name",
        "country",
        "updated_at",
    },
    "exact_fields": {"id", "state", "tag", "country", "updated_at"},
    "default_fields": ("first_name", "last_name", "email", "phone"),
}
VARIANT_SEARCH = {
    "known_fields": {"sku", "id", "title", "barcode", "product_id", "product_title"},
    "exact_fields": {"id", "product_id"},
    "default_fields": ("sku", "title", "product_title", "barcode"),
}
BULK_SEARCH = {
    "known_fields": {"id", "status", "operation_type", "created_at"},
    "exact_fields": {"id", "status", "operation_type", "created_at"},
    "default_fields": ("id",),
}
CUSTOMER_SORT = {
    "ID": by_number,
    "RELEVANCE": by_number,
    "CREATED_AT": lambda c: (c.created_at, gid_number(c.id)),
    "UPDATED_AT": lambda c: (c.updated_at, gid_number(c.id)),
    "NAME": lambda c: (f"{c.first_name or ''} {c.last_name or ''}".casefold(), gid_number(c.id)),
}
VARIANT_SORT = {
    "ID": by_number,
    "RELEVANCE": by_number,
    "SKU": lambda v: ((v["sku"] or "").casefold(), gid_number(v["id"])),
    "TITLE": lambda v: (v["title"].casefold(), gid_number(v["id"])),
    "POSITION": lambda v: (gid_number(v["product_id"]), v["position"]),
}


def query_root(ctx: RequestContext) -> dict:
    """The QueryRoot fields the sandbox implements, each `(info, **arguments)`."""
    shop = ctx.shop

    def customers(info, query=None, sortKey="ID", reverse=False, **page):
        ctx.require("read_customers", "customers")
        search = _search(ctx, info, query, CUSTOMER_SEARCH)
        found = [c for c in shop.customers.values() if search.matches(_customer_fields(c))]
        return ctx.page(
            found,
            sort_key=_sort(CUSTOMER_SORT, sortKey),
            view=lambda c: customer_view(ctx, c),
            reverse=reverse,
            **page,
        )

    def customer(info, id):
        ctx.require("read_customers", "customer")
        found = shop.customers.get(id)
        return customer_view(ctx, found) if found else None

    def customer_by_identifier(info, identifier):
        ctx.require("read_customers", "customerByIdentifier")
        given = {k: v for k, v in identifier.items() if v is not None}
        if len(given) != 1:
            raise GraphQLError("Exactly one of id, emailAddress, phoneNumber or customId must be given.")
        ((kind, value),) = given.items()
        if kind == "emailAddress":
            found = shop.customer_by_email(value) if value.strip() == value else None
        elif kind == "phoneNumber":
            phone = normalize_phone(value)
            found = shop.customer_by_phone(phone) if phone else None
        elif kind == "id":
            found = shop.customers.get(value)
        else:
            raise GraphQLError("The Shopify sandbox does not implement customerByIdentifier(customId:).")
        return customer_view(ctx, found) if found else None

    def product_variants(info, query=None, sortKey="ID", reverse=False, savedSearchId=None, **page):
        ctx.require("read_products", "productVariants")
        search = _search(ctx, info, query, VARIANT_SEARCH)
        found = [v for v in shop.variants.values() if search.matches(_variant_fields(ctx, v))]
        return ctx.page(
            found,
            sort_key=_sort(VARIANT_SORT, sortKey),
            view=lambda v: variant_view(ctx, v),
            reverse=reverse,
            **page,
        )

    def product_variant(info, id):
        ctx.require("read_products", "productVariant")
        found = shop.variants.get(id)
        return variant_view(ctx, found) if found else None

    def nodes(info, ids):
        limit_input_array(ids, "ids")
        return [_node(ctx, global_id) for global_id in ids]

    def node(info, id):
        return _node(ctx, id)

    def metafield_definitions(info, ownerType, namespace=None, key=None, query=None, **page):
        page.pop("pinnedStatus", None), page.pop("sortKey", None)
        page.pop("constraintSubtype", None), page.pop("constraintStatus", None)
        found = [
            d
            for d in shop.definitions
            if d.owner_type == ownerType
            and (namespace is None or d.namespace == ctx.namespace(namespace))
            and (key is None or d.key == key)
        ]
        return ctx.page(found, sort_key=by_number, view=lambda d: definition_view(ctx, d), **page)

    def current_bulk_operation(info, type="QUERY"):
        if type != "QUERY":
            return None
        return bulk_view(ctx, shop.bulk_operations[-1]) if shop.bulk_operations else None

    def bulk_operations(info, query=None, sortKey="CREATED_AT", reverse=False, **page):
        """The app's bulk operations, newest first, filtered by `query` (`id:`, `status:`, …)."""
        if sortKey not in ("CREATED_AT", "ID"):
            raise GraphQLError(f"The Shopify sandbox does not implement sortKey {sortKey}.")
        search = _search(ctx, info, query, BULK_SEARCH)
        found = [op for op in shop.bulk_operations if search.matches(_bulk_fields(ctx, op))]
        return ctx.page(
            found,
            sort_key=lambda op: (-op.created_at, -gid_number(op.id)),
            view=lambda op: bulk_view(ctx, op),
            reverse=reverse,
            **page,
        )

    return {
        "shop": lambda info: shop_view(ctx),
        "customers": customers,
        "customer": customer,
        "customerByIdentifier": customer_by_identifier,
        "productVariants": product_variants,
        "productVariant": product_variant,
        "nodes": nodes,
        "node": node,
        "metafieldDefinitions": metafield_definitions,
        "currentBulkOperation": current_bulk_operation,
        "bulkOperations": bulk_operations,
        **b2b_query_root(ctx, lambda info, query, rules: _search(ctx, info, query, rules)),
    }


NODE_SCOPES = {
    "Customer": "read_customers",
    "ProductVariant": "read_products",
    "Product": "read_products",
    "CompanyLocationCatalog": "read_products",
    "PriceList": "read_products",
}
B2B_NODES = {
    "Company",
    "CompanyContact",
    "CompanyLocation",
    "CompanyContactRole",
    "CompanyContactRoleAssignment",
}


def _node(ctx: RequestContext, global_id: str):
    kind = gid_kind(global_id)
    if kind is None:
        raise GraphQLError(
            f"Invalid global id '{global_id}'", extensions={"code": "argumentLiteralsIncompatible"}
        )
    if kind in NODE_SCOPES:
        ctx.require(NODE_SCOPES[kind], "nodes")
    if kind in B2B_NODES:
        require_b2b(ctx, "nodes", "read_customers", "read_companies")
    return node_view(ctx, ctx.shop.find(global_id))


def _search(ctx: RequestContext, info, query: str | None, rules: dict) -> Search:
    search = Search(query, **rules)
    if search.warnings:
        ctx.search_warnings.append(
            {"path": list(info.path.as_list()), "query": query, "warnings": search.warnings}
        )
    return search


def _sort(keys: dict, sort_key: str):
    if sort_key not in keys:
        raise GraphQLError(f"The Shopify sandbox does not implement sortKey {sort_key}.")
    return keys[sort_key]


def _customer_fields(customer: Customer):
    def values(field_name: str) -> list:
        if field_name == "id":
            return [str(gid_number(customer.id)), customer.id]
        if field_name == "tag":
            return list(customer.tags)
        if field_name == "country":
            return [a.get("countryCode") for a in customer.addresses]
        if field_name == "updated_at":
            return [iso(customer.updated_at)]
        simple = {
            "email": customer.email,
            "phone": customer.phone,
            "state": customer.state,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
        }
        return [simple.get(field_name)]

    return values


def _bulk_fields(ctx: RequestContext, operation):
    def values(field_name: str) -> list:
        return {
            "id": [str(gid_number(operation.id)), operation.id],
            "status": [operation.status(ctx.now()).lower()],
            "operation_type": ["query"],
            "created_at": [iso(operation.created_at)],
        }[field_name]

    return values


def _variant_fields(ctx: RequestContext, variant: dict):
    def values(field_name: str) -> list:
        if field_name == "id":
            return [str(gid_number(variant["id"])), variant["id"]]
        if field_name == "product_id":
            return [str(gid_number(variant["product_id"])), variant["product_id"]]
        if field_name == "product_title":
            return [ctx.shop.products[variant["product_id"]]["title"]]
        return [variant.get(field_name)]

    return values
