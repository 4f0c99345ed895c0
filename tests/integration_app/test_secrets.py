"""Secrets at rest and in every output (contract §1, §4 "Never a secret in an email, log or page"): the Cin7
API key and the Shopify access and refresh tokens are encrypted in the database, survive key rotation,
and never appear in repr()/str(), API responses or pages."""

import json
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import CommandError, call_command
from django.db import connection

from connectors.clock import VirtualClock
from integration_app.models import Cin7Connection, Cin7Webhooks, Shop, SyncRun
from tests.conftest import CIN7_ACCOUNT, CIN7_KEY, SHOP
from tests.helpers import b2b_customer, run_sync

WRONG_KEY = "ffffffff-0000-4bad-8bad-key0000wrong"


def install_by_oauth(client) -> Shop:
    """The real authorization-code install against the Shopify sandbox: an expiring token and a refresh
    token are stored."""
    location = client.get("/auth/install", {"shop": SHOP})["Location"]
    approved = requests.get(location, allow_redirects=False, timeout=10)
    callback = {k: v[0] for k, v in parse_qs(urlsplit(approved.headers["Location"]).query).items()}
    assert client.get("/auth/callback", callback).status_code == 302
    shop = Shop.objects.get(domain=SHOP)
    assert shop.access_token.startswith("shpat_") and shop.refresh_token.startswith("shprt_")
    return shop


def configure(api):
    response = api(
        "put",
        "/api/settings",
        {"cin7_account_id": CIN7_ACCOUNT, "cin7_api_key": CIN7_KEY, "customer_tags": ["b2b"]},
    )
    assert response.status_code == 200, response.content


@pytest.mark.django_db(transaction=True)
def test_no_secret_in_plaintext_anywhere_in_the_database_file(
    client, api, sandboxes, cin7_account, tmp_path, run_tasks_inline
):
    cin7_account.add_customer(b2b_customer("Ann", "ann@example.com"))
    shop = install_by_oauth(client)
    configure(api)
    assert api("post", "/api/sync", {"kind": "all", "full": True}).status_code == 202
    assert SyncRun.objects.get().status == "succeeded"
    secrets = {
        "Cin7 API key": CIN7_KEY,
        "access token": shop.access_token,
        "refresh token": shop.refresh_token,
        "Cin7 webhook bearer token": Cin7Webhooks.objects.get(shop=shop).token,
    }

    path = tmp_path / "copy.sqlite3"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(path)])
    content = path.read_bytes()
    assert len(content) > 50_000 and b"integration_app_shop" in content  # a real copy of the database
    for name, secret in secrets.items():
        assert secret.encode() not in content, f"the {name} is stored in plaintext"
        assert secret.encode("utf-16-le") not in content
    # What is stored is Fernet ciphertext that the configured key opens.
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM integration_app_shop")
        stored_access, stored_refresh = cursor.fetchone()
        cursor.execute("SELECT api_key FROM integration_app_cin7connection")
        (stored_key,) = cursor.fetchone()
    from django.conf import settings

    fernet = Fernet(settings.FIELD_ENCRYPTION_KEYS[0].encode())
    assert fernet.decrypt(stored_access.encode()).decode() == shop.access_token
    assert fernet.decrypt(stored_refresh.encode()).decode() == shop.refresh_token
    assert fernet.decrypt(stored_key.encode()).decode() == CIN7_KEY


# --- key rotation ------------------------------------------------------------------------------------


def raw_secrets() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM integration_app_shop ORDER BY id")
        values = [v for row in cursor.fetchall() for v in row if v]
        cursor.execute("SELECT api_key FROM integration_app_cin7connection ORDER BY id")
        values += [row[0] for row in cursor.fetchall()]
    return values


