"""`GET /healthz` (contract §2): 200 when the database answers and the scheduler keeps up, else 503."""

import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import OperationalError, connections
from django.utils import timezone
from django_q.models import Schedule

from integration_app import health, scheduling
from tests.conftest import free_port
from tests.processes import last_json_line, run_python

pytestmark = pytest.mark.django_db


def test_healthy(client, installed_shop):
    scheduling.update_schedules(installed_shop)  # the full sync is due now: not overdue
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "queue": "ok"}


def test_a_schedule_overdue_beyond_the_grace_means_no_scheduler(client, installed_shop):
    scheduling.update_schedules(installed_shop)
    full = Schedule.objects.get(name=scheduling.schedule_name(installed_shop, "full"))
    full.next_run = timezone.now() - health.SCHEDULER_GRACE + timedelta(minutes=1)
    full.save()
    assert client.get("/healthz").status_code == 200  # late, but within the grace
    Schedule.objects.filter(pk=full.pk).update(
        next_run=timezone.now() - health.SCHEDULER_GRACE - timedelta(minutes=1)
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "ok" and "scheduler not running" in response.json()["queue"]
    Schedule.objects.filter(pk=full.pk).update(repeats=0)  # a finished schedule is never overdue
    assert client.get("/healthz").status_code == 200


def test_an_unavailable_database_answers_503(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["default"], "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "unavailable", "queue": "unknown"}


def test_only_get(client):
    assert client.post("/healthz").status_code == 405


PROBE = """
import json
import django
django.setup()
from django.core.management import call_command
from django.test import Client
if "sqlite" in __import__("os").environ["DATABASE_URL"]:
    call_command("migrate", verbosity=0)
response = Client().get("/healthz", HTTP_HOST="127.0.0.1")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


def probe(tmp_path, **env) -> dict:
    """/healthz in a process configured by environment like production (integration_app.settings)."""
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "integration_app.settings",
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "SHOPIFY_API_KEY": settings.SHOPIFY_API_KEY,
        "SHOPIFY_API_SECRET": settings.SHOPIFY_API_SECRET,
        "LOG_LEVEL": "CRITICAL",
        **env,
    }
    return last_json_line(run_python("-c", PROBE, env=full_env, timeout=60).stdout)


def test_a_postgresql_server_that_is_down_answers_503(tmp_path):
    result = probe(tmp_path, DATABASE_URL=f"postgres://app:pw@127.0.0.1:{free_port()}/app")
    assert result == {"status": 503, "body": {"database": "unavailable", "queue": "unknown"}}


def test_a_redis_broker_that_is_down_answers_503(tmp_path):
    result = probe(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'health.sqlite3'}",
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
    )
    assert result["status"] == 503
    assert result["body"]["database"] == "ok" and "broker unavailable" in result["body"]["queue"]
