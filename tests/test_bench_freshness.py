"""`manage.py bench_freshness` at a tiny size: a Cin7 edit travels sandbox → delivery → live app → worker →
run → Shopify, and the command prints the figures and the verdicts."""

import os

import pytest

from tests.processes import run_python


@pytest.mark.slow
def test_bench_freshness_measures_each_delay_and_models_polling():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "integration_app.settings", "DEBUG": "true"}
    options = ["--delay", "0", "1", "--edits", "2", "--spacing", "1", "--records", "4"]
    out = run_python("manage.py", "bench_freshness", *options, env=env, timeout=300).stdout
    assert "webhooks, Cin7 delay 0 s" in out and "webhooks, Cin7 delay 1 s" in out
    assert "polling every 15 min (modelled)" in out
    assert out.count("PASS") == 2, out
