"""The seeded random source of one generation and what it noted: the same seed always gives the same data."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from random import Random

_START_MS = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp() * 1000)
_END_MS = int(datetime(2026, 10, 31, tzinfo=UTC).timestamp() * 1000)


class Draw:
    """Random draws for one generation, plus its notes: `cases` (case -> keys that show it), the names and
    emails taken so far, and the scenario of each SKU that has one."""

    def __init__(self, seed: int):
        self.seed = seed
        self.rng = Random(seed)
        self.cases: dict[str, list[str]] = {}
        self.names: set[str] = set()
        self.emails: set[str] = set()
        self.product_scenarios: dict[str, str] = {}

    def guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def pick(self, options):
        """A random element (`Random.choice` costs ten times more, and there are millions of picks)."""
        return options[int(self.rng.random() * len(options))]

    def note(self, case: str, key: str) -> None:
        self.cases.setdefault(case, []).append(key)

    def stamp(self) -> str:
        ms = self.rng.randrange(_START_MS, _END_MS)
        return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]

    def digits(self, pattern: str) -> str:
        """`pattern` with each `#` replaced by a random digit."""
        count = pattern.count("#")
        return pattern.replace("#", "{}").format(*f"{self.rng.randrange(10**count):0{count}d}")

    def money(self, value: float, places: int = 2) -> Decimal:
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))

    def unique_email(self, local: str, domain: str) -> str:
        email, n = f"{local}@{domain}", 1
        while email in self.emails:
            n += 1
            email = f"{local}{n}@{domain}"
        self.emails.add(email)
        return email
