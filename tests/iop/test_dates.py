"""Plausible dates everywhere (iop.dates): what users saw was a date of birth, a consent, a group,
a session, a reschedule and an enrollment in 1900 accepted (the session then sat on the overdue
list as "Mon Jan 1"), and far weeks in the query string answering 500."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from clients.models import Client
from clients.services.consents import consent_create
from groups.models import Enrollment, Group
from groups.services import enrollment_create, enrollment_end
from iop.clock import local_datetime
from iop.dates import (
    DB_CEILING,
    DB_FLOOR,
    birth_date_bounds,
    check_dates,
    clinic_date_bounds,
    validate_clinic_date,
)
from iop.forms import clinic_date_field
from iop.query import query_date, query_text
from scheduling.forms.compliance import ComplianceFilterForm
from scheduling.models import Session, SessionType
from scheduling.services.sessions import session_reschedule, session_schedule
from tests.factories import EnrollmentFactory, GroupFactory, RoomFactory, SessionFactory

pytestmark = pytest.mark.django_db

NINETEEN_HUNDRED = date(1900, 1, 1)


def range_message():
    first, last = clinic_date_bounds()
    return f"Enter a date between {first:%b %-d, %Y} and {last:%b %-d, %Y}."


def test_the_rule_is_the_clinics_first_year_to_18_months_ahead(settings):
    settings.CLINIC_FIRST_YEAR = 2005
    first, last = clinic_date_bounds()
    today = timezone.localdate()
    assert first == date(2005, 1, 1)
    assert 18 * 30 <= (last - today).days <= 18 * 31
    assert last.day == today.day or today.day > 28
    oldest, youngest = birth_date_bounds()
    assert youngest.year == today.year - 5
    assert oldest.year in (today.year - 111, today.year - 110)


def test_a_date_of_birth_in_1900_is_refused(client, clinician):
    client.force_login(clinician)
    response = client.post(
        reverse("clients:create"),
        {
            "legal_first_name": "Dana",
            "legal_last_name": "Diaz",
            "date_of_birth": "1900-01-01",
            "track": 1,
            "primary_clinician": clinician.pk,
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["date_of_birth"]
    assert "Enter a date of birth between" in errors[0]
    assert "(an age of 5 to 110)" in errors[0]
    assert not Client.objects.filter(legal_last_name="Diaz").exists()


def test_a_consent_signed_in_1900_is_refused_by_the_service(alice, clinician):
    with pytest.raises(ValidationError) as refused:
        consent_create(
            client=alice,
            recipient="Probation",
            purpose="Court",
            information=["summary"],
            signed_on=NINETEEN_HUNDRED,
            expires_on=date(1901, 1, 1),
            actor=clinician,
        )
    assert refused.value.message_dict["signed_on"] == [range_message()]
    assert not alice.consents.exists()


def test_a_group_starting_in_1900_is_refused_with_the_allowed_range(client, admin):
    from tests.groups.test_views import group_post

    client.force_login(admin)
    response = client.post(reverse("groups:create"), group_post(first_date="1900-01-01"))
    assert response.status_code == 200
    assert response.context["form"].errors["first_date"] == [range_message()]
    assert not Group.objects.exists()


def test_an_enrollment_from_1900_is_refused(alice):
    group = GroupFactory(track=alice.track)
    with pytest.raises(ValidationError) as refused:
        enrollment_create(group=group, client=alice, start_date=NINETEEN_HUNDRED)
    assert refused.value.message_dict["start_date"] == [range_message()]
    assert not Enrollment.objects.filter(client=alice).exists()


def test_withdrawing_with_a_last_day_in_1900_names_the_allowed_range_and_keeps_the_row(alice):
    enrollment = EnrollmentFactory(client=alice)
    with pytest.raises(ValidationError) as refused:
        enrollment_end(enrollment=enrollment, end_date=NINETEEN_HUNDRED)
    assert refused.value.message_dict["end_date"] == [range_message()]
    enrollment.refresh_from_db()
    assert enrollment.end_date is None


def test_the_roster_says_why_an_enrollment_from_1900_is_refused(client, admin, alice):
    group = GroupFactory(track=alice.track)
    client.force_login(admin)
    response = client.post(
        reverse("groups:roster", args=[group.pk]),
        {"client": alice.pk, "start_date": "1900-01-01"},
        follow=True,
    )
    assert range_message() in response.content.decode()
    assert not Enrollment.objects.filter(client=alice).exists()


def test_a_session_in_1900_is_refused_and_never_reaches_the_overdue_list(client, admin, alice):
    client.force_login(admin)
    response = client.post(
        reverse("scheduling:session-new"),
        {
            "client": alice.pk,
            "session_type": SessionType.INDIVIDUAL,
            "clinician": alice.primary_clinician.pk,
            "date": "1900-01-01",
            "start_time": "10:00",
            "duration_minutes": "50",
            "is_telehealth": "on",
        },
    )
    assert response.context["form"].errors["date"] == [range_message()]
    assert not Session.objects.filter(client=alice).exists()
    assert "Jan 1" not in client.get(reverse("scheduling:overdue")).content.decode()


def test_the_scheduling_service_refuses_a_session_in_1900(alice):
    with pytest.raises(ValidationError) as refused:
        session_schedule(
            session_type=SessionType.INDIVIDUAL,
            client=alice,
            clinician=alice.primary_clinician,
            starts_at=local_datetime(NINETEEN_HUNDRED, time(10)),
            duration_minutes=50,
            is_telehealth=True,
        )
    assert refused.value.message_dict["starts_at"] == [range_message()]


def test_rescheduling_a_session_to_1900_is_refused_and_keeps_its_time(alice):
    session = SessionFactory(
        session_type=SessionType.INDIVIDUAL, group=None, client=alice, room=RoomFactory()
    )
    before = session.starts_at
    with pytest.raises(ValidationError) as refused:
        session_reschedule(
            session=session, starts_at=local_datetime(NINETEEN_HUNDRED, time(10)), reason="Moved"
        )
    assert refused.value.message_dict["starts_at"] == [range_message()]
    session.refresh_from_db()
    assert session.starts_at == before


def test_the_database_refuses_a_session_in_1900_written_past_the_services(alice):
    session = SessionFactory(session_type=SessionType.INDIVIDUAL, group=None, client=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(
            starts_at=datetime(1900, 1, 1, 15, tzinfo=UTC),
            ends_at=datetime(1900, 1, 1, 16, tzinfo=UTC),
        )


def test_the_database_refuses_a_date_of_birth_before_1900_and_an_admission_before_birth(alice):
    with pytest.raises(IntegrityError), transaction.atomic():
        Client.objects.filter(pk=alice.pk).update(date_of_birth=date(1899, 12, 31))
    with pytest.raises(IntegrityError), transaction.atomic():
        Client.objects.filter(pk=alice.pk).update(date_of_birth=alice.admission_date)


def test_recomputing_a_week_in_year_9999_by_hand_is_refused_with_a_message():
    with pytest.raises(CommandError, match="Enter a date between"):
        call_command("run_job", week="9999-12-27")
    with pytest.raises(CommandError, match="a Monday"):
        call_command("run_job", week="2026-02-30")


def test_compliance_report_for_year_9999_falls_back_with_a_message(client, admin):
    client.force_login(admin)
    response = client.get(reverse("scheduling:compliance-report"), {"week": "9999-12-31"})
    assert response.status_code == 200
    assert response.context["week_start"] == timezone.localdate() - timedelta(
        days=timezone.localdate().weekday()
    )
    assert range_message() in response.content.decode()


def test_clinician_week_for_year_1_falls_back_to_this_week_with_a_message(client, clinician):
    client.force_login(clinician)
    response = client.get(reverse("scheduling:clinician-week"), {"week": "0001-01-01"})
    assert response.status_code == 200
    today = timezone.localdate()
    assert response.context["monday"] == today - timedelta(days=today.weekday())
    assert range_message() in response.content.decode()


def test_clinic_day_for_a_non_date_falls_back_to_today_with_a_message(client, admin):
    client.force_login(admin)
    response = client.get(reverse("scheduling:clinic-day"), {"day": "2026-02-30"})
    assert response.status_code == 200
    assert response.context["day"] == timezone.localdate()
    assert "is not a date" in response.content.decode()


def test_roster_search_with_a_nul_byte_answers_normally(client, admin, alice):
    group = GroupFactory(track=alice.track)
    client.force_login(admin)
    response = client.get(reverse("groups:roster", args=[group.pk]), {"q": "Ali\x00ce"})
    assert response.status_code == 200
    assert "Add Alice Anders" in response.content.decode()


def test_login_with_a_300_character_username_shows_a_form_error(client):
    response = client.post(reverse("login"), {"username": "u" * 300, "password": "whatever"})
    assert response.status_code == 200
    assert response.context["form"].errors["username"] == [
        "Ensure this value has at most 150 characters (it has 300)."
    ]


# --- The parser and the search, over any input -------------------------------------------------

HOSTILE_TEXT = st.one_of(
    st.text(max_size=60),
    st.dates().map(str),
    st.sampled_from(["0001-01-01", "9999-12-31", "1900-01-01", "2026-02-30", "a\x00b", "x" * 5000]),
)


@given(day=st.dates())
def test_a_clinic_date_is_accepted_exactly_within_the_bounds(day):
    first, last = clinic_date_bounds()
    if first <= day <= last:
        validate_clinic_date(day)
        check_dates(day=day)
        assert DB_FLOOR <= day < DB_CEILING  # the database's static bounds are wider
    else:
        with pytest.raises(ValidationError) as refused:
            check_dates(day=day)
        assert refused.value.message_dict == {"day": [range_message()]}


class TestParsersOverHostileInput(HypothesisTestCase):
    @given(value=HOSTILE_TEXT)
    @example(value="9999-12-31")
    def test_a_date_field_gives_a_plausible_date_or_a_field_error(self, value):
        try:
            day = clinic_date_field().clean(value)
        except ValidationError:
            return  # a field error: the other answer allowed
        first, last = clinic_date_bounds()
        assert first <= day <= last

    @given(value=HOSTILE_TEXT)
    def test_a_query_date_is_plausible_or_the_default(self, value):
        request = RequestFactory().get("/", {"week": value})
        request._messages = MessageList()
        today = timezone.localdate()
        day = query_date(request, "week", today)
        first, last = clinic_date_bounds()
        assert first <= day <= last
        assert day == today or not request._messages.messages

    @given(value=HOSTILE_TEXT)
    def test_the_compliance_filter_keeps_the_valid_filters_and_explains_the_rest(self, value):
        form = ComplianceFilterForm({"week": value, "status": "short"})
        form.is_valid()
        assert form.cleaned_data["status"] == "short"
        week = form.cleaned_data.get("week")
        assert (week is None) == ("week" in form.errors) or value.strip() == ""

    @given(value=HOSTILE_TEXT)
    def test_a_search_text_never_carries_nul_or_more_than_100_characters(self, value):
        text = query_text(RequestFactory().get("/", {"q": value}), "q")
        assert "\x00" not in text
        assert len(text) <= 100


class MessageList:
    """Stands in for the messages middleware on a bare request."""

    def __init__(self):
        self.messages = []

    def add(self, level, message, extra_tags=""):
        self.messages.append(message)
