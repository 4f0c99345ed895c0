"""Phone numbers in E.164, as Shopify requires, via phonenumbers."""

import phonenumbers


def to_e164(raw: str | None, region: str | None) -> str | None:
    """`raw` as `+15551234567` when it is a valid number (national numbers read in `region`), else None."""
    if not raw or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw.strip(), (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
