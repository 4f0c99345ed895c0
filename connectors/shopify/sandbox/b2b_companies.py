"""B2B mutations on companies, contacts, roles and locations (B2B.md). A mutation answering userErrors
changes nothing."""

from .b2b_access import MAX_NAME, error, not_found
from .b2b_store import (
    DEFAULT_ROLES,
    PAYMENT_TERMS_TEMPLATES,
    Company,
    CompanyAddress,
    CompanyContact,
    CompanyContactRole,
    CompanyLocation,
    RoleAssignment,
)
from .b2b_views import assignment_view, company_address_view, company_view, contact_view, location_view
from .context import RequestContext, limit_input_array
from .store import Customer, gid, gid_kind
from .validation import email_error, province_error


def company_create(ctx: RequestContext, input: dict) -> dict:
    shop, b2b, now = ctx.shop, ctx.shop.b2b, ctx.now()
    data = input["company"]
    errors = _company_errors(ctx, data, ["input", "company"], None, creating=True)
    contact_data, location_data = input.get("companyContact"), input.get("companyLocation")
    if contact_data is not None:
        errors += _contact_errors(ctx, contact_data, ["input", "companyContact"])
    if location_data is not None:
        errors += _location_errors(ctx, location_data, ["input", "companyLocation"], None)
    if errors:
        return {"company": None, "userErrors": errors}
    company = Company(
        id=gid("Company", shop.ids.next("Company")),
        name=data["name"].strip(),
        note=data.get("note"),
        customer_since=now,
        created_at=now,
        updated_at=now,
    )
    b2b.companies[company.id] = company
    b2b.set_external_id(company, data.get("externalId"))
    for name in DEFAULT_ROLES:
        role = CompanyContactRole(
            id=gid("CompanyContactRole", shop.ids.next("CompanyContactRole")), name=name
        )
        b2b.roles[role.id] = role
        company.role_ids.append(role.id)
    location = _new_location(ctx, company, location_data) if location_data is not None else None
    if contact_data is not None:
        customer = Customer(
            id=gid("Customer", shop.ids.next("Customer")),
            email=contact_data.get("email"),
            first_name=contact_data.get("firstName"),
            last_name=contact_data.get("lastName"),
            phone=contact_data.get("phone"),
            locale=contact_data.get("locale") or "en",
            created_at=now,
            updated_at=now,
        )
        shop.save_customer(customer)
        contact = _new_contact(ctx, company, customer.id, contact_data.get("title"))
        company.main_contact_id = contact.id
        if location is not None:
            _assign(ctx, company, contact.id, location.id, company.role_ids[0])
    return {"company": company_view(ctx, company), "userErrors": []}


def company_update(ctx: RequestContext, companyId: str, input: dict) -> dict:
    company = ctx.shop.b2b.companies.get(companyId)
    if company is None:
        return {"company": None, "userErrors": [not_found(["companyId"], "Company")]}
    errors = _company_errors(ctx, input, ["input"], company, creating=False)
    if errors:
        return {"company": None, "userErrors": errors}
    if input.get("name") is not None:
        company.name = input["name"].strip()
    if "externalId" in input:
        ctx.shop.b2b.set_external_id(company, input["externalId"])
    if "note" in input:
        company.note = input["note"]
    company.updated_at = ctx.now()
    return {"company": company_view(ctx, company), "userErrors": []}


def _company_errors(ctx, data: dict, path: list[str], company: Company | None, *, creating: bool) -> list:
    errors = []
    name = data.get("name")
    if (creating or "name" in data) and not (name or "").strip():
        errors.append(error([*path, "name"], "Name can't be blank", "BLANK"))
    elif name and len(name) > MAX_NAME:
        errors.append(
            error([*path, "name"], f"Name is too long (maximum is {MAX_NAME} characters)", "TOO_LONG")
        )
    external_id = data.get("externalId")
    if external_id:
        other = ctx.shop.b2b.by_external_id("Company", external_id)
        if other is not None and other is not company:
            errors.append(error([*path, "externalId"], "External Id has already been taken", "TAKEN"))
    return errors


