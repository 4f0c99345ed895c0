"""Native B2B over real HTTP: companies, contacts, roles, locations, payment terms, tax settings, catalogs,
price lists, the plan's catalog limit, scopes, costs and contextual pricing (sandbox/B2B.md)."""

import pytest

from .conftest import SHOP, Admin

ERRORS = "userErrors { field message code }"
COMPANY_CREATE = f"""mutation($input: CompanyCreateInput!) {{
  companyCreate(input: $input) {{
    company {{ id name externalId mainContact {{ id }}
      contactRoles(first: 5) {{ nodes {{ id name }} }}
      locations(first: 5) {{ nodes {{ id name externalId }} }} }}
    {ERRORS}
  }}
}}"""
LOCATION = """
  id name externalId
  shippingAddress { address1 city countryCode zoneCode province companyName }
  billingAddress { id address1 }
  taxSettings { taxExempt taxExemptions }
  buyerExperienceConfiguration { checkoutToDraft paymentTermsTemplate { id name dueInDays } }
  catalogs(first: 5) { nodes { title } }
"""
COMPANY_LOCATION = f"query($id: ID!) {{ companyLocation(id: $id) {{ {LOCATION} }} }}"
LOCATION_UPDATE = f"""mutation($id: ID!, $input: CompanyLocationUpdateInput!) {{
  companyLocationUpdate(companyLocationId: $id, input: $input) {{ companyLocation {{ id }} {ERRORS} }}
}}"""
ASSIGN_CONTACT = f"""mutation($company: ID!, $customer: ID!) {{
  companyAssignCustomerAsContact(companyId: $company, customerId: $customer) {{
    companyContact {{ id customer {{ id defaultEmailAddress {{ emailAddress }} }} isMainContact }} {ERRORS}
  }}
}}"""
CATALOG_CREATE = f"""mutation($input: CatalogCreateInput!) {{
  catalogCreate(input: $input) {{ catalog {{ id title status }} {ERRORS} }}
}}"""
PRICE_LIST_CREATE = f"""mutation($input: PriceListCreateInput!) {{
  priceListCreate(input: $input) {{ priceList {{ id currency catalog {{ id }} }} {ERRORS} }}
}}"""
PRICES_UPDATE = f"""mutation($id: ID!, $add: [PriceListPriceInput!]!, $delete: [ID!]!) {{
  priceListFixedPricesUpdate(priceListId: $id, pricesToAdd: $add, variantIdsToDelete: $delete) {{
    pricesAdded {{ variant {{ id }} price {{ amount }} }} deletedFixedPriceVariantIds {ERRORS}
  }}
}}"""
CONTEXTUAL = """query($id: ID!, $location: ID!) {
  productVariant(id: $id) { price contextualPricing(context: {companyLocationId: $location}) {
    price { amount currencyCode } } }
}"""
ADDRESS = {"address1": "1 Main St", "city": "Austin", "countryCode": "US", "zoneCode": "TX"}
# What `catalogCreate` answers beyond the plan's active B2B catalog limit.
CATALOG_LIMIT_REFUSED = {
    "catalog": None,
    "userErrors": [
        {
            "field": ["input"],
            "message": "You've reached the maximum number of B2B catalogs allowed for your plan.",
            "code": None,
        }
    ],
}
NET_30 = "gid://shopify/PaymentTermsTemplate/4"


def payload(answer: dict) -> dict:
    """The one mutation payload of a response."""
    assert "errors" not in answer, answer
    (result,) = answer["data"].values()
    return result


def create_company(admin, name="Harbor Supply", external_id="C-1", **location) -> dict:
    company = {"name": name, "externalId": external_id}
    location = {"name": name, "externalId": external_id, "shippingAddress": ADDRESS} | location
    result = payload(admin(COMPANY_CREATE, {"input": {"company": company, "companyLocation": location}}))
    assert result["userErrors"] == [], result
    return result["company"]


def location_id(company: dict) -> str:
    return company["locations"]["nodes"][0]["id"]


def new_catalog(admin, title: str, location_ids: list[str], status="ACTIVE") -> dict:
    context = {"companyLocationIds": location_ids}
    return payload(admin(CATALOG_CREATE, {"input": {"title": title, "status": status, "context": context}}))


