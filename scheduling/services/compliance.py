"""Weekly-hours compliance: the weekly rows and the alerts are derived state, recomputed from the
facts after every change of any of them.

What a client's week depends on (one list; each service that changes one of these asks for a
recompute of the client-weeks it touched, after commit):
- attendance and its amendments, of sessions in the week that count toward hours;
- the sessions the client is on that week (`SessionClient`: group rosters covering the session's
  date, and individual sessions): enrolment, withdrawal and voiding, session create, cancel,
  reschedule and materialize;
- the client's admission and discharge dates and program track (its weekly minimum and maximum);
- clinic closures (`ClinicClosure` in force): closing or reopening days;
- excusals (an alert resolved as excused).
Clients and groups cannot import scheduling, so they announce their changes with
`clients.signals.client_weeks_changed`; scheduling's receiver asks for the recompute.

Decisions: "still scheduled" minutes are sessions the client is on that are not cancelled and have
no attendance row yet (ahead, or awaiting the clinician's log); a week is `met` once both the
prorated minutes and the prorated treatment days are reached (H0015 per diem); the weekly maximum is
not prorated; the requirement is prorated for the days in the program (calendar days), then lowered
by the share of the client's own session time that week (sessions counting toward hours, in the
program, on the calendar or cancelled by a closure) that fell on closed days, in minutes and in
days, so a group meeting three days a week that loses one leaves two thirds to meet; a client with
no session that week loses a seventh per closed day instead; a week whose sessions were all closed
(or closed throughout) requires nothing and is met; a week that holds the discharge and falls short of
its prorated minimum is `discharged`, never at risk or short (nothing is left to act on); no week
after the discharge has a row; a row is final once its week is over.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from iop.clock import week_bounds, week_start_of
from iop.dates import check_dates
from iop.hours import hours
from iop.models import User
from scheduling.models import (
    COUNTED_ATTENDANCE_SQL,
    ComplianceAlert,
    Reminder,
    ReminderChannel,
    ReminderKind,
    ReminderPreference,
    Session,
    WeeklyCompliance,
)
from scheduling.selectors.compliance import (
    ClientWeek,
    at_risk_forecast_list,
    client_weeks_of_sessions,
)
from scheduling.session_clients import ENROLLMENT_COVERS_SESSION_SQL

# Recomputes run one at a time (a transaction-level advisory lock), so a recompute that started
# before a change committed can never overwrite the figures of one that started after it.
_RECOMPUTE_LOCK = "SELECT pg_advisory_xact_lock(hashtext('scheduling.compliance_recompute'))"


def _level_sql(column: str) -> str:
    """An alert kind's level (ComplianceAlert.LEVELS) as SQL."""
    cases = " ".join(
        f"WHEN '{kind}' THEN {level}" for kind, level in ComplianceAlert.LEVELS.items()
    )
    return f"(CASE {column} {cases} END)"


_FIGURES = (
    "attended_minutes",
    "scheduled_minutes",
    "required_minutes",
    "treatment_days",
    "required_days",
)

# Whether client `c` is in the program in the week starting `{week}`.
_IN_PROGRAM_SQL = """
    c.status IN ('active', 'discharged')
    AND c.admission_date <= {week} + 6
    AND (c.discharge_date IS NULL OR c.discharge_date >= {week})
"""

# A client-week's target: what the client's record says of the week.
_TARGET_COLUMNS_SQL = f"""
    c.id AS client_id, w.week_start, c.track_id, c.status,
    {_IN_PROGRAM_SQL.format(week="w.week_start")} AS in_program,
    GREATEST(w.week_start, c.admission_date) AS from_day,
    LEAST(w.week_start + 6, COALESCE(c.discharge_date, w.week_start + 6)) AS to_day,
    c.discharge_date IS NOT NULL AND c.discharge_date <= w.week_start + 6 AS discharged,
    ((w.week_start + 7)::timestamp AT TIME ZONE %(tz)s) AS window_end
"""

