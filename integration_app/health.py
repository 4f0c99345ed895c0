"""`GET /healthz`: the database answers, the broker answers, the scheduler keeps up and no privacy request
keeps failing (contract §2).

`200 {"database": "ok", "queue": "ok"}` when all is well, else `503` with what is wrong in place of "ok".
No secret and no shop data is ever part of the answer.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_q.models import Schedule

from .models import ComplianceRequest
from .webhooks.compliance import ALERT_AFTER

logger = logging.getLogger(__name__)

# A schedule overdue by more than this means no scheduler (qcluster) is running: a running cluster's
# scheduler looks at due schedules every 30 seconds.
SCHEDULER_GRACE = timedelta(minutes=10)
BROKER_TIMEOUT = 2.0  # seconds


def _redis_ok() -> bool:
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=BROKER_TIMEOUT, socket_timeout=BROKER_TIMEOUT
    )
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


@require_GET
def healthz(request):
    result = {"database": "ok", "queue": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        overdue = (
            Schedule.objects.exclude(repeats=0).filter(next_run__lt=timezone.now() - SCHEDULER_GRACE).exists()
        )
        failing = ComplianceRequest.objects.filter(attempts__gte=ALERT_AFTER).count()
        if overdue:
            result["queue"] = "scheduler not running: schedules are overdue"
        elif failing:
            result["queue"] = f"privacy requests failing: {failing} (see the ERROR logs)"
    except DatabaseError:
        logger.warning("Health check: the database is unavailable", exc_info=True)
        result["database"] = "unavailable"
        result["queue"] = "unknown"
    if settings.REDIS_URL and result["queue"] == "ok" and not _redis_ok():
        result["queue"] = "broker unavailable: Redis does not answer"
    healthy = result == {"database": "ok", "queue": "ok"}
    return JsonResponse(result, status=200 if healthy else 503)
