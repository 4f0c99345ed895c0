"""The fleet benchmark's figures (integration_app.bench.fleet.figures): pure functions over run records."""

from integration_app.bench.fleet.figures import (
    Run,
    lags,
    longest_gaps,
    overlapping_runs,
    peak_calls_per_minute,
    percentile,
    runs_per_interval,
    spread,
)

FIRST = {"a": 1000.0, "b": 1030.0}  # shop -> first due time; interval 60 s


def run(shop, created, started=None, finished=None, status="succeeded"):
    started = created + 1 if started is None else started
    return Run(shop, status, created, started, started + 5 if finished is None else finished)


def test_percentile_is_nearest_rank_and_spread_is_min_median_max():
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.95), percentile(values, 1.0)) == (50, 95, 100)
    assert percentile([], 0.95) is None
    assert spread([3, 1, 2]) == {"min": 1, "median": 2, "max": 3}


def test_runs_per_interval_counts_every_complete_interval_of_every_shop_including_empty_ones():
    runs = [run("a", 1001), run("a", 1062), run("a", 1070), run("b", 1031)]  # a: 1, 2, 0; b: 1, 0
    assert runs_per_interval(runs, FIRST, 60, until=1185) == [1, 2, 0, 1, 0]
    # A run created before its shop's first due time counts for no interval.
    assert runs_per_interval([run("a", 990)], {"a": 1000.0}, 60, until=1060) == [0]


def test_lag_is_from_the_last_due_time_before_the_run_was_created_to_its_start():
    runs = [run("a", 1010, started=1012), run("b", 1100, started=1105), run("a", 1000, started=None)]
    runs[-1] = Run("a", "queued", 1000, None, None)
    assert lags(runs, FIRST, 60) == [12, 15]  # b: due 1090 (1030 + 60), started 1105


def test_overlapping_runs_of_one_shop_are_counted_and_other_shops_do_not_overlap_it():
    runs = [run("a", 0, 0, 10), run("a", 0, 9, 20), run("b", 0, 5, 15), run("a", 0, 20, None)]
    runs[-1] = Run("a", "running", 0, 20, None)  # unfinished: lasts to now
    assert overlapping_runs(runs, now=100) == 1
    assert overlapping_runs([run("a", 0, 0, 10), run("a", 0, 10, 20)], now=100) == 0


def test_longest_gap_counts_only_good_runs_and_the_window_edges():
    runs = [run("a", 0, 100), run("a", 0, 160, status="failed"), run("a", 0, 250), run("b", 0, 110)]
    assert longest_gaps(runs, ("succeeded",), since=90, until=300) == {"a": 150, "b": 190}


def test_peak_calls_per_minute_uses_a_rolling_window_per_account():
    calls = [("x", t) for t in (0, 10, 59, 61, 70, 71)] + [("y", 5)]
    # (11, 71] holds 59, 61, 70, 71; calls a full minute apart (10 and 70) never share a window.
    assert peak_calls_per_minute(calls) == {"x": 4, "y": 1}


def test_verdicts_fail_on_a_missed_interval_an_overlap_a_limit_breach_or_a_long_gap_after_a_kill():
    from integration_app.bench.fleet.report import verdicts

    good = {
        "shop_intervals": 10, "shop_intervals_missed": 0, "overlapping_runs": 0, "cin7_429": 0,
        "cin7_peak_per_account_minute": 50, "cin7_limit": 50, "killed_at_s": None,
        "shops_gap_over_limit": 3,  # not judged without a kill
    }  # fmt: skip
    assert all(verdicts(good).values()) and len(verdicts(good)) == 3
    for change in (
        {"shop_intervals_missed": 1},
        {"shop_intervals": 0},
        {"overlapping_runs": 1},
        {"cin7_429": 1},
        {"cin7_peak_per_account_minute": 51},
        {"killed_at_s": 60.0},
    ):
        assert not all(verdicts(good | change).values()), change
    assert all(verdicts(good | {"killed_at_s": 60.0, "shops_gap_over_limit": 0}).values())
