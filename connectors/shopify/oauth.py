"""Shopify's token endpoint: authorization code, token exchange and refresh (FACTS §1.2-1.4).

Plain HTTP, no Django: the app decides where tokens are stored; this module only speaks to Shopify.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

import requests

from .errors import OAuthError, ShopifyUnavailableError, excerpt_of

# OAuth grant and token-type identifiers (names, not secrets).
TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"  # noqa: S105
OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"  # noqa: S105


@dataclass(frozen=True, repr=False)
class TokenSet:
    """What the token endpoint returned. `expires_in` is None for a non-expiring offline token."""

    access_token: str
    scope: str
    expires_in: int | None = None
    refresh_token: str = ""
    refresh_token_expires_in: int | None = None

    def __repr__(self):
        refresh = bool(self.refresh_token)
        return f"TokenSet(scope={self.scope!r}, expires_in={self.expires_in}, refresh={refresh})"


class OAuthClient:
    """Calls `{admin}/oauth/...` of one app (client id + secret) for any shop."""

    def __init__(self, admin_url_template: str, api_key: str, api_secret: str, *, timeout: float = 15.0):
        self.admin_url_template = admin_url_template
        self.api_key, self._api_secret, self.timeout = api_key, api_secret, timeout

    def admin_url(self, shop: str) -> str:
        return self.admin_url_template.format(shop=shop).rstrip("/")

    def authorize_url(self, shop: str, *, scopes: str, redirect_uri: str, state: str) -> str:
        query = urlencode(
            {"client_id": self.api_key, "scope": scopes, "redirect_uri": redirect_uri, "state": state}
        )
        return f"{self.admin_url(shop)}/oauth/authorize?{query}"

    def exchange_code(self, shop: str, code: str) -> TokenSet:
        return self._request_token(shop, "authorization code", {"code": code, "expiring": "1"})

    def exchange_session_token(self, shop: str, id_token: str) -> TokenSet:
        return self._request_token(
            shop,
            "token exchange",
            {
                "grant_type": TOKEN_EXCHANGE_GRANT,
                "subject_token": id_token,
                "subject_token_type": ID_TOKEN_TYPE,
                "requested_token_type": OFFLINE_TOKEN_TYPE,
                "expiring": "1",
            },
        )

    def refresh(self, shop: str, refresh_token: str) -> TokenSet:
        return self._request_token(
            shop, "token refresh", {"grant_type": "refresh_token", "refresh_token": refresh_token}
        )

    def _request_token(self, shop: str, grant: str, fields: dict) -> TokenSet:
        call = f"POST /oauth/access_token ({grant}) for {shop}"
        body = {"client_id": self.api_key, "client_secret": self._api_secret, **fields}
        try:
            response = requests.post(
                f"{self.admin_url(shop)}/oauth/access_token",
                json=body,
                headers={"Accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise ShopifyUnavailableError(
                f"Shopify could not be reached ({type(exc).__name__}).", call=call
            ) from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code != 200 or not isinstance(data, dict) or not data.get("access_token"):
            error = data.get("error", "") if isinstance(data, dict) else ""
            exc_class = ShopifyUnavailableError if response.status_code >= 500 else OAuthError
            kwargs = {"error": error} if exc_class is OAuthError else {}
            raise exc_class(
                "Shopify refused the token request.",
                call=call,
                status=response.status_code,
                excerpt=excerpt_of(str(error) or response.text),
                **kwargs,
            )
        return TokenSet(
            access_token=data["access_token"],
            scope=data.get("scope", ""),
            expires_in=_int_or_none(data.get("expires_in")),
            refresh_token=data.get("refresh_token", "") or "",
            refresh_token_expires_in=_int_or_none(data.get("refresh_token_expires_in")),
        )


def _int_or_none(value) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
