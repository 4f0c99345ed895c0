"""`POST /webhooks/cin7/<key>`: Cin7's deliveries wake an incremental run, coalesced (contract §2, §4).

The view checks the bearer token in constant time (wrong or missing → 401, nothing queued), records which
run kind the delivery asks for and answers 200; it never reads the payload as data (the run reads Cin7),
so a forged or replayed delivery can cost a run, never change Shopify. Cin7 has no signature (FACTS §7).

Coalescing, without a worker ever sleeping (issue 27): a delivery for a shop whose sync is off is dropped
before anything is recorded; else it adds its kind to `Cin7Webhooks.wake_kinds`. While the shop has an
active run nothing is queued (the run's end wakes the kinds: `after_run`); while a wake is queued or
scheduled, the delivery joins it. Otherwise it claims the shop's one wake slot and queues `wake_task`, which
starts one incremental run for all the kinds asked. The first two runs of a burst (deliveries less than
`CIN7_WEBHOOK_SETTLE_SECONDS` apart) start at once; a burst still going after that waits until no delivery
came for that long (at most `WAKE_MAX_WAIT` after the slot was claimed): its wake is a django-q `Schedule`
of type ONCE for that moment, which the cluster's scheduler starts (it looks every 30 s). So a burst makes
at most one queued (or scheduled) wake and one running run per shop, and a stream of deliveries about one
run a minute.
"""

import json
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_q.models import Schedule
from django_q.tasks import async_task

from .. import scheduling
from ..auth.cin7_bearer import bearer_is_valid
from ..cin7_registration import EVENTS
from ..models import ACTIVE_STATUSES, Cin7Webhooks, RunKind, RunTrigger, SyncRun
from ..runs.control import RunInProgress, start_run

logger = logging.getLogger(__name__)

WAKE_TASK = "integration_app.webhooks.cin7.wake_task"
WAKE_MAX_WAIT = timedelta(seconds=60)  # a never-ending stream of deliveries still gets its run
WAKE_STALE = timedelta(minutes=10)  # a wake task that died (worker killed) is replaced after this
IMMEDIATE_RUNS_PER_BURST = 2  # the burst's first delivery and those during its run: no waiting


@csrf_exempt  # Cin7 authenticates with the bearer token it was given, checked first.
@require_POST
def cin7_webhook(request, key: str):
    hooks = Cin7Webhooks.objects.filter(key=key).exclude(token="").first()
    if not bearer_is_valid(request.headers.get("Authorization", ""), hooks.token if hooks else None):
        logger.warning("Cin7 delivery refused: bad or missing bearer token")
        return HttpResponse("Unauthorized", status=401, content_type="text/plain")
    kind = EVENTS.get(_event_type(request.body))
    if kind is None:
        logger.info("Cin7 delivery for shop %s ignored: event not handled", hooks.shop_id)
        return HttpResponse(status=200)
    wake(hooks.pk, kind)
    return HttpResponse(status=200)


def _event_type(body: bytes) -> str:
    """Only `EventType` is read: it picks the run kind; the records themselves come from Cin7."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return ""
    event = payload.get("EventType") if isinstance(payload, dict) else None
    return event if isinstance(event, str) else ""


def wake(hooks_id: int, kind: str) -> None:
    """Ask for a run of `kind`: dropped when the shop's sync is off, left to the active run's end when there
    is one, else joined to the shop's wake (queued or scheduled), claiming it first if need be."""
    hooks = Cin7Webhooks.objects.select_related("shop__sync_settings").get(pk=hooks_id)
    if not scheduling.should_schedule(hooks.shop):
        logger.info("Cin7 delivery for shop %s dropped: its sync is off", hooks.shop_id)
        return
    now = timezone.now()
    with transaction.atomic():
        hooks = Cin7Webhooks.objects.select_for_update().get(pk=hooks_id)
        if hooks.last_delivery_at is None or now - hooks.last_delivery_at >= _settle():
            hooks.burst_runs = 0  # a quiet spell ended the last burst
        hooks.wake_kinds = sorted(set(hooks.wake_kinds) | {kind})
        hooks.last_delivery_at = now
        hooks.save(update_fields=["wake_kinds", "last_delivery_at", "burst_runs"])
    if not _has_active_run(hooks.shop_id):  # an active run's end wakes the kinds (`after_run`)
        _queue_wake(hooks_id)


def _settle() -> timedelta:
    return timedelta(seconds=settings.CIN7_WEBHOOK_SETTLE_SECONDS)


