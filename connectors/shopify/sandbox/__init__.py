"""A faithful Shopify admin for one app on loopback: OAuth, Admin GraphQL (2026-01 schema), webhooks."""

from .executor import GraphQLCall
from .oauth import TokenRequest
from .sandbox import Faults, ShopifySandbox
from .store import Customer, SandboxShop

__all__ = ["Customer", "Faults", "GraphQLCall", "SandboxShop", "ShopifySandbox", "TokenRequest"]
