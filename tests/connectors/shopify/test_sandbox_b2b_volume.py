"""Volume pricing, quantity rules, tax registration IDs and role revokes in the Shopify sandbox over real HTTP
(sandbox/B2B.md "Volume pricing", "Roles")."""

from .test_sandbox_b2b import ASSIGN_CONTACT, ERRORS, create_company, location_id, payload, priced_catalog

QUANTITY_PRICING = f"""mutation($id: ID!, $input: QuantityPricingByVariantUpdateInput!) {{
  quantityPricingByVariantUpdate(priceListId: $id, input: $input) {{ productVariants {{ id }} {ERRORS} }}
}}"""
RULES_ADD = f"""mutation($id: ID!, $rules: [QuantityRuleInput!]!) {{
  quantityRulesAdd(priceListId: $id, quantityRules: $rules) {{
    quantityRules {{ minimum increment maximum isDefault originType productVariant {{ id }} }} {ERRORS}
  }}
}}"""
RULES_DELETE = f"""mutation($id: ID!, $variants: [ID!]!) {{
  quantityRulesDelete(priceListId: $id, variantIds: $variants) {{ deletedQuantityRulesVariantIds {ERRORS} }}
}}"""
LIST_READ = """query($id: ID!) { priceList(id: $id) {
  quantityRules(first: 10) { nodes { minimum increment maximum productVariant { id } } }
  prices(first: 10) { nodes { variant { id } price { amount }
    quantityPriceBreaks(first: 10) { nodes { id minimumQuantity price { amount currencyCode } } } } } } }"""
CONTEXTUAL = """query($id: ID!, $location: ID!) { productVariant(id: $id) {
  contextualPricing(context: {companyLocationId: $location}) {
    price { amount } quantityRule { minimum increment maximum isDefault originType }
    quantityPriceBreaks(first: 10) { nodes { minimumQuantity price { amount } } } } } }"""
TAX = f"""mutation($id: ID!, $tax: String) {{
  companyLocationTaxSettingsUpdate(companyLocationId: $id, taxRegistrationId: $tax) {{
    companyLocation {{ taxSettings {{ taxRegistrationId taxExempt }} }} {ERRORS}
  }}
}}"""
ROLES = """query($id: ID!) { companyLocation(id: $id) {
  roleAssignments(first: 10) { nodes { id companyContact { id } role { name } } } } }"""
REVOKE_ONE = f"""mutation($contact: ID!, $assignment: ID!) {{
  companyContactRevokeRole(companyContactId: $contact, companyContactRoleAssignmentId: $assignment) {{
    revokedCompanyContactRoleAssignmentId {ERRORS} }}
}}"""
LOCATION_REVOKE = f"""mutation($id: ID!, $ids: [ID!]!) {{
  companyLocationRevokeRoles(companyLocationId: $id, rolesToRevoke: $ids) {{
    revokedRoleAssignmentIds {ERRORS} }}
}}"""


def usd(amount: str) -> dict:
    return {"amount": amount, "currencyCode": "USD"}


def breaks(variant, *rows):
    return [{"variantId": variant, "minimumQuantity": m, "price": usd(p)} for m, p in rows]


def setup(admin, variant_ids):
    company = create_company(admin)
    location = location_id(company)
    prices = {variant_ids[0]: "30.00", variant_ids[1]: "20.00"}
    list_id = priced_catalog(admin, "Cin7 · Wholesale", [location], prices)
    return location, list_id


def update(admin, list_id, **input):
    keys = (
        "pricesToAdd",
        "pricesToDeleteByVariantId",
        "quantityPriceBreaksToAdd",
        "quantityPriceBreaksToDelete",
    )
    keys += ("quantityRulesToAdd", "quantityRulesToDeleteByVariantId")
    return payload(admin(QUANTITY_PRICING, {"id": list_id, "input": {k: input.get(k, []) for k in keys}}))


