"""A small fleet (`bench_fleet`'s code): 100 shops on PostgreSQL + Redis with two `qcluster` processes,
1-minute intervals. Checks the invariants, not the timings: every shop synced in every interval that
ended, never two runs of a shop at a time, Cin7 never over its limit. (Its 75 s leave too few
incremental runs to check freshness; `bench_fleet` measures it.)"""

import pytest

from integration_app.bench.fleet.bench import run_fleet
from integration_app.bench.fleet.options import Options
from integration_app.bench.fleet.report import report, verdicts
from integration_app.bench.fleet.servers import ServerError

pytestmark = [pytest.mark.scaleout, pytest.mark.slow]


def test_a_fleet_of_100_shops_on_two_clusters_keeps_every_invariant(tmp_path):
    options = Options(
        shops=100, workers=2, minutes=1.25, interval_minutes=1, lead_seconds=32, log_dir=tmp_path
    )
    try:
        result = run_fleet(options, out=print)
    except ServerError as error:
        pytest.fail(f"{error} The scale-out tests need real PostgreSQL and Redis.", pytrace=False)
    print("\n".join(report(result)))
    assert all(verdicts(result).values()), report(result)
    # No run failed. The first (full) runs are due over the first minute, so the shops due in its first
    # half have all run by the end (the scheduler ticks every 30 s), whatever the load.
    assert result["runs"] >= 50 and not result["failed_by_code"]
    assert result["shop_intervals"] >= 20 and result["runs_per_interval"]["min"] == 1
    assert result["failed_tasks"] == 0
    assert result["cin7_peak_per_account_minute"] <= result["cin7_limit"] and result["cin7_429"] == 0
