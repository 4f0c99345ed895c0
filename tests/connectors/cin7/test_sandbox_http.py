"""HTTP behaviour of the Cin7 sandbox: auth, paths, parameters, paging, filters, includes and wire formats."""

import json
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests

from .conftest import ACCOUNT_ID, API_KEY

STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{2,3}Z?")


def body(response: requests.Response):
    return json.loads(response.text, parse_float=Decimal)


def add_customers(acct, count: int, **fields) -> list[str]:
    return [acct.add_customer({"Name": f"Customer {n:02d}", **fields}) for n in range(count)]


# -- authentication -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"api-auth-accountid": ACCOUNT_ID},
        {"api-auth-accountid": ACCOUNT_ID, "api-auth-applicationkey": "0342a546-0000-0000-0000-6a5e17154033"},
        {"api-auth-accountid": "11111111-2222-3333-4444-555555555555", "api-auth-applicationkey": API_KEY},
    ],
    ids=["missing", "no key", "wrong key", "wrong account"],
)
def test_bad_credentials_get_403_with_the_error_model(cin7_server, headers):
    response = requests.get(cin7_server.base_url + "me", headers=headers, timeout=5)
    assert response.status_code == 403
    assert response.json() == {"ErrorCode": 403, "Exception": "Incorrect credentials!"}


def test_each_account_sees_its_own_data_with_its_own_key(cin7_store, cin7_account, cin7_server):
    other = cin7_store.add_account(company="Other Co")
    other.add_customer({"Name": "Only in other"})
    cin7_account.add_customer({"Name": "Only in first"})
    headers = {"API-AUTH-ACCOUNTID": other.account_id.upper(), "Api-Auth-ApplicationKey": other.api_key}
    response = requests.get(cin7_server.base_url + "customer", headers=headers, timeout=5)
    assert [c["Name"] for c in response.json()["CustomerList"]] == ["Only in other"]
    headers["Api-Auth-ApplicationKey"] = API_KEY
    assert requests.get(cin7_server.base_url + "customer", headers=headers, timeout=5).status_code == 403


# -- paths, methods, parameters -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path", ["/externalapi/v2/Customer", "/EXTERNALAPI/V2/customer/", "/ExternalApi/v2/CUSTOMER"]
)
def test_paths_are_case_insensitive(cin7_server, cin7_get, path):
    url = cin7_server.base_url.split("/ExternalApi")[0] + path
    headers = {"api-auth-accountid": ACCOUNT_ID, "api-auth-applicationkey": API_KEY}
    response = requests.get(url, headers=headers, timeout=5)
    assert response.status_code == 200
    assert set(response.json()) == {"Total", "Page", "CustomerList"}
    assert cin7_server.calls[-1].endpoint == "customer"


@pytest.mark.parametrize("endpoint", ["Products", "customers", "ref/pricetiers", "../v1/customer", ""])
def test_unknown_endpoint_is_an_html_page_with_status_200(cin7_get, endpoint):
    response = cin7_get(endpoint)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Page not found" in response.text


def test_write_methods_are_not_allowed(cin7_server):
    headers = {"api-auth-accountid": ACCOUNT_ID, "api-auth-applicationkey": API_KEY}
    response = requests.post(
        cin7_server.base_url + "customer", json={"Name": "X"}, headers=headers, timeout=5
    )
    assert response.status_code == 405
    assert response.json()["ErrorCode"] == 405


@pytest.mark.parametrize("names", [("page", "limit"), ("Page", "Limit"), ("PAGE", "LIMIT")])
def test_parameter_names_are_case_insensitive(cin7_account, cin7_get, names):
    add_customers(cin7_account, 5)
    page = body(cin7_get("customer", **{names[0]: 2, names[1]: 2}))
    assert (page["Total"], page["Page"], len(page["CustomerList"])) == (5, 2, 2)


@pytest.mark.parametrize(("value", "expected"), [("true", 2), ("TRUE", 2), ("1", 2), ("False", 1), ("0", 1)])
def test_booleans_accept_true_false_1_0_in_any_case(cin7_account, cin7_get, value, expected):
    cin7_account.deprecate_customer(add_customers(cin7_account, 2)[0])
    assert body(cin7_get("customer", IncludeDeprecated=value))["Total"] == expected


