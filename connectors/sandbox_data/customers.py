"""Sample Cin7 customers at realistic rates, every customer case the sync must handle among the first, and
the Shopify customers that already exist with some of their emails."""

from decimal import Decimal

from .books import UNMAPPABLE_TERMS
from .draw import Draw

# country name -> (currency, tax rule, company suffixes, email TLD, [(state, city, postcode)])
COUNTRIES = {
    "United States": ("USD", "Tax on Sales", ("Inc.", "LLC", "Co."), "com", [
        ("CA", "San Francisco", "94107"), ("NY", "New York", "10013"), ("Texas", "Austin", "78701"),
        ("IL", "Chicago", "60607"), ("Washington", "Seattle", "98101"), ("FL", "Miami", "33130")]),
    "Canada": ("CAD", "GST/HST 13%", ("Ltd.", "Inc."), "ca", [
        ("ON", "Toronto", "M5V 2T6"), ("British Columbia", "Vancouver", "V6B 1A1"),
        ("QC", "Montréal", "H2Y 1C6"), ("Alberta", "Calgary", "T2P 1J9")]),
    "United Kingdom": ("GBP", "VAT 20%", ("Ltd", "LLP"), "co.uk", [
        ("", "London", "SW1A 1AA"), ("Greater Manchester", "Manchester", "M1 1AE"),
        ("", "Leeds", "LS1 4AP")]),
    "Australia": ("AUD", "GST on Income", ("Pty Ltd",), "com.au", [
        ("NSW", "Sydney", "2000"), ("VIC", "Melbourne", "3000"), ("Queensland", "Brisbane", "4000"),
        ("WA", "Perth", "6000")]),
    "Germany": ("EUR", "GST Free Exports", ("GmbH", "KG"), "de", [
        ("Bayern", "München", "80331"), ("", "Berlin", "10115"), ("Hamburg", "Hamburg", "20095")]),
    "New Zealand": ("NZD", "GST Free Exports", ("Limited", "Ltd"), "co.nz", [
        ("Auckland", "Auckland", "1010"), ("Wellington", "Wellington", "6011"),
        ("Canterbury", "Christchurch", "8011")]),
}  # fmt: skip
COUNTRY_WEIGHTS = {
    "United States": 55, "Canada": 12, "United Kingdom": 12, "Australia": 10, "Germany": 5, "New Zealand": 5,
}  # fmt: skip
UNKNOWN_COUNTRIES = ("Atlantis", "Untied States", "Narnia")

PHONES = {  # (landline formats, mobile formats); `#` is a random digit; all valid numbers (phonenumbers)
    "United States": (("(415) 3##-####", "(212) 4##-####", "(312) 6##-####"), ("(206) 7##-####",)),
    "Canada": (("(416) 3##-####", "(604) 6##-####"), ("+1 514 3## ####",)),
    "United Kingdom": (("020 7### ####", "0161 4## ####"), ("07911 1#####",)),
    "Australia": (("(02) 9### ####", "03 9### ####"), ("0412 ### ###", "0491 ### ###")),
    "Germany": (("030 #######", "+49 89 #######"), ("0151 ########",)),
    "New Zealand": (("09 3## ####", "04 4## ####"), ("021 ### ####",)),
}

COMPANY_WORDS = (
    "Harbor", "Summit", "Northwind", "Maple", "Granite", "Coastal", "Redwood", "Pioneer", "Silverline",
    "Evergreen", "Prairie", "Lakeside", "Riverbend", "Highland", "Bayside", "Sunrise", "Metro", "Copper",
    "Cedar", "Atlas", "Beacon", "Orchard", "Meridian", "Kestrel", "Juniper", "Ironbark", "Willow", "Foxglove",
    "Sterling", "Tidewater", "Bluestone", "Larkspur", "Keystone", "Driftwood", "Hawthorn", "Ember",
)  # fmt: skip
COMPANY_TRADES = (
    "Supply", "Trading", "Outfitters", "Home Goods", "Hospitality", "Interiors", "Provisions", "Hardware",
    "Design", "Mercantile", "Wholesale", "Distributors", "Retail Group", "Cafe Supplies", "Builders",
)  # fmt: skip
FIRST_NAMES = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Oliver", "Sophia", "Elijah", "Mia", "Lucas", "Amelia", "Mason",
    "Harper", "Ethan", "Chloe", "Aiden", "Priya", "Mateo", "Aroha", "Hannah", "Jonas", "Leonie", "Fatima",
    "Wei", "Sione", "Grace", "Nikhil", "Zoe", "Tane", "Isla",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Nguyen", "Johnson", "Brown", "Garcia", "Wilson", "Taylor", "Müller", "Schmidt", "O'Brien",
    "Patel", "Kim", "Walker", "Clarke", "Chen", "Singh", "Martin", "Roberts", "Ngata", "Fischer", "Thompson",
    "White", "Lee", "Harris", "Young", "King", "Wright", "Scott", "Green", "Baker",
)  # fmt: skip
STREETS = ("Market St", "King St", "High Street", "Queen St", "George St", "Harbour Rd", "Industrial Way",
           "Mill Lane", "Station Rd", "Hauptstraße", "Commerce Dr", "Dock Rd")  # fmt: skip

