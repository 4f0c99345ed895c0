"""Customers: create/update semantics and userErrors, address mutations, tags, lookups, search, account
invites, and the refusal of what 2026-01 deprecates."""

import pytest

CUSTOMER_FIELDS = """
  id defaultEmailAddress { emailAddress } firstName lastName displayName defaultPhoneNumber { phoneNumber }
  state tags taxExempt legacyResourceId
  addressesV2(first: 10) { nodes { address1 city countryCodeV2 provinceCode province company } }
  defaultAddress { city }
  metafield(namespace: "cin7", key: "cin7_id") { value type }
"""
CREATE = f"""mutation($input: CustomerInput!) {{
  customerCreate(input: $input) {{ customer {{ {CUSTOMER_FIELDS} }} userErrors {{ field message }} }}
}}"""
UPDATE = f"""mutation($input: CustomerInput!) {{
  customerUpdate(input: $input) {{ customer {{ {CUSTOMER_FIELDS} }} userErrors {{ field message }} }}
}}"""
TAGS_ADD = """mutation($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) { node { id } userErrors { field message } }
}"""
TAGS_REMOVE = TAGS_ADD.replace("tagsAdd", "tagsRemove")
EMAIL = "defaultEmailAddress { emailAddress }"
SEARCH = f"query($q: String) {{ customers(first: 50, query: $q) {{ nodes {{ {EMAIL} }} }} }}"
BY_IDENTIFIER = (
    f"query($i: CustomerIdentifierInput!) {{ customerByIdentifier(identifier: $i) {{ id {EMAIL} }} }}"
)
ADDRESS_RESULT = "address { id city } userErrors { field message }"
ADDRESS_CREATE = f"""mutation($c: ID!, $a: MailingAddressInput!, $d: Boolean) {{
  customerAddressCreate(customerId: $c, address: $a, setAsDefault: $d) {{ {ADDRESS_RESULT} }}
}}"""
ADDRESS_UPDATE = f"""mutation($c: ID!, $id: ID!, $a: MailingAddressInput!, $d: Boolean) {{
  customerAddressUpdate(customerId: $c, addressId: $id, address: $a, setAsDefault: $d) {{ {ADDRESS_RESULT} }}
}}"""
ADDRESS_DELETE = """mutation($c: ID!, $id: ID!) {
  customerAddressDelete(customerId: $c, addressId: $id) { deletedAddressId userErrors { field message } }
}"""
ADDRESS_PAGE = """query($id: ID!, $after: String) {
  customer(id: $id) {
    defaultAddress { city }
    addressesV2(first: 2, after: $after) { nodes { id city } pageInfo { hasNextPage endCursor } }
  }
}"""
INVITE = """mutation($id: ID!) {
  customerSendAccountInviteEmail(customerId: $id) { customer { id state } userErrors { field message } }
}"""


def create(admin, **data) -> dict:
    return admin.data(CREATE, {"input": data})["customerCreate"]


def test_create_stores_every_input_field(shop, admin):
    result = create(
        admin,
        email="Buyer@Example.com",
        firstName="Ada",
        lastName="Lovelace",
        phone="+1 415 555 2671",
        tags=["wholesale", "VIP", "vip"],
        taxExempt=True,
        metafields=[
            {"namespace": "cin7", "key": "cin7_id", "type": "single_line_text_field", "value": "C-1"}
        ],
    )

    customer = result["customer"]
    assert result["userErrors"] == []
    assert customer["state"] == "DISABLED" and customer["defaultPhoneNumber"] == {
        "phoneNumber": "+14155552671"
    }
    assert customer["tags"] == ["VIP", "wholesale"] and customer["taxExempt"] is True
    assert customer["displayName"] == "Ada Lovelace"
    assert customer["defaultEmailAddress"] == {"emailAddress": "Buyer@Example.com"}
    assert customer["addressesV2"]["nodes"] == [] and customer["defaultAddress"] is None
    assert customer["metafield"] == {"value": "C-1", "type": "single_line_text_field"}
    record = shop.customers[customer["id"]]
    assert record.email == "Buyer@Example.com" and shop.customer_by_email("buyer@example.COM") is record
    assert shop.metafield(customer["id"], "cin7", "cin7_id") == {
        "type": "single_line_text_field",
        "value": "C-1",
    }


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "TAKEN@example.com"}, ["email"], "Email has already been taken"),
        ({"email": "not-an-email"}, ["email"], "Email is invalid"),
        ({"email": "new@example.com", "phone": "+14155552671"}, ["phone"], "Phone has already been taken"),
        ({"email": "new@example.com", "phone": "+1 555 0100"}, ["phone"], "Phone is invalid"),
        ({"email": "new@example.com", "phone": "0412 345 678"}, ["phone"], "Phone is invalid"),
        ({"note": "nobody"}, None, "must be present"),
        (
            {
                "email": "new@example.com",
                "metafields": [{"namespace": "cin7", "key": "on_hold", "type": "boolean", "value": "yes"}],
            },
            ["metafields", "0", "value"],
            "true or false",
        ),
    ],
)
def test_create_user_errors_change_nothing(shop, admin, data, field, message):
    shop.add_customer(email="taken@example.com", phone="+14155552671")
    before = dict(shop.customers)

    result = create(admin, **data)

    assert result["customer"] is None
    assert result["userErrors"][0]["field"] == field and message in result["userErrors"][0]["message"]
    assert shop.customers == before