def test_breaks_and_rules_reach_the_location_through_its_catalog(plus, admin, variants):
    location, list_id = setup(admin, variants)
    rules = [{"variantId": variants[0], "minimum": 6, "increment": 6}]
    result = update(
        admin,
        list_id,
        quantityRulesToAdd=rules,
        quantityPriceBreaksToAdd=breaks(variants[0], (12, "27.50"), (48, "25.125")),
    )
    assert result == {"productVariants": [{"id": variants[0]}], "userErrors": []}
    pricing = admin.data(CONTEXTUAL, {"id": variants[0], "location": location})["productVariant"]
    assert pricing["contextualPricing"] == {
        "price": {"amount": "30.0"},
        "quantityRule": {
            "minimum": 6,
            "increment": 6,
            "maximum": None,
            "isDefault": False,
            "originType": "FIXED",
        },
        "quantityPriceBreaks": {
            "nodes": [
                {"minimumQuantity": 12, "price": {"amount": "27.5"}},
                {"minimumQuantity": 48, "price": {"amount": "25.125"}},
            ]
        },
    }
    other = admin.data(CONTEXTUAL, {"id": variants[1], "location": location})["productVariant"]
    assert other["contextualPricing"]["quantityRule"]["isDefault"] is True
    assert other["contextualPricing"]["quantityPriceBreaks"]["nodes"] == []
    read = admin.data(LIST_READ, {"id": list_id})["priceList"]
    assert read["quantityRules"]["nodes"] == [
        {"minimum": 6, "increment": 6, "maximum": None, "productVariant": {"id": variants[0]}}
    ]
    first = next(p for p in read["prices"]["nodes"] if p["variant"]["id"] == variants[0])
    assert [b["minimumQuantity"] for b in first["quantityPriceBreaks"]["nodes"]] == [12, 48]


def test_deletes_run_first_and_a_refusal_changes_nothing(plus, admin, variants):
    location, list_id = setup(admin, variants)
    update(admin, list_id, quantityPriceBreaksToAdd=breaks(variants[0], (10, "28.00")))
    refused = update(
        admin,
        list_id,
        quantityPriceBreaksToAdd=breaks(variants[0], (20, "26.00")) + breaks(variants[2], (5, "1.00")),
    )
    assert refused["productVariants"] is None
    assert [e["code"] for e in refused["userErrors"]] == [
        "QUANTITY_PRICE_BREAK_ADD_PRICE_LIST_PRICE_NOT_FOUND"
    ]
    read = admin.data(LIST_READ, {"id": list_id})["priceList"]["prices"]["nodes"]
    (first,) = [p for p in read if p["variant"]["id"] == variants[0]]
    (old,) = first["quantityPriceBreaks"]["nodes"]
    replaced = update(
        admin,
        list_id,
        quantityPriceBreaksToDelete=[old["id"]],
        quantityPriceBreaksToAdd=breaks(variants[0], (10, "27.00")),
    )
    assert replaced["userErrors"] == []
    pricing = admin.data(CONTEXTUAL, {"id": variants[0], "location": location})["productVariant"]
    assert pricing["contextualPricing"]["quantityPriceBreaks"]["nodes"] == [
        {"minimumQuantity": 10, "price": {"amount": "27.0"}}
    ]


def test_break_checks_against_the_rule_and_duplicates(plus, admin, variants):
    _, list_id = setup(admin, variants)
    update(
        admin,
        list_id,
        quantityRulesToAdd=[{"variantId": variants[0], "minimum": 6, "increment": 6, "maximum": 60}],
    )
    cases = [
        ((4, "1.00"), "MIN_LOWER_THAN_QUANTITY_RULES_MIN"),
        ((8, "1.00"), "MIN_NOT_A_MULTIPLE_OF_QUANTITY_RULES_INCREMENT"),
    ]
    cases += [((66, "1.00"), "MIN_HIGHER_THAN_QUANTITY_RULES_MAX")]
    for row, code in cases:
        errors = update(admin, list_id, quantityPriceBreaksToAdd=breaks(variants[0], row))["userErrors"]
        assert [e["code"] for e in errors] == [f"QUANTITY_PRICE_BREAK_ADD_{code}"]
    errors = update(admin, list_id, quantityPriceBreaksToAdd=breaks(variants[0], (12, "1"), (12, "2")))[
        "userErrors"
    ]
    assert [e["code"] for e in errors] == ["QUANTITY_PRICE_BREAK_ADD_DUPLICATE_INPUT_FOR_VARIANT_AND_MIN"]


