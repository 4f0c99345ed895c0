"""`manage.py bench_freshness` at a tiny size: a Cin7 edit travels sandbox → delivery → live app → worker →
run → Shopify, and the command prints the figures and the verdicts."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_bench_freshness_measures_each_delay_and_models_polling():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "integration_app.settings", "DEBUG": "true"}
    options = ["--delay", "0", "1", "--edits", "2", "--spacing", "1", "--records", "4"]
    done = subprocess.run(
        [sys.executable, "manage.py", "bench_freshness", *options],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "webhooks, Cin7 delay 0 s" in out and "webhooks, Cin7 delay 1 s" in out
    assert "polling every 15 min (modelled)" in out
    assert out.count("PASS") == 2, out
