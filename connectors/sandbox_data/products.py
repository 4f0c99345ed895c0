"""Sample Cin7 products and the Shopify catalogue that sells them, with the SKU cases the sync handles."""

from decimal import Decimal

from .books import TAX_RULES
from .draw import Draw

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

PRODUCT_SCENARIOS = (
    "four_decimals", "deprecated_product", "setup_required", "missing_in_shopify", "duplicate_sku",
    "case_only_in_shopify", "case_twin_in_shopify", "service",
)  # fmt: skip
_ZERO = Decimal("0")


def cin7_products(draw: Draw, count: int) -> tuple[list[dict], list[tuple[str, list[dict]]]]:
    """`count` Cin7 products (`add_product` input) and their families (a family is one Shopify product)."""
    rng, products, families = draw.rng, [], []
    while len(products) < count:
        category = draw.pick(CATEGORY_NAMES)
        prefix, nouns, axis = CATEGORIES[category]
        family = f"{draw.pick(ADJECTIVES)} {draw.pick(nouns)}"
        options = rng.sample(axis, draw.pick((1, 1, 2, 3)))[: count - len(products)]
        base_sku = f"{prefix}-{len(families) + 1:05d}"
        members = []
        for option in options:
            sku = f"{base_sku}-{option.split()[-1][:3].upper()}" if len(options) > 1 else base_sku
            name = f"{family} - {option}" if len(options) > 1 else family
            members.append(_product(draw, len(products), sku, name, category))
            products.append(members[-1])
        families.append((family, members))
    return products, families


def _product(draw: Draw, index: int, sku: str, name: str, category: str) -> dict:
    rng = draw.rng
    scenario = PRODUCT_SCENARIOS[index] if index < len(PRODUCT_SCENARIOS) else None
    retail = rng.uniform(*PRICE_RANGES[category])
    places = 4 if scenario == "four_decimals" or rng.random() < 0.1 else 2
    tiers = [draw.money(retail)] + [draw.money(retail * f, places) for f in (0.6, 0.5, 0.55)]
    tiers += [_ZERO, draw.money(retail * 0.58, 3) if rng.random() < 0.5 else _ZERO]
    tiers += [_ZERO] * 4  # tiers 7-10 unused: no price, nothing in Shopify
    if rng.random() < 0.15:
        tiers[2] = _ZERO  # not offered to distributors
    product = {"ID": draw.guid(), "SKU": sku, "Name": name, "Category": category}
    product |= {f"PriceTier{code}": price for code, price in enumerate(tiers, start=1)}
    product |= {"AverageCost": draw.money(retail * 0.35, 4), "SaleTaxRule": TAX_RULES[0][0]}
    product |= {"UOM": draw.pick(("Item", "Each", "Box")), "LastModifiedOn": draw.stamp()}
    if brand := draw.pick(BRANDS):
        product["Brand"] = brand
    if tags := draw.pick(("", "", "Outdoor, Summer", "Bestseller")):
        product["Tags"] = tags
    if rng.random() < 0.7:
        product["Barcode"] = _ean13(draw)
    if scenario == "deprecated_product" or (scenario is None and rng.random() < 0.02):
        product["Status"] = "Deprecated"
        scenario = "deprecated_product"
    elif scenario == "setup_required":
        product["Status"] = "Setup required"
    elif scenario == "service":
        product["Type"] = "Service"
    if scenario:
        draw.note(scenario, sku)
        draw.product_scenarios[sku] = scenario
    return product


def _ean13(draw: Draw) -> str:
    body = f"{draw.rng.randrange(10**12):012d}"
    check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body)) % 10) % 10
    return f"{body}{check}"


def shopify_products(draw: Draw, families: list[tuple[str, list[dict]]]) -> list[dict]:
    """The Shopify catalogue selling `families`, with the SKU cases (missing, duplicated, other case)."""
    rng, listings, extras = draw.rng, [], []
    for family, members in families:
        variants = []
        for product in members:
            sku, option = product["SKU"], product["Name"].rsplit(" - ", 1)[-1]
            title = option if len(members) > 1 else "Default Title"
            variant = {"sku": sku, "title": title, "price": f"{product['PriceTier1']:.2f}"}
            scenario = draw.product_scenarios.get(sku)
            if scenario is None and rng.random() < 0.02:
                scenario = "missing_in_shopify"
                draw.note(scenario, sku)
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
    draw.note("variant_without_sku", "Gift Card")
    return listings + extras


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
