"""ShopifySandbox: shops, the app's OAuth credentials and the admin HTTP surface behind one lock."""

import html
import json
import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from connectors.clock import SYSTEM_CLOCK, SystemClock
from connectors.shopify.schema import admin_schema

from .b2b.register import register_b2b
from .bulk_mutation import advance_bulk_mutations, register_bulk
from .context import BulkModel
from .cost import LeakyBucket
from .executor import GraphQLCall, GraphQLEndpoint
from .extensions import Extensions
from .oauth import OAuthError, OAuthServer, TokenRequest, host_param, sign_query
from .server import NOT_FOUND, Request, Response, SandboxHTTPServer
from .staged_uploads import handle_upload
from .store import IdAllocator, SandboxShop, gid_number
from .webhooks import deliver, topic_enum

SHOP_DOMAIN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$")
DEFAULT_SCOPES = ("read_customers", "write_customers", "read_products", "write_products")
INVALID_TOKEN = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
BULK_URL_LIFETIME = 7 * 86400


@dataclass
class Faults:
    """Injected failures, counted over GraphQL requests (the Nth, 2Nth, … request is hit).

    `error_every`: answer 502 (HTML) or 503 (plain text) without executing. `drop_every`: close the
    connection without an answer; with `drop_after_execute` the request is executed first, as when a
    response is lost on the way back. `slow_every`/`slow_seconds`: answer late (real seconds).
    """

    error_every: int = 0
    drop_every: int = 0
    drop_after_execute: bool = False
    slow_every: int = 0
    slow_seconds: float = 0.0

    @staticmethod
    def hits(every: int, count: int) -> bool:
        return bool(every) and count % every == 0


