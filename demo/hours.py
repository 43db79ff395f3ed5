"""Demo weekly hours, alerts and reminders. Each past week is closed as the Monday job would have,
while the clients who were discharged later were still in the program, and the alerts of the weeks
before last are resolved as the clinicians did at the time: a week short because the clinic closed
for a holiday is excused, the others get a reason and a plan that fit the client's story. A holiday
week's at-risk alerts this week are excused ahead. What stays open is few and explicable: last
week's short weeks (missed sessions), a struggling client's escalation, this week's at-risk weeks
(a missed session, or a new admission whose schedule is still being arranged). Idempotent: a
second run adds nothing."""

from datetime import date, time, timedelta

from django.db.models import F, QuerySet, Sum
from django.utils import timezone

from clients.models import Client
from iop.clock import local_datetime, week_bounds, week_start_of
from iop.models import Role, User
from scheduling.models import Attendance, AttendanceStatus, ComplianceAlert, SessionClient
from scheduling.selectors.closures import closure_overlapping
from scheduling.selectors.compliance import CHART_WEEKS
from scheduling.services.compliance import (
    compliance_alert_resolve,
    compliance_nudges_send,
    compliance_recompute_week,
    week_close,
)
from scheduling.services.reminders import reminder_preference_update, reminders_plan

from .story import Attendance as Attending
from .story import story_of

Reason = ComplianceAlert.Reason
EXCUSABLE = (ComplianceAlert.Kind.SHORT, ComplianceAlert.Kind.AT_RISK)
# (reason, plan) of a short week the clinician resolved, by how the client attends.
RESOLUTIONS = {
    Attending.STEADY: (
        Reason.WORK_SCHOOL,
        "Missed a group for a work shift; will ask for the schedule ahead of time.",
    ),
    Attending.STRUGGLING: (
        Reason.TRANSPORTATION,
        "Bus pass arranged; the clinician calls the evening before each group.",
    ),
    Attending.TAPERING: (Reason.OTHER, "Called twice and sent a letter; no answer yet."),
}
# The admins' level-of-care review of a second short week, by how the client attends.
REVIEWS = {
    Attending.STEADY: "Reviewed with the primary clinician: two hard weeks; stays in IOP.",
    Attending.STRUGGLING: "Reviewed with the primary clinician: stays in IOP with a transport "
    "plan; review again if a third week is short.",
    Attending.TAPERING: "Reviewed: outreach continues; discharge if there is no contact soon.",
}


def _week_attendance(alert: ComplianceAlert) -> QuerySet[Attendance]:
    start, end = week_bounds(alert.week_start)
    return Attendance.objects.filter(
        client_id=alert.client_id, session__starts_at__gte=start, session__starts_at__lt=end
    )


def _closure_explains(alert: ComplianceAlert) -> bool:
    """The week held a day the clinic closed and the client missed no session: a closed week was
    short for the closure (or for the admission it moved to Tuesday: the sessions before it are
    outside the program, and the closure takes its share of the few left); an at-risk week would
    be on track with the sessions cancelled for it."""
    week_end = alert.week_start + timedelta(days=6)
    if not closure_overlapping(first_day=alert.week_start, last_day=week_end).exists():
        return False
    if _week_attendance(alert).filter(status=AttendanceStatus.ABSENT).exists():
        return False
    if alert.kind != ComplianceAlert.Kind.AT_RISK:
        return True
    start, end = week_bounds(alert.week_start)
    cancelled = SessionClient.objects.filter(
        client_id=alert.client_id,
        starts_at__gte=start,
        starts_at__lt=end,
        session__closure__isnull=False,
    ).aggregate(minutes=Sum(F("session__ends_at") - F("session__starts_at")))["minutes"]
    closed_minutes = cancelled.total_seconds() // 60 if cancelled else 0
    return alert.attended_minutes + alert.scheduled_minutes + closed_minutes >= (
        alert.required_minutes
    )


def _resolve(alert: ComplianceAlert, admin: User) -> None:
    client = Client.objects.select_related("user", "primary_clinician").get(pk=alert.client_id)
    story = story_of(client)
    if _closure_explains(alert):
        reason, plan = Reason.CLINIC_CLOSURE, "Clinic closed for a holiday."
    elif alert.for_admins:
        reason = Reason.OTHER
        plan = REVIEWS[story.attendance if story else Attending.STEADY]
    elif _week_attendance(alert).filter(status=AttendanceStatus.EXCUSED).exists():
        reason, plan = Reason.ILLNESS, "Called in sick; back the next session."
    elif not _week_attendance(alert).filter(status=AttendanceStatus.ABSENT).exists():
        reason, plan = Reason.OTHER, "Came late to group; planned an earlier bus."
    else:
        reason, plan = RESOLUTIONS[story.attendance if story else Attending.STEADY]
    compliance_alert_resolve(
        alert=alert,
        actor=admin if alert.for_admins else client.primary_clinician,
        reason=reason,
        plan=plan,
        excused=alert.kind in EXCUSABLE and reason in (Reason.CLINIC_CLOSURE, Reason.ILLNESS),
    )


def _resolve_open_alerts(*, before: date, admin: User, closures_only: bool = False) -> None:
    """Resolve the open alerts of the weeks before `before` in week order (an excused week lowers
    the next week's alert); with `closures_only`, only those a holiday closure explains."""
    open_alerts = ComplianceAlert.objects.filter(resolved_at__isnull=True, week_start__lt=before)
    for pk in open_alerts.order_by("week_start", "pk").values_list("pk", flat=True):
        alert = ComplianceAlert.objects.get(pk=pk)
        if alert.is_open and (not closures_only or _closure_explains(alert)):
            _resolve(alert, admin)


def _admin() -> User:
    admin = User.objects.filter(role=Role.ADMIN).order_by("pk").first()
    assert admin is not None, "seed the staff first"
    return admin


def seed_past_weeks() -> None:
    """Close each week of the history and resolve the alerts of the weeks before last."""
    this_week = week_start_of(timezone.localdate())
    for weeks_ago in range(CHART_WEEKS, 0, -1):
        monday = this_week - timedelta(weeks=weeks_ago - 1)
        week_close(now=local_datetime(monday, time(2)))  # closes the week before `monday`
    admin = _admin()
    _resolve_open_alerts(before=this_week - timedelta(weeks=1), admin=admin)
    _resolve_open_alerts(before=this_week, admin=admin, closures_only=True)


def seed_this_week(clients: list[Client]) -> None:
    """Reminder preferences, this week's figures (a holiday closure excused ahead), the morning
    job's at-risk nudges, and the reminders of the sessions ahead."""
    for number, client in enumerate(clients):
        if client.status != Client.Status.ACTIVE or number % 4 == 3:
            continue  # one in four has not opted in
        if hasattr(client, "reminder_preference"):
            continue
        texts = number % 2 == 0
        reminder_preference_update(
            client=client,
            email_opt_in=True,
            sms_opt_in=texts,
            quiet_start=time(21) if texts else None,
            quiet_end=time(8) if texts else None,
        )
    this_week = week_start_of(timezone.localdate())
    week_close(now=local_datetime(this_week, time(2)))  # last week again, after the discharges
    compliance_recompute_week(week_start=this_week)
    _resolve_open_alerts(before=this_week + timedelta(weeks=1), admin=_admin(), closures_only=True)
    compliance_nudges_send()
    reminders_plan()
