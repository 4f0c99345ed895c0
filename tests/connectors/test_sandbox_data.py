"""The seeded sample data: realistic rates, every sync case present, determinism, speed, and its loaders."""

import time
from collections import Counter
from decimal import Decimal

import pytest
import requests

from connectors.cin7.sandbox import Cin7Sandbox, Cin7Store, ThrottleConfig
from connectors.sandbox_data import CUSTOMER_SCENARIOS, PRODUCT_SCENARIOS, SampleData, demo_data, generate

KNOWN_COUNTRIES = {"United States", "Canada", "United Kingdom", "Australia", "Germany", "New Zealand"}


def default_email(customer: dict) -> str | None:
    return next((c.get("Email") for c in customer["Contacts"] if c.get("Default")), None)


def tags(customer: dict) -> set[str]:
    return {t.strip().casefold() for t in (customer.get("Tags") or "").split(",") if t.strip()}


@pytest.fixture(scope="module")
def big() -> SampleData:
    started = time.perf_counter()
    data = generate(customers=10_000, products=20_000, seed=0)
    print(f"\ngenerate(10k customers, 20k products): {time.perf_counter() - started:.2f} s")
    return data


class FakeShop:
    """Records the two calls the Shopify sandbox offers to loaders."""

    def __init__(self):
        self.products, self.customers = [], []

    def add_product(self, title, variants=None):
        self.products.append((title, variants))
        return f"gid://shopify/Product/{len(self.products)}"

    def add_customer(self, email, first_name, last_name, phone=None, tags=(), state="ENABLED"):
        self.customers.append({"email": email, "tags": list(tags), "state": state})
        return f"gid://shopify/Customer/{len(self.customers)}"


def test_rates_are_realistic(big):
    summary = big.summary()
    assert summary["cin7_customers"] == 10_000 and summary["cin7_products"] == 20_000
    assert 0.6 < summary["cin7_b2b_customers"] / 10_000 < 0.8
    assert 0.05 < summary["cin7_customers_with_prices"] / 10_000 < 0.15
    assert all(1 <= len(c["ProductPrices"]) <= 20 for c in big.cin7_customers if "ProductPrices" in c)
    assert 0 < summary["cin7_deprecated_customers"] < 500 and 0 < summary["cin7_deprecated_products"] < 1000
    spellings = Counter(t for c in big.cin7_customers for t in (c.get("Tags") or "").split(","))
    assert {" b2b", "B2B", " b2b "} & set(spellings) and {"VIP", " VIP", "Gold", " Gold"} & set(spellings)
    countries = Counter(a["Country"] for c in big.cin7_customers for a in c["Addresses"])
    assert set(countries) >= KNOWN_COUNTRIES and set(countries) - KNOWN_COUNTRIES


def test_skus_and_the_shopify_catalogue(big):
    skus = {p["SKU"] for p in big.cin7_products}
    assert len({s.casefold() for s in skus}) == len(big.cin7_products)
    variant_skus = Counter(v["sku"] for p in big.shopify_products for v in p["variants"])
    assert 0.01 < len(skus - set(variant_skus)) / len(skus) < 0.04
    assert any(count > 1 for sku, count in variant_skus.items() if sku)  # one SKU on two variants
    assert any(s not in skus and s.upper() in skus for s in variant_skus if s)  # case only: must not match
    assert variant_skus[""] > 0
    places = set()
    for product in big.cin7_products:
        prices = [product[f"PriceTier{code}"] for code in range(1, 11)]
        assert all(isinstance(p, Decimal) and p >= 0 and p.as_tuple().exponent >= -4 for p in prices)
        places |= {p.as_tuple().exponent for p in prices if p}
    assert places == {-2, -3, -4}


def test_shopify_only_variants_are_added_with_skus_cin7_does_not_have():
    plain, wider = generate(300, 500, seed=3), generate(300, 500, seed=3, shopify_only_variants=125)
    added = [v for p in wider.shopify_products[len(plain.shopify_products) :] for v in p["variants"]]
    assert (
        wider.summary()["shopify_variants"]
        == plain.summary()["shopify_variants"] + 125
        == (sum(len(p["variants"]) for p in wider.shopify_products))
    )
    assert len({v["sku"] for v in added}) == 125
    assert not {v["sku"].casefold() for v in added} & {p["SKU"].casefold() for p in wider.cin7_products}


def test_the_same_seed_gives_the_same_data():
    assert generate(300, 500, seed=3) == generate(300, 500, seed=3)
    assert generate(300, 500, seed=3) != generate(300, 500, seed=4)


