"""Customers: create/update semantics and userErrors, tags, lookups, search, account invites."""

import pytest

CUSTOMER_FIELDS = """
  id email firstName lastName displayName phone state tags taxExempt legacyResourceId
  addresses { address1 city countryCodeV2 provinceCode province company }
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
SEARCH = "query($q: String) { customers(first: 50, query: $q) { nodes { email } } }"
BY_IDENTIFIER = "query($i: CustomerIdentifierInput!) { customerByIdentifier(identifier: $i) { id email } }"
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
        addresses=[
            {
                "address1": "1 Main St",
                "city": "Austin",
                "countryCode": "US",
                "provinceCode": "TX",
                "company": "Acme",
            }
        ],
        metafields=[
            {"namespace": "cin7", "key": "cin7_id", "type": "single_line_text_field", "value": "C-1"}
        ],
    )

    customer = result["customer"]
    assert result["userErrors"] == []
    assert customer["state"] == "DISABLED" and customer["phone"] == "+14155552671"
    assert customer["tags"] == ["VIP", "wholesale"] and customer["taxExempt"] is True
    assert customer["displayName"] == "Ada Lovelace"
    assert customer["addresses"] == [
        {
            "address1": "1 Main St",
            "city": "Austin",
            "countryCodeV2": "US",
            "provinceCode": "TX",
            "province": "Texas",
            "company": "Acme",
        }
    ]
    assert customer["defaultAddress"] == {"city": "Austin"}
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
            {"email": "new@example.com", "addresses": [{"countryCode": "US", "provinceCode": "ON"}]},
            ["addresses", "0", "provinceCode"],
            "not valid",
        ),
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


def test_update_changes_only_given_fields_and_replaces_addresses(shop, admin):
    created = create(
        admin,
        email="a@example.com",
        firstName="Ann",
        phone="+14155552671",
        tags=["keep"],
        addresses=[{"city": "Old", "countryCode": "US"}, {"city": "Older", "countryCode": "US"}],
    )
    customer_id = created["customer"]["id"]

    updated = admin.data(
        UPDATE,
        {
            "input": {
                "id": customer_id,
                "lastName": "Smith",
                "addresses": [{"city": "Toronto", "countryCode": "CA", "provinceCode": "ON"}],
            }
        },
    )

    customer = updated["customerUpdate"]["customer"]
    assert customer["firstName"] == "Ann" and customer["lastName"] == "Smith"
    assert customer["phone"] == "+14155552671" and customer["tags"] == ["keep"]
    assert [a["city"] for a in customer["addresses"]] == ["Toronto"]
    assert customer["defaultAddress"] == {"city": "Toronto"}

    replaced = admin.data(UPDATE, {"input": {"id": customer_id, "tags": ["only"]}})["customerUpdate"]
    assert replaced["customer"]["tags"] == ["only"]
    assert len(shop.customers[customer_id].addresses) == 1


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
    assert lookup(id=bob)["email"] == "Bob@Example.com"
    assert lookup(id="gid://shopify/Customer/1") is None
    assert admin(BY_IDENTIFIER, {"i": {"emailAddress": "a@b.c", "id": bob}})["errors"]


def test_quoted_search_is_exact_but_unquoted_search_matches_other_customers(shop, admin):
    for email in ("bob@example.com", "bobby@other.org", "alice@example.com", "carol@else.net"):
        shop.add_customer(email=email)

    def emails(query):
        return sorted(n["email"] for n in admin.data(SEARCH, {"q": query})["customers"]["nodes"])

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
        return sorted(n["email"] for n in admin.data(SEARCH, {"q": query})["customers"]["nodes"])

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
        "{ shop { id name myshopifyDomain currencyCode customerAccountsV2 { customerAccountsVersion url } } }"
    )
    shop = admin.data(query)["shop"]
    assert shop["name"] == "Acme Supply" and shop["myshopifyDomain"] == "acme.myshopify.com"
    assert shop["customerAccountsV2"]["customerAccountsVersion"] == "NEW_CUSTOMER_ACCOUNTS"
    assert shop["customerAccountsV2"]["url"].startswith("https://shopify.com/")
    legacy = classic_admin.data(query)["shop"]["customerAccountsV2"]["customerAccountsVersion"]
    assert legacy == "CLASSIC"