def priced_catalog(admin, title: str, location_ids: list[str], prices: dict, status="ACTIVE") -> str:
    """A catalog with a 0 % price list holding `prices` ({variant gid: "12.50"}); returns the list's id."""
    catalog = new_catalog(admin, title, location_ids, status)["catalog"]
    parent = {"adjustment": {"type": "PERCENTAGE_DECREASE", "value": 0}}
    price_list = {"name": title, "currency": "USD", "parent": parent, "catalogId": catalog["id"]}
    list_id = payload(admin(PRICE_LIST_CREATE, {"input": price_list}))["priceList"]["id"]
    rows = [{"variantId": v, "price": {"amount": p, "currencyCode": "USD"}} for v, p in prices.items()]
    assert payload(admin(PRICES_UPDATE, {"id": list_id, "add": rows, "delete": []}))["userErrors"] == []
    return list_id


def charged(admin, variant: str, location: str) -> str:
    pricing = admin.data(CONTEXTUAL, {"id": variant, "location": location})["productVariant"]
    return pricing["contextualPricing"]["price"]["amount"]


# -- availability and payment terms --------------------------------------------------------------------
AVAILABILITY = """{ shop { plan { publicDisplayName shopifyPlus }
  entitlements { markets { b2b { enabled catalogs { enabled } } } } } }"""


