"""Telehealth: a video group or individual session carries an https join link, which the client
sees only on the portal schedule and the clinician on Today; never in a reminder or a feed."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from groups.models import Group
from groups.services import enrollment_create, group_create, group_update
from iop.clock import local_datetime
from scheduling.models import Session, SessionType
from scheduling.services.feeds import calendar_feed_create
from scheduling.services.reminders import reminders_plan, reminders_send_due
from scheduling.services.sessions import session_schedule, sessions_materialize
from tests.factories import ProgramTrackFactory, ReminderPreferenceFactory, RoomFactory
from tests.scheduling.sms_backends import RecordingSmsBackend

pytestmark = pytest.mark.django_db

TUESDAY = date(2026, 11, 17)
NOW = local_datetime(TUESDAY, time(10, 0))
GROUP_LINK = "https://video.example.org/j/evening-group"
THERAPY_LINK = "https://video.example.org/j/therapy-4411"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def carol(clinician):
    """A client who asked for reminders by email and text."""
    return ReminderPreferenceFactory(
        client__primary_clinician=clinician, email_opt_in=True, sms_opt_in=True
    ).client


@pytest.fixture
def video(clinician, carol):
    """Carol in a video group (Wednesdays 6 pm) and with a video therapy session on Thursday."""
    group = group_create(
        name="Evening Support (video)", group_type="support", track=carol.track,
        facilitators=[clinician], capacity=10, weekdays=[2], start_time=time(18),
        duration_minutes=90, first_date=TUESDAY, is_telehealth=True, join_link=GROUP_LINK,
    )  # fmt: skip
    enrollment_create(group=group, client=carol, start_date=TUESDAY)
    sessions_materialize()
    [therapy] = session_schedule(
        session_type=SessionType.INDIVIDUAL, client=carol, clinician=clinician,
        starts_at=local_datetime(TUESDAY + timedelta(days=2), time(8)), duration_minutes=50,
        is_telehealth=True, join_link=THERAPY_LINK,
    )  # fmt: skip
    return group, therapy


def test_the_client_sees_both_join_links_on_their_portal_schedule(client, carol, video):
    client.force_login(carol.user)
    page = client.get(reverse("scheduling:my-schedule")).content.decode()
    assert GROUP_LINK in page
    assert THERAPY_LINK in page
    assert "Join by video at 8:00 AM" in page


def test_the_clinician_sees_todays_join_link_on_today(client, clinician, video):
    with time_machine.travel(local_datetime(TUESDAY + timedelta(days=1), time(9)), tick=False):
        client.force_login(clinician)
        page = client.get(reverse("scheduling:today")).content.decode()
    assert GROUP_LINK in page
    assert "Join video" in page


def test_no_reminder_carries_a_join_link(video, settings):
    settings.SMS_BACKEND = "tests.scheduling.sms_backends.RecordingSmsBackend"
    RecordingSmsBackend.sent.clear()
    reminders_plan(now=NOW)
    for hours in range(0, 24 * 4):
        reminders_send_due(now=NOW + timedelta(hours=hours))
    texts = [m["body"] for m in RecordingSmsBackend.sent]
    emails = [m.subject + m.body + m.alternatives[0][0] for m in mail.outbox]
    assert len(emails) == 4  # a day before and hours before, for the group and the therapy
    assert len(texts) == 4
    for message in texts + emails:
        assert "video.example.org" not in message
        assert "https://" not in message.replace("https://testserver", "")


def test_no_calendar_feed_carries_a_join_link(client, carol, clinician, video):
    for user in (carol.user, clinician):
        response = client.get(reverse("scheduling:feed", args=[calendar_feed_create(actor=user)]))
        assert b"BEGIN:VEVENT" in response.content
        assert b"video.example.org" not in response.content


def test_a_link_that_is_not_https_is_refused_and_nothing_is_booked(clinician, alice):
    with pytest.raises(ValidationError) as refused:
        session_schedule(
            session_type=SessionType.INDIVIDUAL, client=alice, clinician=clinician,
            starts_at=local_datetime(TUESDAY + timedelta(days=2), time(8)), duration_minutes=50,
            is_telehealth=True, join_link="http://video.example.org/j/1",
        )  # fmt: skip
    assert "join_link" in refused.value.message_dict
    assert not Session.objects.exists()


def test_a_session_in_a_room_gets_no_join_link(clinician, alice):
    with pytest.raises(ValidationError) as refused:
        session_schedule(
            session_type=SessionType.INDIVIDUAL, client=alice, clinician=clinician,
            starts_at=local_datetime(TUESDAY + timedelta(days=2), time(8)), duration_minutes=50,
            room=RoomFactory(), join_link=THERAPY_LINK,
        )  # fmt: skip
    assert "join_link" in refused.value.message_dict
    assert not Session.objects.exists()


def test_a_group_link_that_is_not_https_is_refused_and_the_group_is_unchanged(video):
    group, _ = video
    with pytest.raises(ValidationError) as refused:
        group_update(
            group=group, facilitators=list(group.facilitators.all()),
            join_link="javascript:alert(1)",
        )  # fmt: skip
    assert "join_link" in refused.value.message_dict
    assert Group.objects.get(pk=group.pk).join_link == GROUP_LINK


def test_the_database_refuses_a_link_that_is_not_https_or_not_by_video(clinician):
    track = ProgramTrackFactory()
    for fields in (
        {"is_telehealth": True, "join_link": "http://video.example.org/j/1"},
        {"room": RoomFactory(), "join_link": "https://video.example.org/j/1"},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Group.objects.create(
                name="Raw", group_type="support", track=track, capacity=5, weekdays=[1],
                start_time=time(9), duration_minutes=60, first_date=TUESDAY, **fields,
            )  # fmt: skip