# One statement recomputes the weekly rows and brings their alerts in line: the client-weeks
# recomputed are read once, and the alerts are read against the rows as the statement leaves them
# (a statement's parts all see the same snapshot, so not through the table). `every_client`
# (whether `all_weeks` has any) is a constant the planner folds away: with only pairs, it plans
# for the few clients asked for (reading their own enrollments, sessions and attendance), not for
# every client of the span. Every read is bounded by the span as constants (computed by the
# caller), so the planner estimates it from the statistics.
_RECOMPUTE_SQL = f"""
    WITH
    -- The clients in the program in each of `all_weeks`, read by their last day (an index), not
    -- every client the clinic ever had.
    in_program AS (
        SELECT {_TARGET_COLUMNS_SQL}
        FROM unnest(%(all_weeks)s::date[]) AS w(week_start)
        JOIN clients_client c
          ON {_IN_PROGRAM_SQL.format(week="w.week_start")}
         AND COALESCE(c.discharge_date, DATE '{date.max}') >= %(first_week)s
        WHERE %(every_client)s
    ),
    -- The client-weeks to recompute, each once: the pairs asked for (none of `all_weeks`, which
    -- the caller leaves out), every client in the program in each of `all_weeks`, and any other
    -- client that still has a row there (whose row goes).
    targets AS MATERIALIZED (
        SELECT {_TARGET_COLUMNS_SQL}
        FROM unnest(%(client_ids)s::bigint[], %(week_starts)s::date[])
             AS w(client_id, week_start)
        JOIN clients_client c ON c.id = w.client_id
        UNION ALL
        SELECT * FROM in_program
        UNION ALL
        SELECT {_TARGET_COLUMNS_SQL}
        FROM scheduling_weeklycompliance w
        JOIN clients_client c ON c.id = w.client_id
        WHERE %(every_client)s AND w.week_start = ANY(%(all_weeks)s::date[])
          AND NOT EXISTS (
              SELECT 1 FROM in_program p
              WHERE p.client_id = w.client_id AND p.week_start = w.week_start
          )
    ),
    -- The days the clinic is closed (closures in force) within the span's weeks.
    closed AS (
        SELECT DISTINCT d::date AS day
        FROM scheduling_clinicclosure cl
        CROSS JOIN generate_series(cl.first_day, cl.last_day, interval '1 day') AS d
        WHERE cl.withdrawn_at IS NULL
          AND cl.last_day >= %(first_week)s AND cl.first_day <= %(last_week)s + 6
    ),
    enrolled AS (
        SELECT t.*, t.to_day - t.from_day + 1 AS enrolled_days,
               -- Counted only in a span with closures (the rare case; a subquery a row else).
               CASE WHEN EXISTS (SELECT 1 FROM closed)
                    THEN (SELECT count(*) FROM closed WHERE day BETWEEN t.from_day AND t.to_day)
                    ELSE 0
               END::int AS closed_days
        FROM targets t
        WHERE t.in_program
    ),
    -- The span's sessions that count toward hours, each with its local date computed once.
    -- Every client's weeks read the span's sessions once (materialized); a few clients' weeks
    -- read only their own (inlined in each read).
    sessions AS {{materialized}} (
        SELECT s.id, s.group_id, s.client_id, s.counts_toward_hours,
               (s.starts_at AT TIME ZONE %(tz)s)::date AS day,
               (EXTRACT(EPOCH FROM s.ends_at - s.starts_at) / 60)::int AS minutes,
               s.status = 'scheduled' AS on_calendar,
               s.status = 'scheduled' OR s.closure_id IS NOT NULL AS rostered,
               (s.starts_at AT TIME ZONE %(tz)s)::date IN (SELECT day FROM closed) AS closed
        FROM scheduling_session s
        WHERE s.counts_toward_hours
          AND s.starts_at >= %(first_start)s AND s.starts_at < %(last_end)s
    ),
    -- The sessions each client is on that count toward hours: those on the calendar, and
    -- those a closure cancelled (still on the roster, linked to it), which the client lost to
    -- the closure. A session cancelled for another reason is neither. The session-clients view's
    -- definition, read for the whole span at once: the enrollments live in the span, read by
    -- their last day (not every one its groups ever had), joined to the span's group sessions,
    -- and the individual sessions.
    roster AS (
        SELECT e.client_id, s.id AS session_id, s.day, s.minutes, s.on_calendar, s.closed
        FROM sessions s
        JOIN groups_enrollment e
          ON {ENROLLMENT_COVERS_SESSION_SQL.format(day="s.day")}
         AND e.start_date <= %(last_week)s + 6
         AND COALESCE(e.end_date, DATE '{date.max}') >= %(first_week)s
        WHERE s.rostered AND (%(every_client)s OR e.client_id = ANY(%(client_ids)s::bigint[]))
        UNION ALL
        SELECT s.client_id, s.id, s.day, s.minutes, s.on_calendar, s.closed
        FROM sessions s
        WHERE s.rostered AND s.client_id IS NOT NULL
          AND (%(every_client)s OR s.client_id = ANY(%(client_ids)s::bigint[]))
    ),
    -- The attendance of those sessions, counting toward hours or not (any row means the
    -- session is no longer pending for its client).
    attendance AS (
        SELECT a.client_id, a.session_id, s.day,
               CASE WHEN {COUNTED_ATTENDANCE_SQL} THEN a.minutes_attended END AS counted_minutes
        FROM scheduling_attendance a
        JOIN sessions s ON s.id = a.session_id
        WHERE %(every_client)s OR a.client_id = ANY(%(client_ids)s::bigint[])
    ),
    -- Each client's days: the minutes attended, the minutes still pending (on the calendar, no
    -- attendance yet), and their session time, which a closure takes on a closed day (a session
    -- a withdrawn closure left cancelled is on an open day: not lost to a closure, not on the
    -- calendar). One row per client and session: on its roster, attended, or both.
    days AS (
        SELECT COALESCE(r.client_id, a.client_id) AS client_id, COALESCE(r.day, a.day) AS day,
               SUM(a.counted_minutes)::int AS attended,
               SUM(r.minutes) FILTER (WHERE r.on_calendar AND a.client_id IS NULL)::int
                   AS pending,
               SUM(r.minutes) FILTER (WHERE r.on_calendar OR r.closed)::int AS session_minutes,
               bool_or(r.closed) AS closed
        FROM roster r
        FULL JOIN attendance a ON a.session_id = r.session_id AND a.client_id = r.client_id
        GROUP BY 1, 2
    ),
    -- Each client-week's figures, of the days in the program only: nothing counts before
    -- admission or after discharge. What a closure took from each client is the share of their
    -- session time in the program that week that fell on closed days, in minutes and in days.
    totals AS (
        SELECT e.client_id, e.week_start,
               SUM(d.attended) AS attended,
               SUM(d.pending) AS pending,
               COUNT(d.attended) AS treatment_days,
               COUNT(*) FILTER (WHERE d.attended IS NOT NULL OR d.pending IS NOT NULL)
                   AS possible_days,
               SUM(d.session_minutes) AS session_minutes,
               COALESCE(SUM(d.session_minutes) FILTER (WHERE d.closed), 0) AS closed_minutes,
               COUNT(d.session_minutes) AS session_days,
               COUNT(d.session_minutes) FILTER (WHERE d.closed) AS closed_session_days
        FROM enrolled e
        JOIN days d ON d.client_id = e.client_id AND d.day BETWEEN e.from_day AND e.to_day
        GROUP BY e.client_id, e.week_start
    ),
    computed AS (
        SELECT e.client_id, e.week_start, e.window_end, e.discharged,
               COALESCE(t.attended, 0) AS attended,
               COALESCE(t.pending, 0) AS pending,
               COALESCE(t.treatment_days, 0) AS treatment_days,
               COALESCE(t.possible_days, 0) AS possible_days,
               e.enrolled_days, e.closed_days,
               -- The requirement of the days in the program, less the share of the client's
               -- session time a closure took; with no session that week, less the closed days.
               CASE WHEN t.session_minutes IS NULL THEN
                        ROUND(tr.weekly_minimum_minutes * (e.enrolled_days - e.closed_days) / 7.0)
                    ELSE ROUND(tr.weekly_minimum_minutes * e.enrolled_days
                               * (t.session_minutes - t.closed_minutes)
                               / (7.0 * t.session_minutes))
               END::int AS required_minutes,
               -- At least one day, unless a closure took all of it.
               CASE WHEN t.session_minutes IS NULL THEN
                        CASE WHEN e.enrolled_days = e.closed_days THEN 0
                             ELSE GREATEST(1, ROUND(tr.minimum_treatment_days
                                                    * (e.enrolled_days - e.closed_days) / 7.0))
                        END
                    WHEN t.session_days = t.closed_session_days THEN 0
                    ELSE GREATEST(1, ROUND(tr.minimum_treatment_days * e.enrolled_days
                                           * (t.session_days - t.closed_session_days)
                                           / (7.0 * t.session_days)))
               END::int AS required_days,
               tr.weekly_maximum_minutes AS maximum_minutes,
               EXISTS (
                   SELECT 1 FROM scheduling_compliancealert al
                   WHERE al.client_id = e.client_id AND al.week_start = e.week_start
                     AND al.excused
               ) AS excused
        FROM enrolled e
        JOIN clients_programtrack tr ON tr.id = e.track_id
        LEFT JOIN totals t ON t.client_id = e.client_id AND t.week_start = e.week_start
    ),
    computed_rows AS (
        SELECT client_id, week_start, attended, pending, treatment_days, possible_days,
               enrolled_days, closed_days, required_minutes, required_days, maximum_minutes,
               CASE
                   WHEN excused THEN 'excused'
                   WHEN attended > maximum_minutes THEN 'over_max'
                   WHEN attended >= required_minutes AND treatment_days >= required_days
                       THEN 'met'
                   WHEN discharged THEN 'discharged'
                   WHEN %(now)s >= window_end THEN 'short'
                   WHEN attended + pending >= required_minutes
                        AND possible_days >= required_days
                       THEN 'on_track'
                   ELSE 'at_risk'
               END AS status,
               %(now)s >= window_end AS is_final
        FROM computed
    ),
    -- The rows as they stand, to write only what changed.
    stored AS MATERIALIZED (
        SELECT w.client_id, w.week_start, w.attended_minutes, w.scheduled_minutes,
               w.treatment_days, w.possible_days, w.enrolled_days, w.closed_days,
               w.required_minutes, w.required_days, w.maximum_minutes, w.status, w.is_final
        FROM scheduling_weeklycompliance w
        WHERE w.week_start BETWEEN %(first_week)s AND %(last_week)s
          AND (%(every_client)s OR w.client_id = ANY(%(client_ids)s::bigint[]))
    ),
    -- A client-week no longer in the program (admission moved, discharge earlier) has no row.
    removed AS (
        DELETE FROM scheduling_weeklycompliance w
        USING targets t
        WHERE w.client_id = t.client_id AND w.week_start = t.week_start
          AND w.week_start BETWEEN %(first_week)s AND %(last_week)s
          AND NOT t.in_program
    ),
    -- Only the rows whose figures changed are written (an unchanged week writes nothing: no
    -- dead row, no index entry, no WAL), so `computed_at` is when the figures last changed.
    written AS (
        INSERT INTO scheduling_weeklycompliance (
            client_id, week_start, attended_minutes, scheduled_minutes, treatment_days,
            possible_days, enrolled_days, closed_days, required_minutes, required_days,
            maximum_minutes, status, is_final, computed_at
        )
        SELECT c.*, %(now)s
        FROM computed_rows c
        LEFT JOIN stored w ON w.client_id = c.client_id AND w.week_start = c.week_start
        WHERE (w.attended_minutes, w.scheduled_minutes, w.treatment_days, w.possible_days,
               w.enrolled_days, w.closed_days, w.required_minutes, w.required_days,
               w.maximum_minutes, w.status, w.is_final)
              IS DISTINCT FROM
              (c.attended, c.pending, c.treatment_days, c.possible_days, c.enrolled_days,
               c.closed_days, c.required_minutes, c.required_days, c.maximum_minutes, c.status,
               w.is_final OR c.is_final)
        ON CONFLICT (client_id, week_start) DO UPDATE SET
            attended_minutes = EXCLUDED.attended_minutes,
            scheduled_minutes = EXCLUDED.scheduled_minutes,
            treatment_days = EXCLUDED.treatment_days,
            possible_days = EXCLUDED.possible_days,
            enrolled_days = EXCLUDED.enrolled_days,
            closed_days = EXCLUDED.closed_days,
            required_minutes = EXCLUDED.required_minutes,
            required_days = EXCLUDED.required_days,
            maximum_minutes = EXCLUDED.maximum_minutes,
            status = EXCLUDED.status,
            is_final = scheduling_weeklycompliance.is_final OR EXCLUDED.is_final,
            computed_at = EXCLUDED.computed_at
        RETURNING 1
    ),
    -- The client-weeks asked for (the pairs, and every client in the program in each of
    -- `all_weeks`), with the client's status.
    asked AS (
        SELECT t.client_id, t.week_start, t.status FROM targets t
        WHERE t.in_program
           OR (t.client_id, t.week_start)
              IN (SELECT * FROM unnest(%(client_ids)s::bigint[], %(week_starts)s::date[]))
    ),
    -- The alerts of the client-weeks asked for and of the week after each (whose level depends
    -- on the week before): what each week calls for, then open, follow or resolve. Besides the
    -- weeks asked for, those whose alerts may change with them:
    others AS (
        -- The week after each where it has a row. (Without a row or an open alert, which the
        -- branch below adds, a client-week has nothing to open, follow or resolve.)
        SELECT r.client_id, r.week_start, t.status
        FROM scheduling_weeklycompliance r
        JOIN asked t ON t.client_id = r.client_id AND t.week_start = r.week_start - 7
        WHERE r.week_start BETWEEN %(first_week)s + 7 AND %(last_week)s + 7
        UNION
        -- Every open alert of a discharged client asked for (a discharge closes them all; the
        -- other weeks of a client in the program keep their rows, so their alerts stand), and of
        -- the weeks recomputed for every client and the weeks after them.
        SELECT a.client_id, a.week_start, t.status
        FROM scheduling_compliancealert a
        JOIN (SELECT DISTINCT client_id, status FROM asked WHERE status = 'discharged') t
          ON t.client_id = a.client_id
        WHERE a.resolved_at IS NULL
        UNION
        SELECT a.client_id, a.week_start,
               -- By id, a few of them: not a join that would read every client.
               (SELECT c.status FROM clients_client c WHERE c.id = a.client_id)
        FROM scheduling_compliancealert a
        WHERE a.resolved_at IS NULL AND %(every_client)s
          AND (a.week_start = ANY(%(all_weeks)s::date[])
               OR a.week_start - 7 = ANY(%(all_weeks)s::date[]))
    ),
    -- The alert targets, each once, and whether this statement recomputed its week.
    alert_targets AS (
        SELECT client_id, week_start, status, true AS recomputed FROM asked
        UNION ALL
        SELECT client_id, week_start, status,
               (client_id, week_start) IN (SELECT client_id, week_start FROM targets)
        FROM others
        WHERE (client_id, week_start) NOT IN (SELECT client_id, week_start FROM asked)
    ),
    -- The weekly rows of the alert targets' weeks, as this statement leaves them: the
    -- recomputed client-weeks' as computed (none where no longer in the program), the others'
    -- as stored, each looked up by its key (`LIMIT 1`: the key is unique; it keeps the planner
    -- from reading every week's rows to join them).
    alert_rows AS (
        SELECT k.client_id, k.week_start, k.status AS client_status,
               c.client_id IS NOT NULL AS has_row, c.status AS row_status,
               c.attended AS attended_minutes, c.pending AS scheduled_minutes,
               c.required_minutes, c.treatment_days, c.required_days
        FROM alert_targets k
        LEFT JOIN computed_rows c ON c.client_id = k.client_id AND c.week_start = k.week_start
        WHERE k.recomputed
        UNION ALL
        SELECT k.client_id, k.week_start, k.status, w.status IS NOT NULL, w.status,
               {", ".join(f"w.{figure}" for figure in _FIGURES)}
        FROM alert_targets k
        LEFT JOIN LATERAL (
            SELECT {", ".join(f"w.{figure}" for figure in _FIGURES)}, w.status
            FROM scheduling_weeklycompliance w
            WHERE w.client_id = k.client_id AND w.week_start = k.week_start
            LIMIT 1
        ) w ON true
        WHERE NOT k.recomputed
    ),
    -- The alert targets with something to do, each with its row and its open alert if any: an
    -- open alert (to follow or resolve), or a week behind of a client still in the program (to
    -- open one for). Any other opens nothing and has nothing open: most of a week's clients,
    -- whose previous week is then never read.
    acting AS MATERIALIZED (
        SELECT w.*, a.id AS alert_id, a.kind AS alert_kind,
               {", ".join(f"a.{figure} AS alert_{figure}" for figure in _FIGURES)}
        FROM alert_rows w
        LEFT JOIN scheduling_compliancealert a
          ON a.client_id = w.client_id AND a.week_start = w.week_start AND a.resolved_at IS NULL
        WHERE a.id IS NOT NULL
           OR (w.client_status <> 'discharged' AND w.row_status IN ('at_risk', 'short', 'over_max'))
    ),
    -- The week before each short week of those (two short weeks in a row call for a level of
    -- care review), as this statement leaves it, keyed by the short week.
    previous AS (
        SELECT k.client_id, k.week_start, c.status
        FROM acting k
        JOIN computed_rows c ON c.client_id = k.client_id AND c.week_start = k.week_start - 7
        WHERE k.row_status = 'short'
        UNION ALL
        SELECT k.client_id, k.week_start, w.status
        FROM acting k
        CROSS JOIN LATERAL (
            SELECT w.status FROM scheduling_weeklycompliance w
            WHERE w.client_id = k.client_id AND w.week_start = k.week_start - 7
            LIMIT 1
        ) w
        WHERE k.row_status = 'short'
          AND NOT EXISTS (
              SELECT 1 FROM targets t
              WHERE t.client_id = k.client_id AND t.week_start = k.week_start - 7
          )
    ),
    desired AS (
        SELECT k.client_id, k.week_start, k.alert_id, k.alert_kind,
               {", ".join(f"k.{figure}, k.alert_{figure}" for figure in _FIGURES)},
               CASE
                   -- A discharged client's weeks keep their figures; nothing is left to act on.
                   WHEN k.client_status = 'discharged' THEN NULL
                   WHEN k.row_status = 'short' AND previous.status = 'short'
                       THEN 'level_of_care_review'
                   WHEN k.row_status IN ('at_risk', 'short', 'over_max') THEN k.row_status
               END AS kind,
               CASE
                   WHEN k.client_status = 'discharged' OR k.row_status = 'discharged'
                       THEN 'discharged'
                   WHEN NOT k.has_row THEN 'not_enrolled'
                   ELSE 'hours_met'
               END AS resolution
        FROM acting k
        LEFT JOIN previous ON previous.client_id = k.client_id AND previous.week_start = k.week_start
    ),
    -- What differs from the alerts as they stand (each read with its target, above): an open
    -- alert to resolve or to follow, or a week to open one for. (Only these are written; a quiet
    -- week compares and writes nothing.)
    changes AS MATERIALIZED (
        SELECT d.*
        FROM desired d
        WHERE CASE WHEN d.alert_id IS NULL THEN d.kind IS NOT NULL
                   ELSE (d.alert_kind, {", ".join(f"d.alert_{figure}" for figure in _FIGURES)})
                        IS DISTINCT FROM (d.kind, {", ".join(f"d.{figure}" for figure in _FIGURES)})
              END
    ),
    resolved AS (
        UPDATE scheduling_compliancealert a
        SET resolved_at = %(now)s, updated_at = %(now)s, reason = d.resolution,
            {", ".join(f"{figure} = COALESCE(d.{figure}, a.{figure})" for figure in _FIGURES)}
        FROM changes d
        WHERE a.id = d.alert_id AND d.kind IS NULL
        RETURNING a.id
    ),
    followed AS (
        UPDATE scheduling_compliancealert a
        SET kind = d.kind, for_admins = d.kind = 'level_of_care_review', updated_at = %(now)s,
            detail = CASE WHEN d.kind = 'at_risk' THEN a.detail ELSE '' END,
            {", ".join(f"{figure} = d.{figure}" for figure in _FIGURES)}
        FROM changes d
        WHERE a.id = d.alert_id AND d.kind IS NOT NULL
        RETURNING a.id
    ),
    opened AS (
        INSERT INTO scheduling_compliancealert (
            client_id, week_start, kind, for_admins, {", ".join(_FIGURES)},
            detail, opened_at, updated_at, reason, plan, excused
        )
        SELECT d.client_id, d.week_start, d.kind, d.kind = 'level_of_care_review',
               {", ".join(f"d.{figure}" for figure in _FIGURES)},
               '', %(now)s, %(now)s, '', '', false
        FROM changes d
        WHERE d.alert_id IS NULL
          -- A week a person already resolved reopens only for something more serious.
          AND NOT EXISTS (
              SELECT 1 FROM scheduling_compliancealert a
              WHERE a.client_id = d.client_id AND a.week_start = d.week_start
                AND (a.resolved_at IS NULL
                     OR (a.resolved_by_id IS NOT NULL
                         AND {_level_sql("a.kind")} >= {_level_sql("d.kind")}))
          )
        ON CONFLICT (client_id, week_start) WHERE resolved_at IS NULL DO NOTHING
        RETURNING id
    )
    SELECT (SELECT count(*) FROM computed_rows), (SELECT count(*) FROM written),
           (SELECT count(*) FROM opened), (SELECT count(*) FROM followed),
           (SELECT count(*) FROM resolved)
"""  # nosec B608  # joins this module's SQL constants; every value is a parameter

