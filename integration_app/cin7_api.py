"""Cin7 Core clients wired to the settings and the cross-process pacer."""

from django.conf import settings

from connectors.cin7.client import Cin7Client
from connectors.clock import SYSTEM_CLOCK

from .pacing import DatabasePacer


def cin7_client(
    account_id: str,
    api_key: str,
    *,
    clock=SYSTEM_CLOCK,
    window_seconds: float = 60.0,
    pacing_key: str | None = None,
) -> Cin7Client:
    """A worker's client; `pacing_key` paces it under another budget than its account's (unverified
    credentials)."""
    return Cin7Client(
        account_id,
        api_key,
        base_url=settings.CIN7_API_URL,
        pacer=DatabasePacer(settings.CIN7_CALLS_PER_MINUTE, clock=clock, window_seconds=window_seconds),
        clock=clock,
        pacing_key=pacing_key,
    )
