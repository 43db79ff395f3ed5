"""Where a session meets is said by one rule (`groups.models.place_text`): every page and the
calendar feed say the same for a video session (even one with a room booked) and for a session
without a room."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from groups.models import TELEHEALTH, place_text
from iop.clock import local_datetime
from scheduling.services.feeds import calendar_feed_create
from tests.factories import GroupFactory, RoomFactory, SessionFactory

WEDNESDAY = date(2026, 11, 18)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(local_datetime(WEDNESDAY, time(9)), tick=False):
        yield


def test_a_room_reads_with_its_location_and_video_or_no_room_reads_telehealth(db):
    room = RoomFactory(name="Room 204", location="120 Main Street")
    assert place_text(room=room, is_telehealth=False) == "Room 204, 120 Main Street"
    assert place_text(room=room, is_telehealth=True) == TELEHEALTH
    assert place_text(room=None, is_telehealth=True) == TELEHEALTH


@pytest.mark.parametrize("room_booked", [True, False])
def test_every_page_and_the_feed_say_telehealth_for_a_video_session(
    client, clinician, admin, room_booked
):
    room = RoomFactory(name="Room 204", location="120 Main Street")
    group = GroupFactory(
        facilitators=[clinician], room=room if room_booked else None, is_telehealth=True
    )
    starts_at = local_datetime(WEDNESDAY, time(11))
    session = SessionFactory(
        group=group,
        room=group.room,
        is_telehealth=True,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
    )
    assert session.place == group.place == TELEHEALTH
    client.force_login(clinician)
    token = calendar_feed_create(actor=clinician)
    for url in (
        reverse("scheduling:today"),
        reverse("scheduling:session-detail", args=[session.pk]),
        reverse("scheduling:clinician-week"),
        reverse("scheduling:feed", args=[token]),
    ):
        page = client.get(url).content.decode()
        assert TELEHEALTH in page, url
        assert "Room 204" not in page, url
    client.force_login(admin)
    for url in (
        reverse("scheduling:clinic-day"),
        reverse("groups:list"),
        reverse("groups:roster", args=[group.pk]),
    ):
        page = client.get(url).content.decode()
        assert TELEHEALTH in page, url
        # The clinic day's place filter offers every room by name; no row says this one.
        assert "Room 204, 120 Main Street" not in page, url