CUSTOMER_SCENARIOS = (
    "adopted_by_email", "gold_canada", "uk", "australia", "germany", "new_zealand", "unknown_country",
    "no_default_email", "shared_email", "shared_email_twin", "invalid_phone", "deprecated", "untagged",
    "retail", "credit_hold", "tax_exempt", "gst_free", "customer_prices", "no_contacts", "no_address",
    "child", "zero_priced_tier", "mobile_only", "many_addresses", "tied_modified",
)  # fmt: skip
SCENARIO_COUNTRIES = {
    "gold_canada": "Canada", "uk": "United Kingdom", "australia": "Australia", "germany": "Germany",
    "new_zealand": "New Zealand", "gst_free": "Australia", "adopted_by_email": "United States",
}  # fmt: skip


def is_b2b(tags: str | None) -> bool:
    """Whether a Cin7 `Tags` value holds `b2b` in any case or spacing."""
    return any(tag.strip().casefold() == "b2b" for tag in (tags or "").split(","))


def cin7_customers(draw: Draw, count: int, active_products: list[dict]) -> list[dict]:
    """`count` Cin7 customers (`add_customer` input): the scenarios first, then drawn at realistic rates."""
    customers = []
    for index in range(count):
        scenario = CUSTOMER_SCENARIOS[index] if index < len(CUSTOMER_SCENARIOS) else None
        customers.append(_customer(draw, scenario, customers, active_products))
    return customers


def _customer(draw: Draw, scenario: str | None, earlier: list[dict], active_products: list[dict]) -> dict:
    rng = draw.rng
    country = (
        SCENARIO_COUNTRIES.get(scenario)
        or rng.choices(list(COUNTRY_WEIGHTS), weights=list(COUNTRY_WEIGHTS.values()))[0]
    )
    currency, tax_rule, suffixes, tld, places = COUNTRIES[country]
    name, trading_name = _company_name(draw, suffixes)
    domain = "".join(ch for ch in name.lower() if ch.isalnum())[:24] + "." + tld
    customer = {"ID": draw.guid(), "Name": name, "Currency": currency, "TaxRule": tax_rule}
    customer |= {"DisplayName": trading_name, "LastModifiedOn": draw.stamp()}
    customer |= {"PaymentTerm": draw.pick(("30 days", "30 days", "14 days", "Net 60", "COD", "7 days"))}
    customer |= {"PriceTier": draw.pick(("Wholesale", "Wholesale", "Distributor", "VIP Trade", "Retail"))}
    customer["Tags"] = _tags(draw, scenario)
    if rng.random() < 0.2:
        customer["Discount"] = draw.pick((Decimal("2.5"), Decimal("5"), Decimal("10")))
    if rng.random() < 0.6:
        customer["CreditLimit"] = draw.pick((Decimal("5000"), Decimal("10000.00"), Decimal("25000")))
    customer["TaxNumber"] = draw.pick(("", None, draw.digits("##-#######")))
    customer["SalesRepresentative"] = draw.pick((None, "Dana Reyes", "Sam Okafor"))
    if scenario == "unknown_country" or (scenario is None and rng.random() < 0.01):
        country = draw.pick(UNKNOWN_COUNTRIES)
        draw.note("unknown_country", customer["ID"])
    customer["Addresses"] = _addresses(draw, country, places, scenario)
    twin_email = _twin_email(draw, scenario, earlier)
    customer["Contacts"] = _contacts(draw, country, domain, scenario, twin_email)
    if twin_email:
        draw.note("shared_email", customer["ID"])
        if scenario is None:
            draw.note("shared_email", earlier[-1]["ID"])
    _apply_flags(draw, customer, scenario, earlier, active_products)
    return customer


