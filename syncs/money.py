"""Decimal amounts as Shopify-bound strings: at least two decimals, no float anywhere (contract §3)."""

from decimal import Decimal, InvalidOperation


def format_amount(value: Decimal) -> str:
    """`12.5` -> "12.50", `12.1234` -> "12.1234", `12.1000` -> "12.10", `7` -> "7.00", `1E+2` -> "100.00".

    Exact for any finite Decimal: done on the digits, so no context precision (28 digits) rounds a long
    amount or makes a large one raise.
    """
    text = format(value, "f")  # fixed point, every digit of the value, no exponent
    negative = text.startswith("-")
    whole, _, fraction = text.lstrip("-").partition(".")
    fraction = fraction.rstrip("0").ljust(2, "0")
    if negative and value.is_zero():
        negative = False
    return f"{'-' if negative else ''}{whole}.{fraction}"


def positive_amount(value) -> Decimal | None:
    """`value` as a finite Decimal above zero, else None (Cin7 uses 0 for "no price")."""
    if value is None or isinstance(value, float | bool):
        return None
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() and amount > 0 else None
