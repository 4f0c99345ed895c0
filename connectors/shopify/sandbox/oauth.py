"""Shopify's OAuth surface for one app: the authorize redirect, the token endpoint (authorization code,
token exchange, refresh) and ID tokens (FACTS §1, §2). The caller holds the sandbox lock."""

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit

import jwt

from connectors.clock import SystemClock

CODE_LIFETIME = 600
ID_TOKEN_LEEWAY = 10
# FACTS §1.3 / changelog 2026-08-28: a used refresh token stays retryable until its replacement is used,
# at most 30 days after its first use.
REFRESH_RECOVERY = 30 * 86400
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105 (a grant type, not a secret)
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"  # noqa: S105
OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"  # noqa: S105
SCOPE = re.compile(r"^(unauthenticated_)?(read|write)_[a-z_]+$")
_JS_FORM_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-._")


class TokenRequest(NamedTuple):
    grant_type: str
    ok: bool
    shop: str
    error: str | None


@dataclass
class AccessToken:
    token: str
    shop: str
    scopes: frozenset[str]
    expires_at: float | None
    revoked: bool = False


@dataclass
class RefreshToken:
    token: str
    shop: str
    scopes: frozenset[str]
    expires_at: float
    predecessor: "RefreshToken | None" = None
    successor: "RefreshToken | None" = None
    first_used_at: float | None = None
    retired: bool = False


@dataclass
class AuthCode:
    shop: str
    scopes: frozenset[str]
    expires_at: float
    used: bool = False


class OAuthError(Exception):
    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error, self.description = error, description


def form_encode(params: list[tuple[str, str]]) -> str:
    """`URLSearchParams` serialisation with spaces as `%20`: the string Shopify signs (FACTS §1.2)."""

    def encode(text: str) -> str:
        return "".join(chr(b) if b in _JS_FORM_SAFE else f"%{b:02X}" for b in text.encode())

    return "&".join(f"{encode(k)}={encode(v)}" for k, v in params)


def sign_query(secret: str, params: dict[str, str]) -> str:
    """Lowercase hex HMAC-SHA256 of the params sorted by key, as in an OAuth callback."""
    message = form_encode(sorted(params.items()))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def host_param(shop: str) -> str:
    store = shop.removesuffix(".myshopify.com")
    return base64.b64encode(f"admin.shopify.com/store/{store}".encode()).decode().rstrip("=")


