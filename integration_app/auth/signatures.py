"""Shopify's two HMAC schemes: hex over a sorted query string (OAuth, app URL), base64 over a raw body
(webhooks). The query scheme is verified with Shopify's Python library (`shopify.Session.validate_hmac`);
the library has no webhook HMAC (FACTS §6.1), so that one is computed here."""

import base64
import hashlib
import hmac
from urllib.parse import quote

import shopify


def digests_match(expected: str, received: str) -> bool:
    """Constant-time equality of two texts, compared as UTF-8 bytes: `hmac.compare_digest` raises
    `TypeError` for a `str` that is not ASCII, and any header or parameter can be."""
    return hmac.compare_digest(_utf8(expected), _utf8(received))


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _hex_hmac(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def _js_canonical(params: dict[str, str]) -> str:
    # shopify-app-js: URLSearchParams of the sorted pairs, then "+" -> "%20" (FACTS §1.2 step 3).
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in sorted(params.items()))


def query_hmac_is_valid(query: dict[str, str], secret: str) -> bool:
    """True when `query["hmac"]` signs the other parameters (constant-time comparisons).

    The library escapes values its own (legacy) way; shopify-app-js percent-encodes them. The two agree
    for plain values; a base64 `host` with "=" or "/" can differ, and FACTS §1.2 advises accepting either.
    """
    received = query.get("hmac", "")
    if not received or not secret:
        return False
    params = {k: v for k, v in query.items() if k != "signature"} | {"hmac": received.lower()}
    # A subclass carries the secret: `Session.setup` would set it on the library's shared class.
    session = type("AppSession", (shopify.Session,), {"secret": secret})
    if session.validate_hmac(params):
        return True
    unsigned = {k: v for k, v in params.items() if k != "hmac"}
    return digests_match(_hex_hmac(secret, _js_canonical(unsigned)), received.lower())


def sign_query(params: dict[str, str], secret: str) -> str:
    """The hex HMAC Shopify puts on a query (used by tests and the sandbox's counterpart)."""
    return _hex_hmac(secret, _js_canonical(params))


def webhook_hmac_is_valid(body: bytes, received: str, secret: str) -> bool:
    """True when `received` is the base64 HMAC-SHA256 of the raw `body` (constant-time comparison)."""
    if not received or not secret:
        return False
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return digests_match(expected, received.strip())
