"""One way to show hours: pages, alerts, messages and CSV exports all turn minutes into hours here,
so 8.25 hours reads the same everywhere ("8.3": halves round up, as people count)."""


def hours(minutes: int | None) -> str:
    """Minutes as hours with at most one decimal: 540 -> "9", 495 -> "8.3", 0 -> "0". In whole
    tenths of an hour (six minutes), halves away from zero: a caseload's chart labels 672 weeks,
    and Decimal arithmetic was a tenth of that page's time."""
    minutes = minutes or 0
    if minutes < 0:
        return f"-{hours(-minutes)}"
    whole, tenth = divmod((minutes + 3) // 6, 10)
    return f"{whole}.{tenth}" if tenth else str(whole)
