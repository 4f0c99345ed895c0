"""Cin7 pacing shared by every process: a rolling window of call slots per account, in the database.

Implements the connector's `Pacer` protocol with its slot rule (`connectors.cin7.pacing.next_slot`: a
window plus the burst margin between a slot and the one `limit` calls before it). A reservation locks the
account's row (SELECT … FOR UPDATE on PostgreSQL; SQLite's write lock serialises the transaction), drops
slots too old to matter, and takes the earliest slot the rule allows. Reservations are monotonic, so
concurrent workers queue up instead of bursting together. Rows untouched for `STALE_AFTER` are pruned by
the minute sweep (`prune_paces`).
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from connectors.cin7.pacing import burst_margin, next_slot
from connectors.clock import SYSTEM_CLOCK

from .models import Cin7Pace

STALE_AFTER = timedelta(hours=1)  # far beyond any window: such a row holds no slot that still counts


class DatabasePacer:
    def __init__(self, calls_per_minute: int, *, clock=SYSTEM_CLOCK, window_seconds: float = 60.0):
        if calls_per_minute < 1:
            raise ValueError("calls_per_minute must be at least 1")
        self.limit, self.clock, self.window = calls_per_minute, clock, window_seconds

    def reserve(self, account_key: str, max_wait: float | None = None) -> float:
        """Reserve the next call slot for `account_key`; return the seconds to wait before calling. With
        `max_wait`, a slot further away is not taken (the wait is still returned)."""
        with transaction.atomic():
            Cin7Pace.objects.get_or_create(account_key=account_key)
            pace = Cin7Pace.objects.select_for_update().get(account_key=account_key)
            now = self.clock.now()
            horizon = now - self.window - burst_margin(self.limit, self.window)
            slots = [t for t in pace.slots if t > horizon]
            slot = next_slot(slots, now, self.limit, self.window)
            if max_wait is None or slot - now <= max_wait:
                pace.slots = [*slots, slot][-self.limit :]
                pace.save(update_fields=["slots", "updated_at"])
        return max(0.0, slot - now)


def prune_paces() -> int:
    """Delete the pace rows of accounts (and shops) not called for `STALE_AFTER`; returns how many."""
    return Cin7Pace.objects.filter(updated_at__lt=timezone.now() - STALE_AFTER).delete()[0]