def test_plan_and_b2b_entitlement_follow_the_shop_settings(shop, admin):
    assert admin.data(AVAILABILITY)["shop"] == {
        "plan": {"publicDisplayName": "Grow", "shopifyPlus": False},
        "entitlements": {"markets": {"b2b": {"enabled": True, "catalogs": {"enabled": True}}}},
    }
    shop.b2b.settings.enabled = False
    b2b = admin.data(AVAILABILITY)["shop"]["entitlements"]["markets"]["b2b"]
    assert b2b == {"enabled": False, "catalogs": {"enabled": False}}
    denied = admin("{ companies(first: 1) { nodes { id } } }")
    assert denied["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    assert "must have access to B2B" in denied["errors"][0]["message"]


def test_payment_terms_templates_are_shopifys_fixed_list(admin):
    query = (
        "query($t: PaymentTermsType) { paymentTermsTemplates(paymentTermsType: $t) { id name dueInDays } }"
    )
    templates = admin.data(query)["paymentTermsTemplates"]
    assert [t["name"] for t in templates] == [
        "Due on receipt", "Due on fulfillment", "Net 7", "Net 15", "Net 30", "Net 45", "Net 60", "Net 90",
        "Fixed",
    ]  # fmt: skip
    net = admin.data(query, {"t": "NET"})["paymentTermsTemplates"]
    assert {t["dueInDays"]: t["id"] for t in net} == {
        7: "gid://shopify/PaymentTermsTemplate/2",
        15: "gid://shopify/PaymentTermsTemplate/3",
        30: NET_30,
        45: "gid://shopify/PaymentTermsTemplate/8",
        60: "gid://shopify/PaymentTermsTemplate/5",
        90: "gid://shopify/PaymentTermsTemplate/6",
    }


# -- companies and locations ---------------------------------------------------------------------------
def test_company_create_stores_the_company_location_and_default_roles(admin):
    company = create_company(
        admin,
        billingSameAsShipping=True,
        taxExempt=True,
        buyerExperienceConfiguration={"checkoutToDraft": True, "paymentTermsTemplateId": NET_30},
    )
    assert (company["name"], company["externalId"], company["mainContact"]) == ("Harbor Supply", "C-1", None)
    assert [r["name"] for r in company["contactRoles"]["nodes"]] == ["Location admin", "Ordering only"]
    location = admin.data(COMPANY_LOCATION, {"id": location_id(company)})["companyLocation"]
    assert location["externalId"] == "C-1"
    assert location["shippingAddress"] == {
        "address1": "1 Main St",
        "city": "Austin",
        "countryCode": "US",
        "zoneCode": "TX",
        "province": "Texas",
        "companyName": "Harbor Supply",
    }
    assert location["billingAddress"]["address1"] == "1 Main St"
    assert location["taxSettings"] == {"taxExempt": True, "taxExemptions": []}
    assert location["buyerExperienceConfiguration"] == {
        "checkoutToDraft": True,
        "paymentTermsTemplate": {"id": NET_30, "name": "Net 30", "dueInDays": 30},
    }


@pytest.mark.parametrize(
    ("company", "location", "expected"),
    [
        ({"name": " "}, {}, (["input", "company", "name"], "BLANK")),
        ({"name": "X" * 256}, {}, (["input", "company", "name"], "TOO_LONG")),
        ({"name": "New", "externalId": "C-1"}, {}, (["input", "company", "externalId"], "TAKEN")),
        (
            {"name": "New"},
            {"shippingAddress": ADDRESS | {"zoneCode": "ON"}},
            (["input", "companyLocation", "shippingAddress", "zoneCode"], "INVALID"),
        ),
        (
            {"name": "New"},
            {
                "buyerExperienceConfiguration": {
                    "paymentTermsTemplateId": "gid://shopify/PaymentTermsTemplate/99"
                }
            },
            (
                ["input", "companyLocation", "buyerExperienceConfiguration", "paymentTermsTemplateId"],
                "RESOURCE_NOT_FOUND",
            ),
        ),
    ],
)
def test_company_create_refuses_bad_input_and_writes_nothing(shop, admin, company, location, expected):
    create_company(admin)
    answer = admin(COMPANY_CREATE, {"input": {"company": company, "companyLocation": location}})
    result = payload(answer)
    assert result["company"] is None
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [expected]
    assert (len(shop.b2b.companies), len(shop.b2b.locations)) == (1, 1)
    assert answer["extensions"]["cost"]["actualQueryCost"] == 10


def test_companies_are_found_by_external_id_exactly_and_locations_by_tokens(admin):
    first = create_company(admin, "Harbor Supply", "C-1")
    create_company(admin, "Summit Trading", "C-10")
    companies = "query($q: String) { companies(first: 10, query: $q) { nodes { externalId } } }"
    assert admin.data(companies, {"q": "external_id:C-1"})["companies"]["nodes"] == [{"externalId": "C-1"}]
    locations = "query($q: String) { companyLocations(first: 10, query: $q) { nodes { externalId } } }"
    unquoted = admin.data(locations, {"q": "external_id:C-1"})["companyLocations"]["nodes"]
    assert sorted(n["externalId"] for n in unquoted) == ["C-1", "C-10"]  # a `string` filter is tokenised
    quoted = admin.data(locations, {"q": 'external_id:"C-1"'})["companyLocations"]["nodes"]
    assert quoted == [{"externalId": "C-1"}]
    by_id = admin.data("query($id: ID!) { company(id: $id) { name } }", {"id": first["id"]})
    assert by_id["company"] == {"name": "Harbor Supply"}


def test_an_existing_customer_becomes_contact_main_contact_and_location_admin(shop, admin):
    customer = shop.add_customer(email="buyer@harbor.example", first_name="Ada")
    company = create_company(admin)
    contact = payload(admin(ASSIGN_CONTACT, {"company": company["id"], "customer": customer}))
    assert contact["userErrors"] == []
    assert contact["companyContact"]["customer"] == {
        "id": customer,
        "defaultEmailAddress": {"emailAddress": "buyer@harbor.example"},
    }
    assert len(shop.customers) == 1  # the customer, not a second one
    again = payload(admin(ASSIGN_CONTACT, {"company": company["id"], "customer": customer}))
    assert [(e["field"], e["code"]) for e in again["userErrors"]] == [(["customerId"], "TAKEN")]
    unknown = payload(admin(ASSIGN_CONTACT, {"company": company["id"], "customer": customer + "0"}))
    assert unknown["userErrors"][0]["code"] == "RESOURCE_NOT_FOUND"

    contact_id = contact["companyContact"]["id"]
    admin_role = company["contactRoles"]["nodes"][0]["id"]
    roles = f"""mutation(
      $company: ID!, $contact: ID!, $location: ID!, $roles: [CompanyLocationRoleAssign!]!
    ) {{
      companyAssignMainContact(companyId: $company, companyContactId: $contact) {{
        company {{ id }} {ERRORS} }}
      companyLocationAssignRoles(companyLocationId: $location, rolesToAssign: $roles) {{
        roleAssignments {{ role {{ name }} companyContact {{ id }} }} {ERRORS} }}
    }}"""
    variables = {
        "company": company["id"],
        "contact": contact_id,
        "location": location_id(company),
        "roles": [{"companyContactId": contact_id, "companyContactRoleId": admin_role}],
    }
    answer = admin(roles, variables)
    assert answer["extensions"]["cost"]["actualQueryCost"] == 20  # 10 per mutation field
    assigned = answer["data"]["companyLocationAssignRoles"]
    assert assigned["roleAssignments"] == [
        {"role": {"name": "Location admin"}, "companyContact": {"id": contact_id}}
    ]
    main_contact = "query($id: ID!) { company(id: $id) { mainContact { customer { id } } } }"
    main = admin.data(main_contact, {"id": company["id"]})
    assert main["company"]["mainContact"]["customer"]["id"] == customer
    second = admin(roles, variables)["data"]["companyLocationAssignRoles"]
    assert second["userErrors"][0]["code"] == "LIMIT_REACHED"  # one role per contact and location
    assert len(shop.b2b.assignments) == 1


def test_location_update_sets_and_clears_terms_and_checkout_to_draft(admin):
    company = create_company(admin)
    location = location_id(company)
    config = {"checkoutToDraft": True, "paymentTermsTemplateId": NET_30}
    assert (
        payload(admin(LOCATION_UPDATE, {"id": location, "input": {"buyerExperienceConfiguration": config}}))[
            "userErrors"
        ]
        == []
    )
    read = admin.data(COMPANY_LOCATION, {"id": location})["companyLocation"]["buyerExperienceConfiguration"]
    assert read["checkoutToDraft"] is True and read["paymentTermsTemplate"]["name"] == "Net 30"
    cleared = {"checkoutToDraft": False, "paymentTermsTemplateId": None}
    payload(admin(LOCATION_UPDATE, {"id": location, "input": {"buyerExperienceConfiguration": cleared}}))
    read = admin.data(COMPANY_LOCATION, {"id": location})["companyLocation"]["buyerExperienceConfiguration"]
    assert read == {"checkoutToDraft": False, "paymentTermsTemplate": None}
    unknown = payload(admin(LOCATION_UPDATE, {"id": location + "9", "input": {"name": "X"}}))
    assert [(e["field"], e["code"]) for e in unknown["userErrors"]] == [
        (["companyLocationId"], "RESOURCE_NOT_FOUND")
    ]


def test_addresses_and_tax_settings_of_a_location(admin):
    location = location_id(create_company(admin))
    assign = f"""mutation($id: ID!, $address: CompanyAddressInput!, $types: [CompanyAddressType!]!) {{
      companyLocationAssignAddress(locationId: $id, address: $address, addressTypes: $types) {{
        addresses {{ address1 countryCode }} {ERRORS} }}
    }}"""
    billing = {"address1": "PO Box 9", "countryCode": "US"}
    result = payload(admin(assign, {"id": location, "address": billing, "types": ["BILLING"]}))
    assert result == {"addresses": [{"address1": "PO Box 9", "countryCode": "US"}], "userErrors": []}
    bad = payload(admin(assign, {"id": location, "address": {"address1": ""}, "types": ["SHIPPING"]}))
    assert [e["field"] for e in bad["userErrors"]] == [["address", "address1"], ["address", "countryCode"]]
    tax = f"""mutation($id: ID!, $exempt: Boolean) {{
      companyLocationTaxSettingsUpdate(companyLocationId: $id, taxExempt: $exempt,
        exemptionsToAssign: [US_TX_RESELLER_EXEMPTION]) {{ companyLocation {{ id }} {ERRORS} }}
    }}"""
    assert payload(admin(tax, {"id": location, "exempt": True}))["userErrors"] == []
    read = admin.data(COMPANY_LOCATION, {"id": location})["companyLocation"]
    assert read["taxSettings"] == {"taxExempt": True, "taxExemptions": ["US_TX_RESELLER_EXEMPTION"]}
    assert read["billingAddress"]["address1"] == "PO Box 9"
    assert read["shippingAddress"]["address1"] == "1 Main St"


def test_welcome_emails_are_recorded(shop, admin):
    customer = shop.add_customer(email="buyer@harbor.example")
    company = create_company(admin)
    contact = payload(admin(ASSIGN_CONTACT, {"company": company["id"], "customer": customer}))
    welcome = f"""mutation($id: ID!) {{
      companyContactSendWelcomeEmail(companyContactId: $id) {{ companyContact {{ id }} {ERRORS} }}
    }}"""
    contact_id = contact["companyContact"]["id"]
    assert payload(admin(welcome, {"id": contact_id}))["userErrors"] == []
    assert [(m["contact_id"], m["to"]) for m in shop.b2b.welcome_emails] == [
        (contact_id, "buyer@harbor.example")
    ]
    missing = payload(admin(welcome, {"id": contact_id + "0"}))
    assert missing["userErrors"][0]["code"] == "RESOURCE_NOT_FOUND"
    assert len(shop.b2b.welcome_emails) == 1


# -- catalogs and price lists --------------------------------------------------------------------------
def test_catalogs_by_title_and_moving_a_location_between_them(plus, admin):
    first, second = (location_id(create_company(admin, f"Co {n}", f"C-{n}")) for n in (1, 2))
    wholesale = new_catalog(admin, "Cin7 · Wholesale", [first, second])["catalog"]
    distributor = new_catalog(admin, "Cin7 · Distributor", [])["catalog"]
    taken = new_catalog(admin, "Cin7 · Wholesale", [])
    assert [(e["field"], e["code"]) for e in taken["userErrors"]] == [(["input", "title"], "TAKEN")]
    unknown = new_catalog(admin, "Cin7 · Other", [first + "0"])
    assert unknown["userErrors"][0]["code"] == "COMPANY_LOCATION_NOT_FOUND"
    move = f"""mutation($id: ID!, $add: CatalogContextInput, $remove: CatalogContextInput) {{
      catalogContextUpdate(catalogId: $id, contextsToAdd: $add, contextsToRemove: $remove) {{
        catalog {{ id }} {ERRORS} }}
    }}"""
    admin(move, {"id": wholesale["id"], "remove": {"companyLocationIds": [second]}})
    admin(move, {"id": distributor["id"], "add": {"companyLocationIds": [second]}})
    neither = payload(admin(move, {"id": wholesale["id"]}))
    assert neither["userErrors"][0]["code"] == "REQUIRES_CONTEXTS_TO_ADD_OR_REMOVE"
    titles = (
        "query($q: String) { catalogs(first: 10, type: COMPANY_LOCATION, query: $q) { nodes { title } } }"
    )
    found = admin.data(titles, {"q": "title:'Cin7 · Wholesale'"})["catalogs"]["nodes"]
    assert found == [{"title": "Cin7 · Wholesale"}]
    markets = admin.data("{ catalogs(first: 10, type: MARKET) { nodes { id } } }")["catalogs"]["nodes"]
    assert markets == []
    of = "query($id: ID!) { companyLocation(id: $id) { catalogs(first: 5) { nodes { title } } } }"
    assert admin.data(of, {"id": second})["companyLocation"]["catalogs"]["nodes"] == [
        {"title": "Cin7 · Distributor"}
    ]


def test_the_plans_catalog_limit_refuses_active_catalogs_beyond_it(plus, shop, admin):
    shop.b2b.settings.catalog_limit = 1
    location = location_id(create_company(admin))
    assert new_catalog(admin, "Cin7 · Wholesale", [location])["userErrors"] == []
    refused = new_catalog(admin, "Cin7 · Distributor", [location])
    assert refused == CATALOG_LIMIT_REFUSED
    assert new_catalog(admin, "Cin7 · Draft", [location], status="DRAFT")["userErrors"] == []
    assert len(shop.b2b.catalogs) == 2
    shop.b2b.settings.catalog_limit, shop.b2b.settings.shopify_plus = None, True
    assert new_catalog(admin, "Cin7 · Distributor", [location])["userErrors"] == []
    plan = admin.data(AVAILABILITY)["shop"]["plan"]
    assert plan == {"publicDisplayName": "Shopify Plus", "shopifyPlus": True}


def test_price_lists_are_unique_in_the_shop_currency_and_one_per_catalog(plus, admin):
    catalog = new_catalog(admin, "Cin7 · Wholesale", [])["catalog"]["id"]
    parent = {"adjustment": {"type": "PERCENTAGE_DECREASE", "value": 0}}
    base = {"name": "Wholesale", "currency": "USD", "parent": parent, "catalogId": catalog}
    created = payload(admin(PRICE_LIST_CREATE, {"input": base}))
    assert created["userErrors"] == [] and created["priceList"]["catalog"] == {"id": catalog}
    deep = {"adjustment": {"type": "PERCENTAGE_DECREASE", "value": 120}}
    cases = [
        (base | {"catalogId": None}, (["input", "name"], "TAKEN")),
        (base | {"name": "Other"}, (["input", "catalogId"], "CATALOG_TAKEN")),
        (
            base | {"name": "Euro", "currency": "EUR", "catalogId": None},
            (["input", "currency"], "CURRENCY_NOT_SUPPORTED"),
        ),
        (
            base | {"name": "Deep", "catalogId": None, "parent": deep},
            (["input", "parent", "adjustment", "value"], "INVALID_ADJUSTMENT_MAX_VALUE"),
        ),
    ]
    for price_list, expected in cases:
        result = payload(admin(PRICE_LIST_CREATE, {"input": price_list}))
        assert [(e["field"], e["code"]) for e in result["userErrors"]] == [expected]


def test_fixed_prices_add_update_delete_atomically_in_batches_of_250(plus, shop, admin, variants):
    list_id = priced_catalog(admin, "Cin7 · Wholesale", [], {variants[0]: "12.50", variants[1]: "30"})
    fixed = shop.b2b.price_lists[list_id].fixed
    assert {v: str(row["price"]) for v, row in fixed.items()} == {variants[0]: "12.50", variants[1]: "30"}
    rows = [{"variantId": variants[2], "price": {"amount": "9.99", "currencyCode": "USD"}}]
    result = payload(admin(PRICES_UPDATE, {"id": list_id, "add": rows, "delete": [variants[1]]}))
    assert result["pricesAdded"] == [{"variant": {"id": variants[2]}, "price": {"amount": "9.99"}}]
    assert result["deletedFixedPriceVariantIds"] == [variants[1]]
    bad = [
        *rows,
        {"variantId": variants[3], "price": {"amount": "1", "currencyCode": "EUR"}},
        {"variantId": "gid://shopify/ProductVariant/1", "price": {"amount": "1", "currencyCode": "USD"}},
    ]
    refused = payload(admin(PRICES_UPDATE, {"id": list_id, "add": bad, "delete": [variants[3]]}))
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["pricesToAdd", "1", "price", "currencyCode"], "PRICE_LIST_CURRENCY_MISMATCH"),
        (["pricesToAdd", "2", "variantId"], "VARIANT_NOT_FOUND"),
        (["variantIdsToDelete", "0"], "PRICE_NOT_FIXED"),
    ]
    assert set(fixed) == {variants[0], variants[2]}  # nothing of the refused call was applied
    over = [rows[0]] * 251
    too_many = admin(PRICES_UPDATE, {"id": list_id, "add": over, "delete": []})
    assert too_many["errors"][0]["extensions"] == {
        "code": "MAX_INPUT_SIZE_EXCEEDED",
        "argumentName": "pricesToAdd",
    }
    assert payload(admin(PRICES_UPDATE, {"id": list_id, "add": over[:250], "delete": []}))["userErrors"] == []
    prices = """query($id: ID!, $after: String) { priceList(id: $id) { fixedPricesCount
      prices(first: 1, after: $after, originType: FIXED) { nodes { variant { id } price { amount } }
        pageInfo { hasNextPage endCursor } } } }"""
    page = admin.data(prices, {"id": list_id})["priceList"]
    assert page["fixedPricesCount"] == 2 and page["prices"]["nodes"][0]["variant"]["id"] == variants[0]
    after = page["prices"]["pageInfo"]["endCursor"]
    rest = admin.data(prices, {"id": list_id, "after": after})["priceList"]["prices"]
    assert rest["nodes"] == [{"variant": {"id": variants[2]}, "price": {"amount": "9.99"}}]
    assert rest["pageInfo"]["hasNextPage"] is False


