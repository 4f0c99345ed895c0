"""The connector's volume-pricing operations (connectors/shopify/b2b_volume.py) against the sandbox: breaks
and quantity rules written in batches of whole variants within 250 inputs, read back per price list and as
the location is charged, tax registration IDs, role revokes."""

import pytest

from connectors.shopify.b2b_volume import PER_CALL, Volume, VolumeAdmin, VolumeChange
from connectors.shopify.b2b_volume_export import VolumeExports
from connectors.shopify.client import GraphQLClient

from .conftest import SHOP, VERSION, Admin
from .test_sandbox_b2b import ASSIGN_CONTACT, create_company, location_id, payload, priced_catalog


@pytest.fixture
def api(sandbox, clock) -> VolumeAdmin:
    token = sandbox.issue_token(SHOP)
    client = GraphQLClient(
        SHOP, lambda: token, admin_url_template=sandbox.admin_url_template, api_version=VERSION, clock=clock
    )
    return VolumeAdmin(client)


@pytest.fixture
def admin_http(sandbox) -> Admin:
    return Admin(sandbox, SHOP, sandbox.issue_token(SHOP))


@pytest.fixture
def priced(shop, admin_http):
    """A Plus shop with one location in a catalog pricing 130 variants at 10.00."""
    shop.set_plan("Shopify Plus")
    product = shop.add_product(
        "Wood Screw", [{"sku": f"S-{n}", "title": f"V{n}", "price": "12.00"} for n in range(130)]
    )
    variants = shop.products[product]["variant_ids"]
    location = location_id(create_company(admin_http))
    list_id = priced_catalog(admin_http, "Cin7 · Trade", [location], dict.fromkeys(variants, "10.00"))
    return variants, location, list_id


def mutations(sandbox) -> int:
    return sum("quantityPricingByVariantUpdate" in call.root_fields for call in sandbox.calls)


def test_breaks_and_rules_round_trip_in_batches_of_whole_variants(sandbox, api, priced):
    variants, location, list_id = priced
    change = VolumeChange(
        breaks={v: ((12, "9.50"), (48, "9.125")) for v in variants},
        rules={v: (6, 6) for v in variants[:3]},
    )
    sandbox.calls.clear()
    done, errors = api.update_volume(list_id, change, "USD")
    assert errors == () and done == set(variants)
    assert mutations(sandbox) == 2  # 260 breaks: 125 variants (250 breaks), then 5
    read = api.volume(list_id)
    assert read[variants[0]] == Volume(((12, "9.5"), (48, "9.125")), (6, 6, None))
    assert read[variants[-1]] == Volume(((12, "9.5"), (48, "9.125")), None)
    charged = api.contextual_volume(variants[:2], location)
    assert charged[variants[0]] == ("10.0", Volume(((12, "9.5"), (48, "9.125")), (6, 6, None)))
    asked = [*variants[1:40], "gid://shopify/ProductVariant/999999"]  # 2 requests of breaks, 1 of rules
    mark = len(sandbox.calls)
    some = api.volume_of(list_id, asked)
    assert len(sandbox.calls) - mark == 3
    assert {v for v, volume in some.items() if volume.breaks} == set(variants[1:40])
    assert {v for v, volume in some.items() if volume.rule} == set(variants[:3])  # every rule of the list
    assert some[variants[1]] == read[variants[1]]


def test_replacing_and_clearing_breaks_and_rules(api, priced):
    variants, location, list_id = priced
    api.update_volume(
        list_id, VolumeChange(breaks={variants[0]: ((10, "9.00"),)}, rules={variants[0]: (5, 5)}), "USD"
    )
    change = VolumeChange(breaks={variants[0]: ((20, "8.00"),)}, rules_removed=[variants[0]])
    assert api.update_volume(list_id, change, "USD") == ({variants[0]}, ())
    assert api.volume(list_id) == {variants[0]: Volume(((20, "8.0"),), None)}
    assert api.update_volume(list_id, VolumeChange(breaks={variants[0]: ()}), "USD")[1] == ()
    assert api.volume(list_id) == {}
    assert api.contextual_volume([variants[0]], location)[variants[0]] == ("10.0", Volume((), (1, 1, None)))


