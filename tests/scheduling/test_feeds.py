"""iCal feeds: valid RFC 5545, "Appointment" with time and place only, revocable tokens."""

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from pytest_django.asserts import assertContains

from groups.services import enrollment_create
from iop.clock import local_datetime
from scheduling.models import CalendarFeed, SessionType
from scheduling.services.feeds import calendar_feed_create, calendar_feed_revoke
from scheduling.services.sessions import session_cancel, session_schedule, sessions_materialize
from tests.factories import GroupFactory, RoomFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_calendar(clinician, alice):
    room = RoomFactory(name="Room 204", location="120 Main Street")
    group = GroupFactory(name="Relapse Prevention Evening", weekdays=[0, 2], room=room)
    enrollment_create(group=group, client=alice, start_date=timezone.localdate())
    sessions_materialize()
    [therapy] = session_schedule(
        session_type=SessionType.INDIVIDUAL,
        client=alice,
        clinician=clinician,
        starts_at=local_datetime(timezone.localdate() + timedelta(days=1), time(8)),
        duration_minutes=50,
        is_telehealth=True,
    )
    session_cancel(session=therapy, reason="Clinician out sick")
    return group, therapy


def read_feed(client, token):
    response = client.get(reverse("scheduling:feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return response.content, Calendar.from_ical(response.content)


def test_alices_feed_says_appointment_with_time_and_place_only(client, alice, alices_calendar):
    group, _ = alices_calendar
    raw, calendar = read_feed(client, calendar_feed_create(actor=alice.user))
    events = calendar.walk("VEVENT")
    assert len(events) == 1 + len(group.sessions.all())
    assert {str(e["SUMMARY"]) for e in events} == {"Appointment"}
    assert {str(e["LOCATION"]) for e in events} == {"Room 204, 120 Main Street", "Telehealth"}
    text = raw.decode().lower()
    assert str(calendar["PRODID"]) == "-//Appointments//Calendar//EN"
    for secret in (
        "relapse",
        "therapy",
        "individual",
        "clinician out sick",
        "alice",
        "iop",
        "clinic",
    ):
        assert secret not in text


def test_a_cancelled_session_is_a_cancelled_event_with_a_stable_uid(client, alice, alices_calendar):
    _, therapy = alices_calendar
    token = calendar_feed_create(actor=alice.user)
    _, first = read_feed(client, token)
    _, second = read_feed(client, token)
    cancelled = [e for e in first.walk("VEVENT") if e["STATUS"] == "CANCELLED"]
    assert [str(e["UID"]) for e in cancelled] == [f"session-{therapy.pk}@testserver"]
    assert {str(e["UID"]) for e in first.walk("VEVENT")} == {
        str(e["UID"]) for e in second.walk("VEVENT")
    }


def test_the_clinicians_feed_lists_the_sessions_they_lead(client, clinician, alices_calendar):
    _, calendar = read_feed(client, calendar_feed_create(actor=clinician))
    assert [str(e["UID"]).split("@")[0] for e in calendar.walk("VEVENT")] == [
        f"session-{alices_calendar[1].pk}"
    ]


def test_a_revoked_token_answers_404(client, alice):
    token = calendar_feed_create(actor=alice.user)
    calendar_feed_revoke(actor=alice.user)
    assert client.get(reverse("scheduling:feed", args=[token])).status_code == 404


def test_a_new_link_replaces_the_old_one(client, alice):
    old = calendar_feed_create(actor=alice.user)
    new = calendar_feed_create(actor=alice.user)
    assert client.get(reverse("scheduling:feed", args=[old])).status_code == 404
    assert client.get(reverse("scheduling:feed", args=[new])).status_code == 200


def test_a_made_up_token_answers_404(client, alice):
    calendar_feed_create(actor=alice.user)
    assert client.get(reverse("scheduling:feed", args=["not-a-token"])).status_code == 404


def test_only_a_hash_of_the_token_is_stored(alice):
    token = calendar_feed_create(actor=alice.user)
    stored = CalendarFeed.objects.get(user=alice.user)
    assert token not in stored.token_hash
    assert len(token) >= 40


def test_alice_makes_and_revokes_her_link_on_the_settings_page(client, alice):
    client.force_login(alice.user)
    url = reverse("scheduling:feed-settings")
    response = client.post(url, {"action": "create"})
    feed_url = response.context["feed_url"]
    assert feed_url.startswith("http://testserver/schedule/feed/")
    assert response.context["webcal_url"] == feed_url.replace("http://", "webcal://")
    assertContains(response, f'href="{response.context["webcal_url"]}"')
    assertContains(response, 'data-copy="feed-url"')
    client.post(url, {"action": "revoke"})
    assert client.get(feed_url).status_code == 404
