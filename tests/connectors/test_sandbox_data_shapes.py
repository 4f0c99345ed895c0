"""Head offices, branches, extra contacts, discount rules and carton quantities in the sample data: present
in the demo, at the asked share in big sets, and drawn apart from everything else (figures unchanged)."""

from decimal import Decimal

from connectors.cin7.sandbox import Cin7Sandbox, Cin7Store, ThrottleConfig
from connectors.clock import VirtualClock
from connectors.sandbox_data import demo_data, generate
from connectors.sandbox_data.customers import is_b2b
from tests.connectors.cin7.conftest import sandbox_client

SHAPE_FIELDS = {"CustomerParentID", "IsBillParent", "Contacts", "DiscountRule", "CartonQuantity"}


def by_id(data):
    return {c["ID"]: c for c in data.cin7_customers}


def test_demo_has_a_head_office_with_two_branches_and_each_shape_case():
    data = demo_data()
    customers, cases = by_id(data), data.cases
    (head,) = cases["head_office"]
    branches = [c for c in data.cin7_customers if c.get("CustomerParentID") == head]
    assert len(branches) == 2
    added = [c for c in branches if c["ID"] != cases["child"][0]]  # the `child` scenario predates shapes
    assert all(c["Currency"] == customers[head]["Currency"] for c in added)
    assert sorted(cases["branch"]) == sorted(c["ID"] for c in branches)
    assert any(c["IsBillParent"] for c in branches)
    (outside,) = cases["head_office_out_of_scope"]
    assert is_b2b(customers[outside]["Tags"])
    assert not is_b2b(customers[customers[outside]["CustomerParentID"]]["Tags"])
    (shared,) = cases["contact_in_two_companies"]
    holders = [c for c in data.cin7_customers if shared in {x.get("Email") for x in c["Contacts"]}]
    assert len(holders) == 2
    rules = {rule["name"] for rule in data.discount_rules}
    products = {p["SKU"]: p for p in data.cin7_products}
    for case in ("volume_pricing", "discount_unsupported"):
        assert all(products[sku]["DiscountRule"] in rules for sku in cases[case])
    assert all(products[sku]["CartonQuantity"] > 1 for sku in cases["pack_size"])


def test_shapes_are_drawn_apart_so_other_figures_stay():
    plain, wide = generate(400, 300, seed=5, branch_share=0.0), generate(400, 300, seed=5, branch_share=0.3)
    assert plain.shopify_products == wide.shopify_products
    assert plain.shopify_customers == wide.shopify_customers
    for a, b in zip(plain.cin7_customers, wide.cin7_customers, strict=True):
        assert {k: v for k, v in a.items() if k not in SHAPE_FIELDS} == {
            k: v for k, v in b.items() if k not in SHAPE_FIELDS
        }
        defaults = [x for x in a["Contacts"] if x.get("Default")]
        assert defaults == [x for x in b["Contacts"] if x.get("Default")]
    share = wide.summary()["cin7_branches"] / 400
    assert 0.2 < share < 0.4 and plain.summary()["cin7_branches"] < 10


def test_big_sets_have_realistic_shares():
    summary = generate(2000, 3000, seed=0).summary()
    assert 0.01 < summary["cin7_branches"] / 2000 < 0.06
    assert 0.05 < summary["cin7_products_with_discount_rule"] / 3000 < 0.2


def test_loads_into_the_cin7_sandbox_and_reads_back():
    data, clock = generate(300, 200, seed=2, branch_share=0.3), VirtualClock()
    store = Cin7Store(clock=clock, seed=1)
    account = store.add_account(**data.account_kwargs)
    data.load_cin7(account)
    with Cin7Sandbox(store, throttle=ThrottleConfig(limit=None)) as server:
        client = sandbox_client(account, server, clock)
        with client:
            rules = client.discount_rules()
            customers = list(client.iter_customers(include_deprecated=True))
            products = list(client.iter_products(include_deprecated=True))
    assert sorted(rule.name for rule in rules) == sorted(rule["name"] for rule in data.discount_rules)
    assert sum(bool(c.parent_id) for c in customers) == data.summary()["cin7_branches"]
    assert {p.discount_rule for p in products} - {None} <= {rule.name for rule in rules}
    assert any(p.carton_quantity and p.carton_quantity > Decimal(1) for p in products)
    assert client.bad_records == []
