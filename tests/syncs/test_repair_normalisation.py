"""What counts as an edit made in Shopify: values compared the way Shopify stores them (pure)."""

from connectors.shopify.records import ManagedCustomer
from syncs.customers.diff import DesiredCustomer, Metafield, snapshot_of
from syncs.customers.repairs import as_shopify_holds

ADDRESS = {"address1": "1 High St", "city": "London", "zip": "EC1A 1BB", "countryCode": "GB"}
LONG_JSON = '{"SKU":"' + "x" * 300 + '"}'
DESIRED = DesiredCustomer(
    cin7_id="c-1",
    email="a@b.example",
    fields={
        "firstName": "Ann",
        "lastName": None,
        "phone": "+442079460958",
        "taxExempt": False,
        "address": ADDRESS,
    },
    tags=("b2b",),
    metafields={
        "credit_limit": Metafield("number_decimal", "1000.00"),
        "customer_prices": Metafield("json", LONG_JSON),
        "price_tier": Metafield("single_line_text_field", "Wholesale"),
    },
)
MANAGED = {"b2b": "b2b", "vip": "VIP"}


def held(**changes) -> ManagedCustomer:
    values = {
        "id": "gid://shopify/Customer/1",
        "fields": {"firstName": "Ann", "lastName": "", "phone": "+44 20 7946 0958", "taxExempt": False},
        "address_id": "gid://shopify/MailingAddress/9?model_name=CustomerAddress",
        "address": {**ADDRESS, "zip": "ec1a 1bb ", "address2": "", "company": None},
        "tags": ("B2B", "newsletter"),
        "metafields": {
            "credit_limit": "1000.0",
            "customer_prices": '{"SKU": "' + "x" * 300 + '"}',
            "price_tier": "Wholesale",
        },
    }
    return ManagedCustomer(**(values | changes))


def written() -> dict:
    return snapshot_of(DESIRED) | {"address_id": "gid://shopify/MailingAddress/9"}


def test_the_same_values_in_shopify_s_stored_form_are_not_an_edit():
    assert as_shopify_holds(written(), held(), MANAGED, DESIRED) == written()


def test_each_edit_replaces_only_its_own_part_of_the_snapshot():
    edited = held(
        fields={"firstName": "Anna", "lastName": "", "phone": "+442079460958", "taxExempt": True},
        tags=("newsletter", "VIP"),
        metafields={"credit_limit": "900", "customer_prices": LONG_JSON},
    )
    corrected = as_shopify_holds(written(), edited, MANAGED, DESIRED)
    assert corrected["fields"]["firstName"] == "Anna" and corrected["fields"]["taxExempt"] is True
    assert corrected["fields"]["phone"] == written()["fields"]["phone"]
    assert corrected["tags"] == ["VIP"]
    assert corrected["metafields"]["credit_limit"] == "900"
    assert "price_tier" not in corrected["metafields"]  # deleted in Shopify: written again
    assert corrected["metafields"]["customer_prices"] == written()["metafields"]["customer_prices"]


def test_an_address_edited_or_no_longer_the_default_is_written_again():
    moved = as_shopify_holds(written(), held(address_id="gid://shopify/MailingAddress/10"), MANAGED, DESIRED)
    edited = as_shopify_holds(written(), held(address={**ADDRESS, "city": "Leeds"}), MANAGED, DESIRED)
    gone = as_shopify_holds(written(), held(address_id=None, address=None), MANAGED, DESIRED)
    assert moved["fields"]["address"] is edited["fields"]["address"] is gone["fields"]["address"] is None
    assert moved["address_id"] == written()["address_id"]  # still the one updated in place
