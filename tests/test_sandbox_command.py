"""`manage.py sandbox`: both servers start, print URLs and credentials, and answer (contract §5)."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from integration_app.auth.signatures import query_hmac_is_valid

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_sandbox_command_serves_both_apis(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "integration_app.settings", "DEBUG": "true"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    for name in ("SHOPIFY_API_KEY", "SHOPIFY_API_SECRET", "APP_URL"):
        env.pop(name, None)  # a newcomer's shell: the sandbox uses, and prints, its own app credentials
    process = subprocess.Popen(
        [sys.executable, "manage.py", "sandbox", "--cin7-port", "0", "--shopify-port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if "Ctrl-C" in line:
                break
        out = "".join(lines)
        ready = float(re.search(r"Sandboxes ready in ([\d.]+) s", out).group(1))
        print(f"sandbox startup: {ready} s")
        assert ready < 2  # the demo set
        cin7_url = re.search(r"CIN7_API_URL=(\S+)", out).group(1)
        admin = re.search(r"SHOPIFY_ADMIN_URL=(\S+)", out).group(1)
        account = re.search(r"Account ID\s+(\S+)", out).group(1)
        key = re.search(r"API key\s+(\S+)", out).group(1)
        me = requests.get(
            f"{cin7_url}me",
            headers={"api-auth-accountid": account, "api-auth-applicationkey": key},
            timeout=10,
        )
        assert me.status_code == 200 and me.json()["Company"]
        shop = re.search(r"shop\s+(\S+\.myshopify\.com)", out).group(1)
        authorize = requests.get(f"{admin.format(shop=shop)}/oauth/authorize", timeout=10)
        assert authorize.status_code == 400  # it answers, and refuses a request without client_id
        # "Point the app at them" names everything the app needs, credentials included, and they work.
        client_id = re.search(r"SHOPIFY_API_KEY=(\S+)", out).group(1)
        app_url = re.search(r"APP_URL=(\S+)", out).group(1)
        grant = requests.get(
            f"{admin.format(shop=shop)}/oauth/authorize",
            params={
                "client_id": client_id,
                "scope": "read_customers",
                "redirect_uri": f"{app_url}/auth/callback",
            },
            allow_redirects=False,
            timeout=10,
        )
        callback = grant.headers["Location"]
        assert grant.status_code == 302 and callback.startswith(f"{app_url}/auth/callback?")
        secret = re.search(r"SHOPIFY_API_SECRET=(\S+)", out).group(1)
        assert query_hmac_is_valid(dict(parse_qsl(urlsplit(callback).query)), secret)
        assert "integration_app.E001" not in out  # no "must be set" warning for what the sandbox provides
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