_RECOMPUTE_EVERY_CLIENT_SQL = _RECOMPUTE_SQL.format(materialized="MATERIALIZED")
_RECOMPUTE_CLIENTS_SQL = _RECOMPUTE_SQL.format(materialized="NOT MATERIALIZED")


@dataclass(frozen=True)
class RecomputeResult:
    # The client-weeks recomputed, and those of them whose row was written (new or changed).
    rows: int
    rows_changed: int
    alerts_opened: int
    alerts_followed: int
    alerts_resolved: int


@transaction.atomic
def compliance_recompute(
    *,
    client_weeks: Iterable[ClientWeek] = (),
    all_weeks: Iterable[date] = (),
    now: datetime | None = None,
) -> RecomputeResult:
    """Recompute the weekly rows of `client_weeks` and of every client in each of `all_weeks`
    (Mondays), then bring their alerts in line: one statement (after the lock), whatever the
    number of client-weeks. Safe to run twice or late: the result depends only on the facts."""
    pairs = sorted(set(client_weeks))
    weeks = sorted(set(all_weeks))
    if any(week.weekday() != 0 for week in weeks) or any(week.weekday() != 0 for _, week in pairs):
        raise ValidationError({"week_start": "A clinic week starts on a Monday."})
    if not pairs and not weeks:
        return RecomputeResult(0, 0, 0, 0, 0)
    every_week = [week for _, week in pairs] + weeks
    # A pair of one of `all_weeks` is recomputed with every client of that week.
    pairs = [(client_id, week) for client_id, week in pairs if week not in weeks]
    first_week, last_week = min(every_week), max(every_week)
    params = {
        "tz": settings.TIME_ZONE,
        "client_ids": [client_id for client_id, _ in pairs],
        "week_starts": [week for _, week in pairs],
        "all_weeks": weeks,
        "every_client": bool(weeks),
        "first_week": first_week,
        "last_week": last_week,
        "first_start": week_bounds(first_week)[0],
        "last_end": week_bounds(last_week)[1],
        "now": now or timezone.now(),
    }
    with connection.cursor() as cursor:
        cursor.execute(_RECOMPUTE_LOCK)
        cursor.execute(_RECOMPUTE_EVERY_CLIENT_SQL if weeks else _RECOMPUTE_CLIENTS_SQL, params)
        rows, rows_changed, opened, followed, resolved = cursor.fetchone()
    return RecomputeResult(rows, rows_changed, opened, followed, resolved)


