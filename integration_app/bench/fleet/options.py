"""What a fleet benchmark run is asked to do (`manage.py bench_fleet`'s options)."""

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Options:
    shops: int
    workers: int
    minutes: float = 10.0
    interval_minutes: int = 2
    q_workers: int = 2
    customers: int = 10
    products: int = 20
    changes_per_interval: float = 0.5  # Cin7 changes per shop per interval
    kill_after: float | None = None  # seconds into the measured window: SIGKILL the first cluster
    lead_seconds: float = 45.0  # clusters start; their schedulers first look 30 s later
    cin7_calls_per_minute: int = 50
    cin7_latency: float = 0.0  # seconds every Cin7 call takes (the real API answers in ~0.3-1 s)
    log_dir: Path | None = None
