"""Input rules Shopify enforces on customers and metafields, as pure functions returning error messages."""

import decimal
import json
import re

import phonenumbers
import pycountry

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z0-9-]{2,}$")
NAMESPACE = re.compile(r"^[A-Za-z0-9_-]{3,255}$")
KEY = re.compile(r"^[A-Za-z0-9_-]{2,64}$")
MAX_TAG_LENGTH = 255
# FACTS §4 "Limits": json 128 KB for apps, most other types 64 KB.
MAX_JSON_BYTES = 128 * 1024
MAX_VALUE_BYTES = 64 * 1024
MAX_INTEGER = 9_007_199_254_740_991
DECIMAL = re.compile(r"^-?\d{1,13}(\.\d{1,9})?$")
METAFIELD_TYPES = {
    "boolean",
    "date",
    "date_time",
    "json",
    "list.single_line_text_field",
    "money",
    "multi_line_text_field",
    "number_decimal",
    "number_integer",
    "single_line_text_field",
    "url",
}


def email_error(email: str) -> str | None:
    return None if EMAIL.match(email) else "Email is invalid"


def normalize_phone(phone: str) -> str | None:
    """E.164 form of an international (`+…`) number, or None when Shopify would call it invalid."""
    if not phone.strip().startswith("+"):
        return None
    try:
        parsed = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def province_error(country_code: str | None, province_code: str | None) -> str | None:
    """Shopify checks `provinceCode` against the subdivisions of `countryCode`."""
    if not province_code:
        return None
    if not country_code:
        return "Country can't be blank when a province is given"
    if pycountry.subdivisions.get(code=f"{country_code}-{province_code}") is None:
        return f"Province code {province_code} is not valid for country {country_code}"
    return None


def split_tags(tags: list[str]) -> list[str]:
    """Tags as Shopify stores them: comma-separated values split, blanks dropped, unique case-insensitively
    (the first casing wins)."""
    result: list[str] = []
    seen: set[str] = set()
    for raw in tags:
        for tag in (part.strip() for part in raw.split(",")):
            if tag and tag.casefold() not in seen:
                seen.add(tag.casefold())
                result.append(tag)
    return result


def tag_error(tags: list[str]) -> str | None:
    too_long = next((t for t in tags if len(t) > MAX_TAG_LENGTH), None)
    return (
        f"Tag '{too_long[:20]}…' is too long (maximum is {MAX_TAG_LENGTH} characters)" if too_long else None
    )


def identifier_errors(namespace: str, key: str) -> list[tuple[str, str, str]]:
    """(input field, code, message) for a namespace or key outside Shopify's length and character rules."""
    errors = []
    if not NAMESPACE.match(namespace or ""):
        code = (
            "TOO_SHORT"
            if len(namespace or "") < 3
            else ("TOO_LONG" if len(namespace) > 255 else "INVALID_VALUE")
        )
        errors.append(
            ("namespace", code, "Namespace must be 3-255 characters of letters, digits, '-' and '_'")
        )
    if not KEY.match(key or ""):
        code = "TOO_SHORT" if len(key or "") < 2 else ("TOO_LONG" if len(key) > 64 else "INVALID_VALUE")
        errors.append(("key", code, "Key must be 2-64 characters of letters, digits, '-' and '_'"))
    return errors


def value_error(type_: str, value: str) -> tuple[str, str] | None:
    """(code, message) when `value` is not a valid `type_` metafield value."""
    if type_ not in METAFIELD_TYPES:
        return "INVALID_TYPE", f"Type '{type_}' is not a metafield type the Shopify sandbox models"
    if value == "":
        return "BLANK", "Value can't be blank"
    size = len(value.encode())
    limit = MAX_JSON_BYTES if type_ == "json" else MAX_VALUE_BYTES
    if size > limit:
        return "INVALID_VALUE", f"Value is too large: {size} bytes exceeds the limit of {limit // 1024} KB"
    check = _CHECKS.get(type_)
    message = check(value) if check else None
    return ("INVALID_VALUE", message) if message else None


def normalize_value(type_: str, value: str) -> str:
    """The value as Shopify returns it: JSON is re-serialised compactly (key order kept) [uncertain]."""
    if type_ in ("json", "list.single_line_text_field"):
        return json.dumps(json.loads(value), separators=(",", ":"), ensure_ascii=False)
    return value


def _json(value: str) -> str | None:
    try:
        json.loads(value)
    except ValueError:
        return "Value must be valid JSON"
    return None


def _decimal(value: str) -> str | None:
    return None if DECIMAL.match(value) else f"Value '{value[:40]}' is not a valid decimal number"


def _integer(value: str) -> str | None:
    if not re.fullmatch(r"-?\d+", value) or abs(int(value)) > MAX_INTEGER:
        return f"Value '{value[:40]}' is not a valid integer"
    return None


def _boolean(value: str) -> str | None:
    return None if value in ("true", "false") else "Value must be true or false"


def _single_line(value: str) -> str | None:
    return "Value must be a single line of text" if "\n" in value or "\r" in value else None


def _string_list(value: str) -> str | None:
    try:
        items = json.loads(value)
    except ValueError:
        return "Value must be a JSON list of strings"
    ok = isinstance(items, list) and all(isinstance(i, str) and i and "\n" not in i for i in items)
    return None if ok else "Value must be a JSON list of single-line strings"


def _money(value: str) -> str | None:
    try:
        amount = json.loads(value)
        decimal.Decimal(str(amount["amount"]))
        pycountry.currencies.lookup(amount["currency_code"])
    except (ValueError, KeyError, TypeError, LookupError, decimal.InvalidOperation):
        return 'Value must be {"amount": "<decimal>", "currency_code": "<ISO 4217>"}'
    return None


def _url(value: str) -> str | None:
    return None if re.match(r"^(https?|mailto|sms|tel)://?\S+$", value) else "Value must be a URL"


def _date(value: str) -> str | None:
    return None if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else "Value must be a date (YYYY-MM-DD)"


def _date_time(value: str) -> str | None:
    pattern = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})?"
    return None if re.fullmatch(pattern, value) else "Value must be an ISO 8601 date and time"


_CHECKS = {
    "json": _json,
    "number_decimal": _decimal,
    "number_integer": _integer,
    "boolean": _boolean,
    "single_line_text_field": _single_line,
    "list.single_line_text_field": _string_list,
    "money": _money,
    "url": _url,
    "date": _date,
    "date_time": _date_time,
}
