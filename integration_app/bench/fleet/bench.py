"""`manage.py bench_fleet`: N shops on PostgreSQL + Redis with W `qcluster` processes, measured.

This process starts the servers (`servers`), holds both sandboxes (one Cin7 account with its own 60-calls
budget and one Shopify shop with its own cost bucket per shop, small sample data), installs the shops in
a child process with the production settings (`setup`), starts the clusters, and for `minutes` makes a
steady trickle of Cin7 changes while it samples the database, the processes' CPU and Redis. The figures
come from the database's runs, the sandboxes' call logs and those samples (`report`, `figures`).
"""

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import servers
from .cluster import BASE_DIR, Samples, cluster_env, postmaster_pid, start_cluster, stop_clusters
from .options import Options
from .report import summarize
from .sandboxes import Sandboxes


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
                [sys.executable, "-m", "integration_app.bench.fleet.setup"],
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
        samples = Samples(clusters=[c.pid for c in clusters], postmaster=postmaster_pid(db))
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
    return summarize(
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