@pytest.mark.parametrize(
    "params",
    [
        {"Limit": 0},
        {"Limit": 1001},
        {"Limit": "ten"},
        {"Page": 0},
        {"IncludeDeprecated": "yes"},
        {"ID": "42"},
    ],
)
def test_bad_parameters_get_400_with_the_error_model(cin7_get, params):
    response = cin7_get("customer", **params)
    assert response.status_code == 400
    assert set(response.json()) == {"ErrorCode", "Exception"}


# -- paging ---------------------------------------------------------------------------------------------
def test_paging_reports_the_total_and_ends_with_a_short_page(cin7_account, cin7_get):
    ids = add_customers(cin7_account, 7)
    pages = [body(cin7_get("customer", Page=n, Limit=3)) for n in (1, 2, 3, 4)]
    assert [len(p["CustomerList"]) for p in pages] == [3, 3, 1, 0]
    assert {p["Total"] for p in pages} == {7}
    assert [p["Page"] for p in pages] == [1, 2, 3, 4]
    assert [c["ID"] for p in pages for c in p["CustomerList"]] == ids  # distinct stamps: stable order
    assert body(cin7_get("customer"))["Page"] == 1 and body(cin7_get("customer", Limit=1000))["Total"] == 7


def test_a_record_modified_while_paging_moves_to_the_end(cin7_account, cin7_get):
    ids = add_customers(cin7_account, 4)
    first = [c["ID"] for c in body(cin7_get("customer", Page=1, Limit=2))["CustomerList"]]
    cin7_account.update_customer(ids[0], Comments="changed")
    second = [c["ID"] for c in body(cin7_get("customer", Page=2, Limit=2))["CustomerList"]]
    assert first == ids[:2]
    assert second == [ids[3], ids[0]]  # ids[2] was skipped, ids[0] is seen twice


# -- customer filters -----------------------------------------------------------------------------------
def test_modified_since_is_inclusive_and_takes_several_formats(cin7_account, cin7_get):
    cin7_account.add_customer({"Name": "Old", "LastModifiedOn": "2026-01-01T00:00:00"})
    cin7_account.add_customer({"Name": "Edge", "LastModifiedOn": "2026-03-01T10:00:00.250"})
    cin7_account.add_customer({"Name": "New", "LastModifiedOn": datetime(2026, 5, 1, tzinfo=UTC)})
    for since, names in [
        ("2026-03-01T10:00:00.25", ["Edge", "New"]),
        ("2026-03-01T10:00:00.250Z", ["Edge", "New"]),
        ("2026-03-01T10:00:00.2500001", ["New"]),
        ("2026-03-01T10:00:00", ["Edge", "New"]),
        ("2026-03-01T10:00:01Z", ["New"]),
        ("2025-12-31T23:59:59.999", ["Old", "Edge", "New"]),
    ]:
        assert [
            c["Name"] for c in body(cin7_get("customer", modifiedsince=since))["CustomerList"]
        ] == names, since
    for bad in ("2026-03-01", "yesterday", "2026-03-01T10:00:00+02:00"):
        assert cin7_get("customer", ModifiedSince=bad).status_code == 400


def test_name_is_a_case_insensitive_prefix(cin7_account, cin7_get):
    for name in ("Acme Trading", "ACME Supplies", "The Acme Co"):
        cin7_account.add_customer({"Name": name})
    assert sorted(c["Name"] for c in body(cin7_get("customer", Name="acme"))["CustomerList"]) == [
        "ACME Supplies",
        "Acme Trading",
    ]


def test_contact_filter_matches_email_equality_or_name_prefix(cin7_account, cin7_get):
    contacts = [{"Name": "Jo Bloggs", "Email": "Jo@Example.com", "Default": True}, {"Name": "Accounts"}]
    cin7_account.add_customer({"Name": "With contact", "Contacts": contacts})
    cin7_account.add_customer({"Name": "Other", "Contacts": [{"Name": "Max", "Email": "max@example.com"}]})
    for needle, total in [("jo@example.com", 1), ("JO BLO", 1), ("acc", 1), ("example.com", 0), ("jo@", 0)]:
        assert body(cin7_get("customer", ContactFilter=needle))["Total"] == total, needle


