"""The admins' clinic set-up pages: closures (with a confirm step saying what they cancel), program
tracks in hours, rooms; refused input changes nothing; the lists cost the same queries for one row
or many."""

from datetime import date, time, timedelta

import pytest
import time_machine
from auditlog.models import LogEntry
from django.urls import reverse

from clients.models import ProgramTrack
from groups.models import Group, Room
from iop.clock import local_datetime
from scheduling import tasks
from scheduling.models import ClinicClosure, Session
from scheduling.services.closures import clinic_closure_create
from scheduling.services.sessions import sessions_materialize
from tests.factories import ClientFactory, EnrollmentFactory, GroupFactory, RoomFactory

MONDAY = date(2026, 11, 16)
THURSDAY = MONDAY + timedelta(days=3)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(local_datetime(MONDAY + timedelta(days=1), time(10)), tick=False):
        yield


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def group(db, alice):
    group = GroupFactory(name="Evening Relapse Prevention")
    EnrollmentFactory(group=group, client=alice, start_date=MONDAY - timedelta(days=20))
    sessions_materialize(groups=Group.objects.filter(pk=group.pk))
    return group


def test_closing_a_day_asks_first_saying_what_it_cancels_then_closes(admin_client, group):
    url = reverse("scheduling:closures")
    data = {"first_day": THURSDAY.isoformat(), "last_day": "", "label": "Snow day"}

    asked = admin_client.post(url, data)

    page = asked.content.decode()
    assert "Close the clinic on Thursday, November 19, 2026?" in page
    assert "Cancels 1 scheduled session on these days" in page
    assert "Tells the 1 client on those sessions" in page
    assert not ClinicClosure.objects.exists()

    done = admin_client.post(url, {**data, "confirm": "yes"}, follow=True)

    closure = ClinicClosure.objects.get()
    assert (closure.first_day, closure.last_day, closure.label) == (THURSDAY, THURSDAY, "Snow day")
    assert "Clinic closed: Snow day. 1 session cancelled." in done.content.decode()
    assert "Evening Relapse Prevention" in done.content.decode()
    assert Session.objects.get(closure=closure).status == "cancelled"
    assert LogEntry.objects.get_for_object(closure).exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            {"first_day": "2026-11-19", "last_day": "2026-11-18", "label": "Snow day"},
            "The last day closed cannot be before the first.",
        ),
        ({"first_day": "1899-01-01", "label": "Snow day"}, "Enter a date between"),
        ({"first_day": "2026-11-19", "label": ""}, "This field is required."),
    ],
)
def test_bad_days_get_a_clear_error_on_the_form_and_change_nothing(
    admin_client, group, data, error
):
    response = admin_client.post(reverse("scheduling:closures"), {**data, "confirm": "yes"})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not ClinicClosure.objects.exists()
    assert not Session.objects.filter(status="cancelled").exists()


def test_a_day_already_closed_is_refused_on_the_form(admin_client, admin, group):
    clinic_closure_create(first_day=THURSDAY, last_day=THURSDAY, label="Thanksgiving", actor=admin)
    response = admin_client.post(
        reverse("scheduling:closures"),
        {"first_day": THURSDAY.isoformat(), "label": "Snow day", "confirm": "yes"},
    )
    assert "already closed on Thu Nov 19, 2026 (Thanksgiving)" in response.content.decode()
    assert ClinicClosure.objects.count() == 1


def test_withdrawing_a_closure_asks_for_a_reason_and_reopens_the_day(admin_client, admin, group):
    closure = clinic_closure_create(
        first_day=THURSDAY, last_day=THURSDAY, label="Snow day", actor=admin
    )
    url = reverse("scheduling:closure-withdraw", args=[closure.pk])
    assert "Withdraw the closure" in admin_client.get(url).content.decode()
    admin_client.post(url, {"reason": "The roads were cleared", "confirm": "yes"})
    closure.refresh_from_db()
    assert (closure.withdrawn_by, closure.withdraw_reason) == (admin, "The roads were cleared")
    assert not Session.objects.filter(status="cancelled").exists()
    # A withdrawn closure is history: it cannot be withdrawn again.
    assert admin_client.get(url).status_code == 404


@pytest.mark.parametrize("closures", [1, 8])
def test_the_closure_calendar_takes_the_same_queries_for_one_or_eight_closures(
    admin_client, admin, group, closures, django_assert_max_num_queries
):
    for week in range(closures):
        clinic_closure_create(
            first_day=THURSDAY + timedelta(weeks=week),
            last_day=THURSDAY + timedelta(weeks=week),
            label=f"Closure {week}",
            actor=admin,
        )
    with django_assert_max_num_queries(9):
        response = admin_client.get(reverse("scheduling:closures"))
    assert len(response.context["calendar"].upcoming) == closures


