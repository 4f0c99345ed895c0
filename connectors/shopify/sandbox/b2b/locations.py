"""B2B mutations on company locations: create, update, addresses, tax settings (B2B.md). A mutation
answering userErrors changes nothing."""

from ..context import RequestContext
from ..store import gid, gid_kind
from ..validation import province_error
from .access import error, not_found
from .store import PAYMENT_TERMS_TEMPLATES, Company, CompanyAddress, CompanyLocation
from .views import company_address_view, location_view


def location_create(ctx: RequestContext, companyId: str, input: dict) -> dict:
    company = ctx.shop.b2b.companies.get(companyId)
    if company is None:
        return {"companyLocation": None, "userErrors": [not_found(["companyId"], "Company")]}
    errors = location_errors(ctx, input, ["input"], None)
    if errors:
        return {"companyLocation": None, "userErrors": errors}
    location = new_location(ctx, company, input)
    return {"companyLocation": location_view(ctx, location), "userErrors": []}


def location_update(ctx: RequestContext, companyLocationId: str, input: dict) -> dict:
    location = ctx.shop.b2b.locations.get(companyLocationId)
    if location is None:
        return {
            "companyLocation": None,
            "userErrors": [not_found(["companyLocationId"], "Company location")],
        }
    errors = location_errors(ctx, input, ["input"], location)
    if errors:
        return {"companyLocation": None, "userErrors": errors}
    _apply_location(ctx.shop.b2b, location, input)
    location.updated_at = ctx.now()
    return {"companyLocation": location_view(ctx, location), "userErrors": []}


def location_errors(ctx, data: dict, path: list[str], location: CompanyLocation | None) -> list:
    errors = []
    if "name" in data and location is not None and not (data["name"] or "").strip():
        errors.append(error([*path, "name"], "Name can't be blank", "BLANK"))
    external_id = data.get("externalId")
    if external_id:
        other = ctx.shop.b2b.by_external_id("CompanyLocation", external_id)
        if other is not None and other is not location:
            errors.append(error([*path, "externalId"], "External Id has already been taken", "TAKEN"))
    for key in ("shippingAddress", "billingAddress"):
        if data.get(key) is not None:
            errors += _address_errors(data[key], [*path, key])
    config = data.get("buyerExperienceConfiguration") or {}
    terms = config.get("paymentTermsTemplateId")
    if terms is not None and _terms_number(terms) is None:
        at = [*path, "buyerExperienceConfiguration", "paymentTermsTemplateId"]
        errors.append(not_found(at, "Payment terms template"))
    return errors


def _terms_number(template_id: str) -> int | None:
    if gid_kind(template_id) != "PaymentTermsTemplate":
        return None
    number = int(template_id.rsplit("/", 1)[1])
    return number if any(t[0] == number for t in PAYMENT_TERMS_TEMPLATES) else None


def new_location(ctx, company: Company, data: dict) -> CompanyLocation:
    now = ctx.now()
    location = CompanyLocation(
        id=gid("CompanyLocation", ctx.shop.ids.next("CompanyLocation")),
        company_id=company.id,
        name=(data.get("name") or "").strip() or company.name,
        created_at=now,
        updated_at=now,
    )
    _apply_location(ctx.shop.b2b, location, data)
    shipping, billing = data.get("shippingAddress"), data.get("billingAddress")
    if shipping is not None:
        location.shipping_address = _address(ctx, shipping)
    if billing is not None:
        location.billing_address = _address(ctx, billing)
    elif shipping is not None and data.get("billingSameAsShipping"):
        location.billing_address = location.shipping_address
    location.tax_exempt = bool(data.get("taxExempt"))
    location.tax_exemptions = list(data.get("taxExemptions") or [])
    location.tax_registration_id = data.get("taxRegistrationId")
    ctx.shop.b2b.locations[location.id] = location
    company.location_ids.append(location.id)
    return location


