"""Weekly-hours compliance (DESIGN 2): one aggregate SQL statement computes every client's week and
upserts it; the week close finalizes last week and opens alerts; the morning job tells at-risk
clients (discreetly) and their clinicians which sessions would close the gap.

Decisions where the issue is silent: "still scheduled" minutes are sessions the client is on that
are not cancelled and have no attendance row yet (ahead, or awaiting the clinician's log); a week is
`met` once both the prorated minutes and the prorated treatment days are reached (H0015 per diem);
the weekly maximum is not prorated; `excused` comes from an alert resolved as excused.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from iop.clock import week_bounds, week_start_of
from iop.dates import check_dates
from iop.models import User
from scheduling.models import (
    ComplianceAlert,
    Reminder,
    ReminderChannel,
    ReminderKind,
    ReminderPreference,
    Session,
)
from scheduling.selectors.compliance import at_risk_forecasts
from scheduling.selectors.session_clients import SESSION_CLIENTS_SQL

_RECOMPUTE_SQL = f"""
    WITH enrolled AS (
        SELECT c.id AS client_id, c.track_id,
               GREATEST(%(week_start)s::date, c.admission_date) AS from_day,
               LEAST(%(week_last_day)s::date, COALESCE(c.discharge_date, %(week_last_day)s::date))
                   AS to_day
        FROM clients_client c
        WHERE c.status IN ('active', 'discharged')
          AND c.admission_date <= %(week_last_day)s
          AND (c.discharge_date IS NULL OR c.discharge_date >= %(week_start)s)
          AND (%(all_clients)s OR c.id = ANY(%(client_ids)s::bigint[]))
    ),
    pairs AS ({SESSION_CLIENTS_SQL}),
    client_sessions AS (
        SELECT a.client_id, (s.starts_at AT TIME ZONE %(tz)s)::date AS day,
               a.minutes_attended AS attended, 0 AS pending
        FROM scheduling_attendance a
        JOIN scheduling_session s ON s.id = a.session_id
        WHERE s.counts_toward_hours AND a.minutes_attended > 0
          AND s.starts_at >= %(window_start)s AND s.starts_at < %(window_end)s
        UNION ALL
        SELECT p.client_id, (s.starts_at AT TIME ZONE %(tz)s)::date,
               0, (EXTRACT(EPOCH FROM s.ends_at - s.starts_at) / 60)::int
        FROM pairs p
        JOIN scheduling_session s
          ON s.id = p.session_id AND s.status = 'scheduled' AND s.counts_toward_hours
        WHERE NOT EXISTS (
            SELECT 1 FROM scheduling_attendance a
            WHERE a.session_id = s.id AND a.client_id = p.client_id
        )
    ),
    totals AS (
        SELECT client_id, SUM(attended) AS attended, SUM(pending) AS pending,
               COUNT(DISTINCT day) FILTER (WHERE attended > 0) AS treatment_days,
               COUNT(DISTINCT day) AS possible_days
        FROM client_sessions GROUP BY client_id
    ),
    computed AS (
        SELECT e.client_id,
               COALESCE(t.attended, 0) AS attended,
               COALESCE(t.pending, 0) AS pending,
               COALESCE(t.treatment_days, 0) AS treatment_days,
               COALESCE(t.possible_days, 0) AS possible_days,
               e.to_day - e.from_day + 1 AS enrolled_days,
               ROUND(tr.weekly_minimum_minutes * (e.to_day - e.from_day + 1) / 7.0)::int
                   AS required_minutes,
               GREATEST(1, ROUND(tr.minimum_treatment_days * (e.to_day - e.from_day + 1) / 7.0))::int
                   AS required_days,
               tr.weekly_maximum_minutes AS maximum_minutes,
               EXISTS (
                   SELECT 1 FROM scheduling_compliancealert al
                   WHERE al.client_id = e.client_id AND al.week_start = %(week_start)s
                     AND al.excused
               ) AS excused
        FROM enrolled e
        JOIN clients_programtrack tr ON tr.id = e.track_id
        LEFT JOIN totals t ON t.client_id = e.client_id
    )
    INSERT INTO scheduling_weeklycompliance (
        client_id, week_start, attended_minutes, scheduled_minutes, treatment_days, possible_days,
        enrolled_days, required_minutes, required_days, maximum_minutes, status, is_final,
        computed_at
    )
    SELECT client_id, %(week_start)s, attended, pending, treatment_days, possible_days,
           enrolled_days, required_minutes, required_days, maximum_minutes,
           CASE
               WHEN excused THEN 'excused'
               WHEN attended > maximum_minutes THEN 'over_max'
               WHEN attended >= required_minutes AND treatment_days >= required_days THEN 'met'
               WHEN %(week_over)s THEN 'short'
               WHEN attended + pending >= required_minutes AND possible_days >= required_days
                   THEN 'on_track'
               ELSE 'at_risk'
           END,
           %(finalize)s, %(now)s
    FROM computed
    ON CONFLICT (client_id, week_start) DO UPDATE SET
        attended_minutes = EXCLUDED.attended_minutes,
        scheduled_minutes = EXCLUDED.scheduled_minutes,
        treatment_days = EXCLUDED.treatment_days,
        possible_days = EXCLUDED.possible_days,
        enrolled_days = EXCLUDED.enrolled_days,
        required_minutes = EXCLUDED.required_minutes,
        required_days = EXCLUDED.required_days,
        maximum_minutes = EXCLUDED.maximum_minutes,
        status = EXCLUDED.status,
        is_final = scheduling_weeklycompliance.is_final OR EXCLUDED.is_final,
        computed_at = EXCLUDED.computed_at