# --- contacts and roles ---


def _contact_errors(ctx, data: dict, path: list[str]) -> list:
    email = (data.get("email") or "").strip()
    if not email:
        return [error([*path, "email"], "Email can't be blank", "BLANK")]
    if email_error(email):
        return [error([*path, "email"], "Email is invalid", "INVALID")]
    if ctx.shop.customer_by_email(email) is not None:
        return [error([*path, "email"], "Email address has already been taken", "TAKEN")]
    return []


def _new_contact(ctx, company: Company, customer_id: str, title: str | None = None) -> CompanyContact:
    now = ctx.now()
    contact = CompanyContact(
        id=gid("CompanyContact", ctx.shop.ids.next("CompanyContact")),
        company_id=company.id,
        customer_id=customer_id,
        title=title,
        created_at=now,
        updated_at=now,
    )
    ctx.shop.b2b.contacts[contact.id] = contact
    company.contact_ids.append(contact.id)
    return contact


def assign_customer_as_contact(ctx: RequestContext, companyId: str, customerId: str) -> dict:
    b2b = ctx.shop.b2b
    company = b2b.companies.get(companyId)
    if company is None:
        return {"companyContact": None, "userErrors": [not_found(["companyId"], "Company")]}
    if customerId not in ctx.shop.customers:
        return {"companyContact": None, "userErrors": [not_found(["customerId"], "Customer")]}
    if any(b2b.contacts[c].customer_id == customerId for c in company.contact_ids):
        message = "Customer is already associated with a company contact."
        return {"companyContact": None, "userErrors": [error(["customerId"], message, "TAKEN")]}
    contact = _new_contact(ctx, company, customerId)
    return {"companyContact": contact_view(ctx, contact), "userErrors": []}


def assign_main_contact(ctx: RequestContext, companyId: str, companyContactId: str) -> dict:
    b2b = ctx.shop.b2b
    company = b2b.companies.get(companyId)
    if company is None:
        return {"company": None, "userErrors": [not_found(["companyId"], "Company")]}
    if companyContactId not in company.contact_ids:
        message = "The company contact does not belong to the company."
        return {"company": None, "userErrors": [error(["companyContactId"], message, "INVALID_INPUT")]}
    company.main_contact_id = companyContactId
    company.updated_at = ctx.now()
    return {"company": company_view(ctx, company), "userErrors": []}


def contact_assign_role(
    ctx: RequestContext, companyContactId: str, companyContactRoleId: str, companyLocationId: str
) -> dict:
    pair = {"companyContactRoleId": companyContactRoleId, "companyLocationId": companyLocationId}
    result = contact_assign_roles(ctx, companyContactId, [pair], path=[])
    assigned = result["roleAssignments"] or [None]
    return {"companyContactRoleAssignment": assigned[0], "userErrors": result["userErrors"]}


def contact_assign_roles(ctx: RequestContext, companyContactId: str, rolesToAssign: list, path=None) -> dict:
    limit_input_array(rolesToAssign, "rolesToAssign")
    contact = ctx.shop.b2b.contacts.get(companyContactId)
    if contact is None:
        return {"roleAssignments": None, "userErrors": [not_found(["companyContactId"], "Company contact")]}
    triples = [(companyContactId, r["companyLocationId"], r["companyContactRoleId"]) for r in rolesToAssign]
    return _assign_all(ctx, triples, ["rolesToAssign"] if path is None else path)


def location_assign_roles(ctx: RequestContext, companyLocationId: str, rolesToAssign: list) -> dict:
    limit_input_array(rolesToAssign, "rolesToAssign")
    if companyLocationId not in ctx.shop.b2b.locations:
        return {
            "roleAssignments": None,
            "userErrors": [not_found(["companyLocationId"], "Company location")],
        }
    triples = [(r["companyContactId"], companyLocationId, r["companyContactRoleId"]) for r in rolesToAssign]
    return _assign_all(ctx, triples, ["rolesToAssign"])


