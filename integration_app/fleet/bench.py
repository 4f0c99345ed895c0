"""`manage.py bench_fleet`: N shops on PostgreSQL + Redis with W `qcluster` processes, measured.

This process starts the servers (`servers`), holds both sandboxes (one Cin7 account with its own 60-calls
budget and one Shopify shop with its own cost bucket per shop, small sample data), installs the shops in
a child process with the production settings (`setup`), starts the clusters, and for `minutes` makes a
steady trickle of Cin7 changes while it samples the database, the processes' CPU and Redis. The figures
come from the database's runs, the sandboxes' call logs and those samples (`figures`).
"""

import contextlib
import json
import os
import random
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from connectors.cin7.sandbox import Cin7Sandbox, Cin7Store, ThrottleConfig
from connectors.cin7.sandbox.limits import FaultConfig
from connectors.sandbox_data import generate
from connectors.shopify.sandbox import ShopifySandbox

from ..sync_control import RUNNING_STALE_AFTER
from . import figures, servers

BASE_DIR = Path(__file__).resolve().parents[2]
API_KEY, API_SECRET = "fleet-bench-app", "fleet-bench-app-secret"  # the sandbox app's credentials
OK = ("succeeded", "completed_with_issues")
TICKS = os.sysconf("SC_CLK_TCK")
# After a kill: the lease a dead worker's run holds, plus the sweep's minute and a minute of lag.
KILL_ALLOWANCE = RUNNING_STALE_AFTER.total_seconds() + 120


@dataclass
class Options:
    shops: int
    workers: int
    minutes: float = 10.0
    interval_minutes: int = 2
    q_workers: int = 2
    customers: int = 10
    products: int = 20
    changes_per_interval: float = 0.5  # Cin7 changes per shop per interval
    kill_after: float | None = None  # seconds into the measured window: SIGKILL the first cluster
    lead_seconds: float = 45.0  # clusters start; their schedulers first look 30 s later
    cin7_calls_per_minute: int = 50
    cin7_latency: float = 0.0  # seconds every Cin7 call takes (the real API answers in ~0.3-1 s)
    log_dir: Path | None = None


@dataclass
class Change:
    shop: str
    email: str
    at: float


def domain(n: int) -> str:
    return f"fleet-{n:04d}.myshopify.com"


class Sandboxes:
    """Both sandboxes holding N shops, each with its own Cin7 account (Cin7's real 60-calls-a-minute limit)
    and its own Shopify bucket, plus the trickle of Cin7 changes and the check that they reached Shopify."""

    def __init__(self, options: Options):
        self.store = Cin7Store(seed=1)
        slow = FaultConfig(slow_every=1, slow_seconds=options.cin7_latency) if options.cin7_latency else None
        self.cin7 = Cin7Sandbox(self.store, throttle=ThrottleConfig(limit=60), faults=slow)
        self.shopify = ShopifySandbox(api_key=API_KEY, api_secret=API_SECRET, seed=1)
        self.accounts, self.entries = {}, []
        for n in range(options.shops):
            data = generate(options.customers, options.products, seed=n)
            account = self.store.add_account(**data.account_kwargs)
            data.load_cin7(account)
            data.load_shopify(self.shopify.add_shop(domain(n), name=f"Fleet shop {n}"))
            self.accounts[domain(n)] = account
        self.rng = random.Random(1)
        self.pending: list[Change] = []
        self.freshness: list[float] = []
        self.changes = 0

    def start(self) -> None:
        self.cin7.start()
        self.shopify.start()
        self.entries = [
            {
                "domain": shop,
                "token": self.shopify.issue_token(shop),
                "cin7_account_id": account.account_id,
                "cin7_api_key": account.api_key,
            }
            for shop, account in self.accounts.items()
        ]

    def stop(self) -> None:
        self.cin7.stop()
        self.shopify.stop()

    def change_one(self) -> None:
        """Raise the credit limit of a random synced customer of a random shop (a metafield write)."""
        shop_domain = self.rng.choice(list(self.accounts))
        account, shop = self.accounts[shop_domain], self.shopify.find_shop(shop_domain)
        synced = []
        for customer in account.customers.values():
            email = next((c.get("Email") for c in customer.get("Contacts", []) if c.get("Default")), None)
            linked = email and shop.customer_by_email(email)
            if customer.get("Status") == "Active" and linked and ("cin7", "cin7_id") in linked.metafields:
                synced.append((customer, email))
        if not synced:
            return  # the shop's first run has not landed yet
        customer, email = self.rng.choice(synced)
        account.update_customer(customer["ID"], CreditLimit=(customer.get("CreditLimit") or 0) + 250)
        self.pending.append(Change(shop_domain, email, time.time()))
        self.changes += 1

    def check_written(self) -> None:
        """Move changes whose credit limit Shopify now holds (written after the change) to `freshness`."""
        still = []
        for change in self.pending:
            customer = self.shopify.find_shop(change.shop).customer_by_email(change.email)
            metafield = customer and customer.metafields.get(("cin7", "credit_limit"))
            if metafield and metafield.updated_at >= change.at:
                self.freshness.append(metafield.updated_at - change.at)
            else:
                still.append(change)
        self.pending = still