def _company_name(draw: Draw, suffixes: tuple[str, ...]) -> tuple[str, str]:
    """A unique legal name (Cin7 names are unique) and the trading name without the legal suffix."""
    rng = draw.rng
    trading = f"{draw.pick(COMPANY_WORDS)} {draw.pick(COMPANY_TRADES)}"
    name = f"{trading} {draw.pick(suffixes)}"
    while name.casefold() in draw.names:
        trading = f"{draw.pick(COMPANY_WORDS)} {draw.pick(COMPANY_WORDS)} {draw.pick(COMPANY_TRADES)}"
        name = f"{trading} {draw.pick(suffixes)}" + (
            f" {rng.randrange(2, 999)}" if rng.random() < 0.3 else ""
        )
    draw.names.add(name.casefold())
    return name, trading


def _tags(draw: Draw, scenario: str | None) -> str | None:
    rng = draw.rng
    if scenario == "untagged" or (scenario is None and rng.random() < 0.15):
        return draw.pick((None, ""))
    if scenario == "retail" or (scenario is None and rng.random() < 0.18):
        return draw.pick(("retail", "Retail, newsletter", "prospect"))
    tags = [draw.pick(("b2b", "b2b", "B2B", " b2b ", "B2b"))]
    if scenario == "adopted_by_email" or (scenario is None and rng.random() < 0.15):
        tags.append("VIP")
    if scenario == "gold_canada" or (scenario is None and rng.random() < 0.1):
        tags.append(draw.pick(("Gold", "gold")))
    if rng.random() < 0.2:
        tags.append(draw.pick(("net30", "west-coast", "trade show 2025")))
    rng.shuffle(tags)
    return draw.pick((",", ", ")).join(tags)


def _addresses(draw: Draw, country: str, places: list, scenario: str | None) -> list[dict]:
    rng = draw.rng
    if scenario == "no_address" or (scenario is None and rng.random() < 0.03):
        return []
    kinds = [("Billing", True), ("Shipping", True)]
    if scenario == "many_addresses" or (scenario is None and rng.random() < 0.1):
        kinds = [("Business", True), ("Billing", True), ("Shipping", False), ("Shipping", True)]
    elif rng.random() < 0.3:
        kinds = [("Billing", True)]
    addresses = []
    for kind, default in kinds:
        state, city, postcode = draw.pick(places)
        if scenario == "many_addresses" and country == "United States":
            state = "California"
        line1 = f"{rng.randrange(1, 999)} {draw.pick(STREETS)}"
        address = {"Line1": line1, "City": city, "State": state, "Postcode": postcode, "Country": country}
        address |= {"Type": kind, "DefaultForType": default, "Line2": draw.pick((None, "", "Unit 4"))}
        addresses.append(address)
    return addresses


def _contacts(
    draw: Draw, country: str, domain: str, scenario: str | None, twin_email: str | None
) -> list[dict]:
    rng = draw.rng
    if scenario == "no_contacts" or (scenario is None and rng.random() < 0.01):
        return []
    landlines, mobiles = PHONES.get(country, (("555-0100",), ("555-0199",)))
    contacts = []
    for _ in range(draw.pick((1, 1, 2, 3))):
        first, last = draw.pick(FIRST_NAMES), draw.pick(LAST_NAMES)
        email = draw.unique_email(f"{first}.{last}".lower().replace("'", "").replace("ü", "ue"), domain)
        contact = {"Name": f"{first} {last}", "Email": email, "Phone": draw.digits(draw.pick(landlines))}
        contact |= {"MobilePhone": draw.digits(draw.pick(mobiles)) if rng.random() < 0.4 else None}
        contact |= {"JobTitle": draw.pick((None, "Buyer", "Accounts Payable", "Owner"))}
        contact |= {"MarketingConsent": draw.pick((1, 2, 3)), "IncludeInEmail": rng.random() < 0.5}
        contacts.append(contact)
    default = contacts[-1] if len(contacts) > 1 and rng.random() < 0.2 else contacts[0]
    default["Default"] = True
    if scenario == "no_default_email" or (scenario is None and rng.random() < 0.01):
        default["Email"] = None
        contacts.append({"Name": "Accounts Team", "Email": draw.unique_email("accounts", domain)})
    elif twin_email:
        default["Email"] = f" {twin_email.upper()}  "  # same address, other case and spacing
    elif scenario == "invalid_phone" or (scenario is None and rng.random() < 0.01):
        default["Phone"] = draw.pick(("12", "n/a"))
    elif scenario == "mobile_only":
        default["Phone"], default["MobilePhone"] = None, draw.digits(mobiles[0])
    return contacts


