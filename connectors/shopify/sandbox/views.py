"""Store records rendered as the GraphQL objects Shopify returns.

A view is a dict: plain values for plain fields, callables `(info, **arguments)` for fields that take
arguments, `__typename` where an interface or union must be resolved. A field a view leaves out is one the
sandbox does not implement; the executor reports it instead of returning a silent null.
"""

import json

import pycountry

from .context import RequestContext, iso
from .store import (
    BulkOperation,
    Customer,
    Metafield,
    MetafieldDefinition,
    WebhookSubscription,
    gid_kind,
    gid_number,
)


def node_fields(typename: str, gid: str) -> dict:
    """What every `Node` with a legacy id shows: its type, global id and the number inside that id."""
    return {"__typename": typename, "id": gid, "legacyResourceId": str(gid_number(gid))}


def by_number(record) -> tuple:
    return (gid_number(record.id if hasattr(record, "id") else record["id"]),)


def metafield_view(ctx: RequestContext, metafield: Metafield) -> dict:
    owner_type = ctx.shop.owner_type(metafield.owner_id)
    return {
        **node_fields("Metafield", metafield.id),
        "namespace": metafield.namespace,
        "key": metafield.key,
        "type": metafield.type,
        "value": metafield.value,
        "jsonValue": lambda info: _json_value(metafield),
        "compareDigest": lambda info: metafield.compare_digest,
        "createdAt": iso(metafield.created_at),
        "updatedAt": iso(metafield.updated_at),
        "ownerType": owner_type,
        "description": None,
        "definition": lambda info: _optional(
            definition_view, ctx, ctx.shop.definition(owner_type, metafield.namespace, metafield.key)
        ),
        "owner": lambda info: node_view(ctx, ctx.shop.find(metafield.owner_id)),
    }


def _json_value(metafield: Metafield):
    if metafield.type in ("json", "list.single_line_text_field", "money"):
        return json.loads(metafield.value)
    if metafield.type == "boolean":
        return metafield.value == "true"
    if metafield.type == "number_integer":
        return int(metafield.value)
    return metafield.value


def metafield_fields(ctx: RequestContext, metafields: dict) -> dict:
    """`metafield(namespace, key)` and `metafields(...)` of a HasMetafields owner."""

    def one(info, key, namespace=None):
        found = metafields.get((ctx.namespace(namespace), key))
        return metafield_view(ctx, found) if found else None

    def many(info, namespace=None, keys=None, **page):
        wanted = {tuple(k.split(".", 1)) for k in keys} if keys else None
        items = [
            m
            for m in metafields.values()
            if (namespace is None or m.namespace == ctx.namespace(namespace))
            and (wanted is None or (m.namespace, m.key) in wanted)
        ]
        return ctx.page(items, sort_key=by_number, view=lambda m: metafield_view(ctx, m), **page)

    return {"metafield": one, "metafields": many}


def customer_view(ctx: RequestContext, customer: Customer) -> dict:
    name = " ".join(part for part in (customer.first_name, customer.last_name) if part)
    addresses = [address_view(address) for address in customer.addresses]
    return {
        **node_fields("Customer", customer.id),
        "email": customer.email,
        "firstName": customer.first_name,
        "lastName": customer.last_name,
        "displayName": name or customer.email or customer.phone or "",
        "phone": customer.phone,
        "state": customer.state,
        "tags": sorted(customer.tags, key=str.casefold),
        "taxExempt": customer.tax_exempt,
        "taxExemptions": list(customer.tax_exemptions),
        "note": customer.note,
        "locale": customer.locale,
        "defaultEmailAddress": _email_address(customer),
        "defaultPhoneNumber": {"phoneNumber": customer.phone, "marketingState": "NOT_SUBSCRIBED"}
        if customer.phone
        else None,
        "verifiedEmail": bool(customer.email),
        "validEmailAddress": bool(customer.email),
        "numberOfOrders": "0",
        "amountSpent": {"amount": "0.0", "currencyCode": ctx.shop.currency},
        "canDelete": True,
        "createdAt": iso(customer.created_at),
        "updatedAt": iso(customer.updated_at),
        "addresses": lambda info, first=None: addresses[:first] if first is not None else addresses,
        "defaultAddress": addresses[0] if addresses else None,
        "addressesV2": lambda info, **page: ctx.page(
            addresses, sort_key=lambda a: (a["position"],), view=lambda a: a, **page
        ),
        **metafield_fields(ctx, customer.metafields),
    }


