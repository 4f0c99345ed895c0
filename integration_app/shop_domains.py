"""The one test of a shop domain, applied before any redirect, token request or lookup."""

import re

# Anchored, as Shopify's security check demands (FACTS §1.2 "Valid shop domain", WEAK_SHOP_VALIDATION).
SHOP_DOMAIN_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$")


def clean_shop_domain(value: str | None) -> str | None:
    """The lower-cased domain when `value` is a valid `*.myshopify.com` domain, else None."""
    if not value or not SHOP_DOMAIN_RE.fullmatch(value):
        return None
    return value.lower()