def compliance_recompute_week(
    *, week_start: date, client_ids: list[int] | None = None, now: datetime | None = None
) -> int:
    """Recompute one week for every client in the program that week (or for `client_ids`);
    returns the number of client-weeks recomputed."""
    check_dates(week_start=week_start)
    if client_ids is None:
        return compliance_recompute(all_weeks=[week_start], now=now).rows
    return compliance_recompute(
        client_weeks=[(client_id, week_start) for client_id in client_ids], now=now
    ).rows


def compliance_recompute_open_weeks(*, now: datetime | None = None) -> RecomputeResult:
    """The hourly job: recompute the current week for every client, and any earlier week that
    ended since it was last computed (its rows are not final yet), so a week turns short within
    the hour after it ends, not only at the Monday close."""
    now = now or timezone.now()
    current_week = week_start_of(timezone.localdate(now))
    ended = WeeklyCompliance.objects.filter(is_final=False, week_start__lt=current_week)
    weeks = {current_week, *ended.values_list("week_start", flat=True).distinct()}
    return compliance_recompute(all_weeks=weeks, now=now)


def compliance_recompute_on_commit(*, client_weeks: Iterable[ClientWeek]) -> None:
    """Ask a worker to recompute these client-weeks once the current transaction commits. Weeks
    after the current one have no rows yet (the hourly job starts each week), so they are left
    out."""
    from scheduling.tasks import compliance_recompute_client_weeks

    current_week = week_start_of(timezone.localdate())
    payload = sorted(
        {(client_id, week.isoformat()) for client_id, week in client_weeks if week <= current_week}
    )
    if payload:
        transaction.on_commit(partial(compliance_recompute_client_weeks.delay, payload))