def _email_address(customer: Customer) -> dict | None:
    if not customer.email:
        return None
    return {
        "emailAddress": customer.email,
        "validFormat": True,
        "marketingState": "NOT_SUBSCRIBED",
        "marketingOptInLevel": None,
        "marketingUpdatedAt": None,
    }


def address_view(address: dict) -> dict:
    country_code, province_code = address.get("countryCode"), address.get("provinceCode")
    country = pycountry.countries.get(alpha_2=country_code) if country_code else None
    province = pycountry.subdivisions.get(code=f"{country_code}-{province_code}") if province_code else None
    name = " ".join(p for p in (address.get("firstName"), address.get("lastName")) if p) or None
    lines = [
        address.get("address1"),
        address.get("address2"),
        " ".join(p for p in (address.get("city"), province_code, address.get("zip")) if p),
        country.name if country else None,
    ]
    return {
        "__typename": "MailingAddress",
        "id": f"{address['id']}?model_name=CustomerAddress",
        "position": address["position"],
        **{
            k: address.get(k)
            for k in ("address1", "address2", "city", "company", "zip", "firstName", "lastName")
        },
        "phone": address.get("phone"),
        "name": name,
        "country": country.name if country else None,
        "countryCodeV2": country_code,
        "countryCode": country_code,
        "province": province.name if province else None,
        "provinceCode": province_code,
        "coordinatesValidated": False,
        "latitude": None,
        "longitude": None,
        "formattedArea": ", ".join(p for p in (address.get("city"), province_code, country_code) if p)
        or None,
        "formatted": lambda info, withName=False, withCompany=True: [
            line
            for line in [name if withName else None, address.get("company") if withCompany else None, *lines]
            if line
        ],
    }


def variant_view(ctx: RequestContext, variant: dict) -> dict:
    product = ctx.shop.products[variant["product_id"]]
    return {
        **node_fields("ProductVariant", variant["id"]),
        "sku": variant["sku"],
        "title": variant["title"],
        "displayName": f"{product['title']} - {variant['title']}",
        "price": variant["price"],
        "compareAtPrice": None,
        "barcode": variant.get("barcode"),
        "position": variant["position"],
        "inventoryQuantity": 0,
        "availableForSale": True,
        "taxable": True,
        "selectedOptions": [{"name": "Title", "value": variant["title"]}],
        "createdAt": iso(variant["created_at"]),
        "updatedAt": iso(variant["updated_at"]),
        "product": lambda info: product_view(ctx, product),
        **metafield_fields(ctx, variant["metafields"]),
        **ctx.extensions.fields(ctx.extensions.variant_fields, ctx, variant),
    }


def product_view(ctx: RequestContext, product: dict) -> dict:
    variants = [ctx.shop.variants[v] for v in product["variant_ids"]]
    return {
        **node_fields("Product", product["id"]),
        "title": product["title"],
        "handle": product["handle"],
        "status": "ACTIVE",
        "tags": [],
        "vendor": ctx.shop.name,
        "productType": "",
        "hasOnlyDefaultVariant": len(variants) == 1,
        "createdAt": iso(product["created_at"]),
        "updatedAt": iso(product["updated_at"]),
        "variants": lambda info, sortKey=None, **page: ctx.page(
            variants, sort_key=lambda v: (v["position"],), view=lambda v: variant_view(ctx, v), **page
        ),
        **metafield_fields(ctx, product["metafields"]),
    }


def shop_view(ctx: RequestContext) -> dict:
    shop = ctx.shop
    return {
        "__typename": "Shop",
        "id": shop.shop_gid,
        "name": shop.name,
        "email": shop.email,
        "contactEmail": shop.email,
        "myshopifyDomain": shop.domain,
        "currencyCode": shop.currency,
        "url": f"https://{shop.domain}",
        "billingAddress": _shop_address(shop),
        "shopAddress": _shop_address(shop),
        "primaryDomain": {"id": shop.shop_gid.replace("Shop", "Domain"), "host": shop.domain},
        "ianaTimezone": "UTC",
        "timezoneAbbreviation": "UTC",
        "customerAccountsV2": {
            "customerAccountsVersion": shop.customer_accounts,
            "url": shop.customer_accounts_url,
            "loginLinksVisibleOnStorefrontAndCheckout": True,
            "loginRequiredAtCheckout": False,
        },
        **metafield_fields(ctx, shop.shop_metafields),
        **ctx.extensions.fields(ctx.extensions.shop_fields, ctx),
    }


