"""Cin7 Core REST API v2 connector: a paced, retrying client and typed records (`sandbox`: a fake server)."""

from .client import DEFAULT_BASE_URL, Cin7Client
from .discounts import DiscountLine, DiscountRule, parse_discount_rule
from .errors import Cin7CredentialsError, Cin7Error, Cin7RecordError, Cin7ResponseError, Cin7UnavailableError
from .pacing import MemoryPacer, Pacer
from .records import (
    Address,
    Contact,
    Customer,
    Me,
    PriceTier,
    Product,
    ProductPrice,
    TaxRule,
    Webhook,
)
from .retry import RetryPolicy
from .transport import Cin7Stats

__all__ = [
    "DEFAULT_BASE_URL",
    "Address",
    "Cin7Client",
    "Cin7CredentialsError",
    "Cin7Error",
    "Cin7RecordError",
    "Cin7ResponseError",
    "Cin7Stats",
    "Cin7UnavailableError",
    "Contact",
    "Customer",
    "DiscountLine",
    "DiscountRule",
    "Me",
    "MemoryPacer",
    "Pacer",
    "PriceTier",
    "Product",
    "ProductPrice",
    "RetryPolicy",
    "TaxRule",
    "Webhook",
    "parse_discount_rule",
]
