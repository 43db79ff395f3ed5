"""Recurring individual sessions: a weekly or fortnightly series until a date no later than the
client's expected end of the program, the days the clinic is closed skipped and named, every clash
named at once, and the rest of a series moved or cancelled in one action."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from groups.models import Group
from groups.services import group_create
from iop.clock import local_datetime
from iop.models import Role
from scheduling.models import Session, SessionSeries, SessionType
from scheduling.selectors.closures import closure_series_dates
from scheduling.services.closures import clinic_closure_create
from scheduling.services.sessions import (
    session_schedule,
    session_series_cancel_rest,
    session_series_move_rest,
)
from tests.factories import ClientFactory, EnrollmentFactory, GroupFactory, UserFactory

pytestmark = pytest.mark.django_db
EXPECTED_END = date(2027, 2, 14)


@pytest.fixture(autouse=True)
def a_tuesday_in_december():
    """Dana was admitted the Monday before last, for twelve weeks: until Sunday Feb 14."""
    with time_machine.travel(
        datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("America/New_York")), tick=False
    ):
        yield


@pytest.fixture
def dana(clinician):
    return ClientFactory(
        legal_first_name="Dana", legal_last_name="Diaz", primary_clinician=clinician,
        admission_date=date(2026, 11, 23),
    )  # fmt: skip


def book(
    client, clinician, *, first=date(2026, 12, 3), hour=10, repeat="biweekly", until=EXPECTED_END
):
    return session_schedule(
        session_type=SessionType.INDIVIDUAL, client=client, clinician=clinician,
        starts_at=local_datetime(first, time(hour)), duration_minutes=50, is_telehealth=True,
        repeat=repeat, until=until,
    )  # fmt: skip


def local_days(sessions):
    return [timezone.localdate(s.starts_at) for s in sessions]


def test_a_fortnightly_series_runs_until_the_expected_end_of_the_program(dana, clinician):
    sessions = book(dana, clinician)
    assert dana.expected_end == EXPECTED_END
    assert local_days(sessions) == [date(2026, 12, 3) + timedelta(weeks=2 * n) for n in range(6)]
    assert {timezone.localtime(s.starts_at).time() for s in sessions} == {time(10)}
    series = SessionSeries.objects.get()
    assert (series.frequency, series.until) == ("biweekly", EXPECTED_END)
    assert set(series.sessions.all()) == set(sessions)


def test_an_until_date_after_the_expected_end_is_refused_and_nothing_is_booked(dana, clinician):
    with pytest.raises(ValidationError) as refused:
        book(dana, clinician, repeat="weekly", until=EXPECTED_END + timedelta(days=1))
    assert "Sun Feb 14, 2027" in refused.value.message_dict["until"][0]
    assert not Session.objects.exists()
    assert not SessionSeries.objects.exists()


def test_a_series_without_an_until_date_is_refused(dana, clinician):
    with pytest.raises(ValidationError) as refused:
        book(dana, clinician, until=None)
    assert "until" in refused.value.message_dict


def test_every_clashing_date_of_a_series_is_named_and_nothing_is_booked(dana, clinician, bob):
    # Dec 17 clashes with a session on the calendar; Jan 28, beyond the materialized weeks,
    # with the meeting a Thursday group's pattern will add.
    [taken] = book(bob, clinician, first=date(2026, 12, 17), hour=10, repeat="", until=None)
    EnrollmentFactory(
        client=dana, start_date=date(2026, 11, 23),
        group=GroupFactory(name="Thursday Skills", weekdays=[3], start_time=time(9, 30),
                           first_date=date(2027, 1, 20), duration_minutes=60),
    )  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        book(dana, clinician)
    messages = refused.value.messages
    assert messages[0] == "Nothing was changed: 3 of 6 dates clash."  # Dec 17, Jan 28, Feb 11
    assert messages[1].startswith("Thu Dec 17, 10:00 AM:")
    assert "already has a session then (individual therapy at 10:00 AM)" in messages[1]
    assert any(
        m.startswith("Thu Jan 28, 10:00 AM: Dana Diaz already has a session then (Thursday Skills")
        for m in messages
    )
    assert len([m for m in messages if m.startswith("Thu Jan 28")]) == 1
    assert Session.objects.filter(client=dana).count() == 0
    assert list(Session.objects.filter(client__isnull=False)) == [taken]
    assert not SessionSeries.objects.filter(client=dana).exists()


def test_moving_the_rest_of_a_series_moves_it_from_that_session_on(dana, clinician):
    sessions = book(dana, clinician)
    moved = session_series_move_rest(
        session=sessions[2],
        first_date=date(2027, 1, 1),
        start_time=time(14),
        reason="New job hours",
    )
    assert len(moved) == 4
    after = Session.objects.filter(client=dana).order_by("starts_at")
    assert local_days(after) == [
        date(2026, 12, 3), date(2026, 12, 17),
        date(2027, 1, 1), date(2027, 1, 15), date(2027, 1, 29), date(2027, 2, 12),
    ]  # fmt: skip
    assert [timezone.localtime(s.starts_at).time() for s in after] == [time(10)] * 2 + [
        time(14)
    ] * 4
    assert {s.reschedule_reason for s in after[2:]} == {"New job hours"}


def test_moving_the_rest_onto_a_clash_names_it_and_moves_nothing(dana, clinician, bob):
    sessions = book(dana, clinician)
    book(bob, clinician, first=date(2027, 1, 15), hour=14, repeat="", until=None)
    before = local_days(Session.objects.filter(client=dana).order_by("starts_at"))
    with pytest.raises(ValidationError) as refused:
        session_series_move_rest(
            session=sessions[2], first_date=date(2027, 1, 1), start_time=time(14), reason="x"
        )
    assert refused.value.message_dict["first_date"][1].startswith("Fri Jan 15, 2:00 PM:")
    assert local_days(Session.objects.filter(client=dana).order_by("starts_at")) == before


def test_moving_the_rest_past_the_expected_end_is_refused(dana, clinician):
    sessions = book(dana, clinician)
    with pytest.raises(ValidationError) as refused:
        session_series_move_rest(
            session=sessions[2], first_date=date(2027, 1, 6), start_time=time(14), reason="x"
        )
    assert "until" in refused.value.message_dict


def test_cancelling_the_rest_of_a_series_keeps_the_sessions_before(dana, clinician):
    sessions = book(dana, clinician)
    cancelled = session_series_cancel_rest(session=sessions[3], reason="Moving out of state")
    assert len(cancelled) == 3
    statuses = list(
        Session.objects.filter(client=dana)
        .order_by("starts_at")
        .values_list("status", "cancel_reason")
    )
    assert statuses == [("scheduled", "")] * 3 + [("cancelled", "Moving out of state")] * 3


def test_cancelling_the_rest_needs_a_reason(dana, clinician):
    sessions = book(dana, clinician)
    with pytest.raises(ValidationError) as refused:
        session_series_cancel_rest(session=sessions[0], reason="  ")
    assert "reason" in refused.value.message_dict
    assert not Session.objects.filter(status="cancelled").exists()


# --- Pages -------------------------------------------------------------------------------------


def test_booking_a_series_from_the_form(client, clinician, dana):
    client.force_login(clinician)
    response = client.post(
        reverse("scheduling:session-new"),
        {
            "client": dana.pk, "session_type": "individual", "clinician": clinician.pk,
            "date": "2026-12-03", "start_time": "10:00", "duration_minutes": "50",
            "is_telehealth": "on", "repeat": "weekly", "until": "2026-12-31",
        },
    )  # fmt: skip
    assert response.status_code == 302
    assert Session.objects.filter(client=dana, series__frequency="weekly").count() == 5


def test_the_session_page_offers_to_move_or_cancel_the_rest(client, clinician, dana):
    sessions = book(dana, clinician)
    client.force_login(clinician)
    page = client.get(reverse("scheduling:session-detail", args=[sessions[1].pk])).content.decode()
    assert "every two weeks until Sun Feb 14, 2027" in page
    assert reverse("scheduling:series-move", args=[sessions[1].pk]) in page
    response = client.post(
        reverse("scheduling:series-cancel", args=[sessions[1].pk]),
        {"reason": "Moving out of state", "confirm": "yes"},
    )
    assert response.status_code == 302
    assert Session.objects.filter(client=dana, status="cancelled").count() == 5


def test_a_new_group_pattern_that_meets_during_a_later_booked_session_is_refused(dana, clinician):
    """A series reaches past the weeks of group sessions on the calendar: a group created later
    whose pattern meets then, with the same clinician, is refused like any other clash."""
    book(dana, clinician)
    with pytest.raises(ValidationError, match="Thu Feb 11, 10:00 AM"):
        group_create(
            name="Thursday Process", group_type="interpersonal_process", track=dana.track,
            facilitators=[clinician], capacity=8, weekdays=[3], start_time=time(9, 30),
            duration_minutes=60, first_date=date(2027, 2, 1), is_telehealth=True,
        )  # fmt: skip
    assert not Group.objects.filter(name="Thursday Process").exists()


class TestSeriesUntilInput(HypothesisTestCase):
    @settings(max_examples=25, deadline=None)
    @given(
        until=st.dates(min_value=date(2026, 11, 1), max_value=date(2027, 6, 30)),
        repeat=st.sampled_from(["weekly", "biweekly"]),
    )
    def test_any_until_date_books_within_the_program_or_is_refused_with_nothing_booked(
        self, until, repeat
    ):
        with time_machine.travel(
            datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("America/New_York")), tick=False
        ):
            clinician = UserFactory(role=Role.CLINICIAN)
            client = ClientFactory(primary_clinician=clinician, admission_date=date(2026, 11, 23))
            try:
                sessions = book(client, clinician, repeat=repeat, until=until)
            except ValidationError as error:
                refused, sessions = error.message_dict, []
            else:
                refused = None
        if refused:
            assert "until" in refused
            assert not Session.objects.filter(client=client).exists()
            assert until < date(2026, 12, 3) or until > EXPECTED_END
        else:
            assert date(2026, 12, 3) <= until <= EXPECTED_END
            assert max(local_days(sessions)) <= until
            step = 14 if repeat == "biweekly" else 7
            assert len(sessions) == (until - date(2026, 12, 3)).days // step + 1


def test_a_series_skips_the_days_the_clinic_is_closed_and_books_the_rest(dana, clinician, admin):
    christmas_eve = clinic_closure_create(
        first_day=date(2026, 12, 24), last_day=date(2026, 12, 24), label="Christmas Eve",
        actor=admin,
    )  # fmt: skip
    booked = book(dana, clinician, repeat="weekly", until=date(2026, 12, 31))
    assert local_days(booked) == [date(2026, 12, d) for d in (3, 10, 17, 31)]
    assert {s.series for s in booked} == {booked[0].series}
    assert closure_series_dates(series=booked[0].series) == {date(2026, 12, 24): christmas_eve}


def test_a_real_clash_still_refuses_a_series_that_also_meets_a_closed_day(
    dana, clinician, bob, admin
):
    clinic_closure_create(
        first_day=date(2026, 12, 24), last_day=date(2026, 12, 24), label="Christmas Eve",
        actor=admin,
    )  # fmt: skip
    book(bob, clinician, first=date(2026, 12, 10), repeat="", until=None)
    book(bob, clinician, first=date(2026, 12, 31), repeat="", until=None)
    with pytest.raises(ValidationError) as refused:
        book(dana, clinician, repeat="weekly", until=date(2026, 12, 31))
    messages = refused.value.messages
    assert messages[0] == "Nothing was changed: 2 of 4 dates clash."
    assert [m[:20] for m in messages[1:]] == ["Thu Dec 10, 10:00 AM", "Thu Dec 31, 10:00 AM"]
    assert not Session.objects.filter(client=dana).exists()
    assert not SessionSeries.objects.filter(client=dana).exists()


def test_a_series_on_closed_days_only_is_refused(dana, clinician, admin):
    clinic_closure_create(
        first_day=date(2026, 12, 21), last_day=date(2027, 1, 1), label="Winter break",
        actor=admin,
    )  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        book(dana, clinician, first=date(2026, 12, 24), repeat="weekly", until=date(2026, 12, 31))
    assert refused.value.message_dict == {
        "starts_at": ["The clinic is closed on every date of this series."]
    }
    assert not SessionSeries.objects.filter(client=dana).exists()


def test_booking_a_series_from_the_form_says_which_dates_were_skipped_and_why(
    client, clinician, dana, admin
):
    for day, label in ((date(2026, 12, 24), "Christmas Eve"), (date(2026, 12, 31), "New Year")):
        clinic_closure_create(first_day=day, last_day=day, label=label, actor=admin)
    client.force_login(clinician)
    response = client.post(
        reverse("scheduling:session-new"),
        {
            "client": dana.pk, "session_type": "individual", "clinician": clinician.pk,
            "date": "2026-12-03", "start_time": "10:00", "duration_minutes": "50",
            "is_telehealth": "on", "repeat": "weekly", "until": "2026-12-31",
        },
        follow=True,
    )  # fmt: skip
    assert [str(m) for m in response.context["messages"]] == [
        "3 sessions scheduled.",
        "Dec 24, 2026 skipped: clinic closed (Christmas Eve). "
        "Dec 31, 2026 skipped: clinic closed (New Year).",
    ]
