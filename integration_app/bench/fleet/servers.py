"""Throw-away PostgreSQL (initdb into a temporary directory) and Redis servers, each on a free loopback
port, stopped and deleted on exit. Used by `bench_fleet` and the scale-out tests; a missing binary raises
`ServerError` with what to install."""

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DATABASE = "cin7sync"


class ServerError(RuntimeError):
    """A server could not be started (binary missing, start failed)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _postgres_bin() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    initdb = candidates[-1] if candidates else shutil.which("initdb")
    if not initdb:
        raise ServerError(
            "PostgreSQL server binaries (initdb, pg_ctl) were not found: install the Debian package "
            "`postgresql` (scripts/dev test installs it)."
        )
    return Path(initdb).parent


def _as_postgres() -> tuple[list[str], int | None, int | None]:
    """PostgreSQL refuses to run as root: as root, run its programs as the `postgres` OS user."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        raise ServerError(
            "Running as root, but there is no `postgres` OS user to run PostgreSQL as."
        ) from None
    # runuser lives in /usr/sbin, which a plain user's PATH (and CI's) may not hold.
    runuser = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
    if runuser is None:
        raise ServerError("Running as root, but `runuser` (util-linux) was not found.")
    return [runuser, "-u", "postgres", "--"], user.pw_uid, user.pw_gid


def _run(command: list[str]) -> subprocess.CompletedProcess:
    done = subprocess.run(  # noqa: S603 (our own argument lists)
        command,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise ServerError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


@dataclass
class Postgres:
    port: int
    url: str

    def connect(self):
        import psycopg

        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=DATABASE, autocommit=True
        )


@contextmanager
def postgres_server(max_connections: int = 200):
    """A PostgreSQL cluster with one empty database, durability off (fsync) for speed; yields a `Postgres`."""
    import psycopg

    bin_dir = _postgres_bin()
    prefix, uid, gid = _as_postgres()
    base = Path(tempfile.mkdtemp(prefix="cin7sync-pg-"))
    data, sockets = base / "data", base / "sockets"
    sockets.mkdir()
    if uid is not None:
        for path in (base, sockets):
            os.chown(path, uid, gid)
    port = free_port()
    started = False
    try:
        _run([*prefix, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
              "-E", "UTF8", "--locale=C", "--no-sync"])  # fmt: skip
        options = (
            f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c synchronous_commit=off -c full_page_writes=off -c max_connections={max_connections}"
        )
        _run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"),
              "-w", "-t", "60", "-o", options, "start"])  # fmt: skip
        started = True
        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True
        ) as admin:
            admin.execute(f"CREATE DATABASE {DATABASE}")
        yield Postgres(port=port, url=f"postgres://postgres@127.0.0.1:{port}/{DATABASE}")
    finally:
        if started:
            subprocess.run(  # noqa: S603
                [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def redis_server():
    """A Redis without persistence; yields its URL."""
    import redis

    binary = shutil.which("redis-server")
    if not binary:
        raise ServerError(
            "redis-server was not found: install the Debian package `redis-server` "
            "(scripts/dev test installs it)."
        )
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="cin7sync-redis-"))
    options = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    with open(workdir / "redis.log", "wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [binary, *options, "--dir", str(workdir)], stdout=log, stderr=subprocess.STDOUT
        )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise ServerError(
                        f"redis-server did not start:\n{(workdir / 'redis.log').read_text()}"
                    ) from None
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(workdir, ignore_errors=True)
