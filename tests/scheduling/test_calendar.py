"""Calendars: the client's schedule, a clinician's week, the clinic's day; session forms."""

from datetime import time, timedelta

import pytest
import time_machine
from django.template.defaultfilters import time as time_filter
from django.urls import reverse
from django.utils import timezone

from groups.services import enrollment_create
from iop.clock import local_datetime, week_start_of
from scheduling.models import Session, SessionType
from scheduling.services.sessions import session_schedule, sessions_materialize
from scheduling.views.calendars import CLINIC_DAY_PAGE_SIZE
from tests.factories import (
    ClientFactory,
    EnrollmentFactory,
    GroupFactory,
    IndividualSessionFactory,
    RoomFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db


def individual(clinician, client, days=1, hour=10, weeks=1):
    first = timezone.localdate() + timedelta(days=days)
    return session_schedule(
        session_type=SessionType.INDIVIDUAL,
        client=client,
        clinician=clinician,
        starts_at=local_datetime(first, time(hour)),
        duration_minutes=60,
        is_telehealth=True,
        repeat="weekly" if weeks > 1 else "",
        until=first + timedelta(weeks=weeks - 1) if weeks > 1 else None,
    )


# In the morning, so that today's 6 pm group is still ahead.
@time_machine.travel("2026-11-25 09:00 -05:00", tick=False)
def test_alice_sees_her_groups_and_individual_sessions_for_two_weeks(client, clinician, alice):
    group = GroupFactory(weekdays=list(range(7)), what_to_bring="Workbook")
    enrollment_create(group=group, client=alice, start_date=timezone.localdate())
    sessions_materialize()
    individual(clinician, alice, days=2)
    client.force_login(alice.user)
    response = client.get(reverse("scheduling:my-schedule"))
    page = response.content.decode()
    assert page.count(group.name) == 14
    assert "Individual therapy" in page
    assert "Bring: Workbook" in page
    assert "Your hours show here after this week's first session." in page


def test_the_schedule_shows_only_sessions_after_the_enrollment_starts(client, alice):
    group = GroupFactory(weekdays=list(range(7)))
    enrollment_create(
        group=group, client=alice, start_date=timezone.localdate() + timedelta(days=10)
    )
    sessions_materialize()
    client.force_login(alice.user)
    page = client.get(reverse("scheduling:my-schedule")).content.decode()
    assert page.count(group.name) == 4


def test_bob_does_not_see_alices_individual_sessions(client, clinician, alice, bob):
    individual(clinician, alice)
    client.force_login(bob.user)
    page = client.get(reverse("scheduling:my-schedule")).content.decode()
    assert "Individual therapy" not in page
    assert "Nothing is scheduled" in page


@pytest.mark.parametrize("count", [1, 50])
def test_the_client_schedule_keeps_a_constant_number_of_queries(
    client, alice, count, django_assert_max_num_queries
):
    for n in range(count):
        group = GroupFactory(weekdays=[n % 7], start_time=time(6 + n % 12))
        EnrollmentFactory(group=group, client=alice, start_date=timezone.localdate())
    sessions_materialize()
    client.force_login(alice.user)
    # 10: the week's hours row and the check-ins due (their banner on top) are one query each.
    with django_assert_max_num_queries(10):
        assert client.get(reverse("scheduling:my-schedule")).status_code == 200


def test_the_clinician_week_shows_their_sessions_with_the_roster_count(
    client, clinician, alice, bob
):
    group = GroupFactory(facilitators=[clinician], weekdays=list(range(7)))
    EnrollmentFactory(group=group, client=alice, start_date=timezone.localdate())
    EnrollmentFactory(group=group, client=bob, start_date=timezone.localdate())
    sessions_materialize()
    client.force_login(clinician)
    page = client.get(reverse("scheduling:clinician-week")).content.decode()
    assert "2 enrolled" in page
    assert group.name in page


@pytest.mark.parametrize("count", [1, 50])
def test_the_clinician_week_keeps_a_constant_number_of_queries(
    client, clinician, count, django_assert_max_num_queries
):
    monday = week_start_of(timezone.localdate())
    for n in range(count):
        SessionFactory(
            session_type=SessionType.INDIVIDUAL, group=None, client=ClientFactory(),
            clinician=clinician,
            starts_at=local_datetime(monday + timedelta(days=n % 7), time(8)) + timedelta(minutes=n),
        )  # fmt: skip
    client.force_login(clinician)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("scheduling:clinician-week"))
    assert sum(len(sessions) for _, sessions in response.context["days"]) == count


@pytest.mark.parametrize("count", [1, 50])
def test_the_clinic_day_keeps_a_constant_number_of_queries(
    client, admin, count, django_assert_max_num_queries
):
    for _ in range(count):
        SessionFactory(group=GroupFactory())
    client.force_login(admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("scheduling:clinic-day"))
    assert len(response.context["page"]) == min(count, CLINIC_DAY_PAGE_SIZE)
    filters = {
        "clinician": Session.objects.first().clinician_id,
        "kind": "group",
        "place": "telehealth",
    }
    with django_assert_max_num_queries(12):
        filtered = client.get(reverse("scheduling:clinic-day"), filters)
    assert filtered.status_code == 200