# -- what a buyer is charged ---------------------------------------------------------------------------
def test_contextual_price_is_the_lowest_over_the_locations_active_catalogs(plus, shop, admin, variants):
    a, b = (location_id(create_company(admin, f"Co {n}", f"C-{n}")) for n in (1, 2))
    priced_catalog(admin, "Cin7 · Wholesale", [a, b], {variants[0]: "24.00", variants[1]: "30.00"})
    priced_catalog(admin, "Cin7 · Co 1", [a], {variants[0]: "26.00", variants[1]: "19.50"})
    priced_catalog(admin, "Cin7 · Draft", [a], {variants[2]: "1.00"}, status="DRAFT")
    assert [charged(admin, v, a) for v in variants[:3]] == ["24.0", "19.5", "40.0"]
    assert [charged(admin, v, b) for v in variants[:3]] == ["24.0", "30.0", "40.0"]
    unknown = admin(CONTEXTUAL, {"id": variants[0], "location": a + "0"})
    assert "Company location does not exist" in unknown["errors"][0]["message"]


def test_contextual_price_of_a_relative_price_list_and_through_nodes(plus, shop, admin, variants):
    location = location_id(create_company(admin))
    catalog = new_catalog(admin, "Cin7 · Ten off", [location])["catalog"]["id"]
    parent = {"adjustment": {"type": "PERCENTAGE_DECREASE", "value": 12.5}}
    price_list = {"name": "Ten off", "currency": "USD", "parent": parent, "catalogId": catalog}
    payload(admin(PRICE_LIST_CREATE, {"input": price_list}))
    query = """query($ids: [ID!]!, $location: ID!) { nodes(ids: $ids) { ... on ProductVariant {
      contextualPricing(context: {companyLocationId: $location}) { price { amount } } } } }"""
    nodes = admin.data(query, {"ids": variants[:1], "location": location})["nodes"]
    assert nodes == [{"contextualPricing": {"price": {"amount": "35.0"}}}]


