"""OAuth against the sandbox: authorize redirect, code grant, token exchange, expiring tokens, refresh."""

import base64
import hashlib
import hmac
import html
import re
import time
from urllib.parse import parse_qsl, quote, urlsplit

import jwt
import pytest
import requests

from connectors.shopify.sandbox import ShopifySandbox

from .conftest import API_KEY, API_SECRET, CALLBACK, SHOP, VERSION, Admin

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE = "urn:shopify:params:oauth:token-type:offline-access-token"


def admin_url(sandbox, path: str) -> str:
    return f"{sandbox.admin_url_template.format(shop=SHOP)}/{path}"


def authorize(sandbox, **overrides) -> requests.Response:
    params = {"client_id": API_KEY, "scope": "read_customers,write_customers", "redirect_uri": CALLBACK}
    params |= {"state": "nonce 123"} | overrides
    return requests.get(
        admin_url(sandbox, "oauth/authorize"), params=params, allow_redirects=False, timeout=5
    )


def token_post(sandbox, **form) -> requests.Response:
    body = {"client_id": API_KEY, "client_secret": API_SECRET} | form
    return requests.post(admin_url(sandbox, "oauth/access_token"), json=body, timeout=5)


def callback_params(response: requests.Response) -> dict:
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(CALLBACK + "?")
    return dict(parse_qsl(urlsplit(location).query))


def shop_query(sandbox, token: str) -> requests.Response:
    return Admin(sandbox, SHOP, token).post("{ shop { name } }")


def test_authorize_redirects_with_a_callback_signed_like_shopify(sandbox, clock):
    params = callback_params(authorize(sandbox))

    assert params["shop"] == SHOP and params["state"] == "nonce 123"
    assert abs(int(params["timestamp"]) - clock.now()) < 5
    assert base64.b64decode(params["host"] + "==") == b"admin.shopify.com/store/acme"
    assert not params["host"].endswith("=")
    received = params.pop("hmac")
    message = "&".join(f"{k}={quote(v, safe='')}" for k, v in sorted(params.items()))
    assert "state=nonce%20123" in message
    assert received == hmac.new(API_SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "other"},
        {"redirect_uri": "https://evil.example/callback"},
        {"scope": "read_customers,drop tables"},
    ],
)
def test_authorize_refuses_unknown_client_redirect_or_scope(sandbox, overrides):
    response = authorize(sandbox, **overrides)
    assert response.status_code == 400
    assert "Oauth error" in response.text


def test_authorization_code_is_single_use_and_yields_a_working_token(sandbox):
    code = callback_params(authorize(sandbox))["code"]

    first = token_post(sandbox, code=code)
    again = token_post(sandbox, code=code)

    assert first.status_code == 200
    assert first.json()["scope"] == "read_customers,write_customers"
    assert first.json()["access_token"].startswith("shpat_")
    assert "expires_in" not in first.json() and "refresh_token" not in first.json()
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert shop_query(sandbox, first.json()["access_token"]).status_code == 200
    assert sandbox.shops[SHOP].granted_scopes == ["read_customers", "write_customers"]
    assert [(r.grant_type, r.ok) for r in sandbox.token_requests] == [
        ("authorization_code", True),
        ("authorization_code", False),
    ]


def test_bad_client_secret_is_invalid_client(sandbox):
    code = callback_params(authorize(sandbox))["code"]
    response = token_post(sandbox, code=code, client_secret="wrong")
    assert response.status_code == 400 and response.json()["error"] == "invalid_client"


def test_code_expires_after_ten_minutes(sandbox, clock):
    code = callback_params(authorize(sandbox))["code"]
    clock.sleep(601)
    assert token_post(sandbox, code=code).json()["error"] == "invalid_grant"


def test_token_endpoint_accepts_form_encoding(sandbox):
    code = callback_params(authorize(sandbox))["code"]
    form = {"client_id": API_KEY, "client_secret": API_SECRET, "code": code}
    response = requests.post(admin_url(sandbox, "oauth/access_token"), data=form, timeout=5)
    assert response.status_code == 200 and response.json()["access_token"].startswith("shpat_")


def exchange(sandbox, subject_token: str, expiring: str = "1") -> requests.Response:
    return token_post(
        sandbox,
        grant_type=TOKEN_EXCHANGE,
        subject_token=subject_token,
        subject_token_type=ID_TOKEN,
        requested_token_type=OFFLINE,
        expiring=expiring,
    )


def test_token_exchange_with_a_valid_id_token_gives_an_expiring_token(sandbox):
    response = exchange(sandbox, sandbox.mint_session_token(SHOP))

    answer = response.json()
    assert response.status_code == 200
    assert answer["expires_in"] == 3600 and answer["refresh_token"].startswith("shprt_")
    assert answer["refresh_token_expires_in"] == 30 * 86400
    assert shop_query(sandbox, answer["access_token"]).status_code == 200


