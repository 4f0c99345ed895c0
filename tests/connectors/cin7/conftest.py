"""Fixtures that start the Cin7 Core sandbox: a seeded store, one account, a running server, an API caller."""

from collections.abc import Callable

import pytest
import requests

from connectors.cin7 import Cin7Client, MemoryPacer
from connectors.cin7.sandbox import Cin7Account, Cin7Sandbox, Cin7Store, ThrottleConfig
from connectors.clock import SystemClock, VirtualClock

ACCOUNT_ID = "704ef231-cd93-49c9-a201-26b4b5d0d35b"
API_KEY = "0342a546-e0c2-0dff-f0be-6a5e17154033"


def sandbox_client(account: Cin7Account, server: Cin7Sandbox, clock: SystemClock, **kwargs) -> Cin7Client:
    """A client of `account` on a running sandbox, paced generously on `clock`."""
    return Cin7Client(
        account.account_id,
        account.api_key,
        base_url=server.base_url,
        pacer=MemoryPacer(10_000, clock=clock),
        clock=clock,
        timeout=5.0,
        **kwargs,
    )


@pytest.fixture
def cin7_clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def cin7_store(cin7_clock) -> Cin7Store:
    return Cin7Store(clock=cin7_clock, seed=0)


@pytest.fixture
def cin7_account(cin7_store) -> Cin7Account:
    return cin7_store.add_account(account_id=ACCOUNT_ID, api_key=API_KEY, company="Acme Wholesale")


@pytest.fixture
def cin7_server(cin7_store, cin7_account):
    """A running sandbox without rate limit (tests that throttle set `cin7_server.throttle`)."""
    with Cin7Sandbox(cin7_store, throttle=ThrottleConfig(limit=None)) as server:
        yield server


@pytest.fixture
def cin7_get(cin7_server) -> Callable[..., requests.Response]:
    """`cin7_get("customer", Page=2)` -> the response of an authenticated GET on the running sandbox."""
    session = requests.Session()
    session.headers.update({"api-auth-accountid": ACCOUNT_ID, "api-auth-applicationkey": API_KEY})

    def get(endpoint: str, headers: dict | None = None, **params) -> requests.Response:
        return session.get(cin7_server.base_url + endpoint, params=params, headers=headers, timeout=10)

    yield get
    session.close()
