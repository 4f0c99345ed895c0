"""`customerAddressCreate`, `customerAddressUpdate`, `customerAddressDelete`: a customer's address book, one
address at a time (the replacement of the deprecated `CustomerInput.addresses`). The first address is the
default; `setAsDefault` moves one there. Refused input changes nothing."""

from .context import RequestContext
from .store import ADDRESS_FIELDS, Customer, address_records
from .validation import province_error
from .views import address_view


def address_create(ctx: RequestContext, customer_id: str, address: dict, set_as_default: bool) -> dict:
    ctx.require("write_customers", "customerAddressCreate")
    customer = ctx.shop.customers.get(customer_id)
    errors = _errors(customer, address)
    if errors:
        return {"address": None, "userErrors": errors}
    (record,) = address_records(ctx.shop.ids, [address])
    customer.addresses.append(record)
    return _saved(ctx, customer, record, set_as_default)


def address_update(
    ctx: RequestContext, customer_id: str, address_id: str, address: dict, set_as_default: bool
) -> dict:
    ctx.require("write_customers", "customerAddressUpdate")
    customer = ctx.shop.customers.get(customer_id)
    record = _find(customer, address_id)
    if customer is not None and record is None:
        return {"address": None, "userErrors": [_error("addressId", "Address does not exist")]}
    merged = {k: address[k] if k in address else (record or {}).get(k) for k in ADDRESS_FIELDS}
    errors = _errors(customer, merged)
    if errors:
        return {"address": None, "userErrors": errors}
    record.update(merged)
    return _saved(ctx, customer, record, set_as_default)


def address_delete(ctx: RequestContext, customer_id: str, address_id: str) -> dict:
    ctx.require("write_customers", "customerAddressDelete")
    customer = ctx.shop.customers.get(customer_id)
    record = _find(customer, address_id)
    if customer is None:
        return {"deletedAddressId": None, "userErrors": [_error("customerId", "Customer does not exist")]}
    if record is None:
        return {"deletedAddressId": None, "userErrors": [_error("addressId", "Address does not exist")]}
    customer.addresses.remove(record)
    _renumber(customer)
    customer.updated_at = ctx.now()
    return {"deletedAddressId": address_view(record)["id"], "userErrors": []}


def _errors(customer: Customer | None, address: dict) -> list[dict]:
    if customer is None:
        return [_error("customerId", "Customer does not exist")]
    problem = province_error(address.get("countryCode"), address.get("provinceCode"))
    return [{"field": ["address", "provinceCode"], "message": problem}] if problem else []


def _find(customer: Customer | None, address_id: str) -> dict | None:
    wanted = address_id.split("?", 1)[0]  # returned as `…/MailingAddress/1?model_name=CustomerAddress`
    return next((a for a in customer.addresses if a["id"] == wanted), None) if customer else None


def _saved(ctx: RequestContext, customer: Customer, record: dict, set_as_default: bool) -> dict:
    if set_as_default:
        customer.addresses.remove(record)
        customer.addresses.insert(0, record)
    _renumber(customer)
    customer.updated_at = ctx.now()
    return {"address": address_view(record), "userErrors": []}


def _renumber(customer: Customer) -> None:
    for position, address in enumerate(customer.addresses):
        address["position"] = position


def _error(field: str, message: str) -> dict:
    return {"field": [field], "message": message}
