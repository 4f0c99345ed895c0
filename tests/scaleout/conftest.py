"""Real servers for the scale-out tests: PostgreSQL and Redis from `integration_app.bench.fleet.servers`,
each on a free loopback port, stopped and deleted afterwards. Missing binaries FAIL the test with a clear
message: CI installs them (scripts/dev test), and a skipped scale-out test would hide a broken production
path."""

import pytest

from integration_app.bench.fleet import servers


@pytest.fixture(scope="module")
def postgres_server():
    """A throw-away PostgreSQL cluster with one empty database; yields a `servers.Postgres`."""
    try:
        with servers.postgres_server() as postgres:
            yield postgres
    except servers.ServerError as error:
        pytest.fail(f"{error} The scale-out tests need a real PostgreSQL.", pytrace=False)


@pytest.fixture(scope="module")
def redis_server():
    """A throw-away Redis without persistence; yields its URL."""
    try:
        with servers.redis_server() as url:
            yield url
    except servers.ServerError as error:
        pytest.fail(f"{error} The scale-out tests need a real Redis.", pytrace=False)
