"""Mutation root fields the app uses (CONTRACT §3). A mutation with userErrors changes nothing."""

from urllib.parse import urlparse

from .addresses import address_create, address_delete, address_update
from .bulk import run_bulk_query
from .context import RequestContext, limit_input_array
from .metafields import MetafieldWriter, metafield_definition_create, metafields_delete, metafields_set
from .store import Customer, WebhookSubscription, address_records, gid
from .validation import email_error, normalize_phone, province_error, split_tags, tag_error
from .views import customer_view, webhook_view

SETTINGS = {"locale": "locale", "taxExempt": "tax_exempt", "taxExemptions": "tax_exemptions"}


def mutation_root(ctx: RequestContext) -> dict:
    """The Mutation fields the sandbox implements, each `(info, **arguments)`."""
    return {
        "customerCreate": lambda info, input: customer_create(ctx, input),
        "customerUpdate": lambda info, input: customer_update(ctx, input),
        "customerAddressCreate": lambda info, customerId, address, setAsDefault=False: address_create(
            ctx, customerId, address, bool(setAsDefault)
        ),
        "customerAddressUpdate": lambda info, customerId, addressId, address, setAsDefault=False: (
            address_update(ctx, customerId, addressId, address, bool(setAsDefault))
        ),
        "customerAddressDelete": lambda info, customerId, addressId: address_delete(
            ctx, customerId, addressId
        ),
        "tagsAdd": lambda info, id, tags: change_tags(ctx, id, tags, add=True),
        "tagsRemove": lambda info, id, tags: change_tags(ctx, id, tags, add=False),
        "metafieldsSet": lambda info, metafields: metafields_set(ctx, metafields),
        "metafieldsDelete": lambda info, metafields: _delete(ctx, metafields),
        "metafieldDefinitionCreate": lambda info, definition: metafield_definition_create(ctx, definition),
        "customerSendAccountInviteEmail": lambda info, customerId, email=None: send_invite(
            ctx, customerId, email
        ),
        "webhookSubscriptionCreate": lambda info, topic, webhookSubscription: create_webhook(
            ctx, topic, webhookSubscription
        ),
        "bulkOperationRunQuery": lambda info, query, groupObjects=False: run_bulk_query(ctx, query),
        **ctx.extensions.fields(ctx.extensions.mutations, ctx),
    }


def customer_create(ctx: RequestContext, data: dict) -> dict:
    ctx.require("write_customers", "customerCreate")
    shop, now = ctx.shop, ctx.now()
    customer = Customer(id=gid("Customer", shop.ids.next("Customer")), created_at=now, updated_at=now)
    errors, apply = _plan_customer(ctx, customer, data, creating=True)
    if errors:
        return {"customer": None, "userErrors": errors}
    apply()
    return {"customer": customer_view(ctx, customer), "userErrors": []}


def customer_update(ctx: RequestContext, data: dict) -> dict:
    ctx.require("write_customers", "customerUpdate")
    customer = ctx.shop.customers.get(data.get("id") or "")
    if customer is None:
        return {"customer": None, "userErrors": [{"field": ["id"], "message": "Customer does not exist"}]}
    errors, apply = _plan_customer(ctx, customer, data, creating=False)
    if errors:
        return {"customer": None, "userErrors": errors}
    apply()
    customer.updated_at = ctx.now()
    return {"customer": customer_view(ctx, customer), "userErrors": []}


def _plan_customer(ctx: RequestContext, customer: Customer, data: dict, *, creating: bool):
    """Validate a CustomerInput against the shop; return (userErrors, a function that applies it)."""
    shop, errors, changes = ctx.shop, [], {}
    for name, attribute in (("firstName", "first_name"), ("lastName", "last_name"), ("note", "note")):
        if name in data:
            changes[attribute] = (data[name] or "").strip() or None
    for name, attribute in SETTINGS.items():
        if data.get(name) is not None:
            changes[attribute] = data[name]
    if "email" in data:
        email = (data["email"] or "").strip() or None
        other = shop.customer_by_email(email) if email else None
        if email and email_error(email):
            errors.append({"field": ["email"], "message": "Email is invalid"})
        elif other is not None and other is not customer:
            errors.append({"field": ["email"], "message": "Email has already been taken"})
        changes["email"] = email
    if "phone" in data:
        phone = normalize_phone(data["phone"]) if data["phone"] else None
        other = shop.customer_by_phone(phone) if phone else None
        if data["phone"] and phone is None:
            errors.append({"field": ["phone"], "message": "Phone is invalid"})
        elif other is not None and other is not customer:
            errors.append({"field": ["phone"], "message": "Phone has already been taken"})
        changes["phone"] = phone
    if data.get("tags") is not None:
        tags = split_tags(data["tags"])
        if tag_error(tags):
            errors.append({"field": ["tags"], "message": tag_error(tags)})
        changes["tags"] = tags
    if data.get("addresses") is not None:
        errors += _address_errors(data["addresses"])
        changes["addresses"] = address_records(shop.ids, data["addresses"])
    identity = {
        a: changes.get(a, getattr(customer, a)) for a in ("email", "phone", "first_name", "last_name")
    }
    if not any(identity.values()):
        errors.append({"field": None, "message": "A name, phone number, or email address must be present"})
    writer = MetafieldWriter(ctx)
    for index, item in enumerate(data.get("metafields") or []):
        new_owner = "CUSTOMER" if creating else None
        problems = writer.check(customer.id, item, index, ["metafields", str(index)], new_owner=new_owner)
        errors += [{"field": p["field"], "message": p["message"]} for p in problems]

    def apply():
        previous = (customer.email, customer.phone)
        for attribute, value in changes.items():
            setattr(customer, attribute, value)
        shop.save_customer(customer, previous)
        writer.apply()

    return errors, apply


