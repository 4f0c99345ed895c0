"""What one run carries through its jobs: clients, settings, store, counts, issues, plan, progress."""

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from connectors.cin7.client import Cin7Client
from connectors.clock import SYSTEM_CLOCK
from connectors.shopify.admin import ShopifyAdmin

from .issues import Code, Issue
from .store import Store, SyncState

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY = timedelta(seconds=5)  # also how often a writing run checks it still holds its lease
PLAN_SAMPLE = 200
OVERLAP = timedelta(minutes=10)  # incremental reads start this long before the watermark (clock skew)


class RunKind:
    """What a run syncs (the values the app stores)."""

    ALL = "all"
    CUSTOMERS = "customers"
    PRICING = "pricing"


@dataclass(frozen=True)
class RunOptions:
    kind: str = RunKind.ALL
    full: bool = False
    dry_run: bool = False
    retry_refused: bool = False  # resend what Shopify refused before (full runs a person started)


@dataclass(frozen=True)
class ShopFacts:
    domain: str
    shop_gid: str = ""
    currency: str = ""
    country_code: str | None = None
    scopes: str = ""  # granted access scopes, comma-separated ("" when unknown)


@dataclass(frozen=True)
class SyncOptions:
    """The merchant's settings a run follows."""

    customer_tags: tuple = ()
    group_mappings: tuple = ()
    tax_exempt_rules: tuple = ()
    test_emails: tuple = ()
    send_invites: bool = True
    on_untag: str = "keep"  # "keep" or "strip"
    b2b_companies: bool = False
    b2b_market_tiers: tuple = ()  # below Plus: the Cin7 tier names to serve (empty: automatic)
    b2b_pack_size: str = "none"  # "carton": Cin7 carton quantities become Shopify quantity rules
    updated_at: datetime | None = None


class Progress:
    """Progress reporting; the default reports nothing (the command line shows bars)."""

    def phase(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, n: int = 1, **postfix) -> None:
        pass

    def close(self) -> None:
        pass


class TrackedProgress(Progress):
    """Forwards to the display and remembers where the run is, for the heartbeat (and the page)."""

    def __init__(self, display: Progress, on_change):
        self.display, self.on_change = display, on_change
        self.state = {"phase": "", "done": 0, "total": None}

    def phase(self, name: str, total: int | None = None) -> None:
        self.state = {"phase": name, "done": 0, "total": total}
        self.display.phase(name, total)
        self.on_change(force=True)

    def advance(self, n: int = 1, **postfix) -> None:
        self.state["done"] += n
        self.display.advance(n, **postfix)
        self.on_change()

    def close(self) -> None:
        self.display.close()


class WriteLimitReached(BaseException):
    """Raised by a test hook after N writes, to stop a run as abruptly as a killed worker would.

    A BaseException so no `except Exception` in the jobs can swallow it, exactly like a SIGKILL.
    """


class LeaseLost(BaseException):
    """The run no longer holds its shop's lease (failed as `worker_lost`, another run may hold the shop):
    it must stop at once, write nothing more and save no state (the app raises it from the heartbeat).

    A BaseException so no `except Exception` in the jobs can swallow it.
    """


def _no_beat(progress: dict) -> None:
    pass


@dataclass
class RunContext:
    run: RunOptions
    shop: ShopFacts
    settings: SyncOptions
    state: SyncState
    store: Store
    cin7: Cin7Client
    shopify: ShopifyAdmin
    # "alive, and here": the app records it (the run's lease), and raises `LeaseLost` once the lease is gone
    beat: Callable[[dict], None] = _no_beat
    clock: object = SYSTEM_CLOCK
    progress: Progress = field(default_factory=Progress)
    write_limit: int | None = None
    counts: Counter = field(default_factory=Counter)
    issues: list[Issue] = field(default_factory=list)
    evaluated_subjects: set[str] = field(default_factory=set)
    plan: list[dict] = field(default_factory=list)
    tiers: list = field(default_factory=list)
    definition_conflicts: set = field(default_factory=set)  # (owner type, key) defined with another type
    writes: int = 0
    _last_heartbeat: datetime | None = None

    @property
    def dry_run(self) -> bool:
        return self.run.dry_run

    @property
    def full(self) -> bool:
        return self.run.full

    @property
    def retry_refused(self) -> bool:
        return self.run.retry_refused

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] += n

    def report(self, issue: Issue) -> None:
        self.issues.append(issue)

    def report_bad_records(self) -> None:
        """Records Cin7 sent in a shape the client could not read: reported, skipped, retried next run."""
        for record_id, message in self.cin7.bad_records:
            self.report(
                Issue(Code.INVALID_RECORD, message, cin7_id=record_id or "", subject=f"record:{record_id}")
            )
            self.count("skipped")
        self.cin7.bad_records.clear()

    def evaluated(self, subject: str) -> None:
        """`subject` was re-checked by this run: its old open problems are replaced by today's."""
        self.evaluated_subjects.add(subject)

    def planned(self, entry: dict) -> None:
        if len(self.plan) < PLAN_SAMPLE:
            self.plan.append(entry)

    def before_write(self) -> None:
        """Called before every Shopify write: the test hook, and the heartbeat that renews and checks the
        lease (raises `LeaseLost` when another process took the shop, before this write goes out)."""
        if self.write_limit is not None and self.writes >= self.write_limit:
            raise WriteLimitReached(f"stopped after {self.writes} writes")
        self.writes += 1
        self.heartbeat()

    def __post_init__(self):
        self.progress = TrackedProgress(self.progress, self.heartbeat)

    def heartbeat(self, *, force: bool = False) -> None:
        """Tell other processes this run is alive (the one-run-per-shop lease expires without it), and
        where it is (the settings page shows it): at each new phase, and every 5 s within one. Raises
        `LeaseLost` when the lease is gone."""
        now = datetime.now(UTC)
        if force or self._last_heartbeat is None or now - self._last_heartbeat >= HEARTBEAT_EVERY:
            self.beat(dict(self.progress.state))
            self._last_heartbeat = now
