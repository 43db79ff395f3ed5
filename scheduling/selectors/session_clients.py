"""The clients of each session, as SQL for the set-based jobs: a group session's clients are the
group's enrollments covering its local date (not voided: `Enrollment.objects.covering` in SQL), an
individual session's client is its own."""

SESSION_CLIENTS_SQL = """
    SELECT s.id AS session_id, e.client_id
    FROM scheduling_session s
    JOIN groups_enrollment e
      ON e.group_id = s.group_id
     AND e.start_date <= (s.starts_at AT TIME ZONE %(tz)s)::date
     AND (e.end_date IS NULL OR e.end_date >= (s.starts_at AT TIME ZONE %(tz)s)::date)
     AND e.voided_at IS NULL
    WHERE s.starts_at >= %(window_start)s AND s.starts_at < %(window_end)s
    UNION ALL
    SELECT s.id, s.client_id
    FROM scheduling_session s
    WHERE s.client_id IS NOT NULL
      AND s.starts_at >= %(window_start)s AND s.starts_at < %(window_end)s
"""
