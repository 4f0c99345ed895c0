"""The sample account's reference books: price tier names, tax rules and payment terms."""

from decimal import Decimal

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
