"""B2B mutations: companies, contacts, roles, locations, catalogs, price lists, welcome emails (B2B.md).

Like Shopify, a mutation answering userErrors changes nothing. Company operations need `write_customers`
or `write_companies`; catalogs and price lists `write_products`; all need the shop's B2B entitlement.
"""

from decimal import Decimal, InvalidOperation

from graphql import GraphQLError

from .b2b_store import (
    DEFAULT_ROLES,
    PAYMENT_TERMS_TEMPLATES,
    Catalog,
    Company,
    CompanyAddress,
    CompanyContact,
    CompanyContactRole,
    CompanyLocation,
    PriceList,
    RoleAssignment,
)
from .b2b_views import (
    assignment_view,
    catalog_view,
    company_address_view,
    company_view,
    contact_view,
    location_view,
    price_list_view,
    price_view,
)
from .context import RequestContext, limit_input_array
from .store import Customer, gid, gid_kind
from .validation import email_error, province_error

MAX_NAME = 255


def require_b2b(ctx: RequestContext, field_name: str, *scopes: str) -> None:
    """Shopify's ACCESS_DENIED unless the token holds one of `scopes` and the shop has B2B."""
    if not any(s in ctx.scopes or s.replace("read_", "write_", 1) in ctx.scopes for s in scopes):
        required = " or ".join(f"`{s}` access scope" for s in scopes)
        raise GraphQLError(
            f"Access denied for {field_name} field. Required access: {required}.",
            extensions={
                "code": "ACCESS_DENIED",
                "documentation": "https://shopify.dev/api/usage/access-scopes",
                "requiredAccess": f"{required}.",
            },
        )
    if not ctx.shop.b2b.settings.enabled:
        raise GraphQLError(
            f"Access denied for {field_name} field. The shop must have access to B2B.",
            extensions={"code": "ACCESS_DENIED"},
        )


def error(field: list[str] | None, message: str, code: str) -> dict:
    return {"field": field, "message": message, "code": code}


def b2b_mutation_root(ctx: RequestContext) -> dict:
    company = ("write_customers", "write_companies")
    products = ("write_products",)

    def guarded(name, scopes, function):
        def resolve(info, **arguments):
            require_b2b(ctx, name, *scopes)
            return function(ctx, **arguments)

        return resolve

    fields = {
        "companyCreate": (company, company_create),
        "companyUpdate": (company, company_update),
        "companyAssignCustomerAsContact": (company, assign_customer_as_contact),
        "companyAssignMainContact": (company, assign_main_contact),
        "companyContactAssignRole": (company, contact_assign_role),
        "companyContactAssignRoles": (company, contact_assign_roles),
        "companyLocationAssignRoles": (company, location_assign_roles),
        "companyLocationCreate": (company, location_create),
        "companyLocationUpdate": (company, location_update),
        "companyLocationAssignAddress": (company, location_assign_address),
        "companyLocationTaxSettingsUpdate": (company, location_tax_settings_update),
        "companyContactSendWelcomeEmail": (company, send_welcome_email),
        "catalogCreate": (products, catalog_create),
        "catalogUpdate": (products, catalog_update),
        "catalogContextUpdate": (products, catalog_context_update),
        "priceListCreate": (products, price_list_create),
        "priceListUpdate": (products, price_list_update),
        "priceListFixedPricesAdd": (products, fixed_prices_add),
        "priceListFixedPricesUpdate": (products, fixed_prices_update),
        "priceListFixedPricesDelete": (products, fixed_prices_delete),
    }
    return {name: guarded(name, scopes, function) for name, (scopes, function) in fields.items()}


# --- companies ---


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
        return {"company": None, "userErrors": [_not_found(["companyId"], "Company")]}
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
        return {"companyContact": None, "userErrors": [_not_found(["companyId"], "Company")]}
    if customerId not in ctx.shop.customers:
        return {"companyContact": None, "userErrors": [_not_found(["customerId"], "Customer")]}
    if any(b2b.contacts[c].customer_id == customerId for c in company.contact_ids):
        message = "Customer is already associated with a company contact."
        return {"companyContact": None, "userErrors": [error(["customerId"], message, "TAKEN")]}
    contact = _new_contact(ctx, company, customerId)
    return {"companyContact": contact_view(ctx, contact), "userErrors": []}


