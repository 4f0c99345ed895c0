"""Seeded, realistic B2B sample data for the Cin7 Core and Shopify sandboxes.

`generate(customers, products, seed)` returns plain data (Cin7 customer/product JSON, Shopify products and
customers as dicts) plus loaders. The first customers and products are fixed scenarios, one per case the
sync must handle (see `SampleData.cases`), so even the small `demo_data()` set shows every case; the rest
are drawn at realistic rates. The same seed always gives the same data.
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from random import Random

# Tier code - 1 -> name: some renamed by the merchant, some left as Cin7 names them.
TIER_NAMES = ("Retail", "Wholesale", "Distributor", "VIP Trade", "Tier 5", "Export", "Tier 7", "Tier 8")
TIER_NAMES += ("Tier 9", "Tier 10")
# (name, percent, is_active); the first is the default sale tax rule.
TAX_RULES = (
    ("Tax on Sales", Decimal("8.875"), True),
    ("Tax Exempt", Decimal("0"), True),
    ("GST Free Exports", Decimal("0"), True),
    ("GST on Income", Decimal("10"), True),
    ("VAT 20%", Decimal("20"), True),
    ("GST/HST 13%", Decimal("13"), True),
    ("Old Sales Tax", Decimal("7.25"), False),
)
# Cin7's payment terms book (`GET /ref/paymentterm`): (name, Method, Duration). Shopify has templates for
# "number of days" with 0, 7, 15, 30, 45, 60 or 90 days only, so "14 days" and "Last day of next month"
# map to none (CONTRACT §3 "Native B2B": issue `unmapped_payment_term`).
PAYMENT_TERMS = (
    ("30 days", "number of days", 30),
    ("7 days", "number of days", 7),
    ("14 days", "number of days", 14),
    ("Net 60", "number of days", 60),
    ("COD", "number of days", 0),
    ("Last day of next month", "last day of next month", 0),
)
UNMAPPABLE_TERMS = ("14 days", "Last day of next month")

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

CATEGORIES = {  # category -> (SKU prefix, nouns, variant axis values)
    "Furniture": ("FUR", ("Dining Chair", "Side Table", "Bar Stool"), ("Black", "Oak", "Walnut")),
    "Lighting": ("LGT", ("Pendant Lamp", "Floor Lamp", "Wall Sconce"), ("Brass", "Matte Black", "Chrome")),
    "Textiles": ("TEX", ("Linen Throw", "Wool Rug", "Cushion Cover"), ("Small", "Medium", "Large")),
    "Kitchen": ("KIT", ("Stoneware Mug", "Cast Iron Skillet", "Chef Knife"), ("Sand", "Slate", "Cream")),
    "Hardware": ("HDW", ("Cabinet Hinge", "Drawer Pull", "Wood Screw"), ("Pack of 10", "Pack of 50", "Box")),
    "Garden": ("GDN", ("Planter", "Watering Can", "Pruning Shears"), ("Terracotta", "Sage", "Grey")),
}
PRICE_RANGES = {
    "Furniture": (89, 899), "Lighting": (39, 459), "Textiles": (19, 349), "Kitchen": (6, 189),
    "Hardware": (0.35, 24), "Garden": (9, 129),
}  # fmt: skip
CATEGORY_NAMES = tuple(CATEGORIES)
ADJECTIVES = ("Classic", "Modern", "Rustic", "Nordic", "Heritage", "Coastal", "Urban", "Essential", "Studio")
BRANDS = ("Hearth & Co", "Nordlys", "Bramble", "Foundry Nine", None)

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
PRODUCT_SCENARIOS = (
    "four_decimals", "deprecated_product", "setup_required", "missing_in_shopify", "duplicate_sku",
    "case_only_in_shopify", "case_twin_in_shopify", "service",
)  # fmt: skip
_ZERO = Decimal("0")
_START_MS = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp() * 1000)
_END_MS = int(datetime(2026, 10, 31, tzinfo=UTC).timestamp() * 1000)


@dataclass
class SampleData:
    """Generated data. Cin7 records are `add_customer`/`add_product` input; Shopify records are kwargs for the
    Shopify sandbox's `add_product(title, variants)` and `add_customer(...)`. `cases` names, per case, the
    Cin7 customer IDs, SKUs or emails that show it."""

    seed: int
    account_kwargs: dict
    tier_names: list[str]
    tax_rules: list[dict]
    cin7_products: list[dict]
    cin7_customers: list[dict]
    payment_terms: list[dict] = field(default_factory=list)
    shopify_products: list[dict] = field(default_factory=list)
    shopify_customers: list[dict] = field(default_factory=list)
    cases: dict[str, list[str]] = field(default_factory=dict)

    def load_cin7(self, account) -> None:
        """Fill a `Cin7Account`: tier names, tax rules, payment terms, products, then customers (parents
        before children)."""
        for code, name in enumerate(self.tier_names, start=1):
            account.rename_tier(code, name)
        for rule in self.tax_rules:
            account.add_tax_rule(**rule)
        for term in self.payment_terms:
            account.add_payment_term(**term)
        for product in self.cin7_products:
            account.add_product(product)
        for customer in self.cin7_customers:
            account.add_customer(customer)

    def load_shopify(self, shop) -> dict[str, list[str]]:
        """Fill the Shopify sandbox through `shop.add_product` and `shop.add_customer`; returns the gids."""
        products = [shop.add_product(p["title"], variants=p["variants"]) for p in self.shopify_products]
        customers = [shop.add_customer(**customer) for customer in self.shopify_customers]
        return {"products": products, "customers": customers}

    def summary(self) -> dict[str, int]:
        """Counts of what was generated, for logs and tests."""
        variants = [v for p in self.shopify_products for v in p["variants"]]
        return {
            "cin7_customers": len(self.cin7_customers),
            "cin7_b2b_customers": sum(_is_b2b(c.get("Tags")) for c in self.cin7_customers),
            "cin7_deprecated_customers": sum(c.get("Status") == "Deprecated" for c in self.cin7_customers),
            "cin7_customers_with_prices": sum(bool(c.get("ProductPrices")) for c in self.cin7_customers),
            "cin7_customer_prices": sum(len(c.get("ProductPrices", ())) for c in self.cin7_customers),
            "cin7_products": len(self.cin7_products),
            "cin7_deprecated_products": sum(p.get("Status") == "Deprecated" for p in self.cin7_products),
            "tax_rules": len(self.tax_rules),
            "shopify_products": len(self.shopify_products),
            "shopify_variants": len(variants),
            "shopify_variants_without_sku": sum(not v["sku"] for v in variants),
            "shopify_customers": len(self.shopify_customers),
        }


def _is_b2b(tags: str | None) -> bool:
    return any(tag.strip().casefold() == "b2b" for tag in (tags or "").split(","))


def generate(customers: int, products: int, seed: int = 0, *, shopify_only_variants: int = 0) -> SampleData:
    """`customers` Cin7 customers and `products` Cin7 products with a matching Shopify catalogue, plus
    `shopify_only_variants` variants Shopify sells that Cin7 does not price (own SKUs, none in Cin7)."""
    return _Generator(seed).build(customers, products, shopify_only_variants)


def demo_data() -> SampleData:
    """The demo's small set: every case in `SampleData.cases` appears at least once."""
    return generate(customers=len(CUSTOMER_SCENARIOS), products=40, seed=7)


