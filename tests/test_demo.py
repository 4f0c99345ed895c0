"""The README's first command, end to end: `manage.py demo` in a fresh process on a fresh SQLite file."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_demo_installs_syncs_and_reports(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "integration_app.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "SHOPIFY_API_KEY": "demo-app",
        "SHOPIFY_API_SECRET": "demo-app-secret-0123456789abcdef0123",
    }
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr[-3000:]
    assert "/admin/oauth/authorize" in out and "/auth/callback" in out and "/apps/demo-app" in out
    assert "Test connection: Northwind Home Wholesale (USD)" in out
    assert "Customers: 16 created, 2 adopted" in out
    assert "cin7.customer_prices" in out and "cin7.price_tier_names" not in out.split("Shop ")[0]
    assert re.search(r"Variant cin7.price_tiers: [1-9]\d variants priced", out)
    for code in (
        "no_email",
        "duplicate_email",
        "invalid_phone",
        "unknown_country",
        "sku_not_found",
        "duplicate_sku",
    ):
        assert f"  {code} (" in out
    assert "Incremental run 2: succeeded, read 0 changed record(s), 0 Shopify writes" in out
    assert "Writing customers" in result.stderr  # the progress bars
    assert "demo-app-secret" not in out + result.stderr