def _clinic_day(client, **params):
    return client.get(reverse("scheduling:clinic-day"), params)


def test_the_clinic_day_pages_a_busy_day_and_says_how_many_sessions_in_each_status(client, admin):
    today = timezone.localdate()
    group = GroupFactory()
    for minute in range(CLINIC_DAY_PAGE_SIZE + 5):
        SessionFactory(group=group, starts_at=local_datetime(today, time(8, minute)))
    Session.objects.filter(pk=Session.objects.order_by("pk").first().pk).update(
        status=Session.Status.CANCELLED, cancel_reason="Facilitator ill"
    )
    client.force_login(admin)
    first = _clinic_day(client)
    assert len(first.context["page"]) == CLINIC_DAY_PAGE_SIZE
    assert first.context["counts"] == {"Scheduled": 44, "Cancelled": 1}
    text = first.content.decode()
    assert "45 sessions" in text
    assert "44 scheduled, 1 cancelled" in text
    # Each session's times in the clinic's zone, as Django's `time:"g:i A"` writes them.
    for session in first.context["page"]:
        starts, ends = (
            time_filter(timezone.localtime(moment), "g:i A")
            for moment in (session.starts_at, session.ends_at)
        )
        assert f"<td>{starts}\N{EN DASH}{ends}</td>" in text
    second = _clinic_day(client, page=2)
    assert len(second.context["page"]) == 5
    shown = [s.pk for s in first.context["page"]] + [s.pk for s in second.context["page"]]
    assert len(set(shown)) == 45
    # A page past the end shows the last; a page that is not a number, the first.
    assert _clinic_day(client, page=99).context["page"].number == 2
    assert _clinic_day(client, page="junk").context["page"].number == 1


def test_each_row_of_the_clinic_day_says_when_what_who_where_how_many_and_its_status(
    client, admin, clinician, alice, bob
):
    """The rows are written in Python (`clinic_day_rows`), from the day's statement as it opens
    and from the filtered list alike; whatever a reason or a name holds is text."""
    today = timezone.localdate()
    group = GroupFactory(
        name="<i>Evening</i>",
        room=RoomFactory(name="Room 7", location=""),
        facilitators=[clinician],
    )
    for person in (alice, bob):
        EnrollmentFactory(group=group, client=person, start_date=today - timedelta(days=7))
    SessionFactory(group=group, starts_at=local_datetime(today, time(9)))
    IndividualSessionFactory(
        client=alice,
        clinician=clinician,
        starts_at=local_datetime(today, time(13)),
        status=Session.Status.CANCELLED,
        cancel_reason="Car <broke> down",
    )
    client.force_login(admin)
    for params in ({}, {"clinician": clinician.pk}):
        rows = _clinic_day(client, **params).content.decode().split("<tbody>")[1].split("<tr")
        assert rows[1] == (
            "><td>9:00 AM\N{EN DASH}12:00 PM</td><td>&lt;i&gt;Evening&lt;/i&gt;</td>"
            f"<td>{clinician.get_full_name()}</td><td>Room 7</td><td>2</td><td>Scheduled</td></tr>"
        )
        assert rows[2].startswith(
            ' class="text-muted"><td>1:00 PM\N{EN DASH}1:50 PM</td>'
            f"<td>Individual therapy: {alice.display_name}</td>"
            f"<td>{clinician.get_full_name()}</td><td>Telehealth</td><td>1</td>"
            "<td>Cancelled: Car &lt;broke&gt; down</td></tr>"
        )


def test_the_front_desk_narrows_the_day_to_a_clinician_a_kind_and_a_place(
    client, admin, clinician, alice
):
    today = timezone.localdate()
    room = RoomFactory(name="Room 7")
    group = GroupFactory(room=room, facilitators=[clinician])
    in_room = SessionFactory(group=group, starts_at=local_datetime(today, time(9)))
    by_video = IndividualSessionFactory(
        client=alice, clinician=clinician, starts_at=local_datetime(today, time(11))
    )
    someone_elses = SessionFactory(group=GroupFactory(), starts_at=local_datetime(today, time(13)))
    client.force_login(admin)

    def shown(**params):
        return {session.pk for session in _clinic_day(client, **params).context["page"]}

    assert shown() == {in_room.pk, by_video.pk, someone_elses.pk}
    assert shown(clinician=clinician.pk) == {in_room.pk, by_video.pk}
    assert shown(kind="group") == {in_room.pk, someone_elses.pk}
    assert shown(kind="individual") == {by_video.pk}
    assert shown(place=str(room.pk)) == {in_room.pk}
    assert shown(place="telehealth") == {by_video.pk}
    assert shown(clinician=clinician.pk, kind="group") == {in_room.pk}
    # The day's navigation keeps the filters.
    assert (
        f"kind=group&day={(today + timedelta(days=1)).isoformat()}"
        in _clinic_day(client, kind="group").content.decode()
    )


