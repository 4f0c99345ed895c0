"""`DatabasePacer`: the Cin7 pace is one rolling window per account, shared by every process (contract §4
"Cin7: paced to CIN7_CALLS_PER_MINUTE")."""

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from connectors.cin7.sandbox import ThrottleConfig
from integration_app.models import Cin7Pace
from integration_app.pacing import DatabasePacer, prune_paces
from tests.conftest import CIN7_ACCOUNT, CIN7_KEY
from tests.processes import stop


class ManualClock:
    def __init__(self):
        self.time = 1000.0

    def now(self) -> float:
        return self.time


@pytest.mark.django_db
def test_the_window_admits_the_limit_then_queues_each_burst_a_window_and_a_margin_later():
    pacer = DatabasePacer(3, clock=ManualClock(), window_seconds=60.0)
    assert [pacer.reserve("acct") for _ in range(7)] == [0, 0, 0, 80, 80, 80, 160]


@pytest.mark.django_db
def test_accounts_are_paced_apart_and_old_slots_expire():
    clock = ManualClock()
    pacer = DatabasePacer(1, clock=clock, window_seconds=10.0)
    assert pacer.reserve("a") == 0 and pacer.reserve("b") == 0
    assert pacer.reserve("a") == 20
    clock.time += 45
    assert pacer.reserve("a") == 0


@pytest.mark.django_db
def test_a_caller_that_will_not_wait_takes_no_slot_and_idle_rows_are_pruned():
    pacer = DatabasePacer(1, clock=ManualClock(), window_seconds=10.0)
    assert pacer.reserve("a", max_wait=0) == 0
    assert pacer.reserve("a", max_wait=0) == 20 and pacer.reserve("a", max_wait=0) == 20
    assert Cin7Pace.objects.get(account_key="a").slots == [1000.0]
    pacer.reserve("b")
    Cin7Pace.objects.filter(account_key="a").update(updated_at=timezone.now() - timedelta(hours=2))
    assert prune_paces() == 1
    assert list(Cin7Pace.objects.values_list("account_key", flat=True)) == ["b"]


WORKER = """
import sys
import django
django.setup()
from integration_app.cin7_api import cin7_client
client = cin7_client(sys.argv[1], sys.argv[2], window_seconds=float(sys.argv[3]))
for _ in range(int(sys.argv[4])):
    client.me()
"""


def test_two_processes_share_one_window_and_cin7_never_throttles(tmp_path, cin7_server):
    """Two worker processes call the same Cin7 account at once; together they keep to the app's pace (4
    per window), so Cin7 (the sandbox, allowing 5: the headroom of the default 50 of Cin7's 60 per minute)
    never throttles them. Paced apart, each would send 4 per window: 8, and Cin7 would answer 429."""
    # A window long enough that scheduling delays on a busy machine (a call sent late, after its slot)
    # stay small beside it.
    limit, window, calls_each = 4, 3.0, 6
    cin7_server.throttle = ThrottleConfig(limit=limit + 1, window_seconds=window)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "integration_app.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'pace.sqlite3'}",
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "SHOPIFY_API_KEY": settings.SHOPIFY_API_KEY,
        "SHOPIFY_API_SECRET": settings.SHOPIFY_API_SECRET,
        "CIN7_API_URL": cin7_server.base_url,
        "CIN7_CALLS_PER_MINUTE": str(limit),
    }
    env.pop("REDIS_URL", None)
    migrate = [sys.executable, "manage.py", "migrate", "--verbosity", "0"]
    subprocess.run(migrate, cwd=settings.BASE_DIR, env=env, check=True, timeout=120)
    command = [sys.executable, "-c", WORKER, CIN7_ACCOUNT, CIN7_KEY, str(window), str(calls_each)]
    workers = [
        subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:
        errors = [worker.communicate(timeout=120)[1] for worker in workers]
    finally:
        for worker in workers:
            stop(worker)
    assert [worker.returncode for worker in workers] == [0, 0], errors
    calls = [call for call in cin7_server.calls if call.endpoint == "me"]
    assert len(calls) == 2 * calls_each
    assert not any(call.throttled for call in calls), json.dumps([c.status for c in calls])
    times = sorted(call.at for call in calls)
    busiest = max(sum(start <= t < start + window for t in times) for start in times)
    assert busiest <= limit + 1
    # Paced, not serialised one by one: the calls took about (calls / limit - 1) windows.
    assert times[-1] - times[0] >= (2 * calls_each / limit - 1) * window * 0.9