# -- scopes, costs, nodes ------------------------------------------------------------------------------
def test_company_operations_need_customer_or_company_scopes_and_catalogs_product_scopes(sandbox, admin):
    products_only = Admin(
        sandbox, SHOP, sandbox.issue_token(SHOP, scopes=("read_products", "write_products"))
    )
    denied = products_only(COMPANY_CREATE, {"input": {"company": {"name": "X"}}})
    assert denied["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    assert (
        "`write_customers` access scope or `write_companies` access scope" in denied["errors"][0]["message"]
    )
    companies_only = Admin(sandbox, SHOP, sandbox.issue_token(SHOP, scopes=("write_companies",)))
    assert payload(companies_only(COMPANY_CREATE, {"input": {"company": {"name": "X"}}}))["userErrors"] == []
    catalog = companies_only(CATALOG_CREATE, {"input": {"title": "T", "status": "ACTIVE", "context": {}}})
    assert "write_products" in catalog["errors"][0]["message"]


def test_connection_costs_and_nodes_of_b2b_types(admin):
    company = create_company(admin)
    query = """query($first: Int!) { companies(first: $first) { nodes { id
      contactRoles(first: 10) { nodes { id } } locations(first: 5) { nodes { id } } } } }"""
    answer = admin(query, {"first": 10})
    # 2 + 10 * (1 + (2 + 10) + (2 + 5)) requested; actual counts what came back
    assert answer["extensions"]["cost"]["requestedQueryCost"] == 202
    assert answer["extensions"]["cost"]["actualQueryCost"] == 2 + (1 + 2 + 2 + 2 + 1)
    assert admin(query, {"first": 50})["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
    ids = [company["id"], location_id(company)]
    query = """query($ids: [ID!]!) { nodes(ids: $ids) {
      __typename ... on Company { name } ... on CompanyLocation { name } } }"""
    nodes = admin.data(query, {"ids": ids})["nodes"]
    assert nodes == [
        {"__typename": "Company", "name": "Harbor Supply"},
        {"__typename": "CompanyLocation", "name": "Harbor Supply"},
    ]


def test_company_update_moves_the_external_id_and_refuses_a_taken_one(admin):
    first, second = create_company(admin, "Harbor", "C-1"), create_company(admin, "Summit", "C-2")
    update = f"""mutation($id: ID!, $input: CompanyInput!) {{
      companyUpdate(companyId: $id, input: $input) {{ company {{ name externalId }} {ERRORS} }}
    }}"""
    taken = payload(admin(update, {"id": second["id"], "input": {"externalId": "C-1"}}))
    assert [(e["field"], e["code"]) for e in taken["userErrors"]] == [(["input", "externalId"], "TAKEN")]
    moved = payload(admin(update, {"id": first["id"], "input": {"name": "Harbor Co", "externalId": "C-9"}}))
    assert moved["company"] == {"name": "Harbor Co", "externalId": "C-9"}
    # the old id is free again, the new one is found
    assert payload(admin(update, {"id": second["id"], "input": {"externalId": "C-1"}}))["userErrors"] == []
    companies = "query($q: String) { companies(first: 5, query: $q) { nodes { name } } }"
    assert admin.data(companies, {"q": "external_id:C-9"})["companies"]["nodes"] == [{"name": "Harbor Co"}]


def test_company_create_with_a_new_contact_makes_a_customer_who_is_main_contact(shop, admin):
    shop.add_customer(email="taken@harbor.example")
    contact = {"email": "new@harbor.example", "firstName": "Ada", "title": "Buyer"}
    company = {"name": "Harbor", "externalId": "C-1"}
    result = payload(admin(COMPANY_CREATE, {"input": {"company": company, "companyContact": contact}}))
    assert result["userErrors"] == [] and result["company"]["mainContact"] is not None
    assert shop.customer_by_email("new@harbor.example").first_name == "Ada"
    taken = {"company": {"name": "Other"}, "companyContact": {"email": "TAKEN@harbor.example"}}
    refused = payload(admin(COMPANY_CREATE, {"input": taken}))
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["input", "companyContact", "email"], "TAKEN")
    ]
    assert len(shop.b2b.companies) == 1