def test_a_filter_value_that_is_not_a_choice_is_ignored_and_said(client, admin):
    SessionFactory(group=GroupFactory())
    client.force_login(admin)
    response = _clinic_day(client, clinician="999999", kind="everything", place="x\x00")
    assert response.status_code == 200
    assert len(response.context["page"]) == 1
    assert response.context["filter"].form.errors.keys() == {"clinician", "kind", "place"}
    assert "Select a valid choice" in response.content.decode()


def test_a_clinician_schedules_a_weekly_session_from_the_form(client, clinician, alice):
    client.force_login(clinician)
    day = timezone.localdate() + timedelta(days=1)
    response = client.post(
        reverse("scheduling:session-new"),
        {
            "client": alice.pk, "session_type": "individual", "clinician": clinician.pk,
            "date": day.isoformat(), "start_time": "10:00", "duration_minutes": "50",
            "is_telehealth": "on", "repeat": "weekly",
            "until": (day + timedelta(weeks=3)).isoformat(),
        },
    )  # fmt: skip
    assert response.status_code == 302
    assert Session.objects.filter(client=alice).count() == 4


def test_a_double_booking_from_the_form_shows_why_and_adds_nothing(client, clinician, alice, bob):
    individual(clinician, alice, days=1, hour=10)
    client.force_login(clinician)
    response = client.post(
        reverse("scheduling:session-new"),
        {
            "client": bob.pk, "session_type": "family", "clinician": clinician.pk,
            "date": (timezone.localdate() + timedelta(days=1)).isoformat(),
            "start_time": "10:30", "duration_minutes": "50", "is_telehealth": "on",
        },
    )  # fmt: skip
    assert response.status_code == 200
    assert "already has a session" in response.content.decode()
    assert not Session.objects.filter(client=bob).exists()


def test_a_clinician_cancels_and_moves_their_session_with_a_reason(client, clinician, alice):
    first, second = individual(clinician, alice, weeks=2)
    client.force_login(clinician)
    client.post(
        reverse("scheduling:session-cancel", args=[first.pk]), {"reason": "Sick", "confirm": "yes"}
    )
    first.refresh_from_db()
    assert (first.status, first.cancel_reason) == ("cancelled", "Sick")
    new_day = timezone.localdate() + timedelta(days=3)
    client.post(
        reverse("scheduling:session-reschedule", args=[second.pk]),
        {"date": new_day.isoformat(), "start_time": "15:00", "reason": "Work"},
    )
    second.refresh_from_db()
    assert timezone.localtime(second.starts_at) == local_datetime(new_day, time(15))


def test_cancelling_a_session_asks_for_confirmation_and_changes_nothing_until_then(
    client, clinician, alice
):
    [session] = individual(clinician, alice)
    client.force_login(clinician)
    url = reverse("scheduling:session-cancel", args=[session.pk])
    page = client.post(url, {"reason": "Clinician out sick"}).content.decode()
    assert "Cancel this session?" in page
    assert "It is cancelled because: Clinician out sick" in page
    assert "Alice Anders see it as cancelled" in page
    session.refresh_from_db()
    assert (session.status, session.cancel_reason) == ("scheduled", "")
    back = client.post(url, {"reason": "Clinician out sick", "back": "1"}).content.decode()
    assert "Cancel this session?" not in back
    assert 'value="Clinician out sick"' in back


def test_another_clinician_cannot_cancel_my_session(client, clinician, second_clinician, alice):
    [session] = individual(clinician, alice)
    client.force_login(second_clinician)
    response = client.post(reverse("scheduling:session-cancel", args=[session.pk]), {"reason": "x"})
    assert response.status_code == 404
    session.refresh_from_db()
    assert session.status == "scheduled"


def test_a_co_facilitator_sees_the_group_once_in_their_week(client, clinician, second_clinician):
    group = GroupFactory(facilitators=[clinician, second_clinician], weekdays=list(range(7)))
    sessions_materialize()
    monday = week_start_of(timezone.localdate())
    for person in (clinician, second_clinician):
        client.force_login(person)
        days = client.get(reverse("scheduling:clinician-week")).context["days"]
        listed = [s.pk for _, sessions in days for s in sessions]
        expected = group.sessions.filter(
            starts_at__gte=local_datetime(monday, time(0)),
            starts_at__lt=local_datetime(monday + timedelta(days=7), time(0)),
        )
        assert sorted(listed) == sorted(expected.values_list("pk", flat=True))


def test_an_admin_picks_a_clinicians_week_and_a_deactivated_one_is_not_found(
    client, admin, clinician, second_clinician
):
    client.force_login(admin)
    url = reverse("scheduling:clinician-week")
    assert client.get(url, {"clinician": clinician.pk}).context["clinician"] == clinician
    second_clinician.is_active = False
    second_clinician.save()
    assert client.get(url, {"clinician": second_clinician.pk}).status_code == 404
    assert client.get(url, {"clinician": admin.pk}).status_code == 404
