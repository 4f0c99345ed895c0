"""The fleet benchmark's result: the figures of a finished measurement, the invariants it is judged by,
and the printed lines."""

from ...sync_control import RUNNING_STALE_AFTER
from . import figures
from .sandboxes import domain

OK = ("succeeded", "completed_with_issues")
# After a kill: the lease a dead worker's run holds, plus the sweep's minute and a minute of lag.
KILL_ALLOWANCE = RUNNING_STALE_AFTER.total_seconds() + 120


def summarize(options, sandboxes, rows, db_figures, samples, **measured) -> dict:
    """The figures of a finished measurement (the keys `report` prints)."""
    first_due, end, killed = measured["first_due"], measured["end"], measured["killed"]
    interval, shops = options.interval_minutes * 60.0, options.shops
    runs = [figures.Run(row[0], row[1], *(None if v is None else float(v) for v in row[2:5])) for row in rows]
    ok_runs = [run for run in runs if run.status in OK]
    cpu = samples.cpu()
    return {
        "shops": shops,
        "workers": options.workers,
        "q_workers": options.q_workers,
        "minutes": options.minutes,
        "interval_s": interval,
        "cin7_latency_s": options.cin7_latency,
        **_run_figures(options, runs, rows, first_due, end),
        "freshness_p50": figures.percentile(sandboxes.freshness, 0.5),
        "freshness_p95": figures.percentile(sandboxes.freshness, 0.95),
        "freshness_max": max(sandboxes.freshness, default=None),
        "changes": sandboxes.changes,
        "changes_written": len(sandboxes.freshness),
        "changes_unwritten_after_2_intervals": sum(1 for c in sandboxes.pending if c.at < end - 2 * interval),
        "overlapping_runs": figures.overlapping_runs(runs, end) + samples.active_overlaps,
        **_call_figures(options, sandboxes),
        "db_connections_max": samples.db_connections_max,
        "redis_ops_per_s": measured["redis_ops"],
        "cpu_clusters_s": cpu["clusters"],
        "cpu_guards_s": cpu["guards"],
        "cpu_postgres_s": cpu["postgres"],
        "cpu_redis_s": measured["redis_cpu"],
        "cpu_sandboxes_s": measured["bench_cpu"],
        "wall_s": end - first_due,
        **_time_figures(ok_runs, rows),
        "killed_at_s": killed - first_due if killed else None,
        **db_figures,
    }


def _run_figures(options, runs: list, rows: list, first_due: float, end: float) -> dict:
    """Runs, how regularly each shop got one, the lag from due to start, gaps after a kill."""
    interval, shops = options.interval_minutes * 60.0, options.shops
    first = {domain(n): first_due + interval * n / shops for n in range(shops)}
    ok_runs = [run for run in runs if run.status in OK]
    lost = [run for run, row in zip(runs, rows, strict=True) if row[6] == "worker_lost"]
    lags = figures.lags(runs, first, interval)
    # An interval whose run a killed worker took counts as served: its changes land with the next run.
    per_interval = figures.runs_per_interval(ok_runs + lost, first, interval, end)
    gaps = figures.longest_gaps(runs, OK, since=first_due, until=end)
    errors: dict[str, int] = {}
    for row in rows:
        if row[1] == "failed":
            errors[row[6]] = errors.get(row[6], 0) + 1
    return {
        "runs": len(runs),
        "runs_ok": len(ok_runs),
        "failed_by_code": errors,
        "runs_per_interval": figures.spread(per_interval),
        "shop_intervals": len(per_interval),
        "shop_intervals_missed": sum(1 for count in per_interval if count == 0),
        "lag_p50": figures.percentile(lags, 0.5),
        "lag_p95": figures.percentile(lags, 0.95),
        "lag_max": max(lags, default=None),
        "queue_lag_s": sum(lags),
        "longest_gap_s": max(gaps.values(), default=None),
        # A killed run's shop waits its interval, then the run's lease (5 minutes), then a sweep and a tick.
        "shops_gap_over_limit": sum(gap > interval + KILL_ALLOWANCE for gap in gaps.values()),
        "runs_worker_lost": len(lost),
    }


def _call_figures(options, sandboxes) -> dict:
    """What the sandboxes saw: Cin7 calls against each account's limit, Shopify requests."""
    cin7_calls = [c for c in sandboxes.cin7.calls if c.account_id]
    peaks = figures.peak_calls_per_minute([(c.account_id, c.at) for c in cin7_calls])
    return {
        "cin7_calls": len(cin7_calls),
        "cin7_peak_per_account_minute": max(peaks.values(), default=0),
        "cin7_limit": options.cin7_calls_per_minute,
        "cin7_429": sum(c.throttled for c in cin7_calls),
        "shopify_requests": len(sandboxes.shopify.calls),
        "shopify_throttled": sum(c.throttled for c in sandboxes.shopify.calls),
    }