class _Generator:
    def __init__(self, seed: int):
        self.seed = seed
        self.rng = Random(seed)
        self.cases: dict[str, list[str]] = {}
        self.names: set[str] = set()
        self.emails: set[str] = set()
        self.product_scenarios: dict[str, str] = {}

    def build(self, customer_count: int, product_count: int, shopify_only_variants: int = 0) -> SampleData:
        account = {"account_id": self.guid(), "api_key": self.guid(), "company": "Northwind Home Wholesale"}
        account |= {"currency": "USD", "timezone": "America/Los_Angeles"}
        products, families = self.products(product_count)
        data = SampleData(
            seed=self.seed,
            account_kwargs=account,
            tier_names=list(TIER_NAMES),
            tax_rules=[{"name": n, "percent": p, "is_active": a} for n, p, a in TAX_RULES],
            payment_terms=[{"name": n, "method": m, "duration": d} for n, m, d in PAYMENT_TERMS],
            cin7_products=products,
            cin7_customers=self.customers(customer_count, [p for p in products if p.get("Status") is None]),
            cases=self.cases,
        )
        data.shopify_products = self.shopify_products(families) + self.shopify_only_products(
            shopify_only_variants
        )
        data.shopify_customers = self.shopify_customers(data.cin7_customers)
        return data

    # -- helpers -----------------------------------------------------------------------------------------
    def guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def pick(self, options):
        """A random element (`Random.choice` costs ten times more, and there are millions of picks)."""
        return options[int(self.rng.random() * len(options))]

    def note(self, case: str, key: str) -> None:
        self.cases.setdefault(case, []).append(key)

    def stamp(self) -> str:
        ms = self.rng.randrange(_START_MS, _END_MS)
        return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]

    def digits(self, pattern: str) -> str:
        """`pattern` with each `#` replaced by a random digit."""
        count = pattern.count("#")
        return pattern.replace("#", "{}").format(*f"{self.rng.randrange(10**count):0{count}d}")

    def money(self, value: float, places: int = 2) -> Decimal:
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))

    # -- products ----------------------------------------------------------------------------------------
    def products(self, count: int) -> tuple[list[dict], list[tuple[str, list[dict]]]]:
        rng, products, families = self.rng, [], []
        while len(products) < count:
            category = self.pick(CATEGORY_NAMES)
            prefix, nouns, axis = CATEGORIES[category]
            family = f"{self.pick(ADJECTIVES)} {self.pick(nouns)}"
            options = rng.sample(axis, self.pick((1, 1, 2, 3)))[: count - len(products)]
            base_sku = f"{prefix}-{len(families) + 1:05d}"
            members = []
            for option in options:
                sku = f"{base_sku}-{option.split()[-1][:3].upper()}" if len(options) > 1 else base_sku
                name = f"{family} - {option}" if len(options) > 1 else family
                members.append(self.product(len(products), sku, name, category))
                products.append(members[-1])
            families.append((family, members))
        return products, families

    def product(self, index: int, sku: str, name: str, category: str) -> dict:
        rng = self.rng
        scenario = PRODUCT_SCENARIOS[index] if index < len(PRODUCT_SCENARIOS) else None
        retail = rng.uniform(*PRICE_RANGES[category])
        places = 4 if scenario == "four_decimals" or rng.random() < 0.1 else 2
        tiers = [self.money(retail)] + [self.money(retail * f, places) for f in (0.6, 0.5, 0.55)]
        tiers += [_ZERO, self.money(retail * 0.58, 3) if rng.random() < 0.5 else _ZERO]
        tiers += [_ZERO] * 4  # tiers 7-10 unused: no price, nothing in Shopify
        if rng.random() < 0.15:
            tiers[2] = _ZERO  # not offered to distributors
        product = {"ID": self.guid(), "SKU": sku, "Name": name, "Category": category}
        product |= {f"PriceTier{code}": price for code, price in enumerate(tiers, start=1)}
        product |= {"AverageCost": self.money(retail * 0.35, 4), "SaleTaxRule": TAX_RULES[0][0]}
        product |= {"UOM": self.pick(("Item", "Each", "Box")), "LastModifiedOn": self.stamp()}
        if brand := self.pick(BRANDS):
            product["Brand"] = brand
        if tags := self.pick(("", "", "Outdoor, Summer", "Bestseller")):
            product["Tags"] = tags
        if rng.random() < 0.7:
            product["Barcode"] = self.ean13()
        if scenario == "deprecated_product" or (scenario is None and rng.random() < 0.02):
            product["Status"] = "Deprecated"
            scenario = "deprecated_product"
        elif scenario == "setup_required":
            product["Status"] = "Setup required"
        elif scenario == "service":
            product["Type"] = "Service"
        if scenario:
            self.note(scenario, sku)
            self.product_scenarios[sku] = scenario
        return product

    def ean13(self) -> str:
        body = f"{self.rng.randrange(10**12):012d}"
        check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body)) % 10) % 10
        return f"{body}{check}"

    # -- customers ---------------------------------------------------------------------------------------
    def customers(self, count: int, active_products: list[dict]) -> list[dict]:
        customers = []
        for index in range(count):
            scenario = CUSTOMER_SCENARIOS[index] if index < len(CUSTOMER_SCENARIOS) else None
            customers.append(self.customer(scenario, customers, active_products))
        return customers

    def customer(self, scenario: str | None, earlier: list[dict], active_products: list[dict]) -> dict:
        rng = self.rng
        country = (
            SCENARIO_COUNTRIES.get(scenario)
            or rng.choices(list(COUNTRY_WEIGHTS), weights=list(COUNTRY_WEIGHTS.values()))[0]
        )
        currency, tax_rule, suffixes, tld, places = COUNTRIES[country]
        name, trading_name = self.company_name(suffixes)
        domain = "".join(ch for ch in name.lower() if ch.isalnum())[:24] + "." + tld
        customer = {"ID": self.guid(), "Name": name, "Currency": currency, "TaxRule": tax_rule}
        customer |= {"DisplayName": trading_name, "LastModifiedOn": self.stamp()}
        customer |= {"PaymentTerm": self.pick(("30 days", "30 days", "14 days", "Net 60", "COD", "7 days"))}
        customer |= {"PriceTier": self.pick(("Wholesale", "Wholesale", "Distributor", "VIP Trade", "Retail"))}
        customer["Tags"] = self.tags(scenario)
        if rng.random() < 0.2:
            customer["Discount"] = self.pick((Decimal("2.5"), Decimal("5"), Decimal("10")))
        if rng.random() < 0.6:
            customer["CreditLimit"] = self.pick((Decimal("5000"), Decimal("10000.00"), Decimal("25000")))
        customer["TaxNumber"] = self.pick(("", None, self.digits("##-#######")))
        customer["SalesRepresentative"] = self.pick((None, "Dana Reyes", "Sam Okafor"))
        if scenario == "unknown_country" or (scenario is None and rng.random() < 0.01):
            country = self.pick(UNKNOWN_COUNTRIES)
            self.note("unknown_country", customer["ID"])
        customer["Addresses"] = self.addresses(country, places, scenario)
        twin_email = self.twin_email(scenario, earlier)
        customer["Contacts"] = self.contacts(country, domain, scenario, twin_email)
        if twin_email:
            self.note("shared_email", customer["ID"])
            if scenario is None:
                self.note("shared_email", earlier[-1]["ID"])
        self.apply_flags(customer, scenario, earlier, active_products)
        return customer

    def company_name(self, suffixes: tuple[str, ...]) -> tuple[str, str]:
        """A unique legal name (Cin7 names are unique) and the trading name without the legal suffix."""
        rng = self.rng
        trading = f"{self.pick(COMPANY_WORDS)} {self.pick(COMPANY_TRADES)}"
        name = f"{trading} {self.pick(suffixes)}"
        while name.casefold() in self.names:
            trading = f"{self.pick(COMPANY_WORDS)} {self.pick(COMPANY_WORDS)} {self.pick(COMPANY_TRADES)}"
            name = f"{trading} {self.pick(suffixes)}" + (
                f" {rng.randrange(2, 999)}" if rng.random() < 0.3 else ""
            )
        self.names.add(name.casefold())
        return name, trading

    def tags(self, scenario: str | None) -> str | None:
        rng = self.rng
        if scenario == "untagged" or (scenario is None and rng.random() < 0.15):
            return self.pick((None, ""))
        if scenario == "retail" or (scenario is None and rng.random() < 0.18):
            return self.pick(("retail", "Retail, newsletter", "prospect"))
        tags = [self.pick(("b2b", "b2b", "B2B", " b2b ", "B2b"))]
        if scenario == "adopted_by_email" or (scenario is None and rng.random() < 0.15):
            tags.append("VIP")
        if scenario == "gold_canada" or (scenario is None and rng.random() < 0.1):
            tags.append(self.pick(("Gold", "gold")))
        if rng.random() < 0.2:
            tags.append(self.pick(("net30", "west-coast", "trade show 2025")))
        rng.shuffle(tags)
        return self.pick((",", ", ")).join(tags)

    def addresses(self, country: str, places: list, scenario: str | None) -> list[dict]:
        rng = self.rng
        if scenario == "no_address" or (scenario is None and rng.random() < 0.03):
            return []
        kinds = [("Billing", True), ("Shipping", True)]
        if scenario == "many_addresses" or (scenario is None and rng.random() < 0.1):
            kinds = [("Business", True), ("Billing", True), ("Shipping", False), ("Shipping", True)]
        elif rng.random() < 0.3:
            kinds = [("Billing", True)]
        addresses = []
        for kind, default in kinds:
            state, city, postcode = self.pick(places)
            if scenario == "many_addresses" and country == "United States":
                state = "California"
            line1 = f"{rng.randrange(1, 999)} {self.pick(STREETS)}"
            address = {"Line1": line1, "City": city, "State": state, "Postcode": postcode, "Country": country}
            address |= {"Type": kind, "DefaultForType": default, "Line2": self.pick((None, "", "Unit 4"))}
            addresses.append(address)
        return addresses

    def contacts(self, country: str, domain: str, scenario: str | None, twin_email: str | None) -> list[dict]:
        rng = self.rng
        if scenario == "no_contacts" or (scenario is None and rng.random() < 0.01):
            return []
        landlines, mobiles = PHONES.get(country, (("555-0100",), ("555-0199",)))
        contacts = []
        for _ in range(self.pick((1, 1, 2, 3))):
            first, last = self.pick(FIRST_NAMES), self.pick(LAST_NAMES)
            email = self.unique_email(f"{first}.{last}".lower().replace("'", "").replace("ü", "ue"), domain)
            contact = {"Name": f"{first} {last}", "Email": email, "Phone": self.digits(self.pick(landlines))}
            contact |= {"MobilePhone": self.digits(self.pick(mobiles)) if rng.random() < 0.4 else None}
            contact |= {"JobTitle": self.pick((None, "Buyer", "Accounts Payable", "Owner"))}
            contact |= {"MarketingConsent": self.pick((1, 2, 3)), "IncludeInEmail": rng.random() < 0.5}
            contacts.append(contact)
        default = contacts[-1] if len(contacts) > 1 and rng.random() < 0.2 else contacts[0]
        default["Default"] = True
        if scenario == "no_default_email" or (scenario is None and rng.random() < 0.01):
            default["Email"] = None
            contacts.append({"Name": "Accounts Team", "Email": self.unique_email("accounts", domain)})
        elif twin_email:
            default["Email"] = f" {twin_email.upper()}  "  # same address, other case and spacing
        elif scenario == "invalid_phone" or (scenario is None and rng.random() < 0.01):
            default["Phone"] = self.pick(("12", "n/a"))
        elif scenario == "mobile_only":
            default["Phone"], default["MobilePhone"] = None, self.digits(mobiles[0])
        return contacts

    def twin_email(self, scenario: str | None, earlier: list[dict]) -> str | None:
        """The previous customer's default email when this customer is to share it (a data-entry slip)."""
        if scenario != "shared_email_twin" and (scenario is not None or self.rng.random() >= 0.002):
            return None
        defaults = [c for c in (earlier[-1]["Contacts"] if earlier else []) if c.get("Default")]
        return defaults[0]["Email"] if defaults else None

    def unique_email(self, local: str, domain: str) -> str:
        email, n = f"{local}@{domain}", 1
        while email in self.emails:
            n += 1
            email = f"{local}{n}@{domain}"
        self.emails.add(email)
        return email

    def apply_flags(self, customer: dict, scenario, earlier: list[dict], active_products: list[dict]) -> None:
        rng, cid = self.rng, customer["ID"]
        if scenario == "deprecated" or (scenario is None and rng.random() < 0.02):
            customer["Status"] = "Deprecated"
        if scenario == "credit_hold" or (scenario is None and rng.random() < 0.05):
            customer["IsOnCreditHold"], customer["CreditLimit"] = True, Decimal("5000.00")
        if scenario == "tax_exempt" or (scenario is None and rng.random() < 0.05):
            customer["TaxRule"] = "Tax Exempt"
        if scenario == "gst_free":
            customer["TaxRule"], customer["PaymentTerm"] = "GST Free Exports", "Last day of next month"
        if customer["PaymentTerm"] in UNMAPPABLE_TERMS and _is_b2b(customer["Tags"]):
            self.note("unmapped_payment_term", cid)
        if scenario == "zero_priced_tier":
            customer["PriceTier"] = "Tier 7"
        if (scenario == "child" or (scenario is None and rng.random() < 0.01)) and earlier:
            parent = earlier[0] if scenario else self.pick(earlier[:100])
            if "CustomerParentID" not in parent:
                customer["CustomerParentID"], customer["IsBillParent"] = parent["ID"], True
        if scenario == "tied_modified" and earlier:
            customer["LastModifiedOn"] = earlier[-1]["LastModifiedOn"]
            self.note("tied_modified", earlier[-1]["ID"])
        elif scenario is None and earlier and rng.random() < 0.01:
            customer["LastModifiedOn"] = earlier[-1]["LastModifiedOn"]  # a bulk import: same stamp
        wants_prices = scenario == "customer_prices" or (scenario is None and rng.random() < 0.1)
        if wants_prices and active_products:
            chosen = rng.sample(active_products, min(len(active_products), rng.randint(1, 20)))
            customer["ProductPrices"] = [
                {
                    "ProductSKU": p["SKU"],
                    "Price": self.money(float(p["PriceTier1"]) * rng.uniform(0.4, 0.9), 2),
                }
                for p in chosen
            ]
            self.note("customer_prices", cid)
        if scenario and scenario not in ("customer_prices", "unknown_country", "shared_email_twin"):
            self.note(scenario, cid)

    # -- Shopify -----------------------------------------------------------------------------------------
    def shopify_products(self, families: list[tuple[str, list[dict]]]) -> list[dict]:
        rng, listings, extras = self.rng, [], []
        for family, members in families:
            variants = []
            for product in members:
                sku, option = product["SKU"], product["Name"].rsplit(" - ", 1)[-1]
                title = option if len(members) > 1 else "Default Title"
                variant = {"sku": sku, "title": title, "price": f"{product['PriceTier1']:.2f}"}
                scenario = self.product_scenarios.get(sku)
                if scenario is None and rng.random() < 0.02:
                    scenario = "missing_in_shopify"
                    self.note(scenario, sku)
                if scenario == "missing_in_shopify":
                    continue
                if scenario == "case_only_in_shopify":
                    variant["sku"] = sku.lower()
                elif scenario == "duplicate_sku":
                    extras.append({"title": f"{family} (bundle listing)", "variants": [dict(variant)]})
                elif scenario == "case_twin_in_shopify":
                    extras.append(
                        {"title": f"{family} (clearance)", "variants": [variant | {"sku": sku.lower()}]}
                    )
                variants.append(variant)
            if variants and rng.random() < 0.03:
                variants.append({"sku": "", "title": "Gift wrap", "price": "4.00"})
            if variants:
                listings.append({"title": family, "variants": variants})
        gift_card = [{"sku": "", "title": f"${n}", "price": f"{n}.00"} for n in (25, 50, 100)]
        sample_box = [{"sku": "SHOP-ONLY-001", "title": "Default Title", "price": "9.99"}]
        extras += [
            {"title": "Gift Card", "variants": gift_card},
            {"title": "Sample Box", "variants": sample_box},
        ]
        self.note("variant_without_sku", "Gift Card")
        return listings + extras

    @staticmethod
    def shopify_only_products(variant_count: int) -> list[dict]:
        """Merchandise sold only in Shopify (displays, samples, services), five variants a product."""
        skus = [f"SHOP-{n:06d}" for n in range(1, variant_count + 1)]
        return [
            {
                "title": f"Shop merchandise {start // 5 + 1}",
                "variants": [{"sku": sku, "title": sku, "price": "5.00"} for sku in skus[start : start + 5]],
            }
            for start in range(0, len(skus), 5)
        ]

    def shopify_customers(self, customers: list[dict]) -> list[dict]:
        result = []
        by_id = {customer["ID"]: customer for customer in customers[: len(CUSTOMER_SCENARIOS)]}
        # Shopify customers that already exist with a Cin7 customer's email in another case.
        for case, tags, state, recase in (
            ("adopted_by_email", ["newsletter", "wholesale-2024"], "ENABLED", str.title),
            ("credit_hold", ["wholesale-2024"], "DISABLED", str.upper),
            ("untagged", ["newsletter"], "ENABLED", str.title),
        ):
            customer = by_id.get(self.cases.get(case, [""])[0])
            defaults = [
                c for c in (customer or {}).get("Contacts", []) if c.get("Default") and c.get("Email")
            ]
            if defaults:
                first, _, last = defaults[0]["Name"].partition(" ")
                email = recase(defaults[0]["Email"])
                result.append(self.shopify_customer(email, first, last) | {"tags": tags, "state": state})
                self.note(f"shopify_{case}", email)
        for _ in range(max(3, len(customers) // 50)):
            first, last = self.pick(FIRST_NAMES), self.pick(LAST_NAMES)
            email = self.unique_email(f"{first}.{last}".lower().replace("'", ""), "example-shopper.com")
            result.append(
                self.shopify_customer(email, first, last) | {"tags": self.pick(([], ["newsletter"]))}
            )
        return result

    @staticmethod
    def shopify_customer(email: str, first: str, last: str) -> dict:
        return {"email": email, "first_name": first, "last_name": last, "phone": None, "tags": []} | {
            "state": "ENABLED"
        }
