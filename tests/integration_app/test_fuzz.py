"""Every public endpoint under hostile input (issue 27 item 4): non-ASCII, huge, empty, duplicated and
malformed headers, query parameters and bodies never make a 500, and no answer carries a stack trace.

In-process (Django's test `Client`), a bounded number of examples per endpoint. Requests are made both
unsigned (refused at the door) and, where a signature or token guards the door, properly signed around a
hostile rest, so the code behind each check is reached too.
"""

import base64
import hashlib
import hmac
import json
import time
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from integration_app.auth.signatures import sign_query
from integration_app.models import Cin7Webhooks
from tests.conftest import SHOP

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
HUGE = "Z" * 3_000_000  # past DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)

# What WSGI hands Django is a native string of latin-1 code points: any bytes, UTF-8 sent as such included.
latin1 = st.binary(max_size=300).map(lambda b: b.decode("latin-1"))
mojibake = st.text(max_size=100).map(lambda t: t.encode("utf-8", "surrogatepass").decode("latin-1"))
header_value = st.one_of(
    st.just(""),
    latin1,
    mojibake,
    st.sampled_from(["é", "ñ" * 44, "\x00", "Bearer ", "Bearer é", "bearer  x y", "a, b", "=" * 500]),
    st.just("Q" * 20_000),
).map(lambda v: v.replace("\r", "").replace("\n", ""))
duplicated = st.lists(header_value, min_size=2, max_size=3).map(", ".join)  # how servers join repeats
any_header = st.one_of(header_value, duplicated)
param_value = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["", "é", "%", "%zz", "%ff%fe", "a.myshopify.com", SHOP, f"{SHOP}\x00", "-1", "1e99"]),
    st.just("9" * 5000),
)
param_name = st.sampled_from(
    ["shop", "hmac", "state", "code", "timestamp", "host", "id_token", "embedded", "signature", "page", "é"]
)
raw_query = st.lists(st.tuples(param_name, param_value), max_size=6).map(
    lambda pairs: "&".join(f"{quote(k)}={quote(v, safe='%')}" for k, v in pairs)
)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=15), inner, max_size=4),
    max_leaves=12,
)
body = st.one_of(
    st.binary(max_size=500),
    json_value.map(lambda v: json.dumps(v).encode()),
    st.sampled_from([b"", b"{", b"[" * 5000 + b"]" * 5000, b'{"a": 1e999999}', b"\xff\xfe", b"null"]),
    st.just(HUGE.encode()),
)
shopify_payload = st.one_of(
    json_value,
    st.fixed_dictionaries(
        {},
        optional={
            "shop_domain": param_value,
            "myshopify_domain": param_value,
            "domain": param_value,
            "customer": st.one_of(
                json_value,
                st.fixed_dictionaries({"id": json_value, "email": st.one_of(param_value, json_value)}),
            ),
            "id": json_value,
        },
    ),
)
# A body naming the shop where its topic does, around hostile customer data: the work behind the door runs.
naming_the_shop = st.builds(
    lambda key, extra: {**extra, key: SHOP},
    st.sampled_from(["shop_domain", "myshopify_domain"]),
    shopify_payload.filter(lambda p: isinstance(p, dict)),
)
topic = st.sampled_from(
    ["app/uninstalled", "customers/data_request", "customers/redact", "shop/redact", "orders/create", "", "é"]
)


def assert_answered(response) -> None:
    """An answer below 500 whose body shows no stack trace."""
    event(f"status {response.status_code}")  # --hypothesis-show-statistics: which doors were passed
    assert response.status_code < 500, response.content[:500]
    text = response.content.decode("utf-8", "replace")
    assert "Traceback" not in text and 'File "' not in text and "site-packages" not in text


@pytest.fixture
def http():
    """A client that raises what a view raises (a 500 fails the example with its traceback)."""
    return Client(raise_request_exception=True)


def send(http, method: str, path: str, raw: bytes, **extra):
    """`method` on `path`, with `raw` as the JSON body where the method has one."""
    if method in ("get", "head"):
        return getattr(http, method)(path, **extra)
    return getattr(http, method)(path, data=raw, content_type="application/json", **extra)


def headers_of(pairs: dict) -> dict:
    return {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in pairs.items()}


@FUZZ
@given(query=raw_query, method=st.sampled_from(["get", "post", "head"]))
def test_oauth_install_and_callback(http, query, method):
    for path in ("/auth/install", "/auth/callback"):
        assert_answered(send(http, method, path, b"", QUERY_STRING=query))