@pytest.mark.django_db
def test_rotate_keys_re_encrypts_everything_under_the_new_key(settings):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [key_a]
    shop = Shop.objects.create(domain=SHOP, access_token="shpat_secret_a", refresh_token="shprt_secret_a")
    Shop.objects.create(domain="gone-shop.myshopify.com")  # uninstalled: no token, nothing to encrypt
    Cin7Connection.objects.create(shop=shop, account_id=CIN7_ACCOUNT, api_key=CIN7_KEY)
    before = raw_secrets()
    assert len(before) == 3 and all(Fernet(key_a.encode()).decrypt(v.encode()) for v in before)

    settings.FIELD_ENCRYPTION_KEYS = [key_b, key_a]
    out = StringIO()
    call_command("rotate_keys", stdout=out)
    assert "Re-encrypted the secrets of 3 records." in out.getvalue()
    after = raw_secrets()
    assert len(after) == 3 and set(after).isdisjoint(before)
    for value in after:
        Fernet(key_b.encode()).decrypt(value.encode())
        with pytest.raises(InvalidToken):
            Fernet(key_a.encode()).decrypt(value.encode())

    settings.FIELD_ENCRYPTION_KEYS = [key_b]  # the old key is gone: everything still reads
    shop = Shop.objects.get(domain=SHOP)
    assert (shop.access_token, shop.refresh_token) == ("shpat_secret_a", "shprt_secret_a")
    assert Cin7Connection.objects.get().api_key == CIN7_KEY
    assert Shop.objects.get(domain="gone-shop.myshopify.com").access_token == ""

    settings.FIELD_ENCRYPTION_KEYS = [key_a]  # only the old key: nothing reads
    with pytest.raises(InvalidToken) as raised:
        Shop.objects.get(domain=SHOP)
    assert "shpat" not in str(raised.value) and "gAAAA" not in str(raised.value)
    with pytest.raises(InvalidToken):
        Cin7Connection.objects.get()


@pytest.mark.django_db
def test_rotate_keys_without_the_old_key_stops_and_changes_nothing(settings):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [key_a]
    shop = Shop.objects.create(domain=SHOP, access_token="shpat_secret_a")
    Cin7Connection.objects.create(shop=shop, account_id=CIN7_ACCOUNT, api_key=CIN7_KEY)
    before = raw_secrets()
    settings.FIELD_ENCRYPTION_KEYS = [key_b]  # the operator forgot to keep key A
    with pytest.raises(CommandError, match="keep the old key"):
        call_command("rotate_keys", stdout=StringIO())
    assert raw_secrets() == before


# --- never shown -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_secrets_are_not_in_repr_or_str(installed_shop):
    Shop.objects.filter(pk=installed_shop.pk).update(refresh_token="shprt_refresh_secret")
    shop = Shop.objects.get()
    cin7 = Cin7Connection.objects.get()
    from integration_app.cin7_api import cin7_client

    client = cin7_client(cin7.account_id, cin7.api_key)
    texts = [repr(shop), str(shop), repr(cin7), str(cin7), repr(client), str(client)]
    for secret in (CIN7_KEY, shop.access_token, shop.refresh_token):
        assert all(secret not in text for text in texts), texts


@pytest.mark.django_db
def test_secrets_are_not_in_api_responses_or_the_page(api, installed_shop, cin7_account, shopify_sandbox):
    cin7_account.add_customer(b2b_customer("Ann", "ann@example.com"))
    Shop.objects.filter(pk=installed_shop.pk).update(refresh_token="shprt_refresh_secret")
    shop = Shop.objects.get()
    run_sync(shop)
    hooks = Cin7Webhooks.objects.create(shop=shop, token="webhook-bearer-token-0123456789abcdef")
    Cin7Connection.objects.filter(shop=shop).update(api_key=WRONG_KEY)
    failed = run_sync(shop, clock=VirtualClock())
    assert failed.error_code == "cin7_credentials"
    settings_data = api("get", "/api/settings").json()
    assert settings_data["cin7_api_key_set"] is True and "cin7_api_key" not in settings_data
    token = shopify_sandbox.mint_session_token(SHOP)
    page = api("get", f"/?shop={SHOP}&host=aG9zdA&embedded=1&id_token={token}")
    assert page.status_code == 200
    bodies = [
        json.dumps(settings_data),
        api("get", "/api/status").content.decode(),
        api("get", "/api/runs").content.decode(),
        api("get", f"/api/runs/{failed.pk}").content.decode(),
        api("post", "/api/settings/test-connection", {}).content.decode(),
        api("get", "/api/cin7/options").content.decode(),
        page.content.decode(),
    ]
    assert "Cin7 rejected" in bodies[3] and json.loads(bodies[4])["ok"] is False
    for secret in (CIN7_KEY, WRONG_KEY, shop.access_token, "shprt_refresh_secret", hooks.token):
        for body in bodies:
            assert secret not in body


def test_rotate_keys_covers_every_encrypted_field():
    from django.apps import apps

    from integration_app.fields import EncryptedTextField
    from integration_app.management.commands.rotate_keys import SECRET_FIELDS

    encrypted = {
        (model, field.name)
        for model in apps.get_app_config("integration_app").get_models()
        for field in model._meta.get_fields()
        if isinstance(field, EncryptedTextField)
    }
    assert encrypted == {(model, name) for model, names in SECRET_FIELDS for name in names}
    assert any(name == "token" for _, name in encrypted)  # the Cin7 webhook token
