"""Session (ID) tokens from App Bridge: HS256 JWTs signed with the app secret (contract §2, FACTS §2)."""

import functools
import logging
from urllib.parse import urlsplit

import jwt
from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from connectors.shopify.errors import ShopifyError, ShopifyUnavailableError

from ..models import Shop
from ..shop_domains import clean_shop_domain
from ..shop_setup import after_install
from .tokens import install_from_session_token

logger = logging.getLogger(__name__)

RETRY_HEADER = "X-Shopify-Retry-Invalid-Session-Request"
LEEWAY_SECONDS = 10


class InvalidSessionToken(Exception):
    """The token is missing, forged, expired, for another app, or names no valid shop."""


def shop_from_session_token(token: str) -> str:
    """Verify `token` (HS256 signature, `aud`, `exp`/`nbf` with 10 s leeway, `dest`); return its shop domain.

    Only the claims the contract names are required; `iss`, when present, must name the same shop as
    `dest` (Shopify sends both, `sub`, `sid` and `jti` too, but a token without them is still genuine).
    """
    try:
        claims = jwt.decode(
            token,
            settings.SHOPIFY_API_SECRET,
            algorithms=["HS256"],
            audience=settings.SHOPIFY_API_KEY,
            leeway=LEEWAY_SECONDS,
            options={"require": ["aud", "dest", "exp", "nbf"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidSessionToken(str(exc)) from None
    dest = urlsplit(str(claims["dest"]))
    domain = clean_shop_domain(dest.netloc) if dest.scheme == "https" else None
    if domain is None:
        raise InvalidSessionToken("Token dest is not https://<shop>.myshopify.com")
    if "iss" in claims:
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