def _shop_address(shop) -> dict:
    country = pycountry.countries.get(alpha_2=shop.country)
    blank = ("address1", "address2", "city", "company", "firstName", "lastName", "phone", "province", "zip")
    return {
        "id": shop.shop_gid.replace("Shop", "ShopAddress"),
        "countryCodeV2": shop.country,
        "countryCode": shop.country,
        "country": country.name if country else None,
        "provinceCode": None,
        "name": shop.name,
        "coordinatesValidated": False,
        "formatted": [country.name] if country else [],
        "formattedArea": country.name if country else None,
        "latitude": None,
        "longitude": None,
        **dict.fromkeys(blank),
    }


def definition_view(ctx: RequestContext, definition: MetafieldDefinition) -> dict:
    def count(info, validationStatus=None):
        owners = _owners(ctx, definition.owner_type)
        return sum((definition.namespace, definition.key) in owner for owner in owners)

    return {
        "__typename": "MetafieldDefinition",
        "id": definition.id,
        "namespace": definition.namespace,
        "key": definition.key,
        "name": definition.name,
        "description": definition.description,
        "ownerType": definition.owner_type,
        "type": {"name": definition.type, "category": _category(definition.type)},
        "access": {
            "admin": "PUBLIC_READ_WRITE",
            "storefront": definition.storefront_access or "NONE",
            "customerAccount": "NONE",
        },
        "validations": [],
        "pinnedPosition": None,
        "metafieldsCount": count,
    }


def _owners(ctx: RequestContext, owner_type: str) -> list[dict]:
    shop = ctx.shop
    return {
        "CUSTOMER": [c.metafields for c in shop.customers.values()],
        "PRODUCTVARIANT": [v["metafields"] for v in shop.variants.values()],
        "PRODUCT": [p["metafields"] for p in shop.products.values()],
        "SHOP": [shop.shop_metafields],
    }.get(owner_type, [])


def _category(type_name: str) -> str:
    if type_name.startswith("number") or type_name == "money":
        return "NUMBER"
    return {"json": "ADVANCED", "boolean": "TRUE_FALSE", "url": "URL"}.get(type_name, "TEXT")


def bulk_view(ctx: RequestContext, operation: BulkOperation) -> dict:
    status = operation.status(ctx.now())
    done = status == "COMPLETED"
    objects, roots = operation.counts(ctx.now())
    return {
        "__typename": "BulkOperation",
        "id": operation.id,
        "type": operation.type,
        "status": status,
        "errorCode": None,
        "query": operation.query,
        "createdAt": iso(operation.created_at),
        "completedAt": iso(operation.completed_at) if done else None,
        "objectCount": str(objects),
        "rootObjectCount": str(roots),
        "fileSize": str(len(operation.jsonl)) if done and operation.jsonl else None,
        "url": f"{ctx.base_url}/bulk/{operation.token}.jsonl" if done and operation.jsonl else None,
        "partialDataUrl": None,
    }


def webhook_view(ctx: RequestContext, subscription: WebhookSubscription) -> dict:
    return {
        **node_fields("WebhookSubscription", subscription.id),
        "topic": subscription.topic,
        "format": subscription.format,
        "uri": subscription.callback_url,
        "callbackUrl": subscription.callback_url,
        "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": subscription.callback_url},
        "apiVersion": {
            "handle": subscription.api_version,
            "displayName": subscription.api_version,
            "supported": True,
        },
        "includeFields": [],
        "metafieldNamespaces": [],
        "filter": None,
        "createdAt": iso(subscription.created_at),
        "updatedAt": iso(subscription.created_at),
    }


def node_view(ctx: RequestContext, record) -> dict | None:
    """Any record behind a gid, as its GraphQL type."""
    if record is None:
        return None
    if isinstance(record, Customer):
        return customer_view(ctx, record)
    if isinstance(record, BulkOperation):
        return bulk_view(ctx, record)
    if record is ctx.shop:
        return shop_view(ctx)
    if not isinstance(record, dict):
        return ctx.extensions.node_view(ctx, record)
    kind = gid_kind(record["id"])
    return variant_view(ctx, record) if kind == "ProductVariant" else product_view(ctx, record)


def _optional(view, ctx, record):
    return view(ctx, record) if record is not None else None