def _has_active_run(shop_id: int) -> bool:
    return SyncRun.objects.filter(shop_id=shop_id, status__in=ACTIVE_STATUSES).exists()


def _due_at(hooks: Cin7Webhooks, now):
    """When the wake should start its run: now for a burst's first two runs, else once the burst settled
    (no delivery for the settle time), at most `WAKE_MAX_WAIT` after the slot was claimed."""
    if hooks.burst_runs < IMMEDIATE_RUNS_PER_BURST or hooks.last_delivery_at is None:
        return now
    claimed = hooks.wake_queued_at or now
    return min(hooks.last_delivery_at + _settle(), claimed + WAKE_MAX_WAIT)


def _queue_wake(hooks_id: int) -> bool:
    """Claim the shop's one wake slot and queue the wake (or schedule it for when the burst settles); False
    when a wake is queued or scheduled already."""
    now = timezone.now()
    free = Q(wake_queued_at__isnull=True) | Q(wake_queued_at__lt=now - WAKE_STALE)
    if not Cin7Webhooks.objects.filter(free, pk=hooks_id).update(wake_queued_at=now):
        return False
    due = _due_at(Cin7Webhooks.objects.get(pk=hooks_id), now)
    if due > now:
        _schedule_wake(hooks_id, due)
    else:
        async_task(WAKE_TASK, hooks_id, task_name=f"cin7-wake {hooks_id}")
    return True


def _schedule_wake(hooks_id: int, due) -> None:
    """The shop's wake as a django-q schedule that runs once at `due` (one per shop, moved when it exists)."""
    Schedule.objects.update_or_create(
        name=f"cin7-wake {hooks_id}",
        defaults={
            "func": WAKE_TASK,
            "args": repr((hooks_id,)),
            "schedule_type": Schedule.ONCE,
            "repeats": -1,
            "next_run": due,
        },
    )


def wake_task(hooks_id: int) -> int | None:
    """Start one incremental run of the kinds asked (queued for a worker), or, while the burst goes on,
    schedule itself for when it settles. Never sleeps. Returns the run's id, None when none was started."""
    hooks = Cin7Webhooks.objects.filter(pk=hooks_id).select_related("shop").first()
    if hooks is None:
        return None
    due = _due_at(hooks, timezone.now())
    if due > timezone.now():
        _schedule_wake(hooks_id, due)
        return None
    for _attempt in range(2):
        try:
            return _start(hooks)
        except RunInProgress:
            Cin7Webhooks.objects.filter(pk=hooks_id).update(wake_queued_at=None)
            # The run may have ended between the refusal and the release: then `after_run` saw the slot
            # taken and left the kinds to this task, which takes the slot back and tries once more.
            if _has_active_run(hooks.shop_id) or not Cin7Webhooks.objects.filter(
                pk=hooks_id, wake_queued_at__isnull=True
            ).update(wake_queued_at=timezone.now()):
                return None
    return None


def _start(hooks: Cin7Webhooks) -> int | None:
    shop = hooks.shop
    with transaction.atomic():
        locked = Cin7Webhooks.objects.select_for_update().get(pk=hooks.pk)
        kinds = set(locked.wake_kinds)
        if kinds and scheduling.should_schedule(shop):
            kind = kinds.pop() if len(kinds) == 1 else RunKind.ALL
            run = start_run(shop, kind=kind, full=False, dry_run=False, trigger=RunTrigger.WEBHOOK)
        else:
            run = None  # nothing asked, or the sync is off: the deliveries are dropped
        locked.wake_kinds, locked.wake_queued_at = [], None
        locked.burst_runs += run is not None
        locked.save(update_fields=["wake_kinds", "wake_queued_at", "burst_runs"])
    if run is not None:
        async_task("integration_app.tasks.execute_run", run.pk, task_name=f"sync {shop.domain} {run.pk}")
    return run and run.pk


def after_run(shop_id: int) -> None:
    """A run ended: kinds asked for meanwhile get their wake (at once, or when their burst settles)."""
    hooks = Cin7Webhooks.objects.filter(shop_id=shop_id).first()
    if hooks is not None and hooks.wake_kinds:
        _queue_wake(hooks.pk)


def wake_stranded() -> int:
    """The sweep's part: kinds left waiting without a wake or an active run (a run whose worker died never
    reached `after_run`) get their wake. Returns how many shops were woken."""
    woken = 0
    for hooks in Cin7Webhooks.objects.exclude(wake_kinds=[]).only("pk", "shop_id"):
        if not _has_active_run(hooks.shop_id):
            woken += _queue_wake(hooks.pk)
    return woken
