"""Authorization-code grant: `/auth/install` and `/auth/callback` (contract §2 "Install and tokens").

Embedded installs normally arrive by token exchange (see session_tokens.py); this path serves installs
that start outside the admin. The state is a single-use nonce stored server-side and bound to the browser
by a signed cookie; the callback checks HMAC, state, shop domain and timestamp before any token request.
"""

import logging
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.views.decorators.http import require_GET

from connectors.shopify.errors import ShopifyError

from ..auth.signatures import digests_match, query_hmac_is_valid
from ..models import OAuthState, Shop
from ..shop_domains import clean_shop_domain
from .setup import after_install
from .tokens import oauth_client, store_token_set

logger = logging.getLogger(__name__)

STATE_COOKIE = "cin7sync_oauth_state"
STATE_MAX_AGE = timedelta(minutes=10)
CALLBACK_MAX_SKEW_SECONDS = 5 * 60
# A salt of our own: the cookie is never signed with the bare API secret (FACTS §1.2, shopify-api 13.1.0).
STATE_SALT = "integration_app.oauth.state"


def redirect_uri() -> str:
    return f"{settings.APP_URL}/auth/callback"


def _refuse(status: int, reason: str, log_reason: str) -> HttpResponse:
    logger.warning("OAuth refused: %s", log_reason)
    return HttpResponse(reason, status=status, content_type="text/plain")


@require_GET
def install(request):
    domain = clean_shop_domain(request.GET.get("shop"))
    if domain is None:
        return _refuse(400, "A valid shop domain (name.myshopify.com) is required.", "bad shop parameter")
    nonce = secrets.token_hex(32)
    OAuthState.objects.create(nonce=nonce, shop_domain=domain)
    OAuthState.objects.filter(created_at__lt=timezone.now() - STATE_MAX_AGE * 6).delete()
    url = oauth_client().authorize_url(
        domain, scopes=settings.SHOPIFY_SCOPES, redirect_uri=redirect_uri(), state=nonce
    )
    response = HttpResponseRedirect(url)
    response.set_signed_cookie(
        STATE_COOKIE,
        nonce,
        salt=STATE_SALT,
        max_age=int(STATE_MAX_AGE.total_seconds()),
        secure=settings.SECURE,
        httponly=True,
        samesite="Lax",
        path="/auth/",
    )
    return response


@require_GET
def callback(request):
    query = {key: request.GET[key] for key in request.GET}
    domain = clean_shop_domain(query.get("shop"))
    if domain is None:
        return _refuse(400, "Invalid shop domain.", "bad shop parameter on callback")
    if not query_hmac_is_valid(query, settings.SHOPIFY_API_SECRET):
        return _refuse(403, "The request signature is invalid.", f"bad HMAC on callback for {domain}")
    try:
        timestamp = int(query.get("timestamp", ""))
    except ValueError:
        return _refuse(400, "Missing or invalid timestamp.", f"bad timestamp for {domain}")
    if abs(time.time() - timestamp) > CALLBACK_MAX_SKEW_SECONDS:
        return _refuse(
            403, "The request is too old; start the install again.", f"stale callback for {domain}"
        )
    state = query.get("state", "")
    cookie_nonce = request.get_signed_cookie(STATE_COOKIE, default=None, salt=STATE_SALT)
    if not state or not cookie_nonce or not digests_match(cookie_nonce, state):
        return _refuse(403, "The install session does not match this browser; start again.", "state mismatch")
    with transaction.atomic():
        claimed = OAuthState.objects.filter(
            nonce=state,
            shop_domain=domain,
            used_at__isnull=True,
            created_at__gte=timezone.now() - STATE_MAX_AGE,
        ).update(used_at=timezone.now())
    if not claimed:
        return _refuse(403, "This install link was already used or has expired; start again.", "state reused")
    code = query.get("code", "")
    if not code:
        return _refuse(400, "Missing authorization code.", f"no code for {domain}")
    try:
        tokens = oauth_client().exchange_code(domain, code)
    except ShopifyError as exc:
        logger.warning("Code exchange failed for %s: %s", domain, exc)
        return HttpResponse("Shopify did not issue a token; start the install again.", status=400)
    shop, _ = Shop.objects.get_or_create(domain=domain)
    store_token_set(shop, tokens)
    logger.info("Installed on %s by authorization code", domain)
    after_install(shop)
    response = HttpResponseRedirect(f"{oauth_client().admin_url(domain)}/apps/{settings.SHOPIFY_API_KEY}")
    response.delete_cookie(STATE_COOKIE, path="/auth/")
    return response