def test_a_refused_batch_is_reported_and_the_others_apply(api, priced):
    variants, _, list_id = priced
    api.add_quantity_rules(list_id, {variants[0]: (6, 6)})
    change = VolumeChange(breaks={variants[0]: ((8, "9.00"),)})
    done, errors = api.update_volume(list_id, change, "USD")
    assert done == set() and [e.code for e in errors] == [
        "QUANTITY_PRICE_BREAK_ADD_MIN_NOT_A_MULTIPLE_OF_QUANTITY_RULES_INCREMENT"
    ]
    assert api.delete_quantity_rules(list_id, [variants[0]]) == ()
    assert api.volume(list_id) == {}


def test_tax_registration_and_role_revoke(shop, api, admin_http):
    shop.set_plan("Shopify Plus")
    company = create_company(admin_http)
    location = location_id(company)
    assert api.set_tax_registration(location, "DE123456789") == ()
    assert shop.b2b.locations[location].tax_registration_id == "DE123456789"
    assert api.set_tax_registration(location, None) == ()
    assert shop.b2b.locations[location].tax_registration_id is None
    customer = shop.add_customer("buyer@harbor.test", "Bo", "Buyer")
    contact = payload(admin_http(ASSIGN_CONTACT, {"company": company["id"], "customer": customer}))[
        "companyContact"
    ]
    role = next(r["id"] for r in company["contactRoles"]["nodes"] if r["name"] == "Ordering only")
    assign = """mutation($c: ID!, $r: ID!, $l: ID!) { companyContactAssignRole(companyContactId: $c,
      companyContactRoleId: $r, companyLocationId: $l) { companyContactRoleAssignment { id } } }"""
    assignment = payload(admin_http(assign, {"c": contact["id"], "r": role, "l": location}))
    assignment_id = assignment["companyContactRoleAssignment"]["id"]
    assert api.revoke_roles(contact["id"], [assignment_id]) == ()
    assert assignment_id not in shop.b2b.assignments and contact["id"] in shop.b2b.contacts
    assert [e.code for e in api.revoke_roles(contact["id"], [assignment_id])] == ["RESOURCE_NOT_FOUND"]


def test_batches_respect_the_input_limit():
    change = VolumeChange(breaks={f"v{n:03d}": tuple((m, "1.00") for m in range(2, 9)) for n in range(100)})
    batches = list(VolumeAdmin(None)._batches(change, "USD"))
    assert all(len(v["quantityPriceBreaksToAdd"]) <= PER_CALL for _, v in batches)
    assert sum(len(b) for b, _ in batches) == 100 and len(batches) == 3


def test_the_export_reads_what_the_per_variant_read_reads_and_gives_up_on_another_list(
    sandbox, api, priced, admin_http
):
    """`VolumeExports.held` at a location the list alone prices equals `volume_of` (breaks of the variants
    asked for, every rule); at a location another list prices it answers None."""
    variants, location, list_id = priced
    change = VolumeChange(breaks={v: ((12, "9.50"),) for v in variants[:40]}, rules={variants[50]: (6, 6)})
    api.update_volume(list_id, change, "USD")
    exports = VolumeExports(api.client)
    catalog_id = sandbox.shops[SHOP].b2b.price_lists[list_id].catalog_id
    assert exports.location_catalogs(location) == [(catalog_id, "ACTIVE")]
    asked = set(variants[:30])
    held = exports.held(exports.start(location), list_id, asked)
    assert held == api.volume_of(list_id, asked)
    assert held[variants[50]] == Volume((), (6, 6, None)) and len(held) == 31
    other = location_id(create_company(admin_http, name="Other", external_id="C-2"))
    other_list = priced_catalog(admin_http, "Cin7 · Other", [other], dict.fromkeys(variants, "9.00"))
    api.update_volume(other_list, VolumeChange(breaks={variants[0]: ((12, "8.00"),)}), "USD")
    assert exports.held(exports.start(other), list_id, asked) is None
