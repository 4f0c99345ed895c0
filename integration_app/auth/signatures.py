"""Shopify's two HMAC schemes: hex over a sorted query string (OAuth), base64 over a raw body (webhooks)."""

import base64
import hashlib
import hmac
from urllib.parse import quote


def _hex_hmac(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def _js_canonical(params: dict[str, str]) -> str:
    # shopify-app-js: URLSearchParams of the sorted pairs, then "+" -> "%20" (FACTS §1.2 step 3).
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in sorted(params.items()))


def _legacy_canonical(params: dict[str, str]) -> str:
    # ShopifyAPI (Python) 12.7: raw values, only "%" and "&" escaped (and "=" in keys). The two agree for
    # plain values; a base64 `host` with "=" or "/" can differ, and FACTS §1.2 advises accepting either.
    def esc(text: str, extra: str = "") -> str:
        text = text.replace("%", "%25").replace("&", "%26")
        return text.replace("=", "%3D") if extra else text

    return "&".join(f"{esc(k, '=')}={esc(v)}" for k, v in sorted(params.items()))


def query_hmac_is_valid(query: dict[str, str], secret: str) -> bool:
    """True when `query["hmac"]` signs the other parameters (constant-time comparison)."""
    received = query.get("hmac", "")
    if not received or not secret:
        return False
    params = {k: v for k, v in query.items() if k not in ("hmac", "signature")}
    return any(
        hmac.compare_digest(_hex_hmac(secret, canonical(params)), received.lower())
        for canonical in (_js_canonical, _legacy_canonical)
    )


def sign_query(params: dict[str, str], secret: str) -> str:
    """The hex HMAC Shopify puts on a query (used by tests and the sandbox's counterpart)."""
    return _hex_hmac(secret, _js_canonical(params))


def webhook_hmac_is_valid(body: bytes, received: str, secret: str) -> bool:
    """True when `received` is the base64 HMAC-SHA256 of the raw `body` (constant-time comparison)."""
    if not received or not secret:
        return False
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, received.strip())
