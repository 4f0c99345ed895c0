"""The gate: every document the app can send is valid on the Admin schema (2026-01) and uses nothing
deprecated there, in the document or in the values the app builds for its variables."""

import pytest

from connectors.cin7.records import Customer
from connectors.shopify.admin import ADDRESSES_PER_CALL, EMAILS_PER_LOOKUP
from connectors.shopify.b2b import B2BAdmin
from connectors.shopify.documents import (
    DOCUMENTS_DIR,
    address_writes_document,
    all_document_names,
    customers_by_email_document,
    document,
    price_list_volume_document,
    with_fragments,
)
from connectors.shopify.records import MetafieldRef, MetafieldWrite
from connectors.shopify.schema.gate import (
    deprecated_input_fields,
    document_problems,
    variable_deprecations,
)
from syncs.customers.diff import diff_customer
from syncs.customers.mapping import MappingSettings, map_customer
from tests.helpers import b2b_customer

GENERATED = {
    "CustomersByEmail(1)": customers_by_email_document(1),
    "B2BPriceListVolumeOf(30)": price_list_volume_document(30),
    f"CustomersByEmail({EMAILS_PER_LOOKUP})": customers_by_email_document(EMAILS_PER_LOOKUP),
    f"CustomerAddressWrites({ADDRESSES_PER_CALL} updates)": address_writes_document(ADDRESSES_PER_CALL, 0),
    f"CustomerAddressWrites({ADDRESSES_PER_CALL} creates)": address_writes_document(0, ADDRESSES_PER_CALL),
    "CustomerAddressWrites(mixed)": address_writes_document(12, 13),
}
DOCUMENTS = {name: document(name) for name in all_document_names()} | GENERATED


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_document_is_valid_and_free_of_deprecations(name):
    problems = document_problems(DOCUMENTS[name])
    assert problems == [], f"{name}: " + "; ".join(problems)


def test_documents_are_sent_with_each_imported_fragment_once():
    sent = document("customer_create")
    assert "#import" not in sent and sent.startswith("mutation CustomerCreate(")
    assert sent.count("fragment CustomerFields on Customer") == 1
    assert sent.count("fragment UserErrorFields on DisplayableError") == 1
    twice = '#import "fragments/page_info.graphql"\n#import "fragments/page_info.graphql"\n'
    assert with_fragments(twice + "query { x }").count("fragment PageInfoFields") == 1
    assert with_fragments("query { x }\n") == "query { x }\n"  # no import: the text as written


def test_every_fragment_file_is_imported_by_a_document():
    imported = {
        line.split('"')[1]
        for path in DOCUMENTS_DIR.glob("*.graphql")
        for line in path.read_text().splitlines()
        if line.startswith("#import")
    }
    assert imported == {f"fragments/{path.name}" for path in (DOCUMENTS_DIR / "fragments").glob("*.graphql")}


def test_the_gate_catches_a_deprecated_field_with_its_reason():
    problems = document_problems("query { customer(id: 1) { id email } }")
    assert problems == [
        "The field Customer.email is deprecated. Use `defaultEmailAddress.emailAddress` instead."
    ]
    assert document_problems("query { customer(id: 1) { nope } }")  # and plain validation errors


def test_the_gate_catches_deprecated_input_fields_written_in_the_document():
    literal = """mutation { webhookSubscriptionCreate(topic: APP_UNINSTALLED,
        webhookSubscription: {callbackUrl: "https://x.example/w"}) { userErrors { message } } }"""
    (problem,) = document_problems(literal)
    assert "WebhookSubscriptionInput.callbackUrl" in problem and "`uri`" in problem


def test_the_gate_catches_deprecated_input_fields_in_variables():
    sent = {"input": {"email": "a@b.example", "addresses": [{"city": "Austin", "countryCode": "US"}]}}
    (found,) = variable_deprecations(document("customer_create"), sent)
    assert found.coordinate == "CustomerInput.addresses" and found.variable == "input"
    assert "customerAddressCreate" in str(found)


def _desired():
    record = Customer.parse({"ID": "c-1", **b2b_customer("Ann Lee", "ann@example.com")})
    desired, _issues = map_customer(record, MappingSettings.build(customer_tags=["b2b"]))
    assert desired.fields.get("address"), "the sample needs an address to prove it is not sent"
    return desired


def test_declared_variable_types_reach_deprecations_the_app_never_sends():
    reachable = {
        name: deprecated_input_fields(text)
        for name, text in DOCUMENTS.items()
        if deprecated_input_fields(text)
    }
    # Named here so a new one is looked at: each is reachable from a variable type, and must not be sent.
    assert {field for fields in reachable.values() for field in fields} == {
        "CustomerInput.addresses",
        "MailingAddressInput.country",
        "MailingAddressInput.id",
        "MailingAddressInput.province",
        "MarketCreateInput.enabled",
        "MarketCreateInput.makeDuplicateRegionMarketsDraft",
        "MarketCreateInput.regions",
        "MarketUpdateInput.enabled",
        "MarketUpdateInput.makeDuplicateRegionMarketsDraft",
        "MetafieldDefinitionInput.useAsCollectionCondition",
    }
    # The values the app builds for those variables, every field filled in.
    desired = _desired()
    update = diff_customer(desired, {}).update_input("gid://shopify/Customer/1", with_metafields=True)
    for customer_input in (desired.create_input(), update):
        for name in ("customer_create", "customer_update"):
            assert variable_deprecations(document(name), {"input": customer_input}) == []
    address = desired.fields["address"]
    writes = address_writes_document(1, 1)
    variables = {"c0": "c", "id0": "a", "a0": address, "c1": "c", "a1": address}
    assert variable_deprecations(writes, variables) == []
    metafield = MetafieldWrite("gid://shopify/Customer/1", "cin7", "on_hold", "boolean", "true")
    assert variable_deprecations(document("metafields_set"), {"metafields": [metafield.as_input()]}) == []
    ref = MetafieldRef("gid://shopify/Customer/1", "cin7", "on_hold").as_input()
    assert variable_deprecations(document("metafields_delete"), {"metafields": [ref]}) == []


class RecordingClient:
    """Records what the connector sends and answers every mutation as applied."""

    def __init__(self):
        self.sent: list[tuple[str, dict]] = []

    def execute(self, query: str, variables: dict | None = None) -> dict:
        self.sent.append((query, variables or {}))
        applied = {"userErrors": [], "market": {"id": "gid://shopify/Market/1"}, "catalog": {"id": "c"}}
        return {name: applied for name in ("marketCreate", "marketUpdate", "catalogCreate", "catalogUpdate")}


def test_the_market_inputs_the_connector_builds_send_nothing_deprecated():
    client = RecordingClient()
    api = B2BAdmin(client)
    locations = [f"gid://shopify/CompanyLocation/{n}" for n in range(300)]
    api.create_market("Cin7 · Wholesale", locations)
    api.change_market_locations("gid://shopify/Market/1", locations[:10], locations[10:20])
    api.set_market_status("gid://shopify/Market/1", "DRAFT")
    api.create_market_catalog("Cin7 · Wholesale", "gid://shopify/Market/1", "gid://shopify/PriceList/1")
    api.set_catalog_status("c", "ARCHIVED")
    assert len(client.sent) == 6
    for query, variables in client.sent:
        assert variable_deprecations(query, variables) == []
