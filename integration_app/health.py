"""`GET /healthz`: the database answers and the scheduler keeps up (contract §2)."""

from datetime import timedelta

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_q.models import Schedule

# A schedule overdue by more than this means no scheduler (qcluster) is running.
SCHEDULER_GRACE = timedelta(minutes=10)


@require_GET
def healthz(request):
    result = {"database": "ok", "queue": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        overdue = (
            Schedule.objects.exclude(repeats=0).filter(next_run__lt=timezone.now() - SCHEDULER_GRACE).exists()
        )
        if overdue:
            result["queue"] = "scheduler not running: schedules are overdue"
    except DatabaseError:
        result["database"] = "unavailable"
        result["queue"] = "unknown"
    healthy = result == {"database": "ok", "queue": "ok"}
    return JsonResponse(result, status=200 if healthy else 503)
