"""Clinical history is never removed: a row is ended, voided, superseded or amended, and the
database itself refuses a DELETE of it, even as raw SQL. Models list `keep_rows(...)` in their
Meta triggers."""

import pgtrigger


def keep_rows(name: str, condition: pgtrigger.Condition | None = None) -> pgtrigger.Protect:
    """A trigger that refuses DELETE of the table's rows (of the rows matching `condition`)."""
    return pgtrigger.Protect(name=name, operation=pgtrigger.Delete, condition=condition)