@dataclass
class OAuthServer:
    api_key: str
    api_secret: str
    clock: SystemClock
    access_token_lifetime: float
    refresh_token_lifetime: float
    app_scopes: frozenset[str]
    redirect_urls: list[str] | None = None
    codes: dict[str, AuthCode] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    requests: list[TokenRequest] = field(default_factory=list)

    def authorize(self, shop: str, query: dict[str, str]) -> str:
        """The callback URL the merchant's browser is sent to; OAuthError when the request is refused."""
        if query.get("client_id") != self.api_key:
            raise OAuthError("invalid_request", "The client_id is not a known application.")
        redirect_uri = query.get("redirect_uri", "")
        if not redirect_uri or (self.redirect_urls is not None and redirect_uri not in self.redirect_urls):
            raise OAuthError("invalid_request", "The redirect_uri is not whitelisted for this application.")
        scopes = [s.strip() for s in query.get("scope", "").split(",") if s.strip()]
        bad = [s for s in scopes if not SCOPE.match(s)]
        if bad:
            raise OAuthError("invalid_scope", f"Unknown access scope: {', '.join(bad)}")
        code = secrets.token_hex(16)
        self.codes[code] = AuthCode(shop, frozenset(scopes), self.clock.now() + CODE_LIFETIME)
        base, _, existing = redirect_uri.partition("?")
        params = dict(parse_qsl(existing, keep_blank_values=True))
        params.update(code=code, shop=shop, timestamp=str(int(self.clock.now())), host=host_param(shop))
        if "state" in query:
            params["state"] = query["state"]
        params["hmac"] = sign_query(self.api_secret, params)
        return f"{base}?{urlencode(params)}"

    def token(self, shop: str, form: dict[str, str]) -> dict:
        """Answer a token-endpoint POST; OAuthError (HTTP 400) when refused. Every call is recorded."""
        grant = form.get("grant_type") or "authorization_code"
        try:
            if form.get("client_id") != self.api_key or not hmac.compare_digest(
                (form.get("client_secret") or "").encode(), self.api_secret.encode()
            ):
                raise OAuthError("invalid_client", "Client authentication failed.")
            expiring = str(form.get("expiring", "0")) == "1"
            if grant == "authorization_code":
                response = self.issue(
                    shop, self._redeem_code(shop, form.get("code") or ""), expiring=expiring
                )
            elif grant == TOKEN_EXCHANGE:
                response = self.issue(shop, self._exchange(shop, form), expiring=expiring)
            elif grant == "refresh_token":
                response = self._refresh(shop, form.get("refresh_token") or "")
            else:
                raise OAuthError("unsupported_grant_type", f"Grant type {grant} is not supported.")
        except OAuthError as error:
            self.requests.append(TokenRequest(grant, False, shop, error.error))
            raise
        self.requests.append(TokenRequest(grant, True, shop, None))
        return response

    def issue(self, shop: str, scopes: frozenset[str], *, expiring: bool, predecessor=None) -> dict:
        now = self.clock.now()
        access = AccessToken(
            "shpat_" + secrets.token_hex(16),
            shop,
            scopes,
            now + self.access_token_lifetime if expiring else None,
        )
        self.access_tokens[access.token] = access
        response = {"access_token": access.token, "scope": ",".join(sorted(scopes))}
        if expiring:
            refresh = RefreshToken(
                "shprt_" + secrets.token_hex(16), shop, scopes, now + self.refresh_token_lifetime, predecessor
            )
            self.refresh_tokens[refresh.token] = refresh
            response |= {
                "expires_in": int(self.access_token_lifetime),
                "refresh_token": refresh.token,
                "refresh_token_expires_in": int(self.refresh_token_lifetime),
            }
        return response

    def _redeem_code(self, shop: str, code: str) -> frozenset[str]:
        grant = self.codes.get(code)
        if grant is None or grant.used or grant.shop != shop or grant.expires_at < self.clock.now():
            raise OAuthError("invalid_grant", "The authorization code was not found or was already used.")
        grant.used = True
        return grant.scopes

    def _exchange(self, shop: str, form: dict[str, str]) -> frozenset[str]:
        if form.get("subject_token_type") != ID_TOKEN_TYPE:
            raise OAuthError("invalid_request", "subject_token_type must be an id_token.")
        if form.get("requested_token_type") != OFFLINE_TOKEN_TYPE:
            raise OAuthError("invalid_request", "The sandbox issues offline access tokens only.")
        problem = self.id_token_problem(form.get("subject_token") or "", shop)
        if problem:
            raise OAuthError("invalid_subject_token", problem)
        return self.app_scopes

    def _refresh(self, shop: str, token: str) -> dict:
        now = self.clock.now()
        current = self.refresh_tokens.get(token)
        recovery_over = bool(
            current and current.first_used_at and now > current.first_used_at + REFRESH_RECOVERY
        )
        if (
            current is None
            or current.shop != shop
            or current.retired
            or current.expires_at < now
            or recovery_over
        ):
            raise OAuthError("invalid_grant", "Token has been expired or revoked.")
        if current.predecessor is not None:  # using the replacement retires the token it replaced
            current.predecessor.retired = True
        if current.successor is not None:  # retried after a lost response: the unused replacement goes
            current.successor.retired = True
        current.first_used_at = current.first_used_at or now
        response = self.issue(shop, current.scopes, expiring=True, predecessor=current)
        current.successor = self.refresh_tokens[response["refresh_token"]]
        return response

    def authenticate(self, shop: str, token: str | None) -> AccessToken | None:
        found = self.access_tokens.get(token or "")
        if found is None or found.revoked or found.shop != shop:
            return None
        if found.expires_at is not None and found.expires_at <= self.clock.now():
            return None
        return found

    def revoke(self, shop: str) -> None:
        for access in self.access_tokens.values():
            if access.shop == shop:
                access.revoked = True
        for refresh in self.refresh_tokens.values():
            if refresh.shop == shop:
                refresh.retired = True
        self.codes = {code: grant for code, grant in self.codes.items() if grant.shop != shop}

    def mint_id_token(self, shop: str, *, exp_in: float = 60, nbf_offset: float = 0, **overrides) -> str:
        """An ID token as App Bridge hands it to the page; an override of None drops that claim."""
        now = int(self.clock.now())
        claims = {
            "iss": f"https://{shop}/admin",
            "dest": f"https://{shop}",
            "aud": self.api_key,
            "sub": "1",
            "exp": now + int(exp_in),
            "nbf": now + int(nbf_offset),
            "iat": now,
            "jti": str(uuid.uuid4()),
            "sid": secrets.token_hex(16),
        }
        claims.update(overrides)
        return jwt.encode(
            {k: v for k, v in claims.items() if v is not None}, self.api_secret, algorithm="HS256"
        )

    def id_token_problem(self, token: str, shop: str) -> str | None:
        """Why an ID token is invalid for `shop` (HS256, audience, dest, exp/nbf ±10 s), or None."""
        try:
            claims = jwt.decode(
                token,
                self.api_secret,
                algorithms=["HS256"],
                audience=self.api_key,
                options={
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "require": ["exp", "nbf"],
                },
            )
        except jwt.PyJWTError as error:
            return f"Invalid id token: {error}"
        now = self.clock.now()
        if claims["exp"] + ID_TOKEN_LEEWAY < now:
            return "Invalid id token: expired"
        if claims["nbf"] - ID_TOKEN_LEEWAY > now:
            return "Invalid id token: not yet valid"
        if urlsplit(str(claims.get("dest", ""))).hostname != shop:
            return "Invalid id token: dest is not this shop"
        return None