def assign_main_contact(ctx: RequestContext, companyId: str, companyContactId: str) -> dict:
    b2b = ctx.shop.b2b
    company = b2b.companies.get(companyId)
    if company is None:
        return {"company": None, "userErrors": [_not_found(["companyId"], "Company")]}
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
        return {"roleAssignments": None, "userErrors": [_not_found(["companyContactId"], "Company contact")]}
    triples = [(companyContactId, r["companyLocationId"], r["companyContactRoleId"]) for r in rolesToAssign]
    return _assign_all(ctx, triples, ["rolesToAssign"] if path is None else path)


def location_assign_roles(ctx: RequestContext, companyLocationId: str, rolesToAssign: list) -> dict:
    limit_input_array(rolesToAssign, "rolesToAssign")
    if companyLocationId not in ctx.shop.b2b.locations:
        return {
            "roleAssignments": None,
            "userErrors": [_not_found(["companyLocationId"], "Company location")],
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
            errors.append(_not_found([*at, "companyContactId"], "Company contact"))
        elif location is None:
            errors.append(_not_found([*at, "companyLocationId"], "Company location"))
        elif role_id not in b2b.companies[contact.company_id].role_ids:
            errors.append(_not_found([*at, "companyContactRoleId"], "Company contact role"))
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
        return {"companyContact": None, "userErrors": [_not_found(["companyContactId"], "Company contact")]}
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
        return {"companyLocation": None, "userErrors": [_not_found(["companyId"], "Company")]}
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
            "userErrors": [_not_found(["companyLocationId"], "Company location")],
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
        errors.append(_not_found(at, "Payment terms template"))
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
        return {"addresses": None, "userErrors": [_not_found(["locationId"], "Company location")]}
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
            "userErrors": [_not_found(["companyLocationId"], "Company location")],
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


# --- catalogs ---


def catalog_create(ctx: RequestContext, input: dict) -> dict:
    b2b = ctx.shop.b2b
    location_ids = _context_locations(input["context"])
    errors = _catalog_errors(ctx, input, None, ["input"])
    errors += _location_id_errors(ctx, location_ids, ["input", "context", "companyLocationIds"])
    if not errors and input["status"] == "ACTIVE":
        errors += _limit_errors(ctx)
    if errors:
        return {"catalog": None, "userErrors": errors}
    catalog = Catalog(
        id=gid("CompanyLocationCatalog", ctx.shop.ids.next("CompanyLocationCatalog")),
        title=input["title"].strip(),
        status=input["status"],
        location_ids=list(dict.fromkeys(location_ids)),
        publication_id=input.get("publicationId"),
    )
    b2b.catalogs[catalog.id] = catalog
    _attach(b2b, catalog, input.get("priceListId"))
    return {"catalog": catalog_view(ctx, catalog), "userErrors": []}


def catalog_update(ctx: RequestContext, id: str, input: dict) -> dict:
    b2b = ctx.shop.b2b
    catalog = b2b.catalogs.get(id)
    if catalog is None:
        return {"catalog": None, "userErrors": [error(["id"], "Catalog does not exist", "CATALOG_NOT_FOUND")]}
    errors = _catalog_errors(ctx, input, catalog, ["input"])
    location_ids = _context_locations(input["context"]) if input.get("context") is not None else None
    if location_ids is not None:
        errors += _location_id_errors(ctx, location_ids, ["input", "context", "companyLocationIds"])
    if not errors and input.get("status") == "ACTIVE" and catalog.status != "ACTIVE":
        errors += _limit_errors(ctx)
    if errors:
        return {"catalog": None, "userErrors": errors}
    if input.get("title") is not None:
        catalog.title = input["title"].strip()
    if input.get("status") is not None:
        catalog.status = input["status"]
    if location_ids is not None:
        catalog.location_ids = list(dict.fromkeys(location_ids))
    if "publicationId" in input:
        catalog.publication_id = input["publicationId"]
    if "priceListId" in input:
        _attach(b2b, catalog, input["priceListId"])
    return {"catalog": catalog_view(ctx, catalog), "userErrors": []}


def catalog_context_update(
    ctx: RequestContext, catalogId: str, contextsToAdd=None, contextsToRemove=None
) -> dict:
    catalog = ctx.shop.b2b.catalogs.get(catalogId)
    if catalog is None:
        return {
            "catalog": None,
            "userErrors": [error(["catalogId"], "Catalog does not exist", "CATALOG_NOT_FOUND")],
        }
    if contextsToAdd is None and contextsToRemove is None:
        message = "Contexts to add or remove must be provided."
        return {"catalog": None, "userErrors": [error(None, message, "REQUIRES_CONTEXTS_TO_ADD_OR_REMOVE")]}
    added = _context_locations(contextsToAdd) if contextsToAdd is not None else []
    removed = _context_locations(contextsToRemove) if contextsToRemove is not None else []
    errors = _location_id_errors(ctx, added, ["contextsToAdd", "companyLocationIds"])
    errors += _location_id_errors(ctx, removed, ["contextsToRemove", "companyLocationIds"])
    if errors:
        return {"catalog": None, "userErrors": errors}
    gone = set(removed)
    catalog.location_ids = list(dict.fromkeys([*(i for i in catalog.location_ids if i not in gone), *added]))
    return {"catalog": catalog_view(ctx, catalog), "userErrors": []}


def _context_locations(context: dict) -> list[str]:
    """The company location ids of a CatalogContextInput; markets are not modelled."""
    if context.get("marketIds"):
        raise GraphQLError("The Shopify sandbox does not implement market catalogs (marketIds).")
    location_ids = context.get("companyLocationIds")
    limit_input_array(location_ids or [], "companyLocationIds")
    return list(location_ids or [])


def _catalog_errors(ctx, data: dict, catalog: Catalog | None, path: list[str]) -> list:
    b2b, errors = ctx.shop.b2b, []
    if not b2b.settings.catalog_limit and b2b.settings.catalog_limit is not None:
        message = "This shop's plan does not include B2B catalogs."
        errors.append(error(None, message, "COMPANY_LOCATION_CATALOG_STATUS_PLAN"))
    title = data.get("title")
    if (catalog is None or "title" in data) and not (title or "").strip():
        errors.append(error([*path, "title"], "Title can't be blank", "BLANK"))
    elif title and len(title) > MAX_NAME:
        errors.append(
            error([*path, "title"], f"Title is too long (maximum is {MAX_NAME} characters)", "TOO_LONG")
        )
    elif title and any(c.title == title.strip() and c is not catalog for c in b2b.catalogs.values()):
        errors.append(error([*path, "title"], "Title has already been taken", "TAKEN"))
    price_list_id = data.get("priceListId")
    if price_list_id is not None:
        price_list = b2b.price_lists.get(price_list_id)
        if price_list is None:
            errors.append(error([*path, "priceListId"], "Price list not found.", "PRICE_LIST_NOT_FOUND"))
        elif price_list.catalog_id not in (None, catalog.id if catalog else None):
            errors.append(error([*path, "priceListId"], "Price list has already been taken", "TAKEN"))
    return errors


def _location_id_errors(ctx, location_ids: list[str], path: list[str]) -> list:
    return [
        error(
            [*path, str(i)], f"Company location does not exist: {location_id}", "COMPANY_LOCATION_NOT_FOUND"
        )
        for i, location_id in enumerate(location_ids)
        if location_id not in ctx.shop.b2b.locations
    ]


def _limit_errors(ctx) -> list:
    """The plan's active B2B catalog limit. The 2026-01 enum has no B2B_CATALOG_LIMIT_REACHED (added in a
    later version), so the code is null there; the message is the one shopify.dev gives (B2B.md)."""
    settings, b2b = ctx.shop.b2b.settings, ctx.shop.b2b
    if settings.catalog_limit is None or b2b.active_catalog_count() < settings.catalog_limit:
        return []
    return [
        error(["input"], "You've reached the maximum number of B2B catalogs allowed for your plan.", None)
    ]


def _attach(b2b, catalog: Catalog, price_list_id: str | None) -> None:
    """Link a catalog and a price list both ways, unlinking what either was linked to."""
    previous = b2b.price_lists.get(catalog.price_list_id or "")
    if previous is not None:
        previous.catalog_id = None
    catalog.price_list_id = price_list_id
    price_list = b2b.price_lists.get(price_list_id or "")
    if price_list is not None:
        old = b2b.catalogs.get(price_list.catalog_id or "")
        if old is not None and old is not catalog:
            old.price_list_id = None
        price_list.catalog_id = catalog.id


# --- price lists ---


def price_list_create(ctx: RequestContext, input: dict) -> dict:
    b2b = ctx.shop.b2b
    errors = _price_list_errors(ctx, input, None)
    if errors:
        return {"priceList": None, "userErrors": errors}
    adjustment = input["parent"]["adjustment"]
    settings = input["parent"].get("settings") or {}
    price_list = PriceList(
        id=gid("PriceList", ctx.shop.ids.next("PriceList")),
        name=input["name"].strip(),
        currency=input["currency"],
        adjustment_type=adjustment["type"],
        adjustment_value=adjustment["value"],
        compare_at_mode=settings.get("compareAtMode") or "ADJUSTED",
    )
    b2b.price_lists[price_list.id] = price_list
    if input.get("catalogId"):
        _attach(b2b, b2b.catalogs[input["catalogId"]], price_list.id)
    return {"priceList": price_list_view(ctx, price_list), "userErrors": []}


def price_list_update(ctx: RequestContext, id: str, input: dict) -> dict:
    b2b = ctx.shop.b2b
    price_list = b2b.price_lists.get(id)
    if price_list is None:
        return {
            "priceList": None,
            "userErrors": [error(["id"], "Price list not found.", "PRICE_LIST_NOT_FOUND")],
        }
    errors = _price_list_errors(ctx, input, price_list)
    if errors:
        return {"priceList": None, "userErrors": errors}
    if input.get("name") is not None:
        price_list.name = input["name"].strip()
    if input.get("currency") is not None:
        price_list.currency = input["currency"]
    parent = input.get("parent") or {}
    if parent.get("adjustment") is not None:
        price_list.adjustment_type = parent["adjustment"]["type"]
        price_list.adjustment_value = parent["adjustment"]["value"]
    if (parent.get("settings") or {}).get("compareAtMode"):
        price_list.compare_at_mode = parent["settings"]["compareAtMode"]
    if "catalogId" in input:
        old = b2b.catalogs.get(price_list.catalog_id or "")
        if old is not None:
            _attach(b2b, old, None)
        if input["catalogId"]:
            _attach(b2b, b2b.catalogs[input["catalogId"]], price_list.id)
    return {"priceList": price_list_view(ctx, price_list), "userErrors": []}


def _price_list_errors(ctx, data: dict, price_list: PriceList | None) -> list:
    b2b, errors = ctx.shop.b2b, []
    name = data.get("name")
    if (price_list is None or "name" in data) and not (name or "").strip():
        errors.append(error(["input", "name"], "Name can't be blank", "BLANK"))
    elif name and any(p.name == name.strip() and p is not price_list for p in b2b.price_lists.values()):
        errors.append(error(["input", "name"], "Name has already been taken", "TAKEN"))
    currency = data.get("currency")
    if currency is not None and currency != ctx.shop.currency:
        message = f"Currency {currency} is not one of the shop's enabled currencies."
        errors.append(error(["input", "currency"], message, "CURRENCY_NOT_SUPPORTED"))
    adjustment = (data.get("parent") or {}).get("adjustment")
    if adjustment is not None:
        value, path = adjustment["value"], ["input", "parent", "adjustment", "value"]
        if value < 0:
            errors.append(error(path, "Adjustment value must be at least 0.", "INVALID_ADJUSTMENT_MIN_VALUE"))
        elif adjustment["type"] == "PERCENTAGE_DECREASE" and value > 100:
            message = "Adjustment value must be at most 100 for a decrease."
            errors.append(error(path, message, "INVALID_ADJUSTMENT_MAX_VALUE"))
    catalog_id = data.get("catalogId")
    if catalog_id:
        catalog = b2b.catalogs.get(catalog_id)
        if catalog is None:
            errors.append(error(["input", "catalogId"], "Catalog does not exist.", "CATALOG_DOES_NOT_EXIST"))
        elif catalog.price_list_id not in (None, price_list.id if price_list else None):
            errors.append(error(["input", "catalogId"], "Catalog has already been taken.", "CATALOG_TAKEN"))
    return errors


def fixed_prices_add(ctx: RequestContext, priceListId: str, prices: list) -> dict:
    limit_input_array(prices, "prices")
    price_list = ctx.shop.b2b.price_lists.get(priceListId)
    if price_list is None:
        return {"prices": None, "userErrors": [_no_price_list()]}
    rows, errors = _price_rows(ctx, price_list, prices, "prices")
    if errors:
        return {"prices": None, "userErrors": errors}
    price_list.fixed.update(rows)
    return {"prices": [price_view(ctx, price_list, v, price_list.fixed[v]) for v in rows], "userErrors": []}


def fixed_prices_delete(ctx: RequestContext, priceListId: str, variantIds: list) -> dict:
    limit_input_array(variantIds, "variantIds")
    price_list = ctx.shop.b2b.price_lists.get(priceListId)
    if price_list is None:
        return {"deletedFixedPriceVariantIds": None, "userErrors": [_no_price_list()]}
    errors = _delete_errors(ctx, price_list, variantIds, "variantIds")
    if errors:
        return {"deletedFixedPriceVariantIds": None, "userErrors": errors}
    for variant_id in variantIds:
        price_list.fixed.pop(variant_id, None)
    return {"deletedFixedPriceVariantIds": list(dict.fromkeys(variantIds)), "userErrors": []}


def fixed_prices_update(
    ctx: RequestContext, priceListId: str, pricesToAdd: list, variantIdsToDelete: list
) -> dict:
    limit_input_array(pricesToAdd, "pricesToAdd")
    limit_input_array(variantIdsToDelete, "variantIdsToDelete")
    failed = {"priceList": None, "pricesAdded": None, "deletedFixedPriceVariantIds": None}
    price_list = ctx.shop.b2b.price_lists.get(priceListId)
    if price_list is None:
        return failed | {"userErrors": [_no_price_list()]}
    rows, errors = _price_rows(ctx, price_list, pricesToAdd, "pricesToAdd")
    errors += _delete_errors(ctx, price_list, variantIdsToDelete, "variantIdsToDelete")
    if errors:
        return failed | {"userErrors": errors}
    for variant_id in variantIdsToDelete:
        price_list.fixed.pop(variant_id, None)
    price_list.fixed.update(rows)
    return {
        "priceList": price_list_view(ctx, price_list),
        "pricesAdded": [price_view(ctx, price_list, v, price_list.fixed[v]) for v in rows],
        "deletedFixedPriceVariantIds": list(dict.fromkeys(variantIdsToDelete)),
        "userErrors": [],
    }


def _price_rows(ctx, price_list: PriceList, prices: list, argument: str) -> tuple[dict, list]:
    rows, errors = {}, []
    for index, item in enumerate(prices):
        path = [argument, str(index)]
        if item["variantId"] not in ctx.shop.variants:
            errors.append(error([*path, "variantId"], "Variant not found.", "VARIANT_NOT_FOUND"))
            continue
        amounts = {}
        for key in ("price", "compareAtPrice"):
            money = item.get(key)
            if money is None:
                continue
            if money["currencyCode"] != price_list.currency:
                message = "The specified currency doesn't match the price list's currency."
                errors.append(error([*path, key, "currencyCode"], message, "PRICE_LIST_CURRENCY_MISMATCH"))
            try:
                amounts[key] = Decimal(str(money["amount"]))
            except InvalidOperation:
                errors.append(error([*path, key, "amount"], "Amount is invalid", "BLANK"))
        if "price" in amounts:
            rows[item["variantId"]] = {"price": amounts["price"], "compare_at": amounts.get("compareAtPrice")}
    return rows, errors


def _delete_errors(ctx, price_list: PriceList, variant_ids: list, argument: str) -> list:
    errors = []
    for index, variant_id in enumerate(variant_ids):
        if variant_id not in ctx.shop.variants:
            errors.append(error([argument, str(index)], "Variant not found.", "VARIANT_NOT_FOUND"))
        elif variant_id not in price_list.fixed:
            message = "Only fixed prices can be deleted."
            errors.append(error([argument, str(index)], message, "PRICE_NOT_FIXED"))
    return errors


def _no_price_list() -> dict:
    return error(["priceListId"], "Price list not found.", "PRICE_LIST_NOT_FOUND")


def _not_found(field: list[str], what: str) -> dict:
    return error(field, f"{what} does not exist.", "RESOURCE_NOT_FOUND")
