"""One way to show hours: pages, alerts, messages and CSV exports all turn minutes into hours here,
so 8.25 hours reads the same everywhere ("8.3": halves round up, as people count)."""

from decimal import ROUND_HALF_UP, Decimal


def hours(minutes: int | None) -> str:
    """Minutes as hours with at most one decimal: 540 -> "9", 495 -> "8.3", 0 -> "0"."""
    value = (Decimal(minutes or 0) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value:f}".removesuffix(".0")
