"""Lenient readers for Cin7's loosely typed JSON, `Retry-After` values and error bodies.

Cin7's reference and its wire disagree on types (FACTS §8.12): decimals come as numbers or strings, booleans
as bools or strings, dates with or without `Z` and with 0-7 fractional digits (FACTS §8.1). `Fields` accepts
every such spelling and raises `Cin7RecordError` naming the field for anything it cannot read, so one odd
record never surfaces as a `TypeError` in the sync.
"""

import dataclasses
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime

from .errors import Cin7RecordError

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# FACTS §8.1: `yyyy-MM-ddTHH:mm:ss[.f{1,7}]`, then `Z`, an offset, or nothing (= UTC).
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(Z|[+-]\d{2}:?\d{2})?", re.IGNORECASE
)
# No amount, rate or limit has more digits either side of the point; `1E+999999999` is finite, but
# written out in full for Shopify it would take a gigabyte.
_MAX_DIGITS = 30
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]*)", re.IGNORECASE)
_UNIT_SECONDS = {"ms": 0.001, "msec": 0.001, "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60}
_HTML_TITLE = re.compile(r"<(title|h1)[^>]*>(.*?)</\1>", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]+>")


class Fields:
    """Typed access to one JSON object of a record; errors name `path.Field` and the record's ID."""

    def __init__(self, data, path: str, record_id: str | None = None):
        if not isinstance(data, dict):
            message = f"expected an object, got {type(data).__name__}"
            raise Cin7RecordError(message, record_id=record_id, field=path)
        self.data, self.path, self.record_id = data, path, record_id

    def error(self, name: str, message: str) -> Cin7RecordError:
        return Cin7RecordError(message, record_id=self.record_id, field=f"{self.path}.{name}")

    def required_text(self, name: str) -> str:
        """A non-empty string (IDs, SKUs, join keys): anything else is an error, never a guess."""
        value = self.data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise self.error(name, f"required, got {_shown(value)}")
        return value

    def text(self, name: str) -> str | None:
        """A string as given; numbers become their digits (`TaxNumber` comes as a number at times)."""
        value = self.data.get(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            return str(value)
        raise self.error(name, f"expected text, got {_shown(value)}")

    def stripped(self, name: str) -> str | None:
        """`text` with surrounding whitespace removed; empty becomes None."""
        value = self.text(name)
        return (value.strip() or None) if value is not None else None

    def decimal(self, name: str) -> Decimal | None:
        """A finite Decimal from a number or a numeric string (`"10.0000000000"`); null or "" -> None."""
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return to_decimal(value)
        except ValueError as error:
            raise self.error(name, str(error)) from None

    def flag(self, name: str) -> bool:
        """A bool, `"true"`/`"false"` in any case, or 0/1; absent or null -> False."""
        value = self.data.get(name)
        if value is None or isinstance(value, bool):
            return bool(value)
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise self.error(name, f"expected true/false, got {_shown(value)}")

    def integer(self, name: str) -> int:
        """An integer given as a number or digits (tier `Code`)."""
        value = self.data.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
            return int(value)
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        raise self.error(name, f"expected an integer, got {_shown(value)}")

    def moment(self, name: str) -> datetime | None:
        """An aware UTC datetime; null or "" -> None."""
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise self.error(name, f"expected a date, got {_shown(value)}")
        try:
            return to_datetime(value)
        except ValueError as error:
            raise self.error(name, str(error)) from None

    def tags(self, name: str) -> tuple[str, ...]:
        """FACTS §4.6: one comma-separated string; split on `,`, strip, drop empties (a list is accepted)."""
        value = self.data.get(name)
        if value is None:
            return ()
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
            raise self.error(name, f"expected comma-separated text, got {_shown(value)}")
        return tuple(tag.strip() for tag in value if tag.strip())

    def objects(self, name: str) -> list["Fields"]:
        """A list of objects (null or absent -> empty), each readable as `Fields`."""
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(name, f"expected a list, got {_shown(value)}")
        return [Fields(item, f"{self.path}.{name}[{n}]", self.record_id) for n, item in enumerate(value)]


Reader = Callable[[Fields, str], object]


def cin7(key: str, read: str | Reader = "text") -> dict:
    """The metadata of a record attribute (`field(metadata=cin7(...))`) read from Cin7's `key`: by the
    `Fields` method named `read`, or by a function `read(fields, key)` for what no one method covers."""
    return {"cin7": (key, read)}


def each(parse: Callable[[Fields], object]) -> Reader:
    """A reader of a list of objects (null or absent: none), each parsed by `parse`."""
    return lambda fields, key: tuple(parse(item) for item in fields.objects(key))


class Cin7Record:
    """A record dataclass whose attributes declare, with `cin7(...)` metadata, the key each is read from."""

    __slots__ = ()

    @classmethod
    def read(cls, fields: Fields):
        """The record from one object's `Fields`, its attributes read in the order they are declared."""
        values = {}
        for attribute in dataclasses.fields(cls):
            key, read = attribute.metadata["cin7"]
            values[attribute.name] = read(fields, key) if callable(read) else getattr(fields, read)(key)
        return cls(**values)

    @classmethod
    def parse(cls, data):
        """The record from one JSON object of Cin7's (or `Cin7RecordError` naming the field)."""
        return cls.read(Fields(data, cls.__name__, record_id_of(data)))


def record_id_of(data) -> str | None:
    """The record's `ID` when it is a usable string, for error reports before the record is parsed."""
    value = data.get("ID") if isinstance(data, dict) else None
    return value if isinstance(value, str) and value.strip() else None


def to_decimal(value) -> Decimal:
    """A finite Decimal from an int, Decimal, float (through its repr) or numeric string; else ValueError."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {_shown(value)}")
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        if not _DECIMAL.fullmatch(value.strip()):
            raise ValueError(f"expected a number, got {_shown(value)}")
        value = value.strip()
    if not isinstance(value, int | Decimal | str):
        raise ValueError(f"expected a number, got {_shown(value)}")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"expected a number, got {_shown(value)}") from None
    if not number.is_finite():
        raise ValueError(f"expected a finite number, got {_shown(value)}")
    if number.adjusted() >= _MAX_DIGITS or number.as_tuple().exponent < -_MAX_DIGITS:
        raise ValueError(f"expected an amount, got {_shown(value)} (out of range)")
    return number


def to_datetime(text: str) -> datetime:
    """Cin7's ISO 8601 date as an aware UTC datetime (no offset = UTC, FACTS §8.1); else ValueError."""
    match = _DATETIME.fullmatch(text.strip())
    if not match:
        raise ValueError(f"expected a date like 2018-01-24T05:07:23.917Z, got {_shown(text)}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micros = int((fraction or "0").ljust(6, "0")[:6])
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micros, UTC)
        if zone and zone.upper() != "Z":
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            moment = moment.replace(tzinfo=timezone(sign * offset)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(f"not a valid date: {_shown(text)}") from None
    return moment


def format_modified_since(moment: datetime) -> str:
    """FACTS §8.1: UTC `yyyy-MM-ddTHH:mm:ss.fff`, no offset; a naive datetime is taken as UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}"


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` header: an HTTP date, or the first number in the value with
    its unit word if any (FACTS §2.2: live values are `"30"`, `"60 Seconds"`, `"30 sec"`; a value in
    minutes is read as minutes). None when absent or unreadable."""
    if not value or not value.strip():
        return None
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        match = _NUMBER.search(value)
        if not match:
            return None
        return float(match.group(1)) * _UNIT_SECONDS.get(match.group(2).lower(), 1)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def describe_body(text: str, limit: int = 300) -> str:
    """A short, single-line account of a response body. FACTS §1.5: the Error Model (`ErrorCode`,
    `Exception`) as an object or a list of them, or text; an HTML page is reduced to its title."""
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    errors = parsed if isinstance(parsed, list) else [parsed]
    messages = [str(e["Exception"]) for e in errors if isinstance(e, dict) and e.get("Exception") is not None]
    if messages:
        return excerpt("; ".join(messages), limit)
    if parsed is None and "<" in (text or "") and ">" in text:
        title = _HTML_TITLE.search(text)
        return excerpt("HTML page: " + _HTML_TAG.sub(" ", title.group(2) if title else text), limit)
    return excerpt(text, limit)


def is_error_model(payload) -> bool:
    """FACTS §1.5: `{ErrorCode, Exception}` or a list of such objects."""
    items = payload if isinstance(payload, list) else [payload]
    return bool(items) and all(isinstance(item, dict) and "Exception" in item for item in items)


def error_code(payload) -> int | None:
    """The `ErrorCode` (400-599) of an Error Model answer, else None (FACTS §1.5)."""
    if not is_error_model(payload):
        return None
    code = (payload[0] if isinstance(payload, list) else payload).get("ErrorCode")
    if isinstance(code, str) and code.strip().isdigit():
        code = int(code)
    valid = isinstance(code, int) and not isinstance(code, bool) and 400 <= code < 600
    return code if valid else None


def excerpt(text: str, limit: int = 300) -> str:
    """`text` on one line, cut to `limit` characters."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shown(value) -> str:
    """A value for an error message: its type, and short values themselves."""
    shown = repr(value)
    return shown if len(shown) <= 40 else f"{type(value).__name__} {shown[:37]}…"
