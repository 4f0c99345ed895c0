"""Pure B2B difference: what a company, a price list and the catalogs' locations need written."""

from syncs.b2b.diff import (
    CompanyWrite,
    company_create_input,
    company_preview,
    company_update,
    membership_moves,
    price_changes,
    written_after_create,
)

SHIPPING = {"address1": "1 Market St", "city": "San Francisco", "countryCode": "US", "zoneCode": "CA"}
BILLING = {"address1": "9 Pine St", "city": "Oakland", "countryCode": "US", "zoneCode": "CA"}
STATE = {
    "name": "Acme",
    "location": {"name": "Acme", "shipping": SHIPPING, "billing": SHIPPING},
    "tax_exempt": False,
    "terms": "gid://shopify/PaymentTermsTemplate/4",
    "draft": False,
    "catalogs": ["tier:2"],
}


def written_as(state: dict) -> dict:
    return {
        **written_after_create(state, roles=[{"id": "r", "name": "Location admin"}]),
        "catalogs": ["tier:2"],
    }


def test_a_company_as_written_needs_no_write():
    update = company_update(STATE, written_as(STATE))
    assert not update.changed
    assert update.writes == [CompanyWrite(None, "location", written={"location": STATE["location"]})]


def test_each_changed_part_is_one_write_in_order():
    state = {
        **STATE,
        "name": "Acme Ltd",
        "draft": True,
        "tax_exempt": True,
        "location": {"name": "Acme Ltd", "shipping": SHIPPING, "billing": BILLING},
    }
    update = company_update(state, written_as(STATE))
    assert update.changed
    assert [(w.call, w.on) for w in update.writes] == [
        ("update_company", "company"),
        ("update_location", "location"),
        ("assign_address", "location"),
        ("assign_address", "location"),
        (None, "location"),
        ("set_tax_exempt", "location"),
    ]
    assert update.writes[1].args[0]["buyerExperienceConfiguration"]["checkoutToDraft"] is True
    assert [w.args for w in update.writes[2:4]] == [(SHIPPING, ["SHIPPING"]), (BILLING, ["BILLING"])]
    assert update.writes[5].written == {"tax_exempt": True}


def test_an_address_removed_in_cin7_counts_as_a_change_without_a_write():
    state = {**STATE, "location": {"name": "Acme", "shipping": None, "billing": None}}
    update = company_update(state, written_as(STATE))
    assert update.changed and [w.call for w in update.writes] == [None]


def test_the_create_input_carries_the_location_and_its_addresses():
    data = company_create_input("c1", {**STATE, "location": {**STATE["location"], "billing": BILLING}})
    assert data["company"] == {"name": "Acme", "externalId": "c1"}
    location = data["companyLocation"]
    assert location["shippingAddress"] == SHIPPING and location["billingAddress"] == BILLING
    assert "billingSameAsShipping" not in location
    assert company_create_input("c1", STATE)["companyLocation"]["billingSameAsShipping"] is True


def test_a_preview_lists_what_differs():
    assert company_preview(STATE, written_as(STATE)) == {}
    assert company_preview({**STATE, "name": "B"}, written_as(STATE)) == {"name": {"from": "Acme", "to": "B"}}


def test_price_changes_set_what_differs_and_remove_what_is_gone():
    changed, removed = price_changes(
        {"v1": "10.00", "v2": "12.00"}, {"v1": "10.00", "v2": "11.00", "v3": "9.00"}
    )
    assert changed == {"v2": "12.00"} and removed == ["v3"]
    assert price_changes({"v1": "10.00"}, {"v1": "10.00"}) == ({}, [])


def test_locations_move_between_catalogs_only_where_membership_changed():
    moves = membership_moves(
        {"a": ["tier:1", "customer:a"], "b": ["tier:2"], "c": [], "gone": ["tier:1"]},
        {"a": ["tier:1"], "b": ["tier:1"], "c": ["tier:2"]},
    )
    assert moves == {
        "customer:a": (["a"], []),
        "tier:2": (["b"], ["c"]),
        "tier:1": ([], ["b"]),
    }
