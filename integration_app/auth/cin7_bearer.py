"""Cin7 Core's webhook deliveries carry no signature, only the bearer token the app gave Cin7 when it
registered the webhook (`ExternalAuthorizationType: bearerauth`, FACTS §7)."""

import secrets

from .signatures import digests_match

_NO_TOKEN = secrets.token_urlsafe(32)  # compared against for unknown keys, so timing tells nothing


def bearer_is_valid(authorization: str, token: str | None) -> bool:
    """True when the `Authorization` header is `Bearer <token>`, compared in constant time (as bytes, so
    any header value compares, never raises); a missing `token` (unknown key) is never valid."""
    return digests_match(f"Bearer {token or _NO_TOKEN}", authorization) and bool(token)
