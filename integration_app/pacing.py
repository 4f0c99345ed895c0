"""Cin7 pacing shared by every process: a rolling window of call slots per account, in the database.

Implements the connector's `Pacer` protocol. A reservation locks the account's row (SELECT … FOR UPDATE
on PostgreSQL; SQLite's write lock serialises the transaction), drops slots older than the window, and
takes the earliest time at which one more call keeps every window of `window_seconds` at or under the
limit. Reservations are monotonic, so concurrent workers queue up instead of bursting together.
"""

from django.db import transaction

from connectors.clock import SYSTEM_CLOCK

from .models import Cin7Pace


class DatabasePacer:
    def __init__(self, calls_per_minute: int, *, clock=SYSTEM_CLOCK, window_seconds: float = 60.0):
        if calls_per_minute < 1:
            raise ValueError("calls_per_minute must be at least 1")
        self.limit, self.clock, self.window = calls_per_minute, clock, window_seconds

    def reserve(self, account_key: str) -> float:
        """Reserve the next call slot for `account_key`; return the seconds to wait before calling."""
        with transaction.atomic():
            Cin7Pace.objects.get_or_create(account_key=account_key)
            pace = Cin7Pace.objects.select_for_update().get(account_key=account_key)
            now = self.clock.now()
            slots = [t for t in pace.slots if t > now - self.window]
            slot = max([now, *slots[-1:]])
            if len(slots) >= self.limit:
                slot = max(slot, slots[-self.limit] + self.window)
            slots.append(slot)
            pace.slots = slots[-self.limit :]
            pace.save(update_fields=["slots"])
        return max(0.0, slot - now)
