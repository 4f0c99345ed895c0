"""Cin7's wire formats: JSON with exact decimals, Cin7's dates, the Error Model and the not-found page."""

import json
import re
import secrets
import zlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# FACTS §8.1: `yyyy-MM-ddTHH:mm:ss.fff`, no offset, UTC; a trailing `Z` is accepted too.
_MODIFIED_SINCE = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?Z?")

NOT_FOUND_HTML = (
    b"<!DOCTYPE html>\r\n<html>\r\n<head>\r\n<title>Page not found</title>\r\n</head>\r\n"
    b'<body>\r\n<div class="error-page">\r\n<h1>Page not found</h1>\r\n'
    b"<p>The page you are looking for might have been removed, had its name changed, "
    b"or is temporarily unavailable.</p>\r\n</div>\r\n</body>\r\n</html>\r\n"
)


class ApiError(Exception):
    """A request Cin7 rejects with its Error Model body (FACTS §1.5)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def dumps(payload) -> bytes:
    """JSON bytes where every `Decimal` is a JSON number with exactly its own digits (no float rounding)."""
    marker = secrets.token_hex(8)

    def encode_decimal(value):
        if isinstance(value, Decimal) and value.is_finite():
            return f"{marker}{value:f}{marker}"
        raise TypeError(f"cannot encode {type(value).__name__}")

    text = json.dumps(payload, default=encode_decimal, separators=(",", ":"))
    return text.replace(f'"{marker}', "").replace(f'{marker}"', "").encode()


def error_body(status: int, message: str) -> bytes:
    """Cin7's Error Model. Cin7 also sends a list of these at times (FACTS §1.5); the sandbox always
    sends the single-object shape, the one seen live."""
    return dumps({"ErrorCode": status, "Exception": message})


def epoch_ms(moment) -> int:
    """Milliseconds since the epoch from epoch seconds, a datetime (naive = UTC) or a Cin7 date string."""
    if isinstance(moment, str):
        return parse_cin7_ticks(moment) // 10_000
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return (moment - _EPOCH) // timedelta(milliseconds=1)
    return round(float(moment) * 1000)


def parse_cin7_ticks(text: str) -> int:
    """100-ns ticks (.NET's resolution) since the epoch of a UTC `yyyy-MM-ddTHH:mm:ss[.fffffff][Z]`;
    ValueError if malformed."""
    match = _MODIFIED_SINCE.fullmatch(text.strip())
    if not match:
        raise ValueError(f"not a date: {text!r}")
    year, month, day, hour, minute, second, fraction = match.groups()
    moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(microseconds=1) * 10 + int((fraction or "0").ljust(7, "0"))


def format_modified(ms: int, record_id: str) -> str:
    """`LastModifiedOn` as Cin7 writes it: UTC, 2-3 fractional digits (`.46`, `.917`), and for about half of
    the records (fixed per ID) no trailing `Z` (FACTS §8.1: REST examples carry it, webhook ones do not)."""
    moment = _EPOCH + timedelta(milliseconds=ms)
    fraction = f"{ms % 1000:03d}"
    if fraction.endswith("0"):
        fraction = fraction[:2]
    suffix = "Z" if zlib.crc32(record_id.encode()) % 2 else ""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{fraction}{suffix}"