def compliance_recompute_sessions_on_commit(*, session_ids: Iterable[int]) -> None:
    """After sessions change (attendance, cancel, schedule): recompute their clients' weeks."""
    compliance_recompute_on_commit(client_weeks=client_weeks_of_sessions(session_ids=session_ids))


@dataclass(frozen=True)
class WeekCloseResult:
    week_start: date
    rows: int
    alerts_opened: int
    escalations: int


@transaction.atomic
def week_close(*, now: datetime | None = None) -> WeekCloseResult:
    """Close the last full week before `now`: recompute it for every client (met, short, over
    max, excused, discharged) with its alerts, which open for short and over-max weeks and rise to
    a level-of-care review for the admins on a second short week in a row. Safe to run late or
    twice."""
    now = now or timezone.now()
    week_start = week_start_of(timezone.localdate(now)) - timedelta(weeks=1)
    result = compliance_recompute(all_weeks=[week_start], now=now)
    escalations = ComplianceAlert.objects.filter(
        week_start=week_start,
        kind=ComplianceAlert.Kind.LEVEL_OF_CARE_REVIEW,
        resolved_at__isnull=True,
    ).count()
    return WeekCloseResult(
        week_start=week_start,
        rows=result.rows,
        alerts_opened=result.alerts_opened,
        escalations=escalations,
    )


