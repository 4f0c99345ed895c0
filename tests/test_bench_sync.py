"""`manage.py bench_sync` (contract §5) at a tiny size: it runs every phase and prints its figures and
targets; the figures themselves are the benchmark's business, not this test's."""

import os
import re

import pytest

from tests.processes import run_python

PHASES = (
    "first full sync",
    "rerun, no change",
    "rerun after 1% changed",
    "full rerun, no change",
    "full run after 1 Shopify-side edits",
)


def bench_sync(tmp_path, *options):
    """`manage.py bench_sync` at 60 customers and 100 products on a fresh SQLite file; it must exit 0."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "integration_app.settings", "DEBUG": "true"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    sizes = ["--customers", "60", "--products", "100"]
    return run_python("manage.py", "bench_sync", *sizes, *options, env=env, timeout=300).stdout


def test_the_measured_process_loads_no_sandbox_module():
    """The sandboxes run in a child process: the process the benchmark measures holds none of their
    modules (nor their data), as the app's process in production does not."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "integration_app.settings", "DEBUG": "true"}
    script = (
        "import sys, django; django.setup(); import integration_app.management.commands.bench_sync; "
        "print(sorted(m for m in sys.modules if m.startswith('connectors.') and 'sandbox' in m))"
    )
    loaded = run_python("-c", script, env=env).stdout.strip()
    assert loaded == "['connectors.sandbox_process']"


@pytest.mark.slow
def test_bench_sync_prints_every_phase_and_target(tmp_path):
    report = tmp_path / "benchmarks.md"
    out = bench_sync(tmp_path, "--report", str(report))
    assert "== 60 customers / 100 products (" in out
    rows = {phase: re.search(rf"^{re.escape(phase)}\s+(\w+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", out, re.M)
            for phase in PHASES}  # fmt: skip
    assert all(rows.values()), out
    first_writes = int(rows["first full sync"].group(5))
    rerun_writes = int(rows["rerun, no change"].group(5))
    assert first_writes > 0 and rerun_writes == 0
    assert "[PASS] no-change rerun: 0 Shopify writes" in out
    assert len(re.findall(r"^\s+\[(PASS|FAIL)\]", out, re.M)) == 7
    assert "[PASS] full run after Shopify-side edits: repairs exactly those: 1 repaired of 1 edited" in out
    assert rows["first full sync"].group(0) in report.read_text()
    assert report.with_suffix(".png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.slow
def test_bench_sync_b2b_adds_the_b2b_phases(tmp_path):
    out = bench_sync(tmp_path, "--b2b")
    first = re.search(r"^B2B first full sync\s+\w+\s+\d+\s+\d+\s+(\d+)\s+(\d+)", out, re.M)
    rerun = re.search(r"^B2B rerun, no change\s+\w+\s+\d+\s+\d+\s+(\d+)\s+(\d+)", out, re.M)
    assert first and rerun, out
    assert int(first.group(2)) > 0 and int(rerun.group(2)) == 0
    made = re.search(
        r"^B2B on Shopify Plus: (\d+) companies .*, (\d+) catalogs, (\d+) fixed prices", out, re.M
    )
    assert made and all(int(n) > 0 for n in made.groups()), out
    volume = re.findall(r"^B2B on Shopify Plus: .*; (\d+) price breaks, (\d+) quantity rules$", out, re.M)
    assert len(volume) == 2 and int(volume[0][0]) > 0 and volume[0][1] == "0", out  # pack sizes off
    assert int(volume[1][1]) > 0, out  # then on: cartons become quantity rules
    read = r"^Full-run volume comparison \(B2B rerun, no change\): \d+ price lists, the variants with volume"
    assert re.search(read, out, re.M), out
    by_field = r"^Points by root field \(B2B first full sync\): \w+(\[\w+\])? \d+ \(\d+ req\)"
    assert re.search(by_field, out, re.M), out


@pytest.mark.slow
def test_bench_sync_b2b_below_plus_serves_markets_and_a_rerun_stays_flat_with_skus_absent(tmp_path):
    out = bench_sync(tmp_path, "--b2b", "--b2b-plan", "grow", "--missing-sku-share", "0.2")
    assert re.search(r"\(\d+ Shopify variants, [1-9]\d* customer-price SKUs absent\)", out), out
    rerun = re.search(r"^B2B rerun, no change\s+\w+\s+\d+\s+\d+\s+(\d+)\s+(\d+)", out, re.M)
    assert rerun and int(rerun.group(1)) <= 30 and int(rerun.group(2)) == 0, out
    assert re.search(r"^B2B on Grow: \d+ companies .*, 3 catalogs \(3 in B2B markets\)", out, re.M), out