def _assign_all(ctx, triples: list[tuple[str, str, str]], path: list[str]) -> dict:
    """Assign (contact, location, role) triples, all or none; one role per contact and location."""
    b2b, errors = ctx.shop.b2b, []
    for index, (contact_id, location_id, role_id) in enumerate(triples):
        at = [*path, str(index)] if path else []
        contact, location = b2b.contacts.get(contact_id), b2b.locations.get(location_id)
        if contact is None:
            errors.append(not_found([*at, "companyContactId"], "Company contact"))
        elif location is None:
            errors.append(not_found([*at, "companyLocationId"], "Company location"))
        elif role_id not in b2b.companies[contact.company_id].role_ids:
            errors.append(not_found([*at, "companyContactRoleId"], "Company contact role"))
        elif location.company_id != contact.company_id:
            message = "The company contact and location must belong to the same company."
            errors.append(error(at or None, message, "INVALID_INPUT"))
        elif (
            any(a.location_id == location_id for a in b2b.assignments_of(contact_id))
            or sum((c, loc) == (contact_id, location_id) for c, loc, _ in triples) > 1
        ):
            message = "Company contact has already been assigned a role in that company location."
            errors.append(error(at or None, message, "LIMIT_REACHED"))
    if errors:
        return {"roleAssignments": None, "userErrors": errors}
    assigned = [_assign(ctx, b2b.companies[b2b.contacts[c].company_id], c, loc, r) for c, loc, r in triples]
    return {"roleAssignments": [assignment_view(ctx, a) for a in assigned], "userErrors": []}


def _assign(ctx, company: Company, contact_id: str, location_id: str, role_id: str) -> RoleAssignment:
    assignment = RoleAssignment(
        id=gid("CompanyContactRoleAssignment", ctx.shop.ids.next("CompanyContactRoleAssignment")),
        company_id=company.id,
        contact_id=contact_id,
        location_id=location_id,
        role_id=role_id,
        created_at=ctx.now(),
    )
    ctx.shop.b2b.add_assignment(assignment)
    return assignment


def send_welcome_email(ctx: RequestContext, companyContactId: str, email: dict | None = None) -> dict:
    shop = ctx.shop
    contact = shop.b2b.contacts.get(companyContactId)
    if contact is None:
        return {"companyContact": None, "userErrors": [not_found(["companyContactId"], "Company contact")]}
    customer = shop.customers[contact.customer_id]
    if not customer.email:
        message = "Company contact must have an email address."
        return {"companyContact": None, "userErrors": [error(["companyContactId"], message, "INVALID")]}
    shop.b2b.welcome_emails.append(
        {
            "contact_id": contact.id,
            "customer_id": customer.id,
            "to": customer.email,
            "email": email,
            "at": ctx.now(),
        }
    )
    return {"companyContact": contact_view(ctx, contact), "userErrors": []}


# --- locations ---


def location_create(ctx: RequestContext, companyId: str, input: dict) -> dict:
    company = ctx.shop.b2b.companies.get(companyId)
    if company is None:
        return {"companyLocation": None, "userErrors": [not_found(["companyId"], "Company")]}
    errors = _location_errors(ctx, input, ["input"], None)
    if errors:
        return {"companyLocation": None, "userErrors": errors}
    location = _new_location(ctx, company, input)
    return {"companyLocation": location_view(ctx, location), "userErrors": []}


def location_update(ctx: RequestContext, companyLocationId: str, input: dict) -> dict:
    location = ctx.shop.b2b.locations.get(companyLocationId)
    if location is None:
        return {
            "companyLocation": None,
            "userErrors": [not_found(["companyLocationId"], "Company location")],
        }
    errors = _location_errors(ctx, input, ["input"], location)
    if errors:
        return {"companyLocation": None, "userErrors": errors}
    _apply_location(ctx.shop.b2b, location, input)
    location.updated_at = ctx.now()
    return {"companyLocation": location_view(ctx, location), "userErrors": []}


def _location_errors(ctx, data: dict, path: list[str], location: CompanyLocation | None) -> list:
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


def _new_location(ctx, company: Company, data: dict) -> CompanyLocation:
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
