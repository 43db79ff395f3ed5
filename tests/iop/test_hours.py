"""Minutes as hours (`iop.hours.hours`): one decimal, halves away from zero, as Decimal rounds."""

from decimal import ROUND_HALF_UP, Decimal

from iop.hours import hours


def _as_decimal_rounds(minutes: int) -> str:
    value = (Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value:f}".removesuffix(".0")


def test_hours_round_as_decimal_does_over_a_years_minutes():
    for minutes in range(-600, 24 * 60 * 366):
        assert hours(minutes) == _as_decimal_rounds(minutes), minutes


def test_hours_read_as_people_say_them():
    assert [hours(m) for m in (540, 495, 0, None, 3, 2, 57, 63)] == [
        "9", "8.3", "0", "0", "0.1", "0", "1", "1.1"
    ]  # fmt: skip