def test_update_changes_only_given_fields(shop, admin):
    created = create(admin, email="a@example.com", firstName="Ann", phone="+14155552671", tags=["keep"])
    customer_id = created["customer"]["id"]

    updated = admin.data(UPDATE, {"input": {"id": customer_id, "lastName": "Smith"}})

    customer = updated["customerUpdate"]["customer"]
    assert customer["firstName"] == "Ann" and customer["lastName"] == "Smith"
    assert customer["defaultPhoneNumber"] == {"phoneNumber": "+14155552671"} and customer["tags"] == ["keep"]
    replaced = admin.data(UPDATE, {"input": {"id": customer_id, "tags": ["only"]}})["customerUpdate"]
    assert replaced["customer"]["tags"] == ["only"]


def test_address_mutations_create_update_in_place_set_default_and_delete(shop, admin):
    customer = shop.add_customer(email="a@example.com", addresses=[{"city": "Old", "countryCode": "US"}])
    (old_id,) = [a["id"] for a in shop.customers[customer].addresses]

    created = admin.data(
        ADDRESS_CREATE, {"c": customer, "a": {"city": "Austin", "countryCode": "US"}, "d": True}
    )
    new_id = created["customerAddressCreate"]["address"]["id"]
    assert [a["city"] for a in shop.customers[customer].addresses] == ["Austin", "Old"]  # the new default

    moved = {"city": "Toronto", "countryCode": "CA", "provinceCode": "ON"}
    updated = admin.data(ADDRESS_UPDATE, {"c": customer, "id": new_id, "a": moved, "d": True})
    assert updated["customerAddressUpdate"] == {
        "address": {"id": new_id, "city": "Toronto"},
        "userErrors": [],
    }
    assert [a["id"].split("/")[-1] for a in shop.customers[customer].addresses][1] == old_id.split("/")[-1]

    admin.data(ADDRESS_UPDATE, {"c": customer, "id": old_id, "a": {"city": "Older"}, "d": True})
    assert [a["city"] for a in shop.customers[customer].addresses] == ["Older", "Toronto"]

    deleted = admin.data(ADDRESS_DELETE, {"c": customer, "id": new_id})["customerAddressDelete"]
    assert deleted == {"deletedAddressId": new_id, "userErrors": []}
    assert [a["city"] for a in shop.customers[customer].addresses] == ["Older"]


def test_address_mutation_user_errors_change_nothing(shop, admin):
    customer = shop.add_customer(email="a@example.com", addresses=[{"city": "Old", "countryCode": "US"}])
    before = [dict(a) for a in shop.customers[customer].addresses]
    bad_province = {"city": "X", "countryCode": "US", "provinceCode": "ON"}

    cases = [
        (ADDRESS_CREATE, {"c": customer, "a": bad_province}, ["address", "provinceCode"], "not valid"),
        (ADDRESS_CREATE, {"c": "gid://shopify/Customer/1", "a": {}}, ["customerId"], "does not exist"),
        (
            ADDRESS_UPDATE,
            {"c": customer, "id": before[0]["id"], "a": bad_province},
            ["address", "provinceCode"],
            "not valid",
        ),
        (
            ADDRESS_UPDATE,
            {"c": customer, "id": "gid://shopify/MailingAddress/1", "a": {}},
            ["addressId"],
            "does not exist",
        ),
        (
            ADDRESS_DELETE,
            {"c": customer, "id": "gid://shopify/MailingAddress/1"},
            ["addressId"],
            "does not exist",
        ),
    ]
    for document, variables, field, message in cases:
        (payload,) = admin.data(document, variables).values()
        assert payload["userErrors"][0]["field"] == field and message in payload["userErrors"][0]["message"]
    assert shop.customers[customer].addresses == before