"""


@transaction.atomic
def compliance_recompute_week(
    *,
    week_start: date,
    client_ids: list[int] | None = None,
    now: datetime | None = None,
    finalize: bool = False,
) -> int:
    """Compute and upsert the week's row of every client enrolled in it (or of `client_ids`) in one
    SQL statement; returns the number of rows written."""
    check_dates(week_start=week_start)
    if week_start.weekday() != 0:
        raise ValidationError({"week_start": "A clinic week starts on a Monday."})
    now = now or timezone.now()
    window_start, window_end = week_bounds(week_start)
    params = {
        "tz": settings.TIME_ZONE,
        "week_start": week_start,
        "week_last_day": week_start + timedelta(days=6),
        "window_start": window_start,
        "window_end": window_end,
        "week_over": now >= window_end,
        "finalize": finalize,
        "now": now,
        "all_clients": client_ids is None,
        "client_ids": list(client_ids or []),
    }
    with connection.cursor() as cursor:
        cursor.execute(_RECOMPUTE_SQL, params)
        return cursor.rowcount


@transaction.atomic
def compliance_recompute_for_session(*, session_id: int, now: datetime | None = None) -> int:
    """After attendance of a session changes: recompute its week for the clients on it."""
    session = Session.objects.filter(pk=session_id).first()
    if session is None:
        return 0
    client_ids = set(session.attendance.values_list("client_id", flat=True))
    if session.client_id:
        client_ids.add(session.client_id)
    if session.group is not None:
        day = timezone.localdate(session.starts_at)
        client_ids.update(
            session.group.enrollments.filter(start_date__lte=day)
            .exclude(end_date__lt=day)
            .values_list("client_id", flat=True)
        )
    return compliance_recompute_week(
        week_start=week_start_of(timezone.localdate(session.starts_at)),
        client_ids=sorted(client_ids),
        now=now,
    )


_DETAIL = (
    "format('Attended %%s of %%s hours on %%s of %%s days.', "
    "round(w.attended_minutes / 60.0, 1), round(w.required_minutes / 60.0, 1), "
    "w.treatment_days, w.required_days)"
)

_OPEN_WEEK_ALERTS_SQL = f"""
    INSERT INTO scheduling_compliancealert
        (client_id, week_start, kind, for_admins, detail, opened_at, reason, plan, excused)
    SELECT w.client_id, w.week_start, w.status, false, {_DETAIL}, %(now)s, '', '', false
    FROM scheduling_weeklycompliance w
    WHERE w.week_start = %(week_start)s AND w.status IN ('short', 'over_max')
    ON CONFLICT (client_id, week_start, kind) DO NOTHING
"""

_ESCALATE_SQL = f"""
    INSERT INTO scheduling_compliancealert
        (client_id, week_start, kind, for_admins, detail, opened_at, reason, plan, excused)
    SELECT w.client_id, w.week_start, 'level_of_care_review', true,
           'Second short week in a row. ' || {_DETAIL}, %(now)s, '', '', false
    FROM scheduling_weeklycompliance w
    JOIN scheduling_weeklycompliance previous
      ON previous.client_id = w.client_id AND previous.week_start = %(previous_week)s
     AND previous.status = 'short'
    WHERE w.week_start = %(week_start)s AND w.status = 'short'
    ON CONFLICT (client_id, week_start, kind) DO NOTHING
"""


@dataclass(frozen=True)
class WeekCloseResult:
    week_start: date
    rows: int
    alerts_opened: int
    escalations: int


@transaction.atomic
def week_close(*, now: datetime | None = None) -> WeekCloseResult:
    """Finalize the last full week before `now`: recompute it (met / short / over_max / excused),
    open an alert for each short or over-max week, and escalate a second short week in a row to the
    admins as a level-of-care review. Safe to run late or twice (alerts are unique per week)."""
    now = now or timezone.now()
    week_start = week_start_of(timezone.localdate(now)) - timedelta(weeks=1)
    rows = compliance_recompute_week(week_start=week_start, now=now, finalize=True)
    params = {
        "week_start": week_start,
        "previous_week": week_start - timedelta(weeks=1),
        "now": now,
    }
    with connection.cursor() as cursor:
        cursor.execute(_OPEN_WEEK_ALERTS_SQL, params)
        opened = cursor.rowcount
        cursor.execute(_ESCALATE_SQL, params)
        escalations = cursor.rowcount
    return WeekCloseResult(
        week_start=week_start, rows=rows, alerts_opened=opened, escalations=escalations
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
    forecasts = at_risk_forecasts(week_start, now)
    alerts = []
    for forecast in forecasts:
        hours = forecast.gap_minutes / 60
        if forecast.sessions:
            options = "; ".join(_describe(session) for session in forecast.sessions)
            detail = f"Needs {hours:g} more hours: {options} still has room."
        else:
            detail = f"Needs {hours:g} more hours; no group session left this week has room."
        alerts.append(
            ComplianceAlert(
                client_id=forecast.compliance.client_id,
                week_start=week_start,
                kind=ComplianceAlert.Kind.AT_RISK,
                detail=detail,
            )
        )
    ComplianceAlert.objects.bulk_create(
        alerts,
        update_conflicts=True,
        unique_fields=["client", "week_start", "kind"],
        update_fields=["detail"],
    )
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
    resolved_by: User,
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
    if reason not in ComplianceAlert.Reason.values:
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
    alert.resolved_by = resolved_by
    alert.resolved_at = timezone.now()
    alert.full_clean()
    alert.save()
    if excused:
        compliance_recompute_week(week_start=alert.week_start, client_ids=[alert.client_id])
    return alert