def _apply_location(b2b, location: CompanyLocation, data: dict) -> None:
    if data.get("name") is not None:
        location.name = data["name"].strip() or location.name
    if "externalId" in data:
        b2b.set_external_id(location, data["externalId"])
    for key, attribute in (("note", "note"), ("phone", "phone")):
        if key in data:
            setattr(location, attribute, data[key])
    if data.get("locale") is not None:
        location.locale = data["locale"]
    config = data.get("buyerExperienceConfiguration")
    if config is None:
        return
    if "paymentTermsTemplateId" in config:
        location.payment_terms_template_id = config["paymentTermsTemplateId"]
    if config.get("checkoutToDraft") is not None:
        location.checkout_to_draft = config["checkoutToDraft"]
    if config.get("editableShippingAddress") is not None:
        location.editable_shipping_address = config["editableShippingAddress"]


def _address_errors(address: dict, path: list[str]) -> list:
    errors = []
    if not (address.get("address1") or "").strip():
        errors.append(error([*path, "address1"], "Address1 can't be blank", "BLANK"))
    if not address.get("countryCode"):
        errors.append(error([*path, "countryCode"], "Country code can't be blank", "BLANK"))
    problem = province_error(address.get("countryCode"), address.get("zoneCode"))
    if problem:
        errors.append(error([*path, "zoneCode"], problem, "INVALID"))
    return errors


def _address(ctx, data: dict) -> CompanyAddress:
    now = ctx.now()
    return CompanyAddress(
        id=gid("CompanyAddress", ctx.shop.ids.next("CompanyAddress")),
        fields=dict(data),
        created_at=now,
        updated_at=now,
    )


def location_assign_address(ctx: RequestContext, locationId: str, address: dict, addressTypes: list) -> dict:
    location = ctx.shop.b2b.locations.get(locationId)
    if location is None:
        return {"addresses": None, "userErrors": [not_found(["locationId"], "Company location")]}
    errors = _address_errors(address, ["address"])
    if not addressTypes:
        errors.append(error(["addressTypes"], "Address types can't be blank", "BLANK"))
    if errors:
        return {"addresses": None, "userErrors": errors}
    record = _address(ctx, address)
    for kind in dict.fromkeys(addressTypes):
        setattr(location, "shipping_address" if kind == "SHIPPING" else "billing_address", record)
    location.updated_at = ctx.now()
    company = ctx.shop.b2b.companies[location.company_id]
    return {"addresses": [company_address_view(record, company)], "userErrors": []}


def location_tax_settings_update(
    ctx: RequestContext,
    companyLocationId: str,
    taxExempt=None,
    exemptionsToAssign=None,
    exemptionsToRemove=None,
    taxRegistrationId=None,
) -> dict:
    location = ctx.shop.b2b.locations.get(companyLocationId)
    if location is None:
        return {
            "companyLocation": None,
            "userErrors": [not_found(["companyLocationId"], "Company location")],
        }
    if taxExempt is not None:
        location.tax_exempt = taxExempt
    if taxRegistrationId is not None:
        location.tax_registration_id = taxRegistrationId or None
    removed = set(exemptionsToRemove or [])
    kept = [e for e in location.tax_exemptions if e not in removed]
    location.tax_exemptions = list(dict.fromkeys([*kept, *(exemptionsToAssign or [])]))
    location.updated_at = ctx.now()
    return {"companyLocation": location_view(ctx, location), "userErrors": []}


def location_delete(ctx: RequestContext, companyLocationId: str) -> dict:
    """Deletes a location with its role assignments, and takes it out of catalogs and market conditions
    (B2B.md "companyLocationDelete"); its company, contacts and their customers stay."""
    b2b = ctx.shop.b2b
    location = b2b.locations.get(companyLocationId)
    if location is None:
        failed = [not_found(["companyLocationId"], "Company location")]
        return {"deletedCompanyLocationId": None, "userErrors": failed}
    for assignment in b2b.assignments_of(location.id):
        b2b.remove_assignment(assignment.id)
    for catalog in b2b.catalogs.values():
        if location.id in catalog.location_ids:
            catalog.location_ids.remove(location.id)
    for market in b2b.markets.values():
        market.location_ids.pop(location.id, None)
    b2b.set_external_id(location, None)
    company = b2b.companies[location.company_id]
    company.location_ids.remove(location.id)
    del b2b.locations[location.id]
    return {"deletedCompanyLocationId": location.id, "userErrors": []}
