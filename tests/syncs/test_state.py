"""Change detection: a desired state against the snapshot of what Shopify last confirmed."""

from syncs.customers.diff import (
    KEEP,
    DesiredCustomer,
    Metafield,
    apply_changes,
    diff_customer,
    snapshot_of,
    stored_form,
)

BIG_JSON = '{"SKU":"' + "x" * 500 + '"}'


def desired(**overrides):
    values = {
        "cin7_id": "c-1",
        "email": "a@b.example",
        "fields": {
            "email": "a@b.example",
            "firstName": "Ann",
            "lastName": None,
            "phone": "+14155550132",
            "taxExempt": False,
        },
        "tags": ("b2b", "VIP"),
        "metafields": {
            "company_name": Metafield("single_line_text_field", "Acme"),
            "credit_limit": Metafield("number_decimal", None),
            "customer_prices": Metafield("json", BIG_JSON),
        },
    }
    values.update(overrides)
    return DesiredCustomer(**values)


def test_snapshot_of_a_created_customer_diffs_to_nothing():
    state = desired()
    assert diff_customer(state, snapshot_of(state)).empty


def test_long_values_are_stored_as_hashes_and_still_compare():
    snapshot = snapshot_of(desired())
    assert snapshot["metafields"]["customer_prices"].startswith("sha256:")
    assert snapshot["metafields"]["company_name"] == "Acme"
    changed = desired(
        metafields={**desired().metafields, "customer_prices": Metafield("json", BIG_JSON + " ")}
    )
    changes = diff_customer(changed, snapshot)
    assert list(changes.metafields_set) == ["customer_prices"] and not changes.fields


def test_field_changes_only_the_changed_keys():
    old = snapshot_of(desired())
    new = desired(fields={**desired().fields, "firstName": "Anna"})
    changes = diff_customer(new, old)
    assert changes.fields == {"firstName": "Anna"}
    assert changes.field_diff == {"firstName": ["Ann", "Anna"]}
    assert changes.update_input("gid://shopify/Customer/1", with_metafields=True) == {
        "id": "gid://shopify/Customer/1",
        "firstName": "Anna",
    }


def test_clearing_a_value_written_before_but_not_one_never_written():
    old = snapshot_of(desired())
    changes = diff_customer(desired(fields={**desired().fields, "phone": None}), old)
    assert changes.fields == {"phone": None}
    fresh = diff_customer(
        desired(fields={"email": "a@b.example", "phone": None}), {"fields": {"email": "a@b.example"}}
    )
    assert fresh.fields == {}


def test_tags_added_and_removed_case_insensitively_merchant_tags_untouched():
    old = snapshot_of(desired(tags=("b2b", "vip")))
    changes = diff_customer(desired(tags=("B2B", "Gold")), old)
    assert changes.tags_add == ["Gold"] and changes.tags_remove == ["vip"]


def test_metafields_deleted_only_when_written_and_keep_is_never_touched():
    old = snapshot_of(desired())
    gone = desired(
        metafields={"company_name": Metafield("single_line_text_field", None), "customer_prices": KEEP}
    )
    changes = diff_customer(gone, old)
    assert changes.metafields_delete == ["company_name"] and not changes.metafields_set


def test_components_limit_the_comparison_to_those_metafields():
    old = snapshot_of(desired())
    new = desired(
        fields={"email": "new@b.example"},
        tags=(),
        metafields={
            "customer_prices": Metafield("json", "{}"),
            "company_name": Metafield("single_line_text_field", "New"),
        },
    )
    changes = diff_customer(new, old, components=frozenset({"customer_prices"}))
    assert not changes.fields and not changes.tags_add and not changes.tags_remove
    assert list(changes.metafields_set) == ["customer_prices"]


def test_apply_changes_records_only_confirmed_parts():
    old = snapshot_of(desired())
    new = desired(fields={**desired().fields, "firstName": "Anna"}, tags=("b2b",))
    changes = diff_customer(new, old)
    after_fields = apply_changes(old, changes, fields=True, tags=False, metafields=False)
    assert after_fields["fields"]["firstName"] == "Anna" and after_fields["tags"] == ["b2b", "VIP"]
    after_all = apply_changes(after_fields, changes, fields=False, tags=True, metafields=True)
    assert diff_customer(new, after_all).empty


def test_create_input_carries_everything_with_a_value_but_the_address():
    state = desired(fields={**desired().fields, "address": {"address1": "1 St", "countryCode": "US"}})
    data = state.create_input()
    assert "addresses" not in data and "address" not in data  # written by the address mutations
    assert "lastName" not in data and data["tags"] == ["b2b", "VIP"]
    assert {m["key"] for m in data["metafields"]} == {"company_name", "customer_prices"}
    assert all(m["namespace"] == "cin7" for m in data["metafields"])


def test_state_hash_changes_with_any_part():
    assert desired().state_hash == desired().state_hash
    assert desired().state_hash != desired(tags=("b2b",)).state_hash
    assert stored_form(None) is None


def test_preview_shows_what_a_metafield_was():
    old = snapshot_of(desired())
    new = desired(
        metafields={
            "company_name": Metafield("single_line_text_field", "Acme Ltd"),
            "credit_limit": Metafield("number_decimal", None),
            "customer_prices": Metafield("json", BIG_JSON + " "),
        }
    )
    preview = diff_customer(new, old).preview()
    assert preview["metafield cin7.company_name"] == {"from": "Acme", "to": "Acme Ltd"}
    assert preview["metafield cin7.customer_prices"]["from"] == "(a previous value)"
