"""The one definition of a session's clients: the database view behind `SessionClient`, the same
rows for the sessions of a span (reminder planning), and the join the weekly recompute reads a
week's rosters with.

A group session's clients are the clients whose enrollment in its group covers the session's local
date (clinic time) and that is not voided; an individual session's client is its own. The view is
created by a migration and re-created after every `migrate` (post_migrate), so it follows the
clinic's `TIME_ZONE`.
"""

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper

# A group session `s`'s clients: the enrollments `e` of its group, not voided, covering `{day}`, its
# local date. The view's join, and the weekly recompute's (which reads a week's sessions with their
# dates computed once, and joins them to the enrollments of the week at once). The end is stated as
# the enrollments index `enrollment_live_by_group_end` states it (`Enrollment`'s last day): a range
# of the group's enrollments that have not ended by the day, not an OR read on every enrollment the
# group ever had.
ENROLLMENT_COVERS_SESSION_SQL = """
    e.group_id = s.group_id
    AND COALESCE(e.end_date, DATE '9999-12-31') >= {day}
    AND e.start_date <= {day}
    AND e.voided_at IS NULL
"""


def _session_clients_sql(*, tz: str, sessions: str = "", enrollments: str = "") -> str:
    """The rows (session_id, client_id, starts_at) of the sessions `s` that meet `sessions`, reading
    the enrollments `e` that also meet `enrollments` (SQL conditions; none when empty)."""
    covers = ENROLLMENT_COVERS_SESSION_SQL.format(day=f"(s.starts_at AT TIME ZONE {tz})::date")
    return f"""
        SELECT s.id AS session_id, e.client_id, s.starts_at
        FROM scheduling_session s
        JOIN groups_enrollment e ON {covers} {f"AND {enrollments}" if enrollments else ""}
        {f"WHERE {sessions}" if sessions else ""}
        UNION ALL
        SELECT s.id, s.client_id, s.starts_at
        FROM scheduling_session s
        WHERE s.client_id IS NOT NULL {f"AND {sessions}" if sessions else ""}
    """  # nosec B608  # this module's constants and the caller's SQL conditions


def session_clients_view_create(connection: BaseDatabaseWrapper) -> None:
    """Create or replace the view, with the clinic's zone as a literal (a view has no parameters)."""
    with connection.cursor() as cursor:
        zone = cursor.mogrify("%s", [settings.TIME_ZONE]).decode()
        cursor.execute(
            "CREATE OR REPLACE VIEW scheduling_sessionclient AS " + _session_clients_sql(tz=zone)
        )


def session_clients_in_span_sql(*, start: str, end: str, tz: str, sessions: str = "") -> str:
    """The view's rows (session_id, client_id, starts_at) of the sessions `s` starting in
    [`start`, `end`) that meet `sessions` (all when empty); each argument is an SQL expression (a
    parameter). The enrollments are read as those live in the span, by their last day
    (`enrollment_live_by_last_day`): read through the view, the planner cannot bound them by the
    span, and walked every enrollment the clinic ever had (48,000 at the bench's scale 1) to find
    the week's."""
    return _session_clients_sql(
        tz=tz,
        sessions=f"s.starts_at >= {start} AND s.starts_at < {end}"
        + (f" AND ({sessions})" if sessions else ""),
        enrollments=(
            f"COALESCE(e.end_date, DATE '9999-12-31') >= ({start} AT TIME ZONE {tz})::date"
            f" AND e.start_date <= ({end} AT TIME ZONE {tz})::date"
        ),
    )
