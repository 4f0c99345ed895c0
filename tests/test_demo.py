"""The README's first command, end to end: `manage.py demo` in a fresh process on a fresh SQLite file."""

import os
import re
import socket
from pathlib import Path

import pytest

from integration_app.bench.sandbox_app import SANDBOX_API_KEY, SANDBOX_API_SECRET
from tests.processes import run_python

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_demo_installs_syncs_and_reports(tmp_path):
    # `DEBUG=true python manage.py demo` and nothing else: the demo brings its own app credentials.
    env = demo_env(tmp_path)
    result = run_python("manage.py", "demo", env=env, timeout=300)
    out = result.stdout
    assert "integration_app.E001" not in result.stderr  # no "must be set" warning for what it provides
    assert "/admin/oauth/authorize" in out and "/auth/callback" in out and f"/apps/{SANDBOX_API_KEY}" in out
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
    assert re.search(r"Head office “[^”]+” with 2 branch\(es\): one company, 3 locations", out)
    assert "(branch, externalId" in out and "— Ordering only" in out
    assert "Incremental run 2: succeeded, read 0 changed record(s), 0 Shopify writes" in out
    below_plus = out.split("8. Native B2B below Plus (Grow)", 1)[1]  # the same shop moved to Grow
    assert re.search(r"Plan Grow, mode markets; run \d+: \w+, 3 B2B markets \(Cin7 · ", below_plus)
    assert re.search(r"Served tiers: [^;]+; customers at retail by tier: \w", below_plus)
    assert "Rerun without change: 0 Shopify writes" in below_plus
    assert "Checkout prices of the same buyers on Grow" in below_plus
    price_break = r"Price break at checkout, \S+ for .+: 1 unit [\d.]+; from \d+ units [\d.]+ each"
    for part in out.split("8. Native B2B below Plus (Grow)", 1):  # both modes
        assert re.search(price_break, part)
    assert "Writing customers" in result.stderr  # the progress bars
    assert SANDBOX_API_SECRET not in out + result.stderr
    assert_readme_shows(out)


def assert_readme_shows(out: str) -> None:
    """The README's demo output is this output, trimmed: each of its lines, in order, is a line printed
    here (or the start of one, where the README cuts it at " …"). Ports, durations and clock times vary."""

    def normal(line: str) -> str:
        line = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", line)
        line = re.sub(r"\bin [\d.]+ s\b", "in N s", line)
        return re.sub(r"expires \d\d:\d\d UTC", "expires HH:MM UTC", line)

    readme = (ROOT / "README.md").read_text()
    block = readme.split("## The demo's output (trimmed)", 1)[1].split("```\n", 2)[1]
    printed = [normal(line) for line in out.splitlines()]
    position = 0
    for line in (normal(line) for line in block.splitlines()):
        cut = line.endswith(" …")
        expected = line.removesuffix(" …")
        matches = (
            i
            for i in range(position, len(printed))
            if (printed[i].startswith(expected) if cut else printed[i] == expected)
        )
        found = next(matches, None)
        assert found is not None, f"README.md shows a line the demo no longer prints: {line!r}"
        position = found + 1


def test_demo_on_a_busy_port_says_so(tmp_path):
    """`demo --serve` listens on 8000 by default: a taken port is a one-line error naming --port."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        serve = ["manage.py", "demo", "--serve", "--port", str(port)]
        result = run_python(*serve, env=demo_env(tmp_path), must_succeed=False)
    assert result.returncode == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in result.stderr and "--port" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "demo.sqlite3").exists()  # refused before touching the database


def demo_env(tmp_path) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "integration_app.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
    }
    for name in ("SECRET_KEY", "SHOPIFY_API_KEY", "SHOPIFY_API_SECRET"):
        env.pop(name, None)
    return env