def test_demo_data_shows_every_case():
    data = demo_data()
    expected = set(CUSTOMER_SCENARIOS) - {"shared_email_twin"} | set(PRODUCT_SCENARIOS)
    expected |= {"variant_without_sku", "shopify_adopted_by_email", "shopify_untagged", "shopify_credit_hold"}
    expected |= {"unmapped_payment_term"}
    assert expected <= set(data.cases), expected - set(data.cases)
    customers = {c["ID"]: c for c in data.cin7_customers}

    def case(name: str) -> dict:
        return customers[data.cases[name][0]]

    assert default_email(case("no_default_email")) is None
    assert case("no_contacts")["Contacts"] == [] and case("no_address")["Addresses"] == []
    first, second = (customers[cid] for cid in data.cases["shared_email"][:2])
    assert default_email(first) != default_email(second)
    assert default_email(first).strip().casefold() == default_email(second).strip().casefold()
    assert case("unknown_country")["Addresses"][0]["Country"] not in KNOWN_COUNTRIES
    assert {c.get("Phone") for c in case("invalid_phone")["Contacts"]} & {"12", "n/a"}
    assert case("deprecated")["Status"] == "Deprecated"
    assert {"b2b", "vip"} <= tags(case("adopted_by_email")) and "gold" in tags(case("gold_canada"))
    assert not tags(case("untagged")) and "b2b" not in tags(case("retail"))
    tied = data.cases["tied_modified"]
    assert customers[tied[0]]["LastModifiedOn"] == customers[tied[1]]["LastModifiedOn"]
    adopted = next(c for c in data.shopify_customers if c["email"] in data.cases["shopify_adopted_by_email"])
    assert adopted["email"] != default_email(case("adopted_by_email"))
    assert adopted["email"].casefold() == default_email(case("adopted_by_email")).casefold()
    assert {"newsletter", "wholesale-2024"} <= set(adopted["tags"])
    assert set(data.tier_names) >= {"Wholesale", "Distributor", "VIP Trade", "Retail", "Tier 7"}
    assert {r["name"] for r in data.tax_rules if r["percent"] == 0} >= {"Tax Exempt", "GST Free Exports"}


def test_loaded_into_the_sandbox_it_is_served(capsys):
    started = time.perf_counter()
    data = demo_data()
    store = Cin7Store(seed=7)
    acct = store.add_account(**data.account_kwargs)
    data.load_cin7(acct)
    with Cin7Sandbox(store, throttle=ThrottleConfig(limit=None)) as server:
        ready = time.perf_counter() - started
        headers = {"api-auth-accountid": acct.account_id, "api-auth-applicationkey": acct.api_key}

        def get(endpoint: str, **params) -> dict:
            url = server.base_url + endpoint
            return requests.get(url, params=params, headers=headers, timeout=5).json()

        customers = get("customer", IncludeDeprecated="true", IncludeProductPrices="true")
        tiers = get("ref/priceTier")["PriceTiers"]
        terms = get("ref/paymentterm")["PaymentTermList"]
    print(f"\ndemo data generated, loaded and served in {ready * 1000:.0f} ms")
    assert customers["Total"] == len(data.cin7_customers)
    assert [t["Name"] for t in tiers] == data.tier_names
    # every customer's PaymentTerm is in the book, so the B2B sync can map it (or report it unmappable)
    assert {c["PaymentTerm"] for c in data.cin7_customers} <= {t["Name"] for t in terms}
    unmapped = next(c for c in customers["CustomerList"] if c["ID"] == data.cases["unmapped_payment_term"][0])
    method = {t["Name"]: (t["Method"], t["Duration"]) for t in terms}[unmapped["PaymentTerm"]]
    assert method not in {("number of days", d) for d in (0, 7, 15, 30, 45, 60, 90)}
    priced = next(c for c in customers["CustomerList"] if c["ID"] == data.cases["customer_prices"][0])
    assert priced["ProductPrices"]
    child = next(c for c in customers["CustomerList"] if c["ID"] == data.cases["child"][0])
    assert child["CustomerParentID"] == data.cin7_customers[0]["ID"]


def test_load_shopify_uses_only_the_two_shop_methods():
    data = generate(60, 80, seed=1)
    shop = FakeShop()
    gids = data.load_shopify(shop)
    assert len(gids["products"]) == len(data.shopify_products) == len(shop.products)
    assert len(gids["customers"]) == len(data.shopify_customers) == len(shop.customers)
    assert all(set(v) == {"sku", "title", "price"} for _, variants in shop.products for v in variants)
    assert all(Decimal(v["price"]) > 0 for _, variants in shop.products for v in variants)


def test_ten_thousand_customers_load_quickly(big):
    store = Cin7Store(seed=0)
    acct = store.add_account(**big.account_kwargs)
    started = time.perf_counter()
    big.load_cin7(acct)
    elapsed = time.perf_counter() - started
    print(f"\nload_cin7(10k customers, 20k products): {elapsed:.2f} s")
    assert len(acct.customers) == 10_000 and len(acct.products) == 20_000
    assert elapsed < 60