def test_quantity_rules_add_and_delete(plus, admin, variants):
    _, list_id = setup(admin, variants)
    added = payload(
        admin(
            RULES_ADD, {"id": list_id, "rules": [{"variantId": variants[1], "minimum": 12, "increment": 12}]}
        )
    )
    assert added["userErrors"] == [] and added["quantityRules"][0]["minimum"] == 12
    bad = [
        {"variantId": variants[0], "minimum": 5, "increment": 2},
        {"variantId": variants[1], "minimum": 2, "increment": 4},
    ]
    refused = payload(admin(RULES_ADD, {"id": list_id, "rules": bad}))
    assert [e["code"] for e in refused["userErrors"]] == [
        "MINIMUM_NOT_MULTIPLE_OF_INCREMENT",
        "INCREMENT_IS_GREATER_THAN_MINIMUM",
    ]
    update(admin, list_id, quantityPriceBreaksToAdd=breaks(variants[1], (24, "18.00")))
    above = payload(
        admin(
            RULES_ADD, {"id": list_id, "rules": [{"variantId": variants[1], "minimum": 36, "increment": 12}]}
        )
    )
    assert [e["code"] for e in above["userErrors"]] == ["MINIMUM_IS_HIGHER_THAN_QUANTITY_PRICE_BREAK_MINIMUM"]
    deleted = payload(admin(RULES_DELETE, {"id": list_id, "variants": [variants[1]]}))
    assert deleted == {"deletedQuantityRulesVariantIds": [variants[1]], "userErrors": []}
    again = payload(admin(RULES_DELETE, {"id": list_id, "variants": [variants[1]]}))
    assert [e["code"] for e in again["userErrors"]] == ["VARIANT_QUANTITY_RULE_DOES_NOT_EXIST"]


def test_tax_registration_id_set_and_cleared(plus, admin):
    location = location_id(create_company(admin))
    result = payload(admin(TAX, {"id": location, "tax": "GB123456789"}))
    assert result["companyLocation"]["taxSettings"] == {
        "taxRegistrationId": "GB123456789",
        "taxExempt": False,
    }
    cleared = payload(admin(TAX, {"id": location, "tax": ""}))
    assert cleared["companyLocation"]["taxSettings"]["taxRegistrationId"] is None


def test_a_revoked_role_leaves_the_contact_and_its_customer(shop, plus, admin):
    company = create_company(admin)
    location = location_id(company)
    customer = shop.add_customer("buyer@harbor.test", "Bo", "Buyer")
    contact = payload(admin(ASSIGN_CONTACT, {"company": company["id"], "customer": customer}))[
        "companyContact"
    ]
    roles = {role["name"]: role["id"] for role in company["contactRoles"]["nodes"]}
    assign = f"""mutation($c: ID!, $r: ID!, $l: ID!) {{
      companyContactAssignRole(companyContactId: $c, companyContactRoleId: $r, companyLocationId: $l) {{
        companyContactRoleAssignment {{ id }} {ERRORS} }} }}"""
    assigned = payload(admin(assign, {"c": contact["id"], "r": roles["Ordering only"], "l": location}))
    assignment = assigned["companyContactRoleAssignment"]["id"]
    revoked = payload(admin(REVOKE_ONE, {"contact": contact["id"], "assignment": assignment}))
    assert revoked == {"revokedCompanyContactRoleAssignmentId": assignment, "userErrors": []}
    names = [
        n["companyContact"]["id"]
        for n in admin.data(ROLES, {"id": location})["companyLocation"]["roleAssignments"]["nodes"]
    ]
    assert contact["id"] not in names
    assert contact["id"] in shop.b2b.contacts and customer in shop.customers
    again = payload(admin(LOCATION_REVOKE, {"id": location, "ids": [assignment]}))
    assert [e["code"] for e in again["userErrors"]] == ["RESOURCE_NOT_FOUND"]
