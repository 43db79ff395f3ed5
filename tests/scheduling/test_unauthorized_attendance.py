"""Attendance no authorization covers, kept as derived state (`UnauthorizedAttendance`): what the
recompute finds, the services that ask for it after commit, the daily job as the safety net, and
the review card, the attendance sheet's badge and the chart agreeing on it."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.models import Client
from clients.services.authorizations import authorization_create, authorization_void
from clients.services.discharge import client_discharge
from groups.services import enrollment_create
from iop.celery import app as celery_app
from iop.clock import local_datetime
from scheduling.models import AttendanceStatus, UnauthorizedAttendance, UtilizationReview
from scheduling.selectors.attendance import roster_row_list, session_log_get
from scheduling.selectors.authorizations import (
    authorization_review_list,
    client_authorizations_get,
)
from scheduling.services.attendance import AttendanceEntry, attendance_record
from scheduling.services.authorizations import (
    unauthorized_attendance_recompute,
    utilization_reviews_update,
)
from tests.factories import (
    AttendanceFactory,
    AuthorizationFactory,
    ClientFactory,
    GroupFactory,
    PayerFactory,
    ProgramTrackFactory,
    SessionFactory,
)

MONDAY = date(2026, 11, 16)
TODAY = MONDAY + timedelta(days=2)  # a Wednesday
ADMITTED = MONDAY - timedelta(weeks=6)


@pytest.fixture(autouse=True)
def on_wednesday():
    with time_machine.travel(local_datetime(TODAY, time(12, 0)), tick=False):
        yield


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run what services enqueue after commit, in this process, as a worker would."""
    celery_app.conf.task_always_eager = True

    def run(operation, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return operation(**kwargs)

    yield run
    celery_app.conf.task_always_eager = False


@pytest.fixture
def group(clinician):
    return GroupFactory(facilitators=[clinician], first_date=ADMITTED)


@pytest.fixture
def kim(clinician, group):
    client = ClientFactory(
        legal_first_name="Kim", legal_last_name="Kato", primary_clinician=clinician,
        admission_date=ADMITTED,
    )  # fmt: skip
    enrollment_create(group=group, client=client, start_date=ADMITTED)
    return client


def held(group, day):
    return SessionFactory(
        group=group, clinician=group.facilitators.first(), starts_at=local_datetime(day, time(9))
    )


def record(after_commit, session, client, minutes):
    status = AttendanceStatus.PRESENT if minutes else AttendanceStatus.ABSENT
    session.refresh_from_db()  # its log's version, as saved so far
    after_commit(
        attendance_record,
        session=session,
        actor=session.clinician,
        entries=[AttendanceEntry(client.pk, status, minutes)],
        expected_version=session_log_get(session=session).attendance_version,
    )


def stored(client):
    row = UnauthorizedAttendance.objects.filter(client=client).first()
    return row.days if row else []


def authorize(after_commit, client, first_day, last_day, clinician):
    return after_commit(
        authorization_create,
        client=client, payer=PayerFactory(), number="A-1", service_code="H0015",
        units_authorized=20, first_day=first_day, last_day=last_day, actor=clinician,
    )  # fmt: skip


def test_attendance_recorded_on_a_day_no_authorization_covers_is_stored_at_once(
    after_commit, kim, group
):
    session = held(group, MONDAY)
    record(after_commit, session, kim, 60)
    assert stored(kim) == [MONDAY]
    record(after_commit, session, kim, 0)  # amended: absent after all
    assert stored(kim) == []


def test_an_authorization_clears_the_days_it_covers_and_voiding_it_brings_them_back(
    after_commit, kim, group, clinician, admin
):
    record(after_commit, held(group, MONDAY - timedelta(days=7)), kim, 60)
    record(after_commit, held(group, MONDAY), kim, 60)
    authorization = authorize(after_commit, kim, MONDAY, MONDAY + timedelta(weeks=4), clinician)
    assert stored(kim) == [MONDAY - timedelta(days=7)]
    after_commit(
        authorization_void, authorization=authorization, reason="Wrong client", actor=admin
    )
    assert stored(kim) == [MONDAY - timedelta(days=7), MONDAY]


def test_a_discharged_client_has_no_findings_left_on_the_card(after_commit, kim, group, admin):
    record(after_commit, held(group, MONDAY), kim, 60)
    after_commit(
        client_discharge, client=kim, discharge_date=TODAY, reason="completed", summary="Done.",
        actor=admin,
    )  # fmt: skip
    assert stored(kim) == []
    assert authorization_review_list(user=admin, today=TODAY).unauthorized_count == 0


def test_the_recompute_is_idempotent_and_keeps_only_the_last_four_weeks(kim, group):
    for day in (ADMITTED + timedelta(days=1), MONDAY - timedelta(days=20), MONDAY):
        AttendanceFactory(session=held(group, day), client=kim)
    first = unauthorized_attendance_recompute(today=TODAY)
    again = unauthorized_attendance_recompute(client_ids=[kim.pk], today=TODAY)
    assert (first.written, again.written, again.removed) == (1, 0, 0)
    assert stored(kim) == [MONDAY - timedelta(days=20), MONDAY]  # not six weeks ago
    # Ten days on, the earlier day has left the window: the card ignores it, the daily job drops it.
    later = TODAY + timedelta(days=10)
    assert authorization_review_list(user=kim.primary_clinician, today=later).unauthorized == [
        (kim, [MONDAY])
    ]
    with time_machine.travel(local_datetime(later, time(6, 30)), tick=False):
        utilization_reviews_update()
    assert stored(kim) == [MONDAY]


def test_voiding_an_authorization_resolves_its_open_review_at_once(after_commit, kim, admin):
    authorization = AuthorizationFactory(
        client=kim, first_day=ADMITTED, last_day=TODAY + timedelta(days=3)
    )
    utilization_reviews_update()
    review = UtilizationReview.objects.get(authorization=authorization, resolved_at__isnull=True)
    after_commit(authorization_void, authorization=authorization, reason="Duplicate", actor=admin)
    review.refresh_from_db()
    assert (review.resolution, review.resolved_at is not None) == ("voided", True)


def test_the_card_the_badge_and_the_chart_agree(after_commit, kim, group, clinician, admin):
    """Covered and uncovered days, a voided authorization, and a day before the card's window:
    the card, the attendance sheet of each day and the chart (within the card's window) name the
    same days."""
    bea = ClientFactory(
        legal_first_name="Bea", legal_last_name="Bell", primary_clinician=clinician,
        admission_date=ADMITTED,
    )  # fmt: skip
    enrollment_create(group=group, client=bea, start_date=ADMITTED)
    days = [MONDAY - timedelta(days=n) for n in (35, 21, 14, 7, 0)]
    sessions = [held(group, day) for day in days]
    for session in sessions:
        record(after_commit, session, kim, 60)
        record(after_commit, session, bea, 60)
    authorize(after_commit, kim, days[1], days[2], clinician)
    voided = authorize(after_commit, bea, days[0], days[3], clinician)
    after_commit(authorization_void, authorization=voided, reason="Wrong payer", actor=admin)
    review = authorization_review_list(user=admin, today=TODAY)
    on_card = {client: set(client_days) for client, client_days in review.unauthorized}
    window_start = TODAY - timedelta(days=27)
    for client in (kim, bea):
        in_chart = client_authorizations_get(client=client, today=TODAY).unauthorized_days
        badged = {
            session.starts_at.date()
            for session in sessions
            for row in roster_row_list(session=session)
            if row.client == client and row.unauthorized
        }
        assert on_card[client] == {day for day in in_chart if day >= window_start}
        assert set(in_chart) == badged
    assert on_card == {kim: {days[3], days[4]}, bea: set(days[1:])}


@pytest.mark.parametrize("number_of_clients", [10, 200])
def test_the_card_and_the_recompute_cost_the_same_queries_for_10_or_200_clients(
    clinician, admin, number_of_clients
):
    group = GroupFactory(facilitators=[clinician])
    session = held(group, MONDAY)
    clients = Client.objects.bulk_create(
        Client(
            mrn=f"T{index:06d}", legal_first_name="Client", legal_last_name=f"N{index:04d}",
            date_of_birth=date(1980, 1, 1), track=ProgramTrackFactory(), status="active",
            admission_date=ADMITTED, primary_clinician=clinician,
        )
        for index in range(number_of_clients)
    )  # fmt: skip
    for client in clients:
        AttendanceFactory(session=session, client=client)
    with CaptureQueriesContext(connection) as recompute:
        unauthorized_attendance_recompute(today=TODAY)
    with CaptureQueriesContext(connection) as card:
        review = authorization_review_list(user=admin, today=TODAY)
    assert review.unauthorized_count == number_of_clients
    assert len(review.unauthorized) == min(number_of_clients, 25)
    assert (len(recompute.captured_queries), len(card.captured_queries)) == (5, 3)
