"""Payers' authorizations: units counted from attendance by the payer's rule, the projected
run-out, attended days no authorization covers (checked live, and stored for the review card), and
the daily utilization review."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.utils import InternalError
from django.test.utils import CaptureQueriesContext

from clients.models import Authorization, Client
from clients.services.authorizations import (
    authorization_create,
    authorization_end,
    authorization_void,
)
from clients.services.discharge import client_discharge
from groups.services import enrollment_create
from iop.clock import local_datetime
from scheduling.models import AttendanceStatus, UnauthorizedAttendance, UtilizationReview
from scheduling.selectors.attendance import roster_row_list, session_log_get
from scheduling.selectors.authorizations import (
    REVIEW_CARD_SHOWN,
    authorization_review_list,
    authorization_usage_list,
    burn_down_get,
    client_authorizations_get,
)
from scheduling.services.attendance import AttendanceEntry, attendance_record
from scheduling.services.authorizations import (
    unauthorized_attendance_recompute,
    utilization_reviews_update,
)
from scheduling.tasks import utilization_reviews_update as utilization_review_task
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
ADMITTED = MONDAY - timedelta(weeks=4)


@pytest.fixture(autouse=True)
def on_wednesday():
    with time_machine.travel(local_datetime(TODAY, time(12, 0)), tick=False):
        yield


@pytest.fixture
def regular(clinician):
    return ClientFactory(user=None, primary_clinician=clinician, admission_date=ADMITTED)


def attend(client, day, minutes, *, at=time(9, 0), group=None):
    start = local_datetime(day, at)
    session = SessionFactory(
        group=group or GroupFactory(), starts_at=start, ends_at=start + timedelta(minutes=minutes)
    )
    return AttendanceFactory(session=session, client=client)


def usage_of(authorization, today=TODAY):
    return authorization_usage_list(authorizations=[authorization], today=today)[0]


def test_a_day_of_180_attended_minutes_is_one_unit_and_179_is_none(regular):
    authorization = AuthorizationFactory(client=regular)
    attend(regular, ADMITTED, 179)
    attend(regular, ADMITTED + timedelta(days=1), 180)
    # Two sessions of one day add up: 90 + 90 minutes make a unit.
    attend(regular, ADMITTED + timedelta(days=2), 90)
    attend(regular, ADMITTED + timedelta(days=2), 90, at=time(13, 0))
    usage = usage_of(authorization)
    assert usage.unit_days == [ADMITTED + timedelta(days=1), ADMITTED + timedelta(days=2)]
    assert (usage.units_used, usage.units_left) == (2, 18)


def test_the_payers_rule_sets_the_minutes_of_a_unit(regular):
    authorization = AuthorizationFactory(
        client=regular, payer=PayerFactory(unit_rules={"H0015": 120})
    )
    attend(regular, ADMITTED, 120)
    assert usage_of(authorization).units_used == 1


def test_absences_sessions_not_counting_toward_hours_and_days_outside_the_window_count_nothing(
    regular,
):
    authorization = AuthorizationFactory(client=regular, first_day=ADMITTED + timedelta(days=1))
    attend(regular, ADMITTED, 180)  # before the first day
    absent = attend(regular, ADMITTED + timedelta(days=1), 180)
    absent.status, absent.minutes_attended = "absent", 0
    absent.save()
    not_counted = attend(regular, ADMITTED + timedelta(days=2), 180)
    not_counted.session.counts_toward_hours = False
    not_counted.session.save()
    assert usage_of(authorization).units_used == 0


def test_an_evening_session_counts_on_its_clinic_day_across_the_end_of_daylight_saving(clinician):
    # 1 November 2026: clocks go back at 2 am. A 9 pm session that day is 2 November in UTC.
    fall_back = date(2026, 11, 1)
    client = ClientFactory(user=None, primary_clinician=clinician, admission_date=fall_back)
    on_the_day = AuthorizationFactory(client=client, first_day=fall_back, last_day=fall_back)
    attend(client, fall_back, 180, at=time(21, 0))
    after = AuthorizationFactory(
        client=client, first_day=fall_back + timedelta(days=1), last_day=fall_back + timedelta(9)
    )
    assert usage_of(on_the_day).units_used == 1
    assert usage_of(after).units_used == 0


def test_the_projection_runs_out_at_the_clients_rate_of_the_last_four_weeks(regular):
    authorization = AuthorizationFactory(client=regular, units_authorized=20)
    group = GroupFactory()
    for day in range(12):  # every other day of the last four weeks
        attend(regular, TODAY - timedelta(days=2 + 2 * day), 180, group=group)
    usage = usage_of(authorization)
    assert (usage.units_used, usage.recent_units, usage.rate_days) == (12, 12, 28)
    assert usage.units_per_week == 3.0
    # 8 units left at 3 a week: 8 * 28 / 12 = 18.7, so 19 days from today.
    assert usage.projected_run_out == TODAY + timedelta(days=19)
    assert usage.runs_out_before_last_day
    assert usage.review_reason == ""


def test_the_rate_counts_only_days_since_admission(clinician):
    client = ClientFactory(
        user=None, primary_clinician=clinician, admission_date=TODAY - timedelta(days=6)
    )
    authorization = AuthorizationFactory(client=client, units_authorized=10)
    for day in range(3):
        attend(client, client.admission_date + timedelta(days=day), 180)
    usage = usage_of(authorization)
    assert (usage.recent_units, usage.rate_days) == (3, 7)
    assert usage.projected_run_out == TODAY + timedelta(days=17)  # 7 left * 7 / 3 = 16.3


def test_a_client_not_attending_gets_no_projection(regular):
    usage = usage_of(AuthorizationFactory(client=regular))
    assert usage.projected_run_out is None
    assert "no run-out is projected" in burn_down_get(usage=usage).summary


def test_review_is_due_when_units_run_out_or_the_authorization_ends_within_a_week(regular, bob):
    running_out = AuthorizationFactory(client=regular, units_authorized=13)
    for day in range(12):
        attend(regular, ADMITTED + timedelta(days=2 * day), 180)
    ending = AuthorizationFactory(
        client=bob, first_day=TODAY - timedelta(days=30), last_day=TODAY + timedelta(days=7)
    )
    later = AuthorizationFactory(
        client=bob, service_code="S9480", last_day=TODAY + timedelta(days=8)
    )
    assert usage_of(running_out).review_reason.startswith("Runs out about")
    assert usage_of(ending).review_reason == f"Ends {TODAY + timedelta(days=7):%a %b %-d}"
    assert usage_of(later).review_reason == ""


def test_the_burn_down_steps_down_on_each_unit_and_marks_the_last_day(regular):
    authorization = AuthorizationFactory(client=regular, units_authorized=10)
    attend(regular, ADMITTED + timedelta(days=7), 180)
    attend(regular, ADMITTED + timedelta(days=9), 180)
    chart = burn_down_get(usage=usage_of(authorization))
    heights = {float(point.split(",")[1]) for point in chart.actual_points.split()}
    assert len(heights) == 3  # 10, 9 and 8 units left
    assert chart.last_day_x == chart.width - chart.plot_left + 24  # the right edge of the plot
    assert chart.projection_points
    assert [week.units_left for week in chart.weeks][:3] == [10, 8, 8]
    assert chart.summary.startswith("2 of 10 units used, 8 left")


def test_attended_days_no_authorization_covers_are_flagged(regular):
    AuthorizationFactory(
        client=regular, first_day=ADMITTED + timedelta(days=7), last_day=TODAY + timedelta(days=30)
    )
    attend(regular, ADMITTED + timedelta(days=4), 60)  # before it: flagged, even under a unit
    attend(regular, ADMITTED + timedelta(days=8), 180)  # covered
    panel = client_authorizations_get(client=regular, today=TODAY)
    assert panel.unauthorized_days == [ADMITTED + timedelta(days=4)]
    unauthorized_attendance_recompute(client_ids=[regular.pk], today=TODAY)
    review = authorization_review_list(user=regular.primary_clinician, today=TODAY)
    assert review.unauthorized == [(regular, [ADMITTED + timedelta(days=4)])]


# --- Writes and the database's rules ----------------------------------------------------------


def create(client, **overrides):
    fields = {
        "client": client,
        "payer": PayerFactory(),
        "number": "A-1",
        "service_code": "H0015",
        "units_authorized": 20,
        "first_day": TODAY,
        "last_day": TODAY + timedelta(days=30),
        "actor": client.primary_clinician,
    } | overrides
    return authorization_create(**fields)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"last_day": TODAY - timedelta(days=1)}, "last_day", "cannot be before the first day"),
        ({"units_authorized": 0}, "units_authorized", "at least one unit"),
        ({"last_day": TODAY + timedelta(days=600)}, "last_day", "between"),
        ({"last_day": TODAY + timedelta(days=366)}, "last_day", "at most 366 days"),
        ({"first_day": date(1999, 1, 1)}, "first_day", "between"),
        ({"service_code": "S9480"}, "service_code", "no unit rule for S9480"),
    ],
)
def test_bad_authorizations_are_refused_on_their_field(regular, overrides, field, message):
    if field == "service_code":
        overrides["payer"] = PayerFactory(unit_rules={"H0015": 180})
    with pytest.raises(ValidationError) as refused:
        create(regular, **overrides)
    assert message in " ".join(refused.value.message_dict[field])
    assert not Authorization.objects.exists()


def test_an_overlapping_authorization_of_the_same_code_is_refused_and_another_code_is_not(regular):
    first = create(regular)
    with pytest.raises(ValidationError) as refused:
        create(regular, number="A-2", first_day=TODAY + timedelta(days=30))
    assert "Overlaps authorization A-1" in refused.value.message_dict["first_day"][0]
    create(regular, number="S-1", service_code="S9480")
    # Ended the day before, the next one fits; a voided one blocks nothing.
    authorization_end(
        authorization=first,
        ended_on=TODAY + timedelta(days=9),
        reason="Stepped down",
        actor=regular.primary_clinician,
    )
    create(regular, number="A-2", first_day=TODAY + timedelta(days=10))
    authorization_void(authorization=first, reason="Entered twice", actor=regular.primary_clinician)
    create(regular, number="A-3", first_day=TODAY, last_day=TODAY + timedelta(days=9))


def test_the_database_refuses_overlaps_zero_units_reversed_dates_and_deletes(regular):
    first = create(regular)
    for changes in (
        {"pk": None, "number": "A-2"},
        {
            "pk": None,
            "number": "A-3",
            "first_day": TODAY + timedelta(days=40),
            "units_authorized": 0,
        },
        {
            "pk": None,
            "number": "A-4",
            "first_day": TODAY + timedelta(days=40),
            "last_day": TODAY + timedelta(days=39),
        },
    ):
        copy = Authorization.objects.get(pk=first.pk)
        for name, value in changes.items():
            setattr(copy, name, value)
        with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
            copy.save()
    with pytest.raises(InternalError), transaction.atomic():
        Authorization.objects.filter(pk=first.pk).delete()


def test_ending_refuses_a_day_outside_the_authorization(regular):
    authorization = create(regular)
    with pytest.raises(ValidationError) as refused:
        authorization_end(
            authorization=authorization,
            ended_on=TODAY + timedelta(days=30),
            reason="x",
            actor=regular.primary_clinician,
        )
    assert "Choose a day from" in refused.value.message_dict["ended_on"][0]


# --- The daily utilization review -------------------------------------------------------------


def run_review(day=TODAY):
    with time_machine.travel(local_datetime(day, time(6, 30)), tick=False):
        utilization_review_task()


def test_the_review_job_alerts_once_however_often_it_runs_and_resolves_when_renewed(regular):
    authorization = AuthorizationFactory(
        client=regular, first_day=ADMITTED, last_day=TODAY + timedelta(days=5)
    )
    run_review()
    run_review()
    review = UtilizationReview.objects.get()
    assert (review.authorization, review.client, review.resolved_at) == (
        authorization,
        regular,
        None,
    )
    assert review.reason == f"Ends {TODAY + timedelta(days=5):%a %b %-d}"
    create(regular, number="RENEWAL", first_day=TODAY + timedelta(days=6))
    review.refresh_from_db()
    assert review.resolution == "renewed"  # at once, not at the next daily job
    run_review()
    run_review()
    review.refresh_from_db()
    assert review.resolution == "renewed"
    assert UtilizationReview.objects.count() == 1


def test_a_review_resolves_itself_when_the_authorization_ends_or_the_client_is_discharged(
    regular, bob, admin
):
    AuthorizationFactory(client=regular, first_day=ADMITTED, last_day=TODAY + timedelta(days=1))
    AuthorizationFactory(
        client=bob, first_day=bob.admission_date, last_day=TODAY + timedelta(days=3)
    )
    run_review()
    client_discharge(
        client=bob, discharge_date=TODAY, reason="completed", summary="Done.", actor=admin
    )
    run_review(TODAY + timedelta(days=2))
    resolutions = dict(UtilizationReview.objects.values_list("client_id", "resolution"))
    assert resolutions == {regular.pk: "ended", bob.pk: "discharged"}


def active_clients(count, *, clinician):
    """`count` clients admitted four weeks ago, in one insert."""
    return Client.objects.bulk_create(
        Client(
            mrn=f"T{index:06d}", legal_first_name="Client", legal_last_name=f"N{index:04d}",
            date_of_birth=date(1980, 1, 1), track=ProgramTrackFactory(), status="active",
            admission_date=ADMITTED, primary_clinician=clinician,
        )
        for index in range(count)
    )  # fmt: skip


@pytest.mark.parametrize("number_of_clients", [10, 1000])
def test_the_review_list_and_the_job_cost_the_same_queries_for_10_or_1000_clients(
    clinician, admin, number_of_clients
):
    payer = PayerFactory()
    clients = active_clients(number_of_clients, clinician=clinician)
    Authorization.objects.bulk_create(
        Authorization(
            client=client, payer=payer, number=f"A{client.pk}", service_code="H0015",
            units_authorized=20, first_day=ADMITTED, last_day=TODAY + timedelta(days=index % 14),
            recorded_by=clinician,
        )
        for index, client in enumerate(clients)
    )  # fmt: skip
    attend(clients[0], TODAY - timedelta(days=1), 180)
    ending_within_a_week = sum(1 for index in range(number_of_clients) if index % 14 <= 7)
    with CaptureQueriesContext(connection) as job:
        result = utilization_reviews_update()
    assert result.opened == ending_within_a_week
    with CaptureQueriesContext(connection) as listing:
        review = authorization_review_list(user=admin, today=TODAY)
    assert review.due_count == ending_within_a_week
    assert len(review.due) == min(ending_within_a_week, REVIEW_CARD_SHOWN)
    urgency = [due.review_by for due in review.due]
    assert urgency == sorted(urgency)
    assert urgency[0] == TODAY  # every 14th client's ends today
    counts = (len(listing.captured_queries), len(job.captured_queries))
    assert counts == (3, 12)


# --- Attendance no authorization covers, stored for the review card ----------------------------
# `UnauthorizedAttendance`: what the recompute finds, the services that ask for it after commit,
# the daily job as the safety net, and the card, the attendance sheet's badge and the chart
# agreeing on it.

EARLY = MONDAY - timedelta(weeks=6)


@pytest.fixture
def group(clinician):
    return GroupFactory(facilitators=[clinician], first_date=EARLY)


@pytest.fixture
def kim(clinician, group):
    client = ClientFactory(
        legal_first_name="Kim", legal_last_name="Kato", primary_clinician=clinician,
        admission_date=EARLY,
    )  # fmt: skip
    enrollment_create(group=group, client=client, start_date=EARLY)
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
    for day in (EARLY + timedelta(days=1), MONDAY - timedelta(days=20), MONDAY):
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
        client=kim, first_day=EARLY, last_day=TODAY + timedelta(days=3)
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
        admission_date=EARLY,
    )  # fmt: skip
    enrollment_create(group=group, client=bea, start_date=EARLY)
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
    group = GroupFactory(facilitators=[clinician], first_date=EARLY)
    session = held(group, MONDAY)
    for client in active_clients(number_of_clients, clinician=clinician):
        AttendanceFactory(session=session, client=client)
    with CaptureQueriesContext(connection) as recompute:
        unauthorized_attendance_recompute(today=TODAY)
    with CaptureQueriesContext(connection) as card:
        review = authorization_review_list(user=admin, today=TODAY)
    assert review.unauthorized_count == number_of_clients
    assert len(review.unauthorized) == min(number_of_clients, 25)
    assert (len(recompute.captured_queries), len(card.captured_queries)) == (5, 4)