def test_minted_session_token_has_shopifys_claims(sandbox, clock):
    claims = jwt.decode(
        sandbox.mint_session_token(SHOP),
        API_SECRET,
        algorithms=["HS256"],
        audience=API_KEY,
        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
    )
    assert claims["iss"] == f"https://{SHOP}/admin" and claims["dest"] == f"https://{SHOP}"
    assert {"sub", "jti", "sid", "iat"} <= claims.keys() and claims["exp"] - claims["nbf"] == 60
    assert "sid" not in jwt.decode(
        sandbox.mint_session_token(SHOP, sid=None), options={"verify_signature": False}
    )


@pytest.mark.parametrize(
    "make_token",
    [
        lambda sb: sb.mint_session_token(SHOP, exp_in=-11),
        lambda sb: sb.mint_session_token(SHOP, nbf_offset=30),
        lambda sb: sb.mint_session_token(SHOP, aud="another-app"),
        lambda sb: sb.mint_session_token(SHOP, dest="https://other.myshopify.com"),
        lambda sb: jwt.encode(
            {"aud": API_KEY, "dest": f"https://{SHOP}", "exp": time.time() + 60, "nbf": time.time()},
            "forged-secret-of-a-good-length-0123456789",
            algorithm="HS256",
        ),
        lambda sb: "not-a-jwt",
    ],
    ids=["expired", "not-yet-valid", "wrong-aud", "wrong-dest", "forged", "garbage"],
)
def test_token_exchange_rejects_invalid_subject_tokens(sandbox, make_token):
    response = exchange(sandbox, make_token(sandbox))
    assert response.status_code == 400 and response.json()["error"] == "invalid_subject_token"
    assert sandbox.token_requests[-1].ok is False


def test_id_token_leeway_is_ten_seconds(sandbox):
    assert exchange(sandbox, sandbox.mint_session_token(SHOP, exp_in=-5)).status_code == 200


def test_non_expiring_exchange_has_no_refresh_token(sandbox):
    answer = exchange(sandbox, sandbox.mint_session_token(SHOP), expiring="0").json()
    assert set(answer) == {"access_token", "scope"}


def test_expired_access_token_answers_401_and_refresh_rotates(sandbox, clock):
    first = exchange(sandbox, sandbox.mint_session_token(SHOP)).json()
    clock.sleep(3601)

    expired = shop_query(sandbox, first["access_token"])
    refreshed = token_post(sandbox, grant_type="refresh_token", refresh_token=first["refresh_token"]).json()

    assert expired.status_code == 401
    assert expired.json() == {
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
    }
    assert refreshed["refresh_token"] != first["refresh_token"]
    assert shop_query(sandbox, refreshed["access_token"]).status_code == 200


def test_previous_refresh_token_stays_valid_until_its_replacement_is_used(sandbox):
    first = exchange(sandbox, sandbox.mint_session_token(SHOP)).json()
    lost = token_post(sandbox, grant_type="refresh_token", refresh_token=first["refresh_token"]).json()

    retried = token_post(sandbox, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert retried.status_code == 200  # the first answer was "lost": the old refresh token still works
    replacement = retried.json()
    assert (
        token_post(sandbox, grant_type="refresh_token", refresh_token=lost["refresh_token"]).status_code
        == 400
    )

    assert token_post(sandbox, grant_type="refresh_token", refresh_token=replacement["refresh_token"]).ok
    stale = token_post(sandbox, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert stale.status_code == 400 and stale.json()["error"] == "invalid_grant"


def test_refresh_token_expires(sandbox, clock):
    first = exchange(sandbox, sandbox.mint_session_token(SHOP)).json()
    clock.sleep(30 * 86400 + 1)
    response = token_post(sandbox, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_revoked_and_foreign_tokens_answer_401(sandbox):
    token = sandbox.issue_token(SHOP)
    other = sandbox.issue_token("legacy.myshopify.com")
    assert shop_query(sandbox, other).status_code == 401
    sandbox.revoke_tokens(SHOP)
    assert shop_query(sandbox, token).status_code == 401
    assert Admin(sandbox, SHOP, "").post("{ shop { name } }").status_code == 401


def test_unknown_shop_is_404(sandbox):
    url = sandbox.admin_url_template.format(shop="nope.myshopify.com") + f"/api/{VERSION}/graphql.json"
    assert requests.post(url, json={"query": "{ shop { name } }"}, timeout=5).status_code == 404


def test_app_home_frames_the_app_with_a_fresh_id_token(clock):
    sandbox = ShopifySandbox(
        api_key=API_KEY, api_secret=API_SECRET, clock=clock, app_url="http://127.0.0.1:8000"
    )
    sandbox.add_shop(SHOP)
    with pytest.raises(RuntimeError):
        _ = sandbox.base_url
    with sandbox:
        page = requests.get(sandbox.admin_url_template.format(shop=SHOP) + f"/apps/{API_KEY}", timeout=5)
        assert (
            requests.get(sandbox.admin_url_template.format(shop=SHOP) + "/apps/other", timeout=5).status_code
            == 404
        )

    src = html.unescape(re.search(r'src="([^"]+)"', page.text)[1])
    params = dict(parse_qsl(urlsplit(src).query))
    assert src.startswith("http://127.0.0.1:8000/?") and params["embedded"] == "1" and params["shop"] == SHOP
    assert sandbox.oauth.id_token_problem(params["id_token"], SHOP) is None
