"""Session (ID) tokens from App Bridge: HS256 JWTs signed with the app secret (contract §2, FACTS §2)."""

import functools
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from shopify import session_token

from connectors.shopify.errors import ShopifyError

from ..models import Shop
from ..shop_domains import clean_shop_domain
from ..shop_setup import after_install
from .tokens import install_from_session_token

logger = logging.getLogger(__name__)

RETRY_HEADER = "X-Shopify-Retry-Invalid-Session-Request"


class InvalidSessionToken(Exception):
    """The token is missing, forged, expired, for another app, or names no valid shop."""


def shop_from_session_token(token: str) -> str:
    """Verify `token` (signature, `aud`, `exp`/`nbf` with 10 s leeway, iss/dest); return its shop domain."""
    try:
        # ShopifyAPI checks HS256, audience, leeway and iss/dest agreement; exp and nbf must be present too.
        claims = session_token.decode_from_header(
            f"Bearer {token}", api_key=settings.SHOPIFY_API_KEY, secret=settings.SHOPIFY_API_SECRET
        )
    except session_token.SessionTokenError as exc:
        raise InvalidSessionToken(str(exc)) from None
    if "exp" not in claims or "nbf" not in claims:
        raise InvalidSessionToken("Token has no exp or nbf claim")
    domain = clean_shop_domain(urlsplit(str(claims.get("dest", ""))).hostname)
    if domain is None:
        raise InvalidSessionToken("Token dest is not a myshopify.com shop")
    return domain


def shop_for_session(domain: str, token: str) -> Shop:
    """The shop of a verified session token, installing it by token exchange when it has no usable token."""
    shop = Shop.objects.filter(domain=domain).first()
    if shop is None or not shop.has_usable_token:
        shop = install_from_session_token(domain, token)
        after_install(shop)
    return shop


def invalid_session_response(reason: str) -> JsonResponse:
    response = JsonResponse({"error": "Invalid or expired session token.", "fields": {}}, status=401)
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
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            logger.info("API request without a bearer token: %s %s", request.method, request.path)
            return invalid_session_response("missing")
        token = header.removeprefix("Bearer ").strip()
        try:
            domain = shop_from_session_token(token)
        except InvalidSessionToken as exc:
            logger.info("Rejected a session token on %s: %s", request.path, exc)
            return invalid_session_response(str(exc))
        try:
            request.shop = shop_for_session(domain, token)
        except ShopifyError as exc:
            logger.warning("Token exchange failed for %s: %s", domain, exc)
            return JsonResponse(
                {"error": "Shopify did not authorise the app for this shop. Reload the app.", "fields": {}},
                status=401,
            )
        return view(request, *args, **kwargs)

    return wrapper
