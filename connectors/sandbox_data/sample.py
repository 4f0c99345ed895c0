"""`SampleData`: what one generation made, and the loaders that fill the two sandboxes with it."""

from dataclasses import dataclass, field

from .books import PAYMENT_TERMS, TAX_RULES, TIER_NAMES
from .customers import CUSTOMER_SCENARIOS, cin7_customers, is_b2b, shopify_customers
from .draw import Draw
from .products import cin7_products, shopify_only_products, shopify_products
from .shapes import add_shapes


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
    discount_rules: list[dict] = field(default_factory=list)  # `add_discount_rule` kwargs
    shopify_products: list[dict] = field(default_factory=list)
    shopify_customers: list[dict] = field(default_factory=list)
    cases: dict[str, list[str]] = field(default_factory=dict)

    def load_cin7(self, account) -> None:
        """Fill a `Cin7Account`: tier names, tax rules, payment terms, discount rules, products, then
        customers (parents before children)."""
        for code, name in enumerate(self.tier_names, start=1):
            account.rename_tier(code, name)
        for rule in self.tax_rules:
            account.add_tax_rule(**rule)
        for term in self.payment_terms:
            account.add_payment_term(**term)
        for rule in self.discount_rules:
            account.add_discount_rule(**rule)
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
            "cin7_b2b_customers": sum(is_b2b(c.get("Tags")) for c in self.cin7_customers),
            "cin7_deprecated_customers": sum(c.get("Status") == "Deprecated" for c in self.cin7_customers),
            "cin7_customers_with_prices": sum(bool(c.get("ProductPrices")) for c in self.cin7_customers),
            "cin7_customer_prices": sum(len(c.get("ProductPrices", ())) for c in self.cin7_customers),
            "cin7_products": len(self.cin7_products),
            "cin7_deprecated_products": sum(p.get("Status") == "Deprecated" for p in self.cin7_products),
            "cin7_branches": sum(bool(c.get("CustomerParentID")) for c in self.cin7_customers),
            "cin7_products_with_discount_rule": sum(bool(p.get("DiscountRule")) for p in self.cin7_products),
            "tax_rules": len(self.tax_rules),
            "shopify_products": len(self.shopify_products),
            "shopify_variants": len(variants),
            "shopify_variants_without_sku": sum(not v["sku"] for v in variants),
            "shopify_customers": len(self.shopify_customers),
        }


def generate(
    customers: int,
    products: int,
    seed: int = 0,
    *,
    shopify_only_variants: int = 0,
    branch_share: float | None = None,
) -> SampleData:
    """`customers` Cin7 customers and `products` Cin7 products with a matching Shopify catalogue, plus
    `shopify_only_variants` variants Shopify sells that Cin7 does not price (own SKUs, none in Cin7).
    `branch_share`: the share of customers that are branches of a head office (default about 3 %)."""
    data = _build(Draw(seed), customers, products, shopify_only_variants)
    draw = Draw(seed)
    draw.cases = data.cases
    data.discount_rules = add_shapes(draw, data.cin7_products, data.cin7_customers, branch_share)
    return data


def demo_data() -> SampleData:
    """The demo's small set: every case in `SampleData.cases` appears at least once."""
    return generate(customers=len(CUSTOMER_SCENARIOS), products=40, seed=7)


def _build(draw: Draw, customer_count: int, product_count: int, shopify_only_variants: int) -> SampleData:
    account = {"account_id": draw.guid(), "api_key": draw.guid(), "company": "Northwind Home Wholesale"}
    account |= {"currency": "USD", "timezone": "America/Los_Angeles"}
    products, families = cin7_products(draw, product_count)
    active = [p for p in products if p.get("Status") is None]
    data = SampleData(
        seed=draw.seed,
        account_kwargs=account,
        tier_names=list(TIER_NAMES),
        tax_rules=[{"name": n, "percent": p, "is_active": a} for n, p, a in TAX_RULES],
        payment_terms=[{"name": n, "method": m, "duration": d} for n, m, d in PAYMENT_TERMS],
        cin7_products=products,
        cin7_customers=cin7_customers(draw, customer_count, active),
        cases=draw.cases,
    )
    data.shopify_products = shopify_products(draw, families) + shopify_only_products(shopify_only_variants)
    data.shopify_customers = shopify_customers(draw, data.cin7_customers)
    return data
