"""Cin7 Core product discount rules (`GET /reference/discount`; docs/cin7-shapes.md).

A rule's `DiscountLines` are quantity ranges when its `Type` is `QuantityBased`: a sale line of quantity q
gets the line whose `[MinValue, MaxValue]` holds q. Lines are returned sorted by `MinValue`.
"""

from dataclasses import dataclass
from decimal import Decimal

from .parsing import Fields, record_id_of

QUANTITY_BASED = "QuantityBased"


@dataclass(frozen=True, slots=True)
class DiscountLine:
    """One line: `discount_type` is e.g. `DiscountPercent`, `DiscountAmount`, `PriceOverride`."""

    id: str | None
    min_value: Decimal
    max_value: Decimal | None
    discount_type: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class DiscountRule:
    """A product discount rule; products name it by `name` in their `DiscountRule`."""

    id: str
    name: str
    is_active: bool
    type: str
    lines: tuple[DiscountLine, ...]

    @property
    def is_quantity_based(self) -> bool:
        return self.type.casefold() == QUANTITY_BASED.casefold()


def parse_discount_rule(data) -> DiscountRule:
    """A `DiscountRule` from one `DiscountRules` item (or `Cin7RecordError`): `ID`, `Name` and `Type` are
    required, and each line needs a `DiscountType` and a numeric `Amount`."""
    fields = Fields(data, "DiscountRule", record_id_of(data))
    lines = tuple(_line(item) for item in fields.objects("DiscountLines"))
    return DiscountRule(
        id=fields.required_text("ID"),
        name=fields.required_text("Name").strip(),
        is_active=fields.flag("IsActive"),
        type=fields.required_text("Type").strip(),
        lines=tuple(sorted(lines, key=lambda line: line.min_value)),
    )


def _line(fields: Fields) -> DiscountLine:
    amount = fields.decimal("Amount")
    if amount is None:
        raise fields.error("Amount", "required, got null")
    min_value = fields.decimal("MinValue")
    return DiscountLine(
        id=fields.text("ID"),
        min_value=min_value if min_value is not None else Decimal(0),
        max_value=fields.decimal("MaxValue"),
        discount_type=fields.required_text("DiscountType").strip(),
        amount=amount,
    )
