"""Standalone development mode: the settings page outside the Shopify admin, DEBUG only.

`GET /dev/standalone?shop=S` renders the same page as the app home, but loads `dev-app-bridge.js` (a tiny
stand-in for App Bridge) instead of Shopify's CDN script. That stand-in asks `GET /dev/session-token?shop=S`
for session tokens, which this module mints locally exactly as Shopify would (HS256 with the app secret),
so the JSON API is exercised with real session tokens. Both views answer 404 unless `settings.DEBUG`, and
`urls.py` only routes to them when DEBUG is on: minting tokens is a master key to every shop.
"""

import functools
import secrets
import time
import uuid

import jwt
from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from ..models import Shop
from ..shop_domains import clean_shop_domain

TOKEN_LIFETIME_SECONDS = 60


def standalone_view(view):
    """A GET view that exists only with DEBUG (else 404) and is called with the `?shop=` domain (a bad or
    missing one → 400)."""

    @require_GET
    @functools.wraps(view)
    def wrapper(request):
        if not settings.DEBUG:
            raise Http404("Standalone mode exists only with DEBUG=true.")
        domain = clean_shop_domain(request.GET.get("shop"))
        if domain is None:
            return HttpResponse(
                "Add ?shop=<name>.myshopify.com (the shop the demo installed).",
                status=400,
                content_type="text/plain",
            )
        return view(request, domain)

    return wrapper


def mint_session_token(domain: str, *, lifetime: int = TOKEN_LIFETIME_SECONDS) -> str:
    """A session token for `domain` with the claims App Bridge's `shopify.idToken()` carries."""
    now = int(time.time())
    claims = {
        "iss": f"https://{domain}/admin",
        "dest": f"https://{domain}",
        "aud": settings.SHOPIFY_API_KEY,
        "sub": "1",
        "exp": now + lifetime,
        "nbf": now,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "sid": secrets.token_hex(16),
    }
    return jwt.encode(claims, settings.SHOPIFY_API_SECRET, algorithm="HS256")


@standalone_view
def standalone_page(request, domain: str):
    """The settings page for local use, clearly marked as not inside Shopify."""
    response = render(
        request,
        "integration_app/app.html",
        {
            "api_key": settings.SHOPIFY_API_KEY,
            "app_bridge_url": static("integration_app/dev-app-bridge.js"),
            "shop": Shop.objects.filter(domain=domain).first(),
            "shop_domain": domain,
            "host": "",
            "standalone": True,
        },
    )
    response["Content-Security-Policy"] = "frame-ancestors 'none';"
    return response


@standalone_view
def session_token(request, domain: str):
    """`{"token": <60 s session token>}` for the standalone page's App Bridge stand-in."""
    response = JsonResponse({"token": mint_session_token(domain)})
    response["Cache-Control"] = "no-store"
    return response