def test_contact_assign_roles_checks_each_pair(shop, admin):
    company = create_company(admin)
    other = create_company(admin, "Summit", "C-2")
    contact = payload(
        admin(ASSIGN_CONTACT, {"company": company["id"], "customer": shop.add_customer(email="a@b.co")})
    )
    contact_id = contact["companyContact"]["id"]
    ordering = company["contactRoles"]["nodes"][1]["id"]
    assign = f"""mutation($id: ID!, $roles: [CompanyContactRoleAssign!]!) {{
      companyContactAssignRoles(companyContactId: $id, rolesToAssign: $roles) {{
        roleAssignments {{ role {{ name }} companyLocation {{ id }} }} {ERRORS} }}
    }}"""
    wrong = [{"companyContactRoleId": ordering, "companyLocationId": location_id(other)}]
    refused = payload(admin(assign, {"id": contact_id, "roles": wrong}))
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["rolesToAssign", "0"], "INVALID_INPUT")
    ]
    right = [{"companyContactRoleId": ordering, "companyLocationId": location_id(company)}]
    done = payload(admin(assign, {"id": contact_id, "roles": right}))
    assert done["roleAssignments"] == [
        {"role": {"name": "Ordering only"}, "companyLocation": {"id": location_id(company)}}
    ]
    roles = """query($id: ID!) {
      companyContact(id: $id) { roleAssignments(first: 5) { nodes { role { name } } } } }"""
    assert admin.data(roles, {"id": contact_id})["companyContact"]["roleAssignments"]["nodes"] == [
        {"role": {"name": "Ordering only"}}
    ]