def test_id_filter_and_deprecated_customers(cin7_account, cin7_get):
    keep, gone = add_customers(cin7_account, 2)
    cin7_account.deprecate_customer(gone)
    assert [c["ID"] for c in body(cin7_get("customer"))["CustomerList"]] == [keep]
    assert body(cin7_get("customer", ID=gone))["Total"] == 0
    listed = body(cin7_get("customer", ID=gone.upper(), IncludeDeprecated="true"))["CustomerList"]
    assert [(c["ID"], c["Status"]) for c in listed] == [(gone, "Deprecated")]


def test_product_prices_only_when_asked(cin7_account, cin7_get):
    pid = cin7_account.add_product({"SKU": "W-1", "Name": "Widget"})
    cid = cin7_account.add_customer({"Name": "Buyer"})
    cin7_account.set_customer_price(cid, "W-1", Decimal("12.1234"))
    assert "ProductPrices" not in body(cin7_get("customer"))["CustomerList"][0]
    prices = body(cin7_get("customer", IncludeProductPrices="true"))["CustomerList"][0]["ProductPrices"]
    assert prices == [
        {"ProductID": pid, "ProductSKU": "W-1", "ProductName": "Widget", "Price": Decimal("12.1234")}
    ]


# -- products -------------------------------------------------------------------------------------------
def test_product_filters_and_custom_prices(cin7_account, cin7_get):
    cin7_account.add_product({"SKU": "ABC-1", "Name": "Alpha"})
    cin7_account.add_product({"SKU": "abc-10", "Name": "Beta"})
    old = cin7_account.add_product({"SKU": "XYZ", "Name": "Alphabet"})
    cin7_account.deprecate_product(old)
    cid = cin7_account.add_customer({"Name": "Buyer", "Currency": "NZD"})
    cin7_account.set_customer_price(cid, "ABC-1", "3.5")
    assert sorted(p["SKU"] for p in body(cin7_get("product", Sku="abc-1"))["Products"]) == ["ABC-1", "abc-10"]
    assert [p["SKU"] for p in body(cin7_get("product", Name="alpha"))["Products"]] == ["ABC-1"]
    assert body(cin7_get("product", Name="alpha", IncludeDeprecated=1))["Total"] == 2
    product = body(cin7_get("product", SKU="ABC-1", IncludeCustomPrices="true"))["Products"][0]
    assert product["CustomPrices"] == [
        {"CustomerID": cid, "CustomerName": "Buyer", "CustomerCurrency": "NZD", "Price": Decimal("3.5")}
    ]
    assert "CustomPrices" not in body(cin7_get("product", Sku="ABC-1"))["Products"][0]


def test_prices_are_exact_decimals_on_the_wire(cin7_account, cin7_get):
    cin7_account.add_product(
        {"SKU": "P", "Name": "P", "PriceTier1": Decimal("12.1234"), "PriceTier2": "9.50"}
    )
    raw = cin7_get("product").text
    assert '"PriceTier1":12.1234' in raw and '"PriceTier2":9.50' in raw and '"PriceTier3":0' in raw
    product = body(cin7_get("product"))["Products"][0]
    assert product["PriceTiers"]["Tier 1"] == Decimal("12.1234")


def test_price_tiers_follow_renames_and_vanish_on_duplicate_names(cin7_account, cin7_get):
    cin7_account.add_product({"SKU": "P", "Name": "P", "PriceTier3": Decimal("7")})
    cin7_account.add_customer({"Name": "C", "PriceTier": "Tier 3"})
    cin7_account.rename_tier(3, "Wholesale")
    assert body(cin7_get("product"))["Products"][0]["PriceTiers"]["Wholesale"] == 7
    assert body(cin7_get("customer"))["CustomerList"][0]["PriceTier"] == "Wholesale"
    assert body(cin7_get("ref/priceTier"))["PriceTiers"][2] == {"Code": 3, "Name": "Wholesale"}
    cin7_account.rename_tier(4, "Wholesale")
    assert body(cin7_get("product"))["Products"][0]["PriceTiers"] == {}  # FACTS §5.2