@FUZZ
@given(
    params=st.dictionaries(param_name, param_value, max_size=6),
    fresh=st.booleans(),
    cookie=st.one_of(st.none(), header_value),
)
def test_a_signed_oauth_callback_with_hostile_parameters(http, settings, params, fresh, cookie):
    assert_answered(http.get("/auth/install", {"shop": SHOP}))
    if cookie is not None:
        http.cookies["cin7sync_oauth_state"] = cookie
    params = {"shop": SHOP, "timestamp": str(int(time.time())) if fresh else "0", **params}
    params.pop("hmac", None)
    params["hmac"] = sign_query(params, settings.SHOPIFY_API_SECRET)
    assert_answered(http.get("/auth/callback", params))


@FUZZ
@given(
    headers=st.dictionaries(st.sampled_from(["hmac", "topic", "shop", "webhook-id"]), any_header), raw=body
)
def test_shopify_webhooks_unsigned(http, headers, raw):
    names = {"hmac": "X-Shopify-Hmac-Sha256", "topic": "X-Shopify-Topic", "shop": "X-Shopify-Shop-Domain"}
    extra = headers_of({names.get(k, "X-Shopify-Webhook-Id"): v for k, v in headers.items()})
    assert_answered(http.post("/webhooks/shopify", data=raw, content_type="application/json", **extra))


@FUZZ
@given(
    payload=st.one_of(shopify_payload, naming_the_shop),
    raw=st.one_of(st.none(), st.none(), body),
    topic=topic,
    shop=st.one_of(st.none(), header_value, st.just(SHOP)),
    webhook_id=st.one_of(st.none(), any_header),
)
def test_shopify_webhooks_signed(
    http, settings, installed_shop, run_tasks_inline, payload, raw, topic, shop, webhook_id
):
    """Signed, so each topic's work runs too (inline), on whatever the body holds."""
    data = raw if raw is not None else json.dumps(payload).encode()
    digest = hmac.new(settings.SHOPIFY_API_SECRET.encode(), data, hashlib.sha256).digest()
    extra = {"X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(), "X-Shopify-Topic": topic}
    if shop is not None:
        extra["X-Shopify-Shop-Domain"] = shop
    if webhook_id is not None:
        extra["X-Shopify-Webhook-Id"] = webhook_id
    response = http.post("/webhooks/shopify", data=data, content_type="application/json", **headers_of(extra))
    assert_answered(response)


@FUZZ
@given(
    key=st.one_of(st.text(min_size=1, max_size=80), st.just("known")),
    authorization=st.one_of(st.none(), any_header, st.just("token")),
    raw=body,
)
def test_cin7_webhooks(http, installed_shop, key, authorization, raw):
    hooks, _ = Cin7Webhooks.objects.get_or_create(shop=installed_shop, defaults={"token": "t" * 43})
    path = f"/webhooks/cin7/{hooks.key if key == 'known' else quote(key, safe='')}"
    extra = {}
    if authorization is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {hooks.token}" if authorization == "token" else authorization
    assert_answered(http.post(path, data=raw, content_type="application/json", **extra))


API_PATHS = [
    "/api/settings",
    "/api/settings/test-connection",
    "/api/cin7/options",
    "/api/sync",
    "/api/runs",
    "/api/runs/1",
    "/api/runs/999999999999999999999",
    "/api/status",
    "/api/invites",
    "/api/invites/send",
]


@FUZZ
@given(
    path=st.sampled_from(API_PATHS),
    method=st.sampled_from(["get", "post", "put", "delete", "patch"]),
    authorization=any_header,
    query=raw_query,
    raw=body,
)
def test_the_session_token_api_without_a_valid_token(http, path, method, authorization, query, raw):
    assert_answered(send(http, method, path, raw, QUERY_STRING=query, HTTP_AUTHORIZATION=authorization))


@FUZZ
@given(
    path=st.sampled_from(["/api/sync", "/api/runs", "/api/runs/1", "/api/status", "/api/invites"]),
    method=st.sampled_from(["get", "post", "put"]),
    query=raw_query,
    raw=body,
)
def test_the_session_token_api_with_a_valid_token(
    http, installed_shop, shopify_sandbox, path, method, query, raw
):
    token = shopify_sandbox.mint_session_token(SHOP)
    assert_answered(send(http, method, path, raw, QUERY_STRING=query, HTTP_AUTHORIZATION=f"Bearer {token}"))


@FUZZ
@given(query=raw_query, path=st.sampled_from(["/", "/auth/session-token", "/healthz", "/nowhere/é"]))
def test_the_app_home_and_the_bounce_page(http, query, path):
    assert_answered(http.get(path, QUERY_STRING=query))