def test_catalog_update_status_and_price_list_and_the_limit_on_activation(plus, shop, admin):
    shop.b2b.settings.catalog_limit = 1
    active = new_catalog(admin, "Cin7 · Wholesale", [])["catalog"]
    draft = new_catalog(admin, "Cin7 · Retail", [], status="DRAFT")["catalog"]
    update = f"""mutation($id: ID!, $input: CatalogUpdateInput!) {{
      catalogUpdate(id: $id, input: $input) {{ catalog {{ title status priceList {{ name }} }} {ERRORS} }}
    }}"""
    refused = payload(admin(update, {"id": draft["id"], "input": {"status": "ACTIVE"}}))
    assert "maximum number of B2B catalogs" in refused["userErrors"][0]["message"]
    payload(admin(update, {"id": active["id"], "input": {"status": "ARCHIVED"}}))
    parent = {"adjustment": {"type": "PERCENTAGE_INCREASE", "value": 5}}
    price_list = {"name": "Retail", "currency": "USD", "parent": parent}
    list_id = payload(admin(PRICE_LIST_CREATE, {"input": price_list}))["priceList"]["id"]
    done = payload(admin(update, {"id": draft["id"], "input": {"status": "ACTIVE", "priceListId": list_id}}))
    assert done == {
        "catalog": {"title": "Cin7 · Retail", "status": "ACTIVE", "priceList": {"name": "Retail"}},
        "userErrors": [],
    }
    assert shop.b2b.price_lists[list_id].catalog_id == draft["id"]


