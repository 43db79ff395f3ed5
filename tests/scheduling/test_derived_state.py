"""Proof by invariant: whatever the clinic does, in whatever order, the stored weekly rows and open
alerts equal what a from-scratch recompute of every client-week gives, and so do the stored days
no authorization covers (in the review card's window), and who has been on whose sessions (the
rows the reach rule reads, kept by the database's triggers).

A Hypothesis state machine applies random sequences of the operations a client's week depends on
through the services (enrol, withdraw, attendance and amendments, individual sessions, cancel,
reschedule, admission, discharge, track change, excusal, alert resolution, clinic closures and
their withdrawal), moves the clock forward
across week closes running the beat's jobs, and after every step compares the stored state with a
recompute from nothing (inside a savepoint that is rolled back).
"""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.test import TestCase
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from clients.models import Client, ProgramTrack
from clients.services.clients import client_admit, client_create, client_update
from clients.services.discharge import client_discharge
from groups.models import Enrollment
from groups.services import enrollment_create, enrollment_end
from iop.celery import app as celery_app
from iop.clock import local_datetime, week_start_of
from iop.models import Role
from scheduling.models import (
    AttendanceStatus,
    ClinicClosure,
    ComplianceAlert,
    RosterReach,
    Session,
    SessionType,
    UnauthorizedAttendance,
    WeeklyCompliance,
)
from scheduling.roster_reach import roster_reach_rebuild
from scheduling.selectors.attendance import roster_client_list, session_log_get
from scheduling.selectors.authorizations import unauthorized_window
from scheduling.services.attendance import AttendanceEntry, attendance_record
from scheduling.services.authorizations import unauthorized_attendance_recompute
from scheduling.services.closures import clinic_closure_create, clinic_closure_withdraw
from scheduling.services.compliance import (
    compliance_alert_resolve,
    compliance_recompute,
    compliance_recompute_open_weeks,
    week_close,
)
from scheduling.services.sessions import (
    session_cancel,
    session_reschedule,
    session_schedule,
    sessions_materialize,
)
from tests.factories import GroupFactory, ProgramTrackFactory, RoomFactory, UserFactory

# A Monday in the clinic's zone; the machine's clock starts here and only moves forward.
START = local_datetime(date(2026, 2, 23), time(9, 0))
FIGURES = (
    "attended_minutes",
    "scheduled_minutes",
    "treatment_days",
    "possible_days",
    "enrolled_days",
    "closed_days",
    "required_minutes",
    "required_days",
    "maximum_minutes",
    "status",
    "is_final",
)
ALERT_FIGURES = (
    "kind",
    "for_admins",
    "attended_minutes",
    "scheduled_minutes",
    "required_minutes",
    "treatment_days",
    "required_days",
)
MINUTES = st.sampled_from([0, 30, 90, 150, 180])
STATUSES = st.sampled_from(
    [AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.ABSENT,
     AttendanceStatus.LEFT_EARLY, AttendanceStatus.EXCUSED]
)  # fmt: skip


def stored_state() -> tuple[dict, dict]:
    weeks = {
        (row["client_id"], row["week_start"]): tuple(row[f] for f in FIGURES)
        for row in WeeklyCompliance.objects.values("client_id", "week_start", *FIGURES)
    }
    alerts = {
        (row["client_id"], row["week_start"]): tuple(row[f] for f in ALERT_FIGURES)
        for row in ComplianceAlert.objects.filter(resolved_at__isnull=True).values(
            "client_id", "week_start", *ALERT_FIGURES
        )
    }
    return weeks, alerts


def stored_unauthorized() -> dict[int, list[date]]:
    """Each client's stored days no authorization covers that are still in the card's window."""
    first_day, _ = unauthorized_window(today=timezone.localdate())
    return {
        row.client_id: [day for day in row.days if day >= first_day]
        for row in UnauthorizedAttendance.objects.filter(last_day__gte=first_day)
    }


def unauthorized_from_scratch() -> dict[int, list[date]]:
    with transaction.atomic():
        UnauthorizedAttendance.objects.all().delete()
        unauthorized_attendance_recompute()
        state = stored_unauthorized()
        transaction.set_rollback(True)
    return state


def stored_roster_reach() -> set[tuple]:
    return set(RosterReach.objects.values_list("client", "clinician", "group", "last_starts_at"))