def _address_errors(addresses: list[dict]) -> list[dict]:
    errors = []
    for index, address in enumerate(addresses):
        problem = province_error(address.get("countryCode"), address.get("provinceCode"))
        if problem:
            errors.append({"field": ["addresses", str(index), "provinceCode"], "message": problem})
    return errors


def change_tags(ctx: RequestContext, node_id: str, tags: list[str], *, add: bool) -> dict:
    ctx.require("write_customers", "tagsAdd" if add else "tagsRemove")
    limit_input_array(tags, "tags")
    customer = ctx.shop.customers.get(node_id)
    if customer is None:
        return {"node": None, "userErrors": [{"field": ["id"], "message": "Customer does not exist"}]}
    wanted = split_tags(tags)
    if add and tag_error(wanted):
        return {"node": None, "userErrors": [{"field": ["tags"], "message": tag_error(wanted)}]}
    if add:
        customer.tags = split_tags([*customer.tags, *wanted])
    else:
        removed = {t.casefold() for t in wanted}
        customer.tags = [t for t in customer.tags if t.casefold() not in removed]
    customer.updated_at = ctx.now()
    return {"node": customer_view(ctx, customer), "userErrors": []}


def _delete(ctx: RequestContext, metafields: list[dict]) -> dict:
    limit_input_array(metafields, "metafields")
    return metafields_delete(ctx, metafields)


def send_invite(ctx: RequestContext, customer_id: str, email: dict | None) -> dict:
    """Account invites exist only for classic customer accounts (FACTS §4)."""
    ctx.require("write_customers", "customerSendAccountInviteEmail")
    shop = ctx.shop
    customer = shop.customers.get(customer_id)

    def refused(field, message):
        return {"customer": None, "userErrors": [{"field": field, "message": message, "code": "INVALID"}]}

    if shop.customer_accounts != "CLASSIC":
        return refused(None, "Account invites can't be sent because this store uses new customer accounts.")
    if customer is None:
        return refused(["customerId"], "Customer does not exist")
    if customer.state == "ENABLED":
        return refused(["customerId"], "Customer account is already enabled")
    if not customer.email:
        return refused(["customerId"], "Customer must have an email address")
    shop.invites.append({"customer_id": customer.id, "email": email, "to": customer.email, "at": ctx.now()})
    customer.state = "INVITED"
    customer.updated_at = ctx.now()
    return {"customer": customer_view(ctx, customer), "userErrors": []}


def create_webhook(ctx: RequestContext, topic: str, subscription: dict) -> dict:
    shop = ctx.shop
    url = subscription.get("uri") or ""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return {
            "webhookSubscription": None,
            "userErrors": [{"field": ["webhookSubscription", "uri"], "message": "Address is invalid"}],
        }
    if any(w.topic == topic and w.callback_url == url for w in shop.webhooks):
        message = "Address for this topic has already been taken"
        return {
            "webhookSubscription": None,
            "userErrors": [{"field": ["webhookSubscription", "uri"], "message": message}],
        }
    created = WebhookSubscription(
        id=gid("WebhookSubscription", shop.ids.next("WebhookSubscription")),
        topic=topic,
        callback_url=url,
        format=subscription.get("format") or "JSON",
        api_version=ctx.api_version,
        created_at=ctx.now(),
    )
    shop.webhooks.append(created)
    return {"webhookSubscription": webhook_view(ctx, created), "userErrors": []}
