"""Real servers for the scale-out tests: PostgreSQL and Redis from `integration_app.bench.fleet.servers`,
each on a free loopback port, stopped and deleted afterwards. Missing binaries FAIL the test with a clear
message: CI installs them (scripts/dev test), and a skipped scale-out test would hide a broken production
path."""

import pytest

from integration_app.bench.fleet import servers


def _served(start, needed: str):
    """Yield what `start()` serves; a server that cannot start fails the test (it is not skipped)."""
    try:
        with start() as served:
            yield served
    except servers.ServerError as error:
        pytest.fail(f"{error} The scale-out tests need a real {needed}.", pytrace=False)


@pytest.fixture(scope="module")
def postgres_server():
    """A throw-away PostgreSQL cluster with one empty database; yields a `servers.Postgres`."""
    yield from _served(servers.postgres_server, "PostgreSQL")


@pytest.fixture(scope="module")
def redis_server():
    """A throw-away Redis without persistence; yields its URL."""
    yield from _served(servers.redis_server, "Redis")