def test_addresses_v2_pages_through_every_address_default_first(shop, admin):
    cities = [f"City {n}" for n in range(5)]
    customer = shop.add_customer(email="a@example.com", addresses=[{"city": c} for c in cities])

    seen, after = [], None
    while True:
        node = admin.data(ADDRESS_PAGE, {"id": customer, "after": after})["customer"]
        seen += [a["city"] for a in node["addressesV2"]["nodes"]]
        if not node["addressesV2"]["pageInfo"]["hasNextPage"]:
            break
        after = node["addressesV2"]["pageInfo"]["endCursor"]
    assert seen == cities and node["defaultAddress"] == {"city": "City 0"}


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("{ customers(first: 1) { nodes { email } } }", "Customer.email"),
        ("{ customers(first: 1) { nodes { addresses { id } } } }", "Customer.addresses"),
        ("{ shop { billingAddress { countryCodeV2 } } }", "Shop.billingAddress"),
        ("{ currentBulkOperation { id } }", "QueryRoot.currentBulkOperation"),
    ],
)
def test_deprecated_fields_are_refused_as_removed(shop, admin, query, named):
    answer = admin(query)
    assert "data" not in answer
    assert named in answer["errors"][0]["message"]
    assert answer["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_deprecated_input_fields_in_variables_are_refused_and_change_nothing(shop, admin):
    addresses = [{"city": "Austin", "countryCode": "US"}]
    answer = admin(CREATE, {"input": {"email": "new@example.com", "addresses": addresses}})

    assert "data" not in answer and shop.customers == {}
    (error,) = answer["errors"]
    assert "CustomerInput.addresses" in error["message"] and "customerAddressCreate" in error["message"]
    assert error["extensions"]["code"] == "INVALID_VARIABLE"


def test_update_user_errors(shop, admin):
    shop.add_customer(email="other@example.com")
    customer_id = create(admin, email="me@example.com")["customer"]["id"]

    missing = admin.data(UPDATE, {"input": {"id": "gid://shopify/Customer/1", "firstName": "X"}})[
        "customerUpdate"
    ]
    taken = admin.data(UPDATE, {"input": {"id": customer_id, "email": "OTHER@example.com", "firstName": "X"}})

    assert missing["userErrors"] == [{"field": ["id"], "message": "Customer does not exist"}]
    assert taken["customerUpdate"]["userErrors"] == [
        {"field": ["email"], "message": "Email has already been taken"}
    ]
    assert shop.customers[customer_id].first_name is None  # nothing applied
    same = admin.data(UPDATE, {"input": {"id": customer_id, "email": "ME@example.com"}})["customerUpdate"]
    assert same["userErrors"] == []


def test_tags_add_and_remove_are_case_insensitive_and_keep_other_tags(shop, admin):
    customer_id = shop.add_customer(email="t@example.com", tags=["Merchant-Tag", "Wholesale"])

    admin.data(TAGS_ADD, {"id": customer_id, "tags": ["wholesale", "Gold, Tier-A"]})
    assert sorted(shop.customers[customer_id].tags) == ["Gold", "Merchant-Tag", "Tier-A", "Wholesale"]
    admin.data(TAGS_REMOVE, {"id": customer_id, "tags": ["GOLD", "absent"]})
    assert sorted(shop.customers[customer_id].tags) == ["Merchant-Tag", "Tier-A", "Wholesale"]

    unknown = admin.data(TAGS_ADD, {"id": "gid://shopify/Customer/1", "tags": ["x"]})["tagsAdd"]
    assert unknown["node"] is None and unknown["userErrors"][0]["field"] == ["id"]


def test_merchant_edits_keep_lookups_exact(shop, admin):
    customer = shop.add_customer(email="old@example.com")
    shop.update_customer(
        customer, email="New@Example.com", phone="+14155552671", addresses=[{"city": "Oslo"}]
    )

    assert shop.customer_by_email("old@example.com") is None
    assert shop.customer_by_email("new@example.com").id == customer
    assert shop.customer_by_phone("+14155552671").id == customer
    read = admin.data("query($id: ID!) { customer(id: $id) { defaultAddress { city } } }", {"id": customer})
    assert read["customer"]["defaultAddress"] == {"city": "Oslo"}
    assert (
        create(admin, email="new@example.com")["userErrors"][0]["message"] == "Email has already been taken"
    )
    with pytest.raises(TypeError):
        shop.update_customer(customer, colour="blue")


def test_customer_by_identifier_is_exact(shop, admin):
    bob = shop.add_customer(email="Bob@Example.com", phone="+14155552671")
    shop.add_customer(email="bobby@example.com")

    def lookup(**identifier):
        return admin.data(BY_IDENTIFIER, {"i": identifier})["customerByIdentifier"]

    assert lookup(emailAddress="bob@example.com")["id"] == bob
    assert lookup(emailAddress="bob@example.co") is None
    assert lookup(phoneNumber="+1 415-555-2671")["id"] == bob
    assert lookup(id=bob)["defaultEmailAddress"] == {"emailAddress": "Bob@Example.com"}
    assert lookup(id="gid://shopify/Customer/1") is None
    assert admin(BY_IDENTIFIER, {"i": {"emailAddress": "a@b.c", "id": bob}})["errors"]


def test_quoted_search_is_exact_but_unquoted_search_matches_other_customers(shop, admin):
    for email in ("bob@example.com", "bobby@other.org", "alice@example.com", "carol@else.net"):
        shop.add_customer(email=email)

    def emails(query):
        nodes = admin.data(SEARCH, {"q": query})["customers"]["nodes"]
        return sorted(n["defaultEmailAddress"]["emailAddress"] for n in nodes)

    assert emails('email:"bob@example.com"') == ["bob@example.com"]
    assert emails('email:"BOB@example.com"') == ["bob@example.com"]
    assert emails("email:bob@example.com") == ["alice@example.com", "bob@example.com", "bobby@other.org"]
    assert emails('email:"bob@example.com" OR email:"carol@else.net"') == [
        "bob@example.com",
        "carol@else.net",
    ]
    assert emails("email:carol*") == ["carol@else.net"]
    assert emails('-email:"carol@else.net" email:example.com') == ["alice@example.com", "bob@example.com"]


def test_search_by_tag_state_and_id_and_unknown_fields_are_ignored_with_a_warning(shop, admin):
    vip = shop.add_customer(email="v@example.com", tags=["VIP"], state="ENABLED")
    shop.add_customer(email="d@example.com", state="DISABLED")

    def emails(query):
        nodes = admin.data(SEARCH, {"q": query})["customers"]["nodes"]
        return sorted(n["defaultEmailAddress"]["emailAddress"] for n in nodes)

    assert emails("tag:vip") == ["v@example.com"]
    assert emails("state:disabled") == ["d@example.com"]
    assert emails(f"id:{vip.rsplit('/', 1)[1]}") == ["v@example.com"]
    answer = admin(SEARCH, {"q": "colour:blue"})
    assert len(answer["data"]["customers"]["nodes"]) == 2
    assert answer["extensions"]["search"][0]["warnings"][0]["field"] == "colour"


def test_customers_paginate_with_opaque_cursors(shop, admin):
    ids = [shop.add_customer(email=f"c{i}@example.com") for i in range(5)]
    query = """query($after: String) {
      customers(first: 2, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
    }"""

    seen, after = [], None
    while True:
        page = admin.data(query, {"after": after})["customers"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ids
    assert "Invalid cursor" in admin(query, {"after": "garbage!"})["errors"][0]["message"]


def test_invite_only_on_classic_accounts_and_not_for_enabled_customers(sandbox, shop, admin, classic_admin):
    classic = sandbox.shops["legacy.myshopify.com"]
    new_id = create(classic_admin, email="buyer@example.com")["customer"]["id"]
    enabled = classic.add_customer(email="old@example.com", state="ENABLED")

    sent = classic_admin.data(INVITE, {"id": new_id})["customerSendAccountInviteEmail"]
    again_enabled = classic_admin.data(INVITE, {"id": enabled})["customerSendAccountInviteEmail"]
    on_new_accounts = admin.data(INVITE, {"id": create(admin, email="x@example.com")["customer"]["id"]})

    assert sent == {"customer": {"id": new_id, "state": "INVITED"}, "userErrors": []}
    assert [invite["customer_id"] for invite in classic.invites] == [new_id]
    assert (
        again_enabled["customer"] is None and "already enabled" in again_enabled["userErrors"][0]["message"]
    )
    refused = on_new_accounts["customerSendAccountInviteEmail"]
    assert refused["customer"] is None and "new customer accounts" in refused["userErrors"][0]["message"]
    assert shop.invites == []

    classic.accept_invite(new_id)
    assert classic.customers[new_id].state == "ENABLED"


def test_shop_query_reports_customer_accounts(admin, classic_admin):
    query = (
        "{ shop { id name myshopifyDomain currencyCode shopAddress { countryCodeV2 } "
        "customerAccountsV2 { customerAccountsVersion url } } }"
    )
    shop = admin.data(query)["shop"]
    assert shop["name"] == "Acme Supply" and shop["myshopifyDomain"] == "acme.myshopify.com"
    assert shop["shopAddress"]["countryCodeV2"]
    assert shop["customerAccountsV2"]["customerAccountsVersion"] == "NEW_CUSTOMER_ACCOUNTS"
    assert shop["customerAccountsV2"]["url"].startswith("https://shopify.com/")
    legacy = classic_admin.data(query)["shop"]["customerAccountsV2"]["customerAccountsVersion"]
    assert legacy == "CLASSIC"
