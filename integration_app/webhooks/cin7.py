"""`POST /webhooks/cin7/<key>`: Cin7's deliveries wake an incremental run, coalesced (contract §2, §4).

The view checks the bearer token in constant time (wrong or missing → 401, nothing queued), records which
run kind the delivery asks for and answers 200; it never reads the payload as data (the run reads Cin7),
so a forged or replayed delivery can cost a run, never change Shopify. Cin7 has no signature (FACTS §7).

Coalescing: deliveries add their kind to `Cin7Webhooks.wake_kinds`; the first one of a burst queues one
`wake` task, which waits until no delivery came for `CIN7_WEBHOOK_SETTLE_SECONDS` (at most
`WAKE_MAX_WAIT`), then starts one run for all the kinds asked. While a run is active the kinds wait, and
the run's end wakes them (`after_run`). So a burst makes at most one queued and one running run per shop.
"""

import json
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_q.tasks import async_task

from .. import scheduling
from ..auth.cin7_bearer import bearer_is_valid
from ..cin7_registration import EVENTS
from ..models import ACTIVE_STATUSES, Cin7Webhooks, RunKind, RunTrigger, SyncRun
from ..sync_control import RunInProgress, start_run

logger = logging.getLogger(__name__)

WAKE_MAX_WAIT = timedelta(seconds=60)  # a never-ending stream of deliveries still gets its run
WAKE_STALE = timedelta(minutes=10)  # a wake task that died (worker killed) is replaced after this


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
    """Ask for a run of `kind`; queue the shop's wake task unless one is already waiting."""
    now = timezone.now()
    with transaction.atomic():
        hooks = Cin7Webhooks.objects.select_for_update().get(pk=hooks_id)
        hooks.wake_kinds = sorted(set(hooks.wake_kinds) | {kind})
        hooks.last_delivery_at = now
        hooks.save(update_fields=["wake_kinds", "last_delivery_at"])
    _queue_wake(hooks_id)


def _queue_wake(hooks_id: int) -> bool:
    """Claim the shop's one wake task slot and queue it; False when one is waiting already."""
    now = timezone.now()
    free = Q(wake_queued_at__isnull=True) | Q(wake_queued_at__lt=now - WAKE_STALE)
    if not Cin7Webhooks.objects.filter(free, pk=hooks_id).update(wake_queued_at=now):
        return False
    async_task("integration_app.webhooks.cin7.wake_task", hooks_id, task_name=f"cin7-wake {hooks_id}")
    return True


def wake_task(hooks_id: int) -> int | None:
    """Wait for the burst to settle, then start one incremental run of the kinds asked (queued for a
    worker). Returns the run's id, None when no run was started."""
    settle = timedelta(seconds=settings.CIN7_WEBHOOK_SETTLE_SECONDS)
    while True:
        hooks = Cin7Webhooks.objects.filter(pk=hooks_id).select_related("shop").first()
        if hooks is None:
            return None
        now = timezone.now()
        quiet_at = (hooks.last_delivery_at or now) + settle
        waited_enough = hooks.wake_queued_at and now - hooks.wake_queued_at >= WAKE_MAX_WAIT
        if now < quiet_at and not waited_enough:
            time.sleep(min((quiet_at - now).total_seconds(), 1.0))
            continue
        try:
            return _start(hooks)
        except RunInProgress:
            Cin7Webhooks.objects.filter(pk=hooks_id).update(wake_queued_at=None)
            # The run may have ended between the refusal and the release: then `after_run` saw the slot
            # taken and left the kinds to this task, which must take the slot back and try again.
            if SyncRun.objects.filter(shop_id=hooks.shop_id, status__in=ACTIVE_STATUSES).exists():
                return None
            if not Cin7Webhooks.objects.filter(pk=hooks_id, wake_queued_at__isnull=True).update(
                wake_queued_at=timezone.now()
            ):
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
        locked.save(update_fields=["wake_kinds", "wake_queued_at"])
    if run is not None:
        async_task("integration_app.tasks.execute_run", run.pk, task_name=f"sync {shop.domain} {run.pk}")
    return run and run.pk


def after_run(shop_id: int) -> None:
    """A run ended: kinds asked for meanwhile get their run now (their burst settled during it)."""
    hooks = Cin7Webhooks.objects.filter(shop_id=shop_id).first()
    if hooks is not None and hooks.wake_kinds:
        _queue_wake(hooks.pk)
