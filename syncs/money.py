"""Decimal amounts as Shopify-bound strings: at least two decimals, no float anywhere (contract §3)."""

from decimal import Decimal, InvalidOperation

TWO_PLACES = Decimal("0.01")


def format_amount(value: Decimal) -> str:
    """`12.5` -> "12.50", `12.1234` -> "12.1234", `12.1000` -> "12.10", `7` -> "7.00"."""
    normalized = value.normalize()
    if normalized.as_tuple().exponent > -2:
        normalized = normalized.quantize(TWO_PLACES)
    text = format(normalized, "f")
    return "0.00" if text in ("-0.00", "-0") else text


def positive_amount(value) -> Decimal | None:
    """`value` as a finite Decimal above zero, else None (Cin7 uses 0 for "no price")."""
    if value is None or isinstance(value, float):
        return None
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() and amount > 0 else None