class ShopifySandbox:
    """A Shopify admin for one app on loopback: OAuth, Admin GraphQL, webhooks and bulk results."""

    def __init__(
        self,
        api_key: str = "key",
        api_secret: str = "secret",  # noqa: S107 (the sandbox app's test credential)
        redirect_urls: list[str] | None = None,
        clock: SystemClock = SYSTEM_CLOCK,
        access_token_lifetime: float = 3600,
        refresh_token_lifetime: float = 30 * 86400,
        bucket_size: float = 2000,
        restore_rate: float = 100,
        seed: int = 0,
        bulk_delay: float = 0.0,
        bulk_model: BulkModel | None = None,
        scopes: tuple[str, ...] = DEFAULT_SCOPES,
        api_version: str = "2026-10",
        app_url: str | None = None,
    ):
        self.api_key, self.api_secret, self.clock = api_key, api_secret, clock
        self.bucket_size, self.restore_rate = bucket_size, restore_rate
        self.api_version, self.app_url = api_version, app_url
        self.lock = threading.RLock()
        self.ids = IdAllocator(seed)
        self.shops: dict[str, SandboxShop] = {}
        self.oauth = OAuthServer(
            api_key,
            api_secret,
            clock,
            access_token_lifetime,
            refresh_token_lifetime,
            frozenset(scopes),
            redirect_urls,
        )
        extensions = Extensions()
        register_b2b(extensions)
        register_bulk(extensions)
        self.endpoint = GraphQLEndpoint(
            admin_schema(),
            app_id=self.ids.next("App"),
            bulk_delay=bulk_delay,
            extensions=extensions,
            bulk_model=bulk_model,
        )
        self.faults = Faults()
        self._calls: list[GraphQLCall] = []
        self._graphql_requests = 0
        self._server: SandboxHTTPServer | None = None
        self._base_url = ""
        self._thread: threading.Thread | None = None

    # --- shops and credentials ---

    def add_shop(
        self,
        domain: str,
        name: str | None = None,
        email: str | None = None,
        currency: str = "USD",
        country: str = "US",
        customer_accounts: str = "NEW_CUSTOMER_ACCOUNTS",
        customer_accounts_url: str | None = None,
        plan: str = "Grow",
    ) -> SandboxShop:
        """A new shop; `plan` is its Shopify plan ("Shopify Plus" for direct B2B catalogs, B2B.md)."""
        if not SHOP_DOMAIN.match(domain):
            raise ValueError(f"{domain!r} is not a *.myshopify.com domain")
        store_name = domain.removesuffix(".myshopify.com")
        with self.lock:
            shop = SandboxShop(
                domain,
                lock=self.lock,
                ids=self.ids,
                clock=self.clock,
                bucket=LeakyBucket(self.bucket_size, self.restore_rate, self.clock),
                name=name or store_name.replace("-", " ").title(),
                email=email or f"owner@{store_name}.example",
                currency=currency,
                country=country,
                customer_accounts=customer_accounts,
                customer_accounts_url=customer_accounts_url,
            )
            shop.set_plan(plan)
            self.shops[domain] = shop
            return shop

    def find_shop(self, domain: str) -> SandboxShop | None:
        with self.lock:
            return self.shops.get(domain)

    def issue_token(
        self, shop_domain: str, expiring: bool = False, scopes: tuple[str, ...] | None = None
    ) -> str:
        """An offline access token without the OAuth dance (connector tests)."""
        with self.lock:
            shop = self.shops[shop_domain]
            granted = frozenset(scopes or self.oauth.app_scopes)
            shop.granted_scopes = sorted(granted)
            return self.oauth.issue(shop_domain, granted, expiring=expiring)["access_token"]

    def mint_session_token(
        self, shop_domain: str, *, exp_in: float = 60, nbf_offset: float = 0, **claims
    ) -> str:
        """An HS256 ID token as App Bridge hands it to the embedded page; a claim set to None is left out."""
        return self.oauth.mint_id_token(shop_domain, exp_in=exp_in, nbf_offset=nbf_offset, **claims)

    def revoke_tokens(self, shop_domain: str) -> None:
        with self.lock:
            self.oauth.revoke(shop_domain)

    def uninstall(self, shop_domain: str) -> list[tuple[int, str]]:
        """Revoke the shop's tokens, drop its subscriptions and deliver `app/uninstalled` to them."""
        with self.lock:
            shop = self.shops[shop_domain]
            self.oauth.revoke(shop_domain)
            targets = [(w.callback_url, w.api_version) for w in shop.webhooks if w.topic == "APP_UNINSTALLED"]
            shop.webhooks.clear()
            shop.granted_scopes = []
            payload = self._shop_payload(shop)
        return [
            self._deliver(shop_domain, "app/uninstalled", payload, url, version) for url, version in targets
        ]

    def send_webhook(
        self,
        shop_domain: str,
        topic: str,
        payload: dict,
        url: str | None = None,
        webhook_id: str | None = None,
    ) -> tuple[int, str]:
        """POST a signed delivery to `url`, or to each subscription for `topic`; returns the last answer."""
        with self.lock:
            shop = self.shops[shop_domain]
            subscribed = [
                (w.callback_url, w.api_version) for w in shop.webhooks if w.topic == topic_enum(topic)
            ]
        targets = [(url, self.api_version)] if url else subscribed
        if not targets:
            raise ValueError(f"{shop_domain} has no subscription for {topic} and no url was given")
        results = [self._deliver(shop_domain, topic, payload, u, v, webhook_id) for u, v in targets]
        return results[-1]

    def _deliver(self, shop_domain, topic, payload, url, version, webhook_id=None) -> tuple[int, str]:
        return deliver(
            url,
            secret=self.api_secret,
            shop=shop_domain,
            topic=topic,
            payload=payload,
            api_version=version,
            now=self.clock.now(),
            webhook_id=webhook_id,
        )

    @staticmethod
    def _shop_payload(shop: SandboxShop) -> dict:
        return {
            "id": gid_number(shop.shop_gid),
            "name": shop.name,
            "email": shop.email,
            "domain": shop.domain,
            "myshopify_domain": shop.domain,
            "currency": shop.currency,
        }

    # --- accounting ---

    @property
    def calls(self) -> list[GraphQLCall]:
        with self.lock:
            return list(self._calls)

    def writes(self, shop_domain: str | None = None) -> int:
        """Mutation root fields that were executed (not throttled, not rejected), summed."""
        return sum(
            len(call.root_fields)
            for call in self.calls
            if call.mutation and call.actual_cost is not None and shop_domain in (None, call.shop)
        )

    @property
    def token_requests(self) -> list[TokenRequest]:
        with self.lock:
            return list(self.oauth.requests)

    def reset_calls(self) -> None:
        with self.lock:
            self._calls.clear()

    # --- server lifecycle ---

    def start(self, host: str = "127.0.0.1", port: int = 0) -> "ShopifySandbox":
        self._server = SandboxHTTPServer((host, port), self)
        bound_host, bound_port = self._server.server_address[:2]
        self._base_url = f"http://{bound_host}:{bound_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="shopify-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> "ShopifySandbox":
        return self.start() if self._server is None else self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the Shopify sandbox is not started")
        return self._base_url

    @property
    def admin_url_template(self) -> str:
        return f"{self.base_url}/shops/{{shop}}/admin"

    # --- HTTP handlers (called by server.route) ---

    def handle_authorize(self, shop_domain: str, query: dict[str, str]) -> Response:
        with self.lock:
            try:
                location = self.oauth.authorize(shop_domain, query)
            except OAuthError as error:
                page = f"<h1>Oauth error {error.error}</h1><p>{html.escape(error.description)}</p>"
                return Response.html(400, page)
        return Response(302, b"", "text/plain", {"Location": location})

    def handle_token(self, shop_domain: str, form: dict) -> Response:
        with self.lock:
            try:
                answer = self.oauth.token(shop_domain, form)
            except OAuthError as error:
                return Response.json(400, {"error": error.error, "error_description": error.description})
            self.shops[shop_domain].granted_scopes = answer["scope"].split(",")
        return Response.json(200, answer)

    def handle_graphql(self, shop_domain: str, version: str, request: Request) -> Response:
        with self.lock:
            self._graphql_requests += 1
            count, faults, now = self._graphql_requests, self.faults, self.clock.now()
        if Faults.hits(faults.slow_every, count):
            time.sleep(faults.slow_seconds)
        if Faults.hits(faults.error_every, count):
            status = 502 if (count // faults.error_every) % 2 else 503
            self._record(GraphQLCall(shop_domain, None, (), False, None, None, False, status, now))
            if status == 502:
                return Response.html(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
            return Response(503, b"Service Unavailable", "text/plain", {"Retry-After": "1"})
        drop = Faults.hits(faults.drop_every, count)
        if drop and not faults.drop_after_execute:
            self._record(GraphQLCall(shop_domain, None, (), False, None, None, False, 0, now))
            return Response(0, drop=True)
        with self.lock:
            token = self.oauth.authenticate(shop_domain, request.headers.get("x-shopify-access-token"))
            if token is None:
                self._calls.append(GraphQLCall(shop_domain, None, (), False, None, None, False, 401, now))
                return Response.json(401, INVALID_TOKEN)
            outcome = self.endpoint.handle(
                self.shops[shop_domain], token, _graphql_body(request), version, self._base_url
            )
            self._calls.append(outcome.call._replace(status=0) if drop else outcome.call)
        return Response(0, drop=True) if drop else Response.json(outcome.status, outcome.payload)

    def _record(self, call: GraphQLCall) -> None:
        with self.lock:
            self._calls.append(call)

    def serve_bulk_result(self, token: str) -> Response:
        with self.lock:
            for shop in self.shops.values():
                advance_bulk_mutations(shop)
                for operation in shop.bulk_operations:
                    if operation.token == token and operation.status(self.clock.now()) == "COMPLETED":
                        if self.clock.now() > operation.completed_at + BULK_URL_LIFETIME:
                            return Response(
                                403, b"<Error><Code>ExpiredToken</Code></Error>", "application/xml"
                            )
                        return Response(200, operation.jsonl, "application/jsonl")
        return NOT_FOUND

    def handle_staged_upload(self, request: Request) -> Response:
        """The storage POST of a staged upload (staged_uploads.py)."""
        with self.lock:
            return handle_upload(self.shops, request, self.clock.now())

    def handle_app_home(self, shop_domain: str, key: str) -> Response:
        """The admin page that frames the app: with `app_url`, an iframe loading it as Shopify does."""
        if key != self.api_key:
            return NOT_FOUND
        if not self.app_url:
            return Response.html(
                200, f"<h1>{html.escape(shop_domain)}: app {html.escape(key)} installed</h1>"
            )
        params = {
            "embedded": "1",
            "host": host_param(shop_domain),
            "id_token": self.mint_session_token(shop_domain),
            "locale": "en",
            "shop": shop_domain,
            "timestamp": str(int(self.clock.now())),
        }
        params["hmac"] = sign_query(self.api_secret, params)
        src = html.escape(f"{self.app_url.rstrip('/')}/?{urlencode(params)}")
        return Response.html(
            200, f'<!doctype html><iframe src="{src}" style="width:100%;height:95vh;border:0"></iframe>'
        )


def _graphql_body(request: Request):
    """The JSON body, or a raw `application/graphql` document."""
    if request.headers.get("content-type", "").startswith("application/graphql"):
        return {"query": request.body.decode("utf-8", "replace")}
    try:
        return json.loads(request.body or b"null")
    except ValueError:
        return None
