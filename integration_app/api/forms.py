"""Validation of the merchant's settings: the single source of truth for the JSON API and the page.

`clean_settings(data, current)` returns `(cleaned, errors)`; `errors` maps a field name to a message a
merchant can act on. Unknown fields are rejected, so a typo never silently does nothing; the read-only
fields `GET /api/settings` adds are ignored, so its body can be edited and sent back.

`b2b_market_tiers` names Cin7 price tiers; they are checked against `price_tiers`, the tier names the app
last read from Cin7 (by the page's options call or a pricing run), never by asking Cin7 during a save.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from ..models import OnUntag, PackSize

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
    "b2b_market_tiers",
    "b2b_pack_size",
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
    "b2b_mode",
    "b2b_served_tiers",
    "b2b_tiers_not_served",
    "b2b_customer_prices_need_plus",
)
MAX_MARKET_TIERS = 3  # active B2B catalogs Shopify allows below Plus, all through B2B markets
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


def _market_tiers(value) -> list[str]:
    names = _text_list(value, "price tiers")
    if len(names) > MAX_MARKET_TIERS:
        raise _Invalid(
            f"Choose at most {MAX_MARKET_TIERS} price tiers: below Shopify Plus, Shopify allows "
            f"{MAX_MARKET_TIERS} B2B catalogs."
        )
    return names


def _known_market_tiers(names: list[str], price_tiers: list[str] | None, saved: list[str]) -> list[str]:
    """`names` spelled as Cin7 spells them; a tier already saved passes even if Cin7 no longer lists it
    (the run reports it), any other name must be one of `price_tiers` (None: not read from Cin7 yet)."""
    known = {name.casefold(): name for name in [*saved, *(price_tiers or [])]}
    unknown = [name for name in names if name.casefold() not in known]
    if unknown and price_tiers is None:
        raise _Invalid(
            "The app has not read your Cin7 price tiers yet. Reload this page with Cin7 connected, then "
            "choose the tiers."
        )
    if unknown:
        listed = ", ".join(price_tiers) or "none"
        named = ", ".join(f"“{name}”" for name in unknown)
        raise _Invalid(f"Cin7 has no price tier named {named} (its tiers: {listed}).")
    return [known[name.casefold()] for name in names]


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
    "b2b_market_tiers": _market_tiers,
    "b2b_pack_size": lambda v: _pack_size(v),
}


def _choice(value) -> str:
    if value not in OnUntag.values:
        raise _Invalid("Choose “keep” or “strip”.")
    return value


def _pack_size(value) -> str:
    if value not in PackSize.values:
        raise _Invalid("Choose “none” (single units) or “carton” (Cin7 carton quantities).")
    return value


def clean_settings(data: dict, current: dict, price_tiers: list[str] | None = None) -> tuple[dict, dict]:
    """Validate `data` (a partial update) merged over `current`; return (cleaned, field errors).

    `current` holds the saved values; `cin7_api_key_set` tells whether a key is stored, so a blank key
    keeps it (contract §2 "a blank cin7_api_key keeps the stored one"). `price_tiers`: the Cin7 tier
    names last read (None when never read), which `b2b_market_tiers` must name.
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
    if "b2b_market_tiers" in cleaned:
        saved = current.get("b2b_market_tiers") or []
        try:
            cleaned["b2b_market_tiers"] = _known_market_tiers(cleaned["b2b_market_tiers"], price_tiers, saved)
        except _Invalid as exc:
            errors["b2b_market_tiers"] = str(exc)
            del cleaned["b2b_market_tiers"]
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
