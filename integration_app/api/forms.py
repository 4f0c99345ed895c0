"""Validation of the merchant's settings: the single source of truth for the JSON API and the page.

`clean_settings(data, current)` returns `(cleaned, errors)`; `errors` maps a field name to a message a
merchant can act on. Unknown fields are rejected, so a typo never silently does nothing; the read-only
fields `GET /api/settings` adds are ignored, so its body can be edited and sent back.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from ..models import OnUntag

MAX_TEXT = 255
MAX_LIST = 200
SETTINGS_FIELDS = (
    "cin7_account_id",
    "cin7_api_key",
    "customer_tags",
    "group_mappings",
    "tax_exempt_rules",
    "sync_enabled",
    "sync_interval_minutes",
    "full_sync_interval_hours",
    "send_invites",
    "on_untag",
    "test_emails",
    "notification_emails",
    "b2b_companies",
)
READ_ONLY_FIELDS = (
    "cin7_api_key_set",
    "cin7_company",
    "cin7_currency",
    "cin7_verified",
    "shop_email",
    "b2b_available",
    "b2b_reason",
    "b2b_managed",
    "cin7_webhooks",
    "cin7_webhooks_reason",
)
INTERVALS = {"sync_interval_minutes": (5, 1440), "full_sync_interval_hours": (1, 168)}


class _Invalid(Exception):
    pass


def _text(value, label: str, *, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _Invalid(f"{label} must be text.")
    value = value.strip()
    if required and not value:
        raise _Invalid(f"Enter {label}.")
    if len(value) > MAX_TEXT or "\n" in value or "\r" in value:
        raise _Invalid(f"{label} must be one line of at most {MAX_TEXT} characters.")
    return value


def _text_list(value, label: str) -> list[str]:
    if not isinstance(value, list):
        raise _Invalid(f"{label} must be a list.")
    if len(value) > MAX_LIST:
        raise _Invalid(f"At most {MAX_LIST} {label}.")
    cleaned, seen = [], set()
    for item in value:
        text = _text(item, f"each of the {label}", required=False)
        if text and text.lower() not in seen:
            seen.add(text.lower())
            cleaned.append(text)
    return cleaned


def _emails(value, label: str) -> list[str]:
    emails = [e.lower() for e in _text_list(value, label)]
    bad = []
    for email in emails:
        try:
            validate_email(email)
        except ValidationError:
            bad.append(email)
    if bad:
        raise _Invalid(f"Not a valid email address: {', '.join(bad)}.")
    return emails


def _group_mappings(value) -> list[dict]:
    if not isinstance(value, list):
        raise _Invalid("Group mappings must be a list of tag and group pairs.")
    cleaned, seen = [], set()
    for position, row in enumerate(value, start=1):
        if not isinstance(row, dict):
            raise _Invalid(f"Row {position}: enter a tag and a group.")
        tag = _text(row.get("tag"), f"a Cin7 tag in row {position}")
        group = _text(row.get("group"), f"a customer group in row {position}")
        if tag.lower() in seen:
            raise _Invalid(
                f"Row {position}: the tag “{tag}” is mapped twice; the first row would always win."
            )
        seen.add(tag.lower())
        cleaned.append({"tag": tag, "group": group})
    return cleaned


def _boolean(value, label: str) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"{label} must be true or false.")
    return value


def _interval(value, name: str) -> int:
    low, high = INTERVALS[name]
    unit = "minutes" if name == "sync_interval_minutes" else "hours"
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _Invalid(f"Enter a whole number of {unit} from {low} to {high}.")
    return value


CLEANERS = {
    "cin7_account_id": lambda v: _text(v, "the Cin7 Account ID", required=False),
    "cin7_api_key": lambda v: _text(v, "the Cin7 API key", required=False),
    "customer_tags": lambda v: _text_list(v, "B2B customer tags"),
    "group_mappings": _group_mappings,
    "tax_exempt_rules": lambda v: _text_list(v, "tax-exempt tax rules"),
    "sync_enabled": lambda v: _boolean(v, "Sync enabled"),
    "sync_interval_minutes": lambda v: _interval(v, "sync_interval_minutes"),
    "full_sync_interval_hours": lambda v: _interval(v, "full_sync_interval_hours"),
    "send_invites": lambda v: _boolean(v, "Send invites"),
    "on_untag": lambda v: _choice(v),
    "test_emails": lambda v: _emails(v, "test emails"),
    "notification_emails": lambda v: _emails(v, "notification emails"),
    "b2b_companies": lambda v: _boolean(v, "Shopify B2B"),
}


def _choice(value) -> str:
    if value not in OnUntag.values:
        raise _Invalid("Choose “keep” or “strip”.")
    return value


def clean_settings(data: dict, current: dict) -> tuple[dict, dict]:
    """Validate `data` (a partial update) merged over `current`; return (cleaned, field errors).

    `current` holds the saved values; `cin7_api_key_set` tells whether a key is stored, so a blank key
    keeps it (contract §2 "a blank cin7_api_key keeps the stored one").
    """
    if not isinstance(data, dict):
        return {}, {"__all__": "Send the settings as a JSON object."}
    errors = {
        name: "Unknown setting."
        for name in data
        if name not in SETTINGS_FIELDS and name not in READ_ONLY_FIELDS
    }
    cleaned = {}
    for name in SETTINGS_FIELDS:
        if name not in data:
            continue
        try:
            cleaned[name] = CLEANERS[name](data[name])
        except _Invalid as exc:
            errors[name] = str(exc)
    merged = {**current, **{k: v for k, v in cleaned.items() if k != "cin7_api_key" or v}}
    has_key = bool(cleaned.get("cin7_api_key")) or current.get("cin7_api_key_set", False)
    if merged.get("cin7_account_id") and not has_key and "cin7_api_key" not in errors:
        errors["cin7_api_key"] = "Enter the Cin7 API key that belongs to this Account ID."
    if cleaned.get("cin7_api_key") and not merged.get("cin7_account_id") and "cin7_account_id" not in errors:
        errors["cin7_account_id"] = "Enter the Cin7 Account ID this key belongs to."
    # Only an update that turns sync on (or removes the last tag while it is on) needs a tag: any other
    # field saves on its own, so a fresh shop (sync ticked, no tags yet) saves its credentials first and
    # picks from Cin7 before choosing tags; without tags nothing is scheduled.
    turns_on = cleaned.get("sync_enabled") is True and not current.get("sync_enabled")
    clears_tags = cleaned.get("customer_tags") == [] and bool(current.get("customer_tags"))
    if (
        (turns_on or clears_tags)
        and merged.get("sync_enabled")
        and not merged.get("customer_tags")
        and "customer_tags" not in errors
    ):
        errors["customer_tags"] = "Enter at least one Cin7 tag that marks B2B customers (for example b2b)."
    return cleaned, errors