def cluster_env(options: Options, postgres_url: str, redis_url: str, sandboxes: Sandboxes) -> dict:
    """The environment a deployment sets (contract §1), pointed at the servers and the sandboxes."""
    from cryptography.fernet import Fernet

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "Q_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "integration_app.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "SHOPIFY_API_KEY": API_KEY,
            "SHOPIFY_API_SECRET": API_SECRET,
            "SHOPIFY_ADMIN_URL": sandboxes.shopify.admin_url_template,
            "CIN7_API_URL": sandboxes.cin7.base_url,
            "CIN7_CALLS_PER_MINUTE": str(options.cin7_calls_per_minute),
            "DATABASE_URL": postgres_url,
            "REDIS_URL": redis_url,
            "APP_URL": "http://127.0.0.1:8000",
            "EMAIL_URL": "memorymail://",
            "Q_WORKERS": str(options.q_workers),
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def start_cluster(env: dict, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: its workers are stopped (or killed) with it
        )


def stop_clusters(processes: list[subprocess.Popen]) -> None:
    """SIGTERM to each qcluster (it stops its workers itself), then SIGKILL whatever is left of its group."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 30
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _processes() -> dict[int, tuple[int, int, float]]:
    """Every live process: pid -> (parent pid, process group, CPU seconds user + system)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # fields[0] is stat(5)'s field 3, the state
        found[int(entry)] = (int(fields[1]), int(fields[2]), (int(fields[11]) + int(fields[12])) / TICKS)
    return found


@dataclass
class Samples:
    """What the bench sees while the clusters work."""

    clusters: list[int]  # the qcluster pids (each leads its process group)
    postmaster: int
    active_overlaps: int = 0  # samples with two active runs of one shop (the constraint forbids it)
    db_connections_max: int = 0
    processes: dict = field(default_factory=dict)  # pid -> (ppid, pgrp, cpu) at its last sample
    count: int = 0

    def take(self, db) -> None:
        self.count += 1
        self.active_overlaps += db.execute(
            "SELECT count(*) FROM (SELECT shop_id FROM integration_app_syncrun "
            "WHERE status IN ('queued', 'running') GROUP BY shop_id HAVING count(*) > 1) t"
        ).fetchone()[0]
        connections = db.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
        self.db_connections_max = max(self.db_connections_max, connections)
        for pid, (ppid, pgrp, cpu) in _processes().items():
            if pgrp in self.clusters or self.postmaster in (pid, ppid):
                self.processes[pid] = (ppid, pgrp, cpu)

    def cpu(self) -> dict[str, float]:
        """CPU seconds: all cluster processes, their guards (the qcluster and its sentinel, which runs the
        scheduler), and PostgreSQL (postmaster and the backends seen)."""
        leaders = set(self.clusters)
        values = self.processes.items()
        return {
            "clusters": sum(cpu for _, (_, pgrp, cpu) in values if pgrp in leaders),
            "guards": sum(cpu for pid, (ppid, _, cpu) in values if pid in leaders or ppid in leaders),
            "postgres": sum(cpu for pid, (ppid, pgrp, cpu) in values if self.postmaster in (pid, ppid)),
        }


def _postmaster_pid(db) -> int:
    data_dir = db.execute("SHOW data_directory").fetchone()[0]
    return int(Path(data_dir, "postmaster.pid").read_text().split()[0])


