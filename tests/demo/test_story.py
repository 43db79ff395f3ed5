"""The demo clinic tells one coherent story: records that agree with themselves, a clinic closed on
holidays, documentation up to date but for what Today shows on purpose, and few open alerts, each
with a visible cause."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from clients.models import Client, Discharge
from demo.holidays import us_federal_holidays
from iop.clock import week_bounds, week_start_of
from iop.models import User
from scheduling.models import (
    ATTENDED_STATUSES,
    Attendance,
    AttendanceStatus,
    ClinicClosure,
    ComplianceAlert,
    ComplianceStatus,
    Session,
    WeeklyCompliance,
)
from scheduling.selectors.attendance import session_missing_attendance_list
from scheduling.services.sessions import sessions_materialize
from tests.demo import THURSDAY_EVENING

CLINIC = ZoneInfo(settings.TIME_ZONE)
HOLIDAYS = [date(2026, 9, 7), date(2026, 10, 12), date(2026, 11, 11), date(2026, 11, 26)]
CHRISTMAS = date(2026, 12, 25)  # a Friday: the morning group meets
# ICD-10-CM substance use disorder category -> the substance named on the intake, and the words
# the presenting problem uses for it.
DISORDERS = {
    "F10": ("alcohol", ("drink", "alcohol")),
    "F11": ("opioid", ("opioid",)),
    "F12": ("cannabis", ("cannabis",)),
    "F15": ("methamphetamine", ("methamphetamine", "stimulant")),
}


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


@pytest.fixture
def demo(seeded_on_a_thursday_evening, db):
    """Each test in a savepoint of its own on top of the seed."""


def test_substances_diagnoses_and_presenting_problem_agree_and_intake_is_done_on_admission(demo):
    admitted = Client.objects.filter(intake__completed_at__isnull=False).select_related("intake")
    assert admitted.count() == 17
    for client in admitted:
        disorders = {
            code[:3] for code in client.diagnoses.values_list("icd10_code", flat=True)
        } & set(DISORDERS)
        substances = [
            name.lower() for name in client.substances.values_list("substance", flat=True)
        ]
        problem = client.intake.presenting_problem.lower()
        assert disorders, client.mrn
        for code in disorders:
            substance, words = DISORDERS[code]
            assert any(substance in name for name in substances), (client.mrn, code)
            assert any(word in problem for word in words), (client.mrn, code)
        for name in substances:
            assert any(DISORDERS[code][0] in name for code in disorders), (client.mrn, name)
        assert _local_day(client.intake.completed_at) == client.admission_date
        assert client.intake.consent_to_treatment_on == client.admission_date


def test_a_completed_discharge_attended_its_weeks_and_one_who_left_tapered_off(demo):
    completed = Client.objects.get(discharge__reason=Discharge.Reason.COMPLETED)
    weeks = WeeklyCompliance.objects.filter(client=completed)
    kept = weeks.filter(status__in=[ComplianceStatus.MET, ComplianceStatus.EXCUSED]).count()
    assert weeks.count() >= 10
    assert kept >= 0.8 * weeks.count()
    left = Client.objects.get(discharge__reason=Discharge.Reason.AGAINST_ADVICE)
    attended = Attendance.objects.filter(client=left, status__in=ATTENDED_STATUSES)
    last_attended = _local_day(attended.latest("session__starts_at").session.starts_at)
    assert left.discharge_date - last_attended >= timedelta(days=7)

    def minutes(first: date, last: date) -> int:
        days = attended.filter(
            session__starts_at__gte=week_bounds(first)[0],
            session__starts_at__lt=week_bounds(last)[1],
        )
        return days.aggregate(total=Sum("minutes_attended"))["total"] or 0

    first_week = week_start_of(left.admission_date)
    last_week = week_start_of(last_attended)
    assert minutes(last_week - timedelta(weeks=2), last_week) < minutes(
        first_week + timedelta(weeks=1), first_week + timedelta(weeks=3)
    )
    for client in (completed, left):
        after = Attendance.objects.filter(
            client=client, session__starts_at__gte=week_bounds(client.discharge_date)[1]
        )
        assert not after.exists()


def test_no_session_runs_on_a_holiday_even_after_the_beat_materializes_more_weeks(demo):
    def on(day: date):
        return Session.objects.filter(
            starts_at__gte=datetime.combine(day, datetime.min.time(), CLINIC),
            starts_at__lt=datetime.combine(day + timedelta(days=1), datetime.min.time(), CLINIC),
        )

    for day in HOLIDAYS:
        assert on(day).exists(), day  # the groups that meet that weekday were cancelled
        assert not on(day).exclude(status=Session.Status.CANCELLED).exists(), day
        assert not Attendance.objects.filter(session__in=on(day)).exists(), day
    assert set(on(HOLIDAYS[0]).values_list("cancel_reason", flat=True)) == {
        "Clinic closed: Labor Day"
    }
    assert set(on(HOLIDAYS[-1]).values_list("closure__label", flat=True)) == {"Thanksgiving Day"}
    # The beat's daily job a fortnight later reaches Christmas: the occurrence stays cancelled.
    with time_machine.travel(THURSDAY_EVENING + timedelta(days=14), tick=False):
        sessions_materialize()
    assert on(CHRISTMAS).filter(group__name="Morning Skills Lab").exists()
    assert not on(CHRISTMAS).exclude(status=Session.Status.CANCELLED).exists()


def test_the_past_is_documented_and_the_open_alerts_are_few_and_explained(demo):
    with time_machine.travel(THURSDAY_EVENING, tick=False):
        now = timezone.now()
        this_week = week_start_of(timezone.localdate())
    admin = User.objects.get(username="admin")
    # Only the evening group's session tonight awaits attendance (the one overdue item).
    missing = list(session_missing_attendance_list(user=admin, now=now))
    assert [session.group.name for session in missing] == ["Evening Relapse Prevention"]
    assert _local_day(missing[0].starts_at) == THURSDAY_EVENING.date()
    last_week = this_week - timedelta(weeks=1)
    assert not WeeklyCompliance.objects.filter(
        week_start__lt=this_week, scheduled_minutes__gt=0
    ).exists()

    open_alerts = ComplianceAlert.objects.filter(resolved_at__isnull=True)
    assert 1 <= open_alerts.count() <= 5
    for alert in open_alerts:
        assert alert.week_start in (last_week, this_week)
        start, end = week_bounds(alert.week_start)
        sessions = Attendance.objects.filter(
            client_id=alert.client_id, session__starts_at__gte=start, session__starts_at__lt=end
        )
        missed = sessions.exclude(status=AttendanceStatus.PRESENT).exists()
        planned_short = alert.attended_minutes + alert.scheduled_minutes < alert.required_minutes
        assert missed or planned_short, alert
    # Every earlier alert was resolved by a person with a reason, or by itself.
    assert not ComplianceAlert.objects.filter(
        week_start__lt=last_week, resolved_at__isnull=True
    ).exists()


def test_federal_holidays_and_the_weekdays_they_are_observed_on():
    assert set(HOLIDAYS) | {CHRISTMAS} <= set(us_federal_holidays(2026))
    holidays_2027 = us_federal_holidays(2027)
    assert date(2027, 1, 18) in holidays_2027  # Martin Luther King Jr. Day
    assert date(2027, 5, 31) in holidays_2027  # Memorial Day, the last Monday of May
    assert date(2027, 6, 18) in holidays_2027  # Juneteenth falls on a Saturday
    assert date(2027, 12, 24) in holidays_2027  # so does Christmas
    assert date(2027, 11, 25) in holidays_2027  # Thanksgiving
    assert len(us_federal_holidays(2026)) == 11 + 1  # Independence Day 2026 is a Saturday


def test_the_clinic_closes_for_a_staff_training_day_next_month_and_its_sessions_are_cancelled(
    demo,
):
    """The first Wednesday of December: the groups of that day are on the calendar as cancelled,
    and nothing is scheduled that day."""
    training = ClinicClosure.objects.get(label="Staff training day")
    assert (training.first_day, training.last_day) == (date(2026, 12, 2), date(2026, 12, 2))
    cancelled = training.cancelled_sessions.all()
    assert cancelled.filter(group__name="Evening Relapse Prevention").exists()
    assert set(cancelled.values_list("status", flat=True)) == {Session.Status.CANCELLED}
    day_start = datetime.combine(training.first_day, datetime.min.time(), CLINIC)
    assert not Session.objects.filter(
        starts_at__gte=day_start, starts_at__lt=day_start + timedelta(days=1), status="scheduled"
    ).exists()


def test_every_federal_holiday_of_the_demo_range_is_a_closure_entered_by_the_admin(demo):
    closures = dict(ClinicClosure.objects.values_list("first_day", "label"))
    assert {day: closures.get(day) for day in (*HOLIDAYS, CHRISTMAS)} == {
        date(2026, 9, 7): "Labor Day",
        date(2026, 10, 12): "Columbus Day",
        date(2026, 11, 11): "Veterans Day",
        date(2026, 11, 26): "Thanksgiving Day",
        CHRISTMAS: "Christmas Day",
    }
    assert set(ClinicClosure.objects.values_list("created_by__role", flat=True)) == {"admin"}