def test_price_list_update_and_fixed_prices_add_and_delete(plus, shop, admin, variants):
    list_id = priced_catalog(admin, "Cin7 · Wholesale", [], {variants[0]: "10.00"})
    rename = f"""mutation($id: ID!, $input: PriceListUpdateInput!) {{
      priceListUpdate(id: $id, input: $input) {{ priceList {{ name parent {{ adjustment {{ type value }} }} }}
        {ERRORS} }}
    }}"""
    parent = {"adjustment": {"type": "PERCENTAGE_DECREASE", "value": 10}}
    renamed = payload(admin(rename, {"id": list_id, "input": {"name": "Cin7 · Trade", "parent": parent}}))
    assert renamed["priceList"] == {
        "name": "Cin7 · Trade",
        "parent": {"adjustment": {"type": "PERCENTAGE_DECREASE", "value": 10.0}},
    }
    add = f"""mutation($id: ID!, $prices: [PriceListPriceInput!]!) {{
      priceListFixedPricesAdd(priceListId: $id, prices: $prices) {{
        prices {{ price {{ amount }} }} {ERRORS} }}
    }}"""
    rows = [{"variantId": variants[0], "price": {"amount": "8.25", "currencyCode": "USD"}}]
    assert payload(admin(add, {"id": list_id, "prices": rows}))["prices"] == [{"price": {"amount": "8.25"}}]
    delete = f"""mutation($id: ID!, $ids: [ID!]!) {{
      priceListFixedPricesDelete(priceListId: $id, variantIds: $ids) {{
        deletedFixedPriceVariantIds {ERRORS} }}
    }}"""
    not_fixed = payload(admin(delete, {"id": list_id, "ids": [variants[1]]}))
    assert not_fixed["userErrors"][0]["code"] == "PRICE_NOT_FIXED"
    missing = payload(admin(delete, {"id": list_id + "0", "ids": [variants[0]]}))
    assert [(e["field"], e["code"]) for e in missing["userErrors"]] == [
        (["priceListId"], "PRICE_LIST_NOT_FOUND")
    ]
    assert payload(admin(delete, {"id": list_id, "ids": [variants[0]]}))["deletedFixedPriceVariantIds"] == [
        variants[0]
    ]
    assert shop.b2b.price_lists[list_id].fixed == {}