def _twin_email(draw: Draw, scenario: str | None, earlier: list[dict]) -> str | None:
    """The previous customer's default email when this customer is to share it (a data-entry slip)."""
    if scenario != "shared_email_twin" and (scenario is not None or draw.rng.random() >= 0.002):
        return None
    defaults = [c for c in (earlier[-1]["Contacts"] if earlier else []) if c.get("Default")]
    return defaults[0]["Email"] if defaults else None


def _apply_flags(
    draw: Draw, customer: dict, scenario, earlier: list[dict], active_products: list[dict]
) -> None:
    rng, cid = draw.rng, customer["ID"]
    if scenario == "deprecated" or (scenario is None and rng.random() < 0.02):
        customer["Status"] = "Deprecated"
    if scenario == "credit_hold" or (scenario is None and rng.random() < 0.05):
        customer["IsOnCreditHold"], customer["CreditLimit"] = True, Decimal("5000.00")
    if scenario == "tax_exempt" or (scenario is None and rng.random() < 0.05):
        customer["TaxRule"] = "Tax Exempt"
    if scenario == "gst_free":
        customer["TaxRule"], customer["PaymentTerm"] = "GST Free Exports", "Last day of next month"
    if customer["PaymentTerm"] in UNMAPPABLE_TERMS and is_b2b(customer["Tags"]):
        draw.note("unmapped_payment_term", cid)
    if scenario == "zero_priced_tier":
        customer["PriceTier"] = "Tier 7"
    if (scenario == "child" or (scenario is None and rng.random() < 0.01)) and earlier:
        parent = earlier[0] if scenario else draw.pick(earlier[:100])
        if "CustomerParentID" not in parent:
            customer["CustomerParentID"], customer["IsBillParent"] = parent["ID"], True
    if scenario == "tied_modified" and earlier:
        customer["LastModifiedOn"] = earlier[-1]["LastModifiedOn"]
        draw.note("tied_modified", earlier[-1]["ID"])
    elif scenario is None and earlier and rng.random() < 0.01:
        customer["LastModifiedOn"] = earlier[-1]["LastModifiedOn"]  # a bulk import: same stamp
    wants_prices = scenario == "customer_prices" or (scenario is None and rng.random() < 0.1)
    if wants_prices and active_products:
        chosen = rng.sample(active_products, min(len(active_products), rng.randint(1, 20)))
        customer["ProductPrices"] = [
            {
                "ProductSKU": p["SKU"],
                "Price": draw.money(float(p["PriceTier1"]) * rng.uniform(0.4, 0.9), 2),
            }
            for p in chosen
        ]
        draw.note("customer_prices", cid)
    if scenario and scenario not in ("customer_prices", "unknown_country", "shared_email_twin"):
        draw.note(scenario, cid)


def shopify_customers(draw: Draw, customers: list[dict]) -> list[dict]:
    """Customers already in Shopify: some with a Cin7 customer's email (other case), the rest shoppers."""
    result = []
    by_id = {customer["ID"]: customer for customer in customers[: len(CUSTOMER_SCENARIOS)]}
    # Shopify customers that already exist with a Cin7 customer's email in another case.
    for case, tags, state, recase in (
        ("adopted_by_email", ["newsletter", "wholesale-2024"], "ENABLED", str.title),
        ("credit_hold", ["wholesale-2024"], "DISABLED", str.upper),
        ("untagged", ["newsletter"], "ENABLED", str.title),
    ):
        customer = by_id.get(draw.cases.get(case, [""])[0])
        defaults = [c for c in (customer or {}).get("Contacts", []) if c.get("Default") and c.get("Email")]
        if defaults:
            first, _, last = defaults[0]["Name"].partition(" ")
            email = recase(defaults[0]["Email"])
            result.append(_shopify_customer(email, first, last) | {"tags": tags, "state": state})
            draw.note(f"shopify_{case}", email)
    for _ in range(max(3, len(customers) // 50)):
        first, last = draw.pick(FIRST_NAMES), draw.pick(LAST_NAMES)
        email = draw.unique_email(f"{first}.{last}".lower().replace("'", ""), "example-shopper.com")
        result.append(_shopify_customer(email, first, last) | {"tags": draw.pick(([], ["newsletter"]))})
    return result


def _shopify_customer(email: str, first: str, last: str) -> dict:
    return {"email": email, "first_name": first, "last_name": last, "phone": None, "tags": []} | {
        "state": "ENABLED"
    }