def _describe(session: Session) -> str:
    starts, ends = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    return f"{starts:%A} {starts:%-I:%M %p}-{ends:%-I:%M %p} {session.group}"


@dataclass(frozen=True)
class NudgeResult:
    at_risk: int
    nudges_planned: int


@transaction.atomic
def compliance_nudges_send(*, now: datetime | None = None) -> NudgeResult:
    """Each morning: recompute this week, then for every at-risk client open (or refresh) an alert
    for the primary clinician naming the sessions that would close the gap, and queue one discreet
    nudge per opted-in channel for the client (at most one a week)."""
    now = now or timezone.now()
    week_start = week_start_of(timezone.localdate(now))
    compliance_recompute_week(week_start=week_start, now=now)
    forecasts = at_risk_forecast_list(week_start=week_start, now=now)
    # The recompute opened (or kept) each at-risk week's alert; say what would close the gap.
    alerts = {
        alert.client_id: alert
        for alert in ComplianceAlert.objects.filter(
            week_start=week_start,
            kind=ComplianceAlert.Kind.AT_RISK,
            resolved_at__isnull=True,
            client_id__in=[forecast.compliance.client_id for forecast in forecasts],
        )
    }
    changed = []
    for forecast in forecasts:
        alert = alerts.get(forecast.compliance.client_id)
        if alert is None:
            continue
        gap = hours(forecast.gap_minutes)
        if forecast.sessions:
            options = "; ".join(_describe(session) for session in forecast.sessions)
            detail = f"Needs {gap} more hours: {options} still has room."
        else:
            detail = f"Needs {gap} more hours; no group session left this week has room."
        # Only the details that changed are written: a morning with nothing new writes nothing.
        if alert.detail != detail:
            alert.detail = detail
            changed.append(alert)
    ComplianceAlert.objects.bulk_update(changed, ["detail"])
    client_ids = [forecast.compliance.client_id for forecast in forecasts]
    nudges = []
    for preference in ReminderPreference.objects.filter(client_id__in=client_ids):
        for channel, opted_in in (
            (ReminderChannel.EMAIL, preference.email_opt_in),
            (ReminderChannel.SMS, preference.sms_opt_in),
        ):
            if opted_in:
                nudges.append(
                    Reminder(
                        client_id=preference.client_id,
                        kind=ReminderKind.HOURS_NUDGE,
                        channel=channel,
                        nudge_week=week_start,
                        due_at=now,
                    )
                )
    this_weeks_nudges = Reminder.objects.filter(nudge_week=week_start)
    before = this_weeks_nudges.count()
    Reminder.objects.bulk_create(nudges, ignore_conflicts=True)
    return NudgeResult(at_risk=len(forecasts), nudges_planned=this_weeks_nudges.count() - before)


