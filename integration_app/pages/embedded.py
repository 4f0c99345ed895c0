"""The app home inside the Shopify admin: id_token check, bounce page, frame-ancestors (contract §2)."""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from connectors.shopify.errors import ShopifyError

from ..auth.session_tokens import InvalidSessionToken, shop_for_session, shop_from_session_token
from ..shop_domains import clean_shop_domain

logger = logging.getLogger(__name__)

APP_BRIDGE_URL = "https://cdn.shopify.com/shopifycloud/app-bridge.js"


def frame_ancestors(domain: str | None) -> str:
    """Only the shop's own admin and admin.shopify.com may frame the app (FACTS §2 "CSP")."""
    if domain is None:
        return "frame-ancestors 'none';"
    return f"frame-ancestors https://{domain} https://admin.shopify.com;"


def embedded_response(request, template: str, context: dict, domain: str | None) -> HttpResponse:
    response = render(
        request,
        template,
        {"api_key": settings.SHOPIFY_API_KEY, "app_bridge_url": APP_BRIDGE_URL, **context},
    )
    response["Content-Security-Policy"] = frame_ancestors(domain)
    return response


@xframe_options_exempt
@require_GET
def app_home(request):
    """The settings page. Without a valid `id_token`, the bounce page: App Bridge gets a fresh one."""
    domain = clean_shop_domain(request.GET.get("shop"))
    if domain is None:
        response = HttpResponse(
            "Open this app from your Shopify admin (Apps > Cin7 Sync).", status=400, content_type="text/plain"
        )
        response["Content-Security-Policy"] = frame_ancestors(None)
        return response
    id_token = request.GET.get("id_token", "")
    try:
        if shop_from_session_token(id_token) != domain:
            raise InvalidSessionToken("Token is for another shop")
        shop = shop_for_session(domain, id_token)
    except InvalidSessionToken as exc:
        logger.info("Bouncing %s for a fresh id_token: %s", domain, exc)
        query = {k: v for k, v in request.GET.items() if k != "id_token"}
        query["shopify-reload"] = f"{request.path}?{urlencode(query)}"
        response = HttpResponseRedirect(f"{reverse('bounce')}?{urlencode(query)}")
        response["Content-Security-Policy"] = frame_ancestors(domain)
        return response
    except ShopifyError as exc:
        logger.warning("Token exchange failed on the app home of %s: %s", domain, exc)
        return embedded_response(
            request, "integration_app/install_failed.html", {"shop_domain": domain}, domain
        )
    return embedded_response(
        request,
        "integration_app/app.html",
        {"shop": shop, "shop_domain": domain, "host": request.GET.get("host", ""), "standalone": False},
        domain,
    )


@xframe_options_exempt
@require_GET
def bounce(request):
    """Shopify's "patch id token" page: only App Bridge, which fetches a token and loads `shopify-reload`."""
    domain = clean_shop_domain(request.GET.get("shop"))
    return embedded_response(request, "integration_app/bounce.html", {}, domain)
