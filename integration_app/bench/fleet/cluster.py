"""The fleet's `qcluster` processes: their production environment, start and stop, and the samples the
bench takes of them (the database, CPU per process group)."""

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .sandboxes import API_KEY, API_SECRET

BASE_DIR = Path(__file__).resolve().parents[3]
TICKS = os.sysconf("SC_CLK_TCK")


def cluster_env(options, postgres_url: str, redis_url: str, sandboxes) -> dict:
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


def postmaster_pid(db) -> int:
    data_dir = db.execute("SHOW data_directory").fetchone()[0]
    return int(Path(data_dir, "postmaster.pid").read_text().split()[0])
