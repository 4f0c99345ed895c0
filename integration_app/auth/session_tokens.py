"""Session (ID) tokens from App Bridge: HS256 JWTs signed with the app secret (contract §2, FACTS §2),
verified with Shopify's Python library (`shopify.session_token`, ShopifyAPI 12.7)."""

import functools
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from shopify import session_token

from connectors.shopify.errors import ShopifyError, ShopifyUnavailableError

from ..install.setup import after_install
from ..install.tokens import install_from_session_token
from ..models import Shop
from ..shop_domains import clean_shop_domain

logger = logging.getLogger(__name__)

RETRY_HEADER = "X-Shopify-Retry-Invalid-Session-Request"
# Every claim App Bridge's tokens carry (contract §2). The library requires iss, dest, sub, jti and sid, and
# checks aud, exp and nbf when present (with its 10 s leeway); the rest are required here.
CLAIMS = ("iss", "dest", "aud", "sub", "exp", "nbf", "iat", "jti", "sid")


class InvalidSessionToken(Exception):
    """The token is missing, forged, expired, for another app, or names no valid shop."""


def shop_from_session_token(token: str) -> str:
    """Verify `token` and return its shop domain.

    `shopify.session_token.decode_from_header` checks the HS256 signature, `aud`, `exp`/`nbf` (10 s
    leeway) and that `iss` and `dest` name the same shop; then every claim must be present and `dest`
    must be exactly `https://<shop>.myshopify.com`.
    """
    try:
        claims = session_token.decode_from_header(
            f"Bearer {token}", settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET
        )
    except session_token.SessionTokenError as exc:
        raise InvalidSessionToken(str(exc)) from None
    missing = [claim for claim in CLAIMS if claim not in claims]
    if missing:
        raise InvalidSessionToken(f"Token lacks the claims {', '.join(missing)}")
    dest = urlsplit(str(claims["dest"]))
    domain = clean_shop_domain(dest.netloc) if dest.scheme == "https" else None
    if domain is None:
        raise InvalidSessionToken("Token dest is not https://<shop>.myshopify.com")
    iss = urlsplit(str(claims["iss"]))
    if (iss.scheme, iss.netloc.lower()) != ("https", domain):
        raise InvalidSessionToken("Token iss and dest name different shops")
    return domain


def shop_for_session(domain: str, token: str) -> Shop:
    """The shop of a verified session token, installing it by token exchange when it has no usable token."""
    shop = Shop.objects.filter(domain=domain).first()
    if shop is None or not shop.has_usable_token:
        shop = install_from_session_token(domain, token)
        after_install(shop)
    return shop


def invalid_session_response(message: str = "Invalid or expired session token.") -> JsonResponse:
    """401 with the header that makes App Bridge fetch a fresh session token and retry once."""
    response = JsonResponse({"error": message, "fields": {}}, status=401)
    response[RETRY_HEADER] = "1"
    return response


def session_token_required(view):
    """Trust a JSON API request only with `Authorization: Bearer <valid session token>`.

    Sets `request.shop`. The bearer token replaces the CSRF cookie (App Bridge adds it to fetches; a
    cross-site form cannot), so these views, and only these, are CSRF-exempt.
    """

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            logger.info("API request without a bearer token: %s %s", request.method, request.path)
            return invalid_session_response()
        try:
            domain = shop_from_session_token(token)
        except InvalidSessionToken as exc:
            logger.info("Rejected a session token on %s: %s", request.path, exc)
            return invalid_session_response()
        try:
            request.shop = shop_for_session(domain, token)
        except ShopifyUnavailableError as exc:
            logger.warning("Token exchange failed for %s: %s", domain, exc)
            return JsonResponse(
                {"error": "Shopify could not be reached. Try again in a minute.", "fields": {}}, status=503
            )
        except ShopifyError as exc:
            logger.warning("Token exchange refused for %s: %s", domain, exc)
            return invalid_session_response("Shopify did not authorise the app for this shop; reload it.")
        return view(request, *args, **kwargs)

    return wrapper