def _time_figures(ok_runs: list, rows: list) -> dict:
    """Where the runs' time went."""
    stats = [row[5] or {} for row in rows]
    durations = [run.finished_at - run.started_at for run in ok_runs if run.finished_at]
    return {
        "run_seconds": sum(durations),
        "run_p50_s": figures.percentile(durations, 0.5),
        "cin7_pace_wait_s": sum(s.get("cin7_pace_wait_seconds", 0) for s in stats),
        "cin7_retry_wait_s": sum(s.get("cin7_wait_seconds", 0) for s in stats),
        "shopify_wait_s": sum(s.get("shopify_wait_seconds", 0) for s in stats),
    }


def verdicts(result: dict) -> dict[str, bool]:
    """The invariants: every shop synced every interval, no overlap, Cin7 never over its limit."""
    found = {
        "every shop synced every interval": result["shop_intervals_missed"] == 0
        and result["shop_intervals"] > 0,
        "0 overlapping runs": result["overlapping_runs"] == 0,
        "0 Cin7 limit breaches": result["cin7_429"] == 0
        and result["cin7_peak_per_account_minute"] <= result["cin7_limit"],
    }
    if result["killed_at_s"] is not None:
        found["after the kill, every shop synced within an interval + lease + 2 min"] = (
            result["shops_gap_over_limit"] == 0
        )
    return found


def _s(value, digits=1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def report(result: dict) -> list[str]:
    """The figures as printed lines."""
    r, spread = result, result["runs_per_interval"]
    wall = r["wall_s"]
    lines = [
        f"Fleet: {r['shops']} shops, {r['workers']} qcluster x {r['q_workers']} workers, "
        f"{r['minutes']:g} min, sync interval {r['interval_s'] / 60:g} min, "
        f"Cin7 latency {r['cin7_latency_s']:g} s",
        f"Runs: {r['runs']} ({r['runs_ok']} ok; failed by code {r['failed_by_code'] or 'none'}); "
        f"django-q tasks {r['tasks']} ({r['failed_tasks']} failed)",
        f"Runs per shop per interval: min {spread['min']}, median {spread['median']}, max {spread['max']} "
        f"over {r['shop_intervals']} shop-intervals, {r['shop_intervals_missed']} without a run",
        f"Lag due -> start: p50 {_s(r['lag_p50'])} s, p95 {_s(r['lag_p95'])} s, max {_s(r['lag_max'])} s",
        f"Freshness Cin7 change -> Shopify write: p50 {_s(r['freshness_p50'])} s, "
        f"p95 {_s(r['freshness_p95'])} s, max {_s(r['freshness_max'])} s "
        f"({r['changes_written']} of {r['changes']} changes written; "
        f"{r['changes_unwritten_after_2_intervals']} older than 2 intervals unwritten)",
        f"Overlapping runs of one shop: {r['overlapping_runs']}; longest gap between a shop's good runs "
        f"{_s(r['longest_gap_s'], 0)} s",
        f"Cin7: {r['cin7_calls']} calls, peak {r['cin7_peak_per_account_minute']} per account per minute "
        f"(limit {r['cin7_limit']}), 429s {r['cin7_429']}",
        f"Shopify: {r['shopify_requests']} requests, THROTTLED {r['shopify_throttled']}",
        f"Overhead: DB connections max {r['db_connections_max']}, Redis {r['redis_ops_per_s']:.0f} ops/s "
        f"(CPU {r['cpu_redis_s']:.1f} s), qcluster guards+schedulers CPU {r['cpu_guards_s']:.1f} s",
        f"CPU over {wall:.0f} s: clusters {r['cpu_clusters_s']:.0f} s "
        f"({r['cpu_clusters_s'] / wall:.2f} cores), "
        f"PostgreSQL {r['cpu_postgres_s']:.0f} s, sandboxes+bench {r['cpu_sandboxes_s']:.0f} s, "
        f"{1000 * r['cpu_clusters_s'] / max(r['runs'], 1):.0f} ms cluster CPU per run",
        f"Where time went: queue lag {r['queue_lag_s']:.0f} s; runs {r['run_seconds']:.0f} s "
        f"(p50 {_s(r['run_p50_s'], 2)} s), of which Cin7 pacing {r['cin7_pace_wait_s']:.0f} s, "
        f"Cin7 retry waits {r['cin7_retry_wait_s']:.0f} s, Shopify bucket waits {r['shopify_wait_s']:.0f} s",
    ]
    if r["killed_at_s"] is not None:
        lines.append(
            f"Killed qcluster 1 at +{r['killed_at_s']:.0f} s: {r['runs_worker_lost']} run(s) taken over "
            f"(worker_lost); shops without a good run for over an interval + lease + 2 min: "
            f"{r['shops_gap_over_limit']}"
        )
    lines += [f"{'PASS' if ok else 'FAIL'}  {name}" for name, ok in verdicts(r).items()]
    return lines