def run_fleet(options: Options, out=print) -> dict:
    """Run the benchmark; `out` receives progress lines. Returns the figures (see `report`)."""
    timings, started = {}, time.monotonic()
    log_dir = options.log_dir or Path(tempfile.mkdtemp(prefix="cin7sync-fleet-"))
    sandboxes = Sandboxes(options)
    timings["sandboxes"] = time.monotonic() - started
    out(f"Sandboxes: {options.shops} Cin7 accounts and Shopify shops in {timings['sandboxes']:.1f} s")
    with servers.postgres_server(max_connections=400) as postgres, servers.redis_server() as redis_url:
        sandboxes.start()
        try:
            env = cluster_env(options, postgres.url, redis_url, sandboxes)
            spec = {
                "interval_minutes": options.interval_minutes,
                "lead_seconds": options.lead_seconds,
                "shops": sandboxes.entries,
            }
            mark = time.monotonic()
            setup = subprocess.run(
                [sys.executable, "-m", "integration_app.fleet.setup"],
                input=json.dumps(spec),
                cwd=BASE_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=3600,
                check=False,
            )
            if setup.returncode != 0:
                raise RuntimeError(
                    f"The fleet set-up failed:\n{setup.stdout[-3000:]}\n{setup.stderr[-3000:]}"
                )
            installed = json.loads(setup.stdout.strip().splitlines()[-1])
            timings["install"] = time.monotonic() - mark
            out(
                f"Installed {installed['shops']} shops ({installed['schedules']} schedules) "
                f"in {timings['install']:.1f} s"
            )
            clusters = [start_cluster(env, log_dir / f"qcluster-{i + 1}.log") for i in range(options.workers)]
            try:
                result = _measure(
                    options, sandboxes, postgres, redis_url, clusters, installed["first_due"], out
                )
            finally:
                stop_clusters(clusters)
            result["log_dir"] = str(log_dir)
            result["timings"] = {k: round(v, 1) for k, v in timings.items()}
            return result
        finally:
            sandboxes.stop()


def _measure(options, sandboxes, postgres, redis_url, clusters, first_due, out) -> dict:
    import redis

    interval = options.interval_minutes * 60.0
    window_end = first_due + options.minutes * 60.0
    broker = redis.Redis.from_url(redis_url)
    redis_before, measured_from = broker.info("stats")["total_commands_processed"], time.time()
    self_before = resource.getrusage(resource.RUSAGE_SELF)
    change_every = interval / max(options.shops * options.changes_per_interval, 1e-9)
    killed = None
    with postgres.connect() as db:
        samples = Samples(clusters=[c.pid for c in clusters], postmaster=_postmaster_pid(db))
        next_change, next_note, last_sample = time.time(), 0.0, 0.0
        out(f"Measuring {options.minutes:g} min from the first due run (in {first_due - time.time():.0f} s)")
        while time.time() < window_end:
            now = time.time()
            if now >= first_due:
                while next_change <= now:
                    sandboxes.change_one()
                    next_change += change_every
            else:
                next_change = now
            sandboxes.check_written()
            if now - last_sample >= 2:
                samples.take(db)
                last_sample = now
            if options.kill_after is not None and killed is None and now >= first_due + options.kill_after:
                os.killpg(clusters[0].pid, signal.SIGKILL)
                killed = now
                out(f"Killed qcluster 1 (process group {clusters[0].pid}) at +{now - first_due:.0f} s")
            if now >= next_note:
                _progress(db, first_due, now, out)
                next_note = now + 60
            for i, cluster in enumerate(clusters):
                if cluster.poll() is not None and not (killed and i == 0):
                    raise RuntimeError(f"qcluster {i + 1} exited ({cluster.returncode})")
            time.sleep(0.5)
        end = time.time()
        samples.take(db)
        runs = _runs(db)
        db_figures = _db_figures(db)
    redis_after = broker.info("stats")["total_commands_processed"]
    redis_cpu = broker.info("cpu")
    broker.close()
    self_after = resource.getrusage(resource.RUSAGE_SELF)
    return _figures(
        options,
        sandboxes,
        runs,
        db_figures,
        samples,
        first_due=first_due,
        end=end,
        killed=killed,
        redis_ops=(redis_after - redis_before) / (end - measured_from),
        redis_cpu=redis_cpu["used_cpu_user"] + redis_cpu["used_cpu_sys"],
        bench_cpu=(self_after.ru_utime + self_after.ru_stime) - (self_before.ru_utime + self_before.ru_stime),
    )


