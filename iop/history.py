"""Clinical history is never removed: a row is ended, voided, superseded or amended, and the
database itself refuses a DELETE of it, even as raw SQL. Models list `keep_rows(...)` in their
Meta triggers, and `final_once(...)` for a row that no longer changes once it is signed, voided,
followed up or submitted."""

import pgtrigger


def keep_rows(name: str, condition: pgtrigger.Condition | None = None) -> pgtrigger.Protect:
    """A trigger that refuses DELETE of the table's rows (of the rows matching `condition`)."""
    return pgtrigger.Protect(name=name, operation=pgtrigger.Delete, condition=condition)


def final_once(
    name: str, field: str, operation: pgtrigger.Operation = pgtrigger.Update
) -> pgtrigger.Protect:
    """A trigger that refuses `operation` (UPDATE; also DELETE where a draft may not be removed
    either) of a row once its `field` is set: the row stays exactly as it was then."""
    return pgtrigger.Protect(
        name=name, operation=operation, condition=pgtrigger.Q(**{f"old__{field}__isnull": False})
    )
