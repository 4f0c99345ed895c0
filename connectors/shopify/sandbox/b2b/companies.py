"""B2B mutations on companies, contacts and roles (B2B.md; locations in locations.py). A mutation answering
userErrors changes nothing."""

from ..context import RequestContext, limit_input_array
from ..store import Customer, gid
from ..validation import email_error
from .access import MAX_NAME, error, not_found
from .locations import location_errors, new_location
from .store import DEFAULT_ROLES, Company, CompanyContact, CompanyContactRole, RoleAssignment
from .views import assignment_view, company_view, contact_view


def company_create(ctx: RequestContext, input: dict) -> dict:
    shop, b2b, now = ctx.shop, ctx.shop.b2b, ctx.now()
    data = input["company"]
    errors = _company_errors(ctx, data, ["input", "company"], None, creating=True)
    contact_data, location_data = input.get("companyContact"), input.get("companyLocation")
    if contact_data is not None:
        errors += _contact_errors(ctx, contact_data, ["input", "companyContact"])
    if location_data is not None:
        errors += location_errors(ctx, location_data, ["input", "companyLocation"], None)
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
    location = new_location(ctx, company, location_data) if location_data is not None else None
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
