"""Root query fields the app uses (CONTRACT §3), over the shop's store."""

from functools import partial

from graphql import GraphQLError

from .context import RequestContext, iso, limit_input_array
from .search import searched, sort_by
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
    """The QueryRoot fields the sandbox implements, each `(info, **arguments)`, with those of extensions."""
    fields = {name: partial(resolver, ctx) for name, resolver in QUERY_FIELDS.items()}
    return fields | ctx.extensions.fields(ctx.extensions.queries, ctx)


def _customers(ctx: RequestContext, info, query=None, sortKey="ID", reverse=False, **page):
    ctx.require("read_customers", "customers")
    search = searched(ctx, info, query, CUSTOMER_SEARCH)
    found = [c for c in ctx.shop.customers.values() if search.matches(_customer_fields(c))]
    view = lambda c: customer_view(ctx, c)  # noqa: E731
    return ctx.page(found, sort_key=sort_by(CUSTOMER_SORT, sortKey), view=view, reverse=reverse, **page)


def _customer(ctx: RequestContext, info, id):
    ctx.require("read_customers", "customer")
    found = ctx.shop.customers.get(id)
    return customer_view(ctx, found) if found else None


def _customer_by_identifier(ctx: RequestContext, info, identifier):
    ctx.require("read_customers", "customerByIdentifier")
    shop = ctx.shop
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


def _product_variants(
    ctx: RequestContext, info, query=None, sortKey="ID", reverse=False, savedSearchId=None, **page
):
    ctx.require("read_products", "productVariants")
    search = searched(ctx, info, query, VARIANT_SEARCH)
    found = [v for v in ctx.shop.variants.values() if search.matches(_variant_fields(ctx, v))]
    view = lambda v: variant_view(ctx, v)  # noqa: E731
    return ctx.page(found, sort_key=sort_by(VARIANT_SORT, sortKey), view=view, reverse=reverse, **page)


def _product_variant(ctx: RequestContext, info, id):
    ctx.require("read_products", "productVariant")
    found = ctx.shop.variants.get(id)
    return variant_view(ctx, found) if found else None


def _nodes(ctx: RequestContext, info, ids):
    limit_input_array(ids, "ids")
    return [_node(ctx, info, global_id) for global_id in ids]


def _metafield_definitions(
    ctx: RequestContext, info, ownerType, namespace=None, key=None, query=None, **page
):
    for ignored in ("pinnedStatus", "sortKey", "constraintSubtype", "constraintStatus"):
        page.pop(ignored, None)
    found = [
        d
        for d in ctx.shop.definitions
        if d.owner_type == ownerType
        and (namespace is None or d.namespace == ctx.namespace(namespace))
        and (key is None or d.key == key)
    ]
    return ctx.page(found, sort_key=by_number, view=lambda d: definition_view(ctx, d), **page)


def _current_bulk_operation(ctx: RequestContext, info, type="QUERY"):
    operations = [op for op in ctx.shop.bulk_operations if op.type == type]
    return bulk_view(ctx, operations[-1]) if operations else None


def _bulk_operations(ctx: RequestContext, info, query=None, sortKey="CREATED_AT", reverse=False, **page):
    """The app's bulk operations, newest first, filtered by `query` (`id:`, `status:`, …)."""
    if sortKey not in ("CREATED_AT", "ID"):
        raise GraphQLError(f"The Shopify sandbox does not implement sortKey {sortKey}.")
    search = searched(ctx, info, query, BULK_SEARCH)
    found = [op for op in ctx.shop.bulk_operations if search.matches(_bulk_fields(ctx, op))]
    return ctx.page(
        found,
        sort_key=lambda op: (-op.created_at, -gid_number(op.id)),
        view=lambda op: bulk_view(ctx, op),
        reverse=reverse,
        **page,
    )


NODE_SCOPES = {"Customer": "read_customers", "ProductVariant": "read_products", "Product": "read_products"}


def _node(ctx: RequestContext, info, id: str):
    kind = gid_kind(id)
    if kind is None:
        raise GraphQLError(f"Invalid global id '{id}'", extensions={"code": "argumentLiteralsIncompatible"})
    if kind in NODE_SCOPES:
        ctx.require(NODE_SCOPES[kind], "nodes")
    if kind in ctx.extensions.node_access:
        ctx.extensions.node_access[kind](ctx)
    return node_view(ctx, ctx.shop.find(id))


QUERY_FIELDS = {
    "shop": lambda ctx, info: shop_view(ctx),
    "customers": _customers,
    "customer": _customer,
    "customerByIdentifier": _customer_by_identifier,
    "productVariants": _product_variants,
    "productVariant": _product_variant,
    "nodes": _nodes,
    "node": _node,
    "metafieldDefinitions": _metafield_definitions,
    "currentBulkOperation": _current_bulk_operation,
    "bulkOperations": _bulk_operations,
}


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
            "operation_type": [operation.type.lower()],
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