# -- heavy pages ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("endpoint", "include"),
    [("customer", "IncludeProductPrices"), ("product", "IncludeCustomPrices"), ("product", "IncludeBOM")],
)
def test_large_pages_with_includes_fail_like_cin7(cin7_server, cin7_get, endpoint, include):
    failed = cin7_get(endpoint, Limit=501, **{include: "true"})
    assert failed.status_code == 500 and failed.json()["ErrorCode"] == 500
    assert cin7_get(endpoint, Limit=500, **{include: "true"}).status_code == 200
    assert cin7_get(endpoint, Limit=1000).status_code == 200
    cin7_server.max_limit_with_includes = None
    assert cin7_get(endpoint, Limit=1000, **{include: "true"}).status_code == 200


# -- reference books and /me ----------------------------------------------------------------------------
def test_me_is_one_object(cin7_account, cin7_get):
    cin7_account.add_tax_rule("Tax Exempt")
    me = body(cin7_get("me"))
    assert (me["Company"], me["Currency"], me["DefaultSaleTaxRuleName"]) == (
        "Acme Wholesale",
        "USD",
        "Tax Exempt",
    )


def test_tax_rules_filter_by_name_prefix_and_activity(cin7_account, cin7_get):
    cin7_account.add_tax_rule("Tax Exempt")
    cin7_account.add_tax_rule("Tax on Sales", percent=Decimal("8.875"))
    cin7_account.add_tax_rule("Old Tax", percent=Decimal("7"), is_active=False)
    assert [r["Name"] for r in body(cin7_get("ref/tax", Name="tax"))["TaxRuleList"]] == [
        "Tax Exempt",
        "Tax on Sales",
    ]
    assert [r["Name"] for r in body(cin7_get("ref/tax", IsActive="false"))["TaxRuleList"]] == ["Old Tax"]
    rules = body(cin7_get("ref/tax", Limit=2, Page=2))
    assert (rules["Total"], [r["TaxPercent"] for r in rules["TaxRuleList"]]) == (3, [Decimal("7")])


def test_payment_terms_filter_by_name_prefix_method_and_flags(cin7_account, cin7_get):
    cin7_account.add_payment_term("30 days", method="number of days", duration=30, is_default=True)
    cin7_account.add_payment_term("7 days", method="number of days", duration=7)
    cin7_account.add_payment_term("Last day of next month", method="last day of next month", duration=0)
    cin7_account.add_payment_term("3 days", method="number of days", duration=3, is_active=False)
    terms = body(cin7_get("ref/paymentterm"))
    assert terms["Total"] == 4
    assert terms["PaymentTermList"][0] == {
        "ID": terms["PaymentTermList"][0]["ID"],
        "Name": "30 days",
        "Duration": 30,
        "Method": "number of days",
        "IsActive": True,
        "IsDefault": True,
    }

    def names(**params) -> list[str]:
        return [t["Name"] for t in body(cin7_get("ref/paymentterm", **params))["PaymentTermList"]]

    assert names(Name="3") == ["30 days", "3 days"]
    assert names(Method="Last Day of Next Month") == ["Last day of next month"]
    assert names(IsActive="false") == ["3 days"]
    assert names(IsDefault="true") == ["30 days"]
    assert names(Limit=3, Page=2) == ["3 days"]


# -- dates ----------------------------------------------------------------------------------------------
def test_last_modified_has_two_or_three_fraction_digits_and_sometimes_no_z(cin7_account, cin7_get):
    for n in range(30):
        cin7_account.add_customer({"Name": f"C{n}", "LastModifiedOn": 1_767_225_600 + n * 1.01})
    stamps = [c["LastModifiedOn"] for c in body(cin7_get("customer"))["CustomerList"]]
    assert all(STAMP.fullmatch(stamp) for stamp in stamps), stamps
    assert any(s.endswith("Z") for s in stamps) and any(not s.endswith("Z") for s in stamps)
    assert (
        stamps[0].rstrip("Z") == "2026-01-01T00:00:00.00"
        and stamps[1].rstrip("Z") == "2026-01-01T00:00:01.01"
    )