def roster_reach_from_scratch() -> set[tuple]:
    with transaction.atomic():
        roster_reach_rebuild()
        state = stored_roster_reach()
        transaction.set_rollback(True)
    return state


def recomputed_from_scratch(first_week: date) -> tuple[dict, dict]:
    """Forget every derived row (keeping what people decided: alerts they resolved), recompute
    every week from `first_week` to now, read the result, and roll all of it back."""
    now = timezone.now()
    weeks = []
    week = first_week
    while week <= week_start_of(timezone.localdate(now)):
        weeks.append(week)
        week += timedelta(weeks=1)
    with transaction.atomic():
        WeeklyCompliance.objects.all().delete()
        ComplianceAlert.objects.filter(resolved_by__isnull=True).delete()
        compliance_recompute(all_weeks=weeks, now=now)
        state = stored_state()
        transaction.set_rollback(True)
    return state


def apply(operation, *args, **kwargs):
    """Run a service as a request would: refused operations change nothing; accepted ones commit,
    and their after-commit recomputes run (eagerly) as a worker would run them."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        try:
            with transaction.atomic():
                return operation(*args, **kwargs)
        except ValidationError:
            return None


def admit(*, clinician, track, number: int, admission_date: date) -> Client:
    client = client_create(
        legal_first_name=f"Client{number}",
        legal_last_name="Test",
        date_of_birth=date(1990, 1, 1),
        track=track,
        primary_clinician=clinician,
    )
    apply(client_admit, client=client, admission_date=admission_date)
    return client


class Clinic:
    """A small clinic as the beat's jobs leave it on START: two adult groups, three clients
    admitted two weeks, one week and zero days before, one clinician who runs everything."""

    def __init__(self):
        self.clinician = UserFactory(role=Role.CLINICIAN)
        self.admin = UserFactory(role=Role.ADMIN)
        self.adult = ProgramTrackFactory()
        self.adolescent = ProgramTrack.objects.get(code="adolescent")
        first_date = START.date() - timedelta(days=14)
        self.groups = [
            GroupFactory(weekdays=[0, 2, 3], start_time=time(18), facilitators=[self.clinician],
                         room=RoomFactory(), first_date=first_date, track=self.adult),
            GroupFactory(weekdays=[1, 4], start_time=time(10), duration_minutes=150,
                         facilitators=[self.clinician], room=RoomFactory(), first_date=first_date,
                         track=self.adult),
        ]  # fmt: skip
        self.client_ids = [
            admit(clinician=self.clinician, track=self.adult, number=number,
                  admission_date=START.date() - timedelta(weeks=weeks_ago)).pk
            for number, weeks_ago in enumerate((2, 1, 0))
        ]  # fmt: skip
        self.first_week = week_start_of(START.date()) - timedelta(weeks=2)
        apply(sessions_materialize, now=START)
        apply(compliance_recompute_open_weeks)


class ClinicWeeks(RuleBasedStateMachine):
    """Each example starts from the same clinic (`ClinicWeeks.clinic`, made once by the test) in
    a savepoint that is rolled back at the end."""

    clinic: Clinic

    def __init__(self):
        super().__init__()
        self.traveller = time_machine.travel(START, tick=False)
        self.clock = self.traveller.start()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.now = START
        clinic = self.clinic
        self.clinician, self.groups = clinic.clinician, clinic.groups
        self.admin = clinic.admin
        self.adult, self.adolescent = clinic.adult, clinic.adolescent
        self.client_ids = list(clinic.client_ids)
        self.first_week = clinic.first_week

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)
        self.traveller.stop()

    def apply(self, operation, *args, **kwargs):
        return apply(operation, *args, **kwargs)

    def today(self) -> date:
        return timezone.localdate()

    def sessions(self):
        """This clinic's sessions: its groups' and its clients' (each example draws only from what
        it made, whatever else a database holds)."""
        return Session.objects.filter(Q(group__in=self.groups) | Q(client_id__in=self.client_ids))

    def active_clients(self):
        return list(Client.objects.filter(pk__in=self.client_ids, status="active").order_by("pk"))

    # --- operations ------------------------------------------------------------------------

    @rule(data=st.data(), days=st.integers(-10, 3))
    def enrol(self, data, days):
        clients = self.active_clients()
        if not clients:
            return
        client = data.draw(st.sampled_from(clients))
        group = data.draw(st.sampled_from(self.groups))
        self.apply(
            enrollment_create,
            group=group,
            client=client,
            start_date=self.today() + timedelta(days=days),
        )

    @rule(data=st.data(), days=st.integers(-6, 2))
    def withdraw(self, data, days):
        enrollments = list(
            Enrollment.objects.live()
            .filter(client_id__in=self.client_ids, end_date__isnull=True)
            .order_by("pk")
        )
        if not enrollments:
            return
        enrollment = data.draw(st.sampled_from(enrollments))
        self.apply(
            enrollment_end, enrollment=enrollment, end_date=self.today() + timedelta(days=days)
        )

    @rule(data=st.data(), status=STATUSES, minutes=MINUTES)
    def record_attendance(self, data, status, minutes):
        """Attendance (or an amendment) for a client on a session of the last two weeks."""
        sessions = list(
            self.sessions()
            .filter(
                starts_at__lte=timezone.now(),
                starts_at__gte=timezone.now() - timedelta(days=14),
                status=Session.Status.SCHEDULED,
            )
            .order_by("starts_at", "pk")
        )
        if not sessions:
            return
        session = data.draw(st.sampled_from(sessions))
        roster = list(roster_client_list(session=session).order_by("pk"))
        if not roster:
            return
        client = data.draw(st.sampled_from(roster))
        attended = status in (
            AttendanceStatus.PRESENT,
            AttendanceStatus.LATE,
            AttendanceStatus.LEFT_EARLY,
        )
        self.apply(
            attendance_record,
            session=session,
            actor=self.clinician,
            entries=[
                AttendanceEntry(
                    client.pk, status, min(minutes, session.length_minutes) if attended else 0
                )
            ],
            expected_version=session_log_get(session=session).attendance_version,
            amendment_reason="Corrected from the sign-in sheet",
        )

    @rule(data=st.data(), days=st.integers(0, 6), hour=st.integers(8, 16))
    def schedule_individual(self, data, days, hour):
        clients = self.active_clients()
        if not clients:
            return
        client = data.draw(st.sampled_from(clients))
        self.apply(
            session_schedule,
            session_type=SessionType.INDIVIDUAL,
            client=client,
            clinician=self.clinician,
            starts_at=local_datetime(self.today() + timedelta(days=days), time(hour)),
            duration_minutes=60,
            is_telehealth=True,
        )

    @rule(data=st.data())
    def cancel(self, data):
        sessions = list(
            self.sessions()
            .filter(starts_at__gte=timezone.now(), status=Session.Status.SCHEDULED)
            .order_by("starts_at", "pk")[:20]
        )
        if sessions:
            self.apply(
                session_cancel, session=data.draw(st.sampled_from(sessions)), reason="Snow day"
            )

    @rule(data=st.data(), days=st.integers(-3, 8), hour=st.integers(8, 16))
    def reschedule(self, data, days, hour):
        sessions = list(Session.objects.filter(client_id__in=self.client_ids).order_by("pk"))
        if sessions:
            self.apply(
                session_reschedule,
                session=data.draw(st.sampled_from(sessions)),
                starts_at=local_datetime(self.today() + timedelta(days=days), time(hour, 30)),
                reason="Client asked",
            )

    @rule(days_ago=st.integers(0, 10))
    def admit_a_new_client(self, days_ago):
        if len(self.client_ids) < 6:
            client = admit(
                clinician=self.clinician,
                track=self.adult,
                number=len(self.client_ids),
                admission_date=self.today() - timedelta(days=days_ago),
            )
            self.client_ids.append(client.pk)

    @rule(data=st.data(), days_ago=st.integers(0, 9))
    def discharge(self, data, days_ago):
        clients = self.active_clients()
        if len(clients) < 2:
            return
        self.apply(
            client_discharge,
            client=data.draw(st.sampled_from(clients)),
            discharge_date=self.today() - timedelta(days=days_ago),
            reason="completed",
            summary="Completed the program.",
            actor=self.clinician,
        )

    @rule(data=st.data())
    def change_track(self, data):
        clients = self.active_clients()
        if not clients:
            return
        client = data.draw(st.sampled_from(clients))
        track = self.adolescent if client.track_id == self.adult.pk else self.adult
        self.apply(
            client_update,
            client=client,
            legal_first_name=client.legal_first_name,
            legal_last_name=client.legal_last_name,
            date_of_birth=client.date_of_birth,
            track=track,
            primary_clinician=self.clinician,
        )

    @rule(first=st.integers(-8, 6), length=st.integers(0, 2))
    def close_the_clinic(self, first, length):
        """A closure in the last days or the week ahead: refused where a session was held."""
        first_day = self.today() + timedelta(days=first)
        self.apply(
            clinic_closure_create,
            first_day=first_day,
            last_day=first_day + timedelta(days=length),
            label="Snow day",
            actor=self.admin,
        )

    @rule(data=st.data())
    def withdraw_a_closure(self, data):
        closures = list(ClinicClosure.objects.filter(withdrawn_at__isnull=True).order_by("pk"))
        if closures:
            self.apply(
                clinic_closure_withdraw,
                closure=data.draw(st.sampled_from(closures)),
                actor=self.admin,
                reason="Opened after all",
            )

    @rule(data=st.data(), excused=st.booleans())
    def resolve_an_alert(self, data, excused):
        # By client and week, not by id: the recompute opens a week's alerts in one statement,
        # and the ids it gives them follow its plan, so an example replayed could draw another.
        alerts = list(
            ComplianceAlert.objects.filter(
                client_id__in=self.client_ids, resolved_at__isnull=True
            ).order_by("client_id", "week_start")
        )
        if alerts:
            self.apply(
                compliance_alert_resolve,
                alert=data.draw(st.sampled_from(alerts)),
                actor=self.clinician,
                reason="transportation",
                plan="Bus pass arranged",
                excused=excused,
            )

    @rule(hours=st.sampled_from([1, 5, 13, 26, 50, 75]))
    def time_passes(self, hours):
        """The clock moves on; the beat runs what falls due: the daily materialize, the Monday
        week close, and the hourly recompute."""
        before = self.now
        self.now = before + timedelta(hours=hours)
        self.clock.move_to(self.now)
        monday_close = local_datetime(week_start_of(timezone.localdate(self.now)), time(2))
        if before < monday_close <= self.now:
            self.apply(week_close, now=self.now)
        self.apply(sessions_materialize, now=self.now)
        self.apply(compliance_recompute_open_weeks)

    # --- the invariant ---------------------------------------------------------------------

    @invariant()
    def stored_figures_equal_a_recompute_from_scratch(self):
        stored = stored_state()
        expected = recomputed_from_scratch(self.first_week)
        assert stored[0] == expected[0], "weekly rows drifted from the facts"
        assert stored[1] == expected[1], "open alerts drifted from the facts"
        assert stored_unauthorized() == unauthorized_from_scratch(), (
            "attendance no authorization covers drifted from the facts"
        )
        assert stored_roster_reach() == roster_reach_from_scratch(), "reach drifted from rosters"


@pytest.fixture
def clinic(db):
    """The clinic every example starts from, with Celery tasks run in-process (eagerly)."""
    celery_app.conf.task_always_eager = True
    with time_machine.travel(START, tick=False):
        ClinicWeeks.clinic = Clinic()
    yield ClinicWeeks.clinic
    celery_app.conf.task_always_eager = False


def test_weekly_rows_and_open_alerts_always_equal_a_recompute_from_scratch(clinic):
    run_state_machine_as_test(
        ClinicWeeks,
        settings=settings(
            max_examples=200,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )


# Examples the state machine found, kept as plain regression tests.


def test_withdrawing_with_an_end_before_the_start_leaves_the_weekly_hours_true(clinic):
    """Enrolled on Monday, then withdrawn with an end date three days before: the week's
    scheduled hours must not keep the group's sessions."""
    machine = ClinicWeeks()
    try:
        client = Client.objects.get(pk=clinic.client_ids[0])
        apply(enrollment_create, group=clinic.groups[0], client=client, start_date=START.date())
        enrollment = Enrollment.objects.get(client=client)
        apply(enrollment_end, enrollment=enrollment, end_date=START.date() - timedelta(days=3))
        machine.stored_figures_equal_a_recompute_from_scratch()
    finally:
        machine.teardown()