def test_a_track_is_edited_in_hours_and_its_clients_weeks_are_recomputed(
    admin_client, alice, monkeypatch, django_capture_on_commit_callbacks
):
    track = alice.track
    url = reverse("clients:track-edit", args=[track.pk])
    form = admin_client.get(url).content.decode()
    assert 'value="9"' in form  # 540 minutes, shown as hours
    assert 'value="19"' in form
    enqueued = []
    monkeypatch.setattr(tasks.compliance_recompute_client_weeks, "delay", enqueued.append)

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            url,
            {
                "name": track.name,
                "weekly_minimum_minutes": "8.5",
                "weekly_maximum_minutes": "19",
                "minimum_treatment_days": "3",
                "is_active": "on",
            },
        )

    track.refresh_from_db()
    assert (track.weekly_minimum_minutes, track.weekly_maximum_minutes) == (510, 1140)
    assert any(client_id == alice.pk for payload in enqueued for client_id, _ in payload)
    change = LogEntry.objects.get_for_object(track).latest("timestamp")
    assert "weekly_minimum_minutes" in change.changes_dict
    listed = admin_client.get(reverse("clients:tracks")).content.decode()
    assert "8.5 h" in listed


@pytest.mark.parametrize(
    ("minimum", "maximum", "field", "error"),
    [
        ("12", "9", "weekly_maximum_minutes", "cannot be below the minimum"),
        ("0", "9", "weekly_minimum_minutes", "must be more than 0 hours"),
        ("nine", "19", "weekly_minimum_minutes", "Enter a number."),
    ],
)
def test_a_track_with_a_bad_requirement_is_refused_and_unchanged(
    admin_client, alice, minimum, maximum, field, error
):
    track = alice.track
    response = admin_client.post(
        reverse("clients:track-edit", args=[track.pk]),
        {
            "name": track.name,
            "weekly_minimum_minutes": minimum,
            "weekly_maximum_minutes": maximum,
            "minimum_treatment_days": "3",
            "is_active": "on",
        },
    )
    assert error in " ".join(response.context["form"].errors[field])
    track.refresh_from_db()
    assert (track.weekly_minimum_minutes, track.weekly_maximum_minutes) == (540, 1140)


def test_a_track_with_clients_in_the_program_is_not_retired(admin_client, alice):
    track = alice.track
    response = admin_client.post(
        reverse("clients:track-edit", args=[track.pk]),
        {
            "name": track.name,
            "weekly_minimum_minutes": "9",
            "weekly_maximum_minutes": "19",
            "minimum_treatment_days": "3",
        },
    )
    assert "move them to another track before retiring it" in response.content.decode()
    assert ProgramTrack.objects.get(pk=track.pk).is_active


def offered_tracks(admin_client):
    return list(
        admin_client.get(reverse("clients:create")).context["form"].fields["track"].queryset
    )


def test_a_new_track_is_offered_to_clients_and_a_retired_one_is_not(admin_client, clinician):
    admin_client.post(
        reverse("clients:track-create"),
        {
            "name": "Young adult IOP",
            "weekly_minimum_minutes": "7.5",
            "weekly_maximum_minutes": "15",
            "minimum_treatment_days": "3",
        },
    )
    track = ProgramTrack.objects.get(name="Young adult IOP")
    assert (track.code, track.weekly_minimum_minutes) == ("young-adult-iop", 450)
    assert track in offered_tracks(admin_client)
    admin_client.post(
        reverse("clients:track-edit", args=[track.pk]),
        {
            "name": "Young adult IOP",
            "weekly_minimum_minutes": "7.5",
            "weekly_maximum_minutes": "15",
            "minimum_treatment_days": "3",
        },
    )
    assert track not in offered_tracks(admin_client)
    assert ProgramTrack.objects.get(pk=track.pk).is_active is False


def test_rooms_are_added_and_edited_and_one_in_use_is_not_retired(admin_client, group):
    admin_client.post(
        reverse("groups:room-create"),
        {"name": "Group Room C", "location": "1st floor, 120 Main Street", "capacity": "14"},
    )
    room = Room.objects.get(name="Group Room C")
    assert (room.location, room.capacity, room.is_active) == (
        "1st floor, 120 Main Street",
        14,
        True,
    )
    used = group.room
    response = admin_client.post(
        reverse("groups:room-edit", args=[used.pk]),
        {"name": used.name, "location": used.location, "capacity": str(used.capacity)},
    )
    assert "Move these groups to another room before retiring it" in response.content.decode()
    assert Room.objects.get(pk=used.pk).is_active
    response = admin_client.post(
        reverse("groups:room-edit", args=[used.pk]),
        {"name": used.name, "location": used.location, "capacity": "4", "is_active": "on"},
    )
    assert "These groups take more people than that" in response.content.decode()
    assert Room.objects.get(pk=used.pk).capacity == used.capacity
    assert LogEntry.objects.get_for_object(room).exists()


@pytest.mark.parametrize("rooms", [1, 10])
def test_the_room_and_track_lists_take_the_same_queries_for_one_or_ten(
    admin_client, rooms, django_assert_max_num_queries
):
    for number in range(rooms):
        RoomFactory(name=f"Office {number}")
        ClientFactory(user=None)
    with django_assert_max_num_queries(7):
        assert admin_client.get(reverse("groups:rooms")).status_code == 200
    with django_assert_max_num_queries(7):
        assert admin_client.get(reverse("clients:tracks")).status_code == 200