def _progress(db, first_due, now, out) -> None:
    counts = dict(
        db.execute("SELECT status, count(*) FROM integration_app_syncrun GROUP BY status").fetchall()
    )
    out(f"  +{now - first_due:5.0f} s  runs: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


def _runs(db) -> list[tuple]:
    return db.execute(
        "SELECT s.domain, r.status, extract(epoch FROM r.created_at), extract(epoch FROM r.started_at), "
        "extract(epoch FROM r.finished_at), r.stats, r.error_code, r.trigger "
        "FROM integration_app_syncrun r JOIN integration_app_shop s ON s.id = r.shop_id"
    ).fetchall()


def _db_figures(db) -> dict:
    tasks = db.execute("SELECT count(*), count(*) FILTER (WHERE NOT success) FROM django_q_task").fetchone()
    return {"tasks": tasks[0], "failed_tasks": tasks[1]}


def _figures(options, sandboxes, rows, db_figures, samples, **measured) -> dict:
    """The figures of a finished measurement (the keys `report` prints)."""
    first_due, end, killed = measured["first_due"], measured["end"], measured["killed"]
    interval, shops = options.interval_minutes * 60.0, options.shops
    first = {domain(n): first_due + interval * n / shops for n in range(shops)}
    runs = [figures.Run(row[0], row[1], *(None if v is None else float(v) for v in row[2:5])) for row in rows]
    ok_runs = [run for run in runs if run.status in OK]
    lost = [run for run, row in zip(runs, rows, strict=True) if row[6] == "worker_lost"]
    lags = figures.lags(runs, first, interval)
    # An interval whose run a killed worker took counts as served: its changes land with the next run.
    per_interval = figures.runs_per_interval(ok_runs + lost, first, interval, end)
    cin7_calls = [c for c in sandboxes.cin7.calls if c.account_id]
    peaks = figures.peak_calls_per_minute([(c.account_id, c.at) for c in cin7_calls])
    gaps = figures.longest_gaps(runs, OK, since=first_due, until=end)
    stats = [row[5] or {} for row in rows]
    durations = [run.finished_at - run.started_at for run in ok_runs if run.finished_at]
    cpu = samples.cpu()
    stale = [c for c in sandboxes.pending if c.at < end - 2 * interval]
    errors: dict[str, int] = {}
    for row in rows:
        if row[1] == "failed":
            errors[row[6]] = errors.get(row[6], 0) + 1
    return {
        "shops": shops,
        "workers": options.workers,
        "q_workers": options.q_workers,
        "minutes": options.minutes,
        "interval_s": interval,
        "cin7_latency_s": options.cin7_latency,
        "runs": len(runs),
        "runs_ok": len(ok_runs),
        "failed_by_code": errors,
        "runs_per_interval": figures.spread(per_interval),
        "shop_intervals": len(per_interval),
        "shop_intervals_missed": sum(1 for count in per_interval if count == 0),
        "lag_p50": figures.percentile(lags, 0.5),
        "lag_p95": figures.percentile(lags, 0.95),
        "lag_max": max(lags, default=None),
        "freshness_p50": figures.percentile(sandboxes.freshness, 0.5),
        "freshness_p95": figures.percentile(sandboxes.freshness, 0.95),
        "freshness_max": max(sandboxes.freshness, default=None),
        "changes": sandboxes.changes,
        "changes_written": len(sandboxes.freshness),
        "changes_unwritten_after_2_intervals": len(stale),
        "overlapping_runs": figures.overlapping_runs(runs, end) + samples.active_overlaps,
        "longest_gap_s": max(gaps.values(), default=None),
        # A killed run's shop waits its interval, then the run's lease (5 minutes), then a sweep and a tick.
        "shops_gap_over_limit": sum(gap > interval + KILL_ALLOWANCE for gap in gaps.values()),
        "runs_worker_lost": len(lost),
        "cin7_calls": len(cin7_calls),
        "cin7_peak_per_account_minute": max(peaks.values(), default=0),
        "cin7_limit": options.cin7_calls_per_minute,
        "cin7_429": sum(c.throttled for c in cin7_calls),
        "shopify_requests": len(sandboxes.shopify.calls),
        "shopify_throttled": sum(c.throttled for c in sandboxes.shopify.calls),
        "db_connections_max": samples.db_connections_max,
        "redis_ops_per_s": measured["redis_ops"],
        "cpu_clusters_s": cpu["clusters"],
        "cpu_guards_s": cpu["guards"],
        "cpu_postgres_s": cpu["postgres"],
        "cpu_redis_s": measured["redis_cpu"],
        "cpu_sandboxes_s": measured["bench_cpu"],
        "wall_s": end - first_due,
        "run_seconds": sum(durations),
        "run_p50_s": figures.percentile(durations, 0.5),
        "cin7_pace_wait_s": sum(s.get("cin7_pace_wait_seconds", 0) for s in stats),
        "cin7_retry_wait_s": sum(s.get("cin7_wait_seconds", 0) for s in stats),
        "shopify_wait_s": sum(s.get("shopify_wait_seconds", 0) for s in stats),
        "queue_lag_s": sum(lags),
        "killed_at_s": killed - first_due if killed else None,
        **db_figures,
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