@transaction.atomic
def compliance_alert_resolve(
    *,
    alert: ComplianceAlert,
    actor: User,
    reason: str,
    plan: str,
    excused: bool = False,
) -> ComplianceAlert:
    """Close an alert with a reason and a plan; `excused` turns a short (or at-risk) week into an
    excused one. The client's week is recomputed so the status shows it at once."""
    alert = ComplianceAlert.objects.select_for_update().get(pk=alert.pk)
    errors = {}
    if not alert.is_open:
        errors["reason"] = "This alert was already resolved."
    if reason not in ComplianceAlert.PERSON_REASONS:
        errors["reason"] = "Choose a reason."
    if not excused and not plan.strip():
        errors["plan"] = "Write the plan (what changes so the client gets their hours)."
    if excused and alert.kind not in (ComplianceAlert.Kind.SHORT, ComplianceAlert.Kind.AT_RISK):
        errors["excused"] = "Only a short or at-risk week can be excused."
    if errors:
        raise ValidationError(errors)
    alert.reason = reason
    alert.plan = plan.strip()
    alert.excused = excused
    alert.resolved_by = actor
    alert.resolved_at = timezone.now()
    alert.full_clean()
    alert.save()
    if excused:
        compliance_recompute(client_weeks=[(alert.client_id, alert.week_start)])
    return alert
