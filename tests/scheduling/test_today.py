"""Today: a clinician's sessions of the day and their overdue documentation; the admins' list."""

from datetime import UTC, date, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from iop.clock import day_bounds, local_datetime
from scheduling.models import AttendanceStatus, ComplianceStatus, WeeklyCompliance
from scheduling.selectors.attendance import (
    overdue_documentation_get,
    overdue_note_list,
    overdue_plan_reviews_get,
    session_day_list,
    session_missing_attendance_list,
)
from scheduling.services.attendance import drop_in_add
from scheduling.services.notes import note_sign
from scheduling.views.documentation import TODAY_OVERDUE_SHOWN
from tests.factories import (
    ClientFactory,
    EnrollmentFactory,
    GroupFactory,
    IndividualSessionFactory,
    ProgressNoteFactory,
    SessionFactory,
    TreatmentPlanFactory,
    UserFactory,
    check_in_open,
)
from tests.helpers import SECOND_FACTOR_QUERIES
from tests.scheduling.helpers import record, session_in_progress


def test_a_clinician_lands_on_today_with_their_sessions(client, clinician, group_session):
    client.force_login(clinician)
    response = client.get(reverse("home"), follow=True)
    assert response.request["PATH_INFO"] == reverse("scheduling:today")
    assert group_session.group.name in response.content.decode()
    assert "Not taken" in response.content.decode()


def test_today_counts_roster_attendance_and_unsigned_notes(group_session, clinician, alice, bob):
    visitor = ClientFactory()
    drop_in_add(session=group_session, client=visitor, actor=clinician)
    record(
        group_session,
        clinician,
        (alice, AttendanceStatus.PRESENT, 180),
        (bob, AttendanceStatus.ABSENT, 0),
        (visitor, AttendanceStatus.LATE, 150),
    )
    note_sign(note=ProgressNoteFactory(session=group_session, client=alice), actor=clinician)
    (row,) = session_day_list(user=clinician, day=timezone.localdate(group_session.starts_at))
    assert (row.enrolled_count, row.drop_in_count) == (2, 1)
    assert (row.attendance_taken, row.unsigned_note_count) == (True, 1)


def test_today_shows_only_the_clinicians_own_sessions_of_the_day(
    client, clinician, second_clinician, group_session
):
    others = session_in_progress(group=GroupFactory(facilitators=[second_clinician]))
    yesterday = SessionFactory(
        group=group_session.group, starts_at=group_session.starts_at - timedelta(days=1)
    )
    day = timezone.localdate(group_session.starts_at)
    assert list(session_day_list(user=clinician, day=day)) == [group_session]
    assert others not in session_day_list(user=clinician, day=day)
    assert yesterday not in session_day_list(user=clinician, day=day)


@pytest.mark.parametrize("rows", [1, 8])
def test_today_takes_the_same_queries_for_any_number_of_sessions_and_clients(
    client, clinician, django_assert_max_num_queries, rows
):
    from iop.clock import week_start_of
    from scheduling.services.compliance import compliance_recompute_week

    group = GroupFactory(facilitators=[clinician])
    start = timezone.now().replace(hour=12, minute=0)
    for hour in range(rows):
        enrollment = EnrollmentFactory(group=group, client__primary_clinician=clinician)
        SessionFactory(group=group, starts_at=start + timedelta(minutes=hour))
        check_in_open(enrollment.client, due_on=timezone.localdate() - timedelta(days=5))
    compliance_recompute_week(week_start=week_start_of(timezone.localdate()))
    client.force_login(clinician)
    # 14: the sessions, overdue work, caseload hours, the open clinical alerts on top and the
    # overdue check-ins.
    with django_assert_max_num_queries(14 + SECOND_FACTOR_QUERIES):
        response = client.get(reverse("scheduling:today"))
    assert response.status_code == 200
    assert response.content.decode().count("PHQ-9, due") == rows


def test_a_note_unsigned_24_hours_after_the_session_is_overdue(
    group_session, clinician, alice, bob
):
    record(group_session, clinician, (alice, AttendanceStatus.PRESENT, 180))
    ProgressNoteFactory(session=group_session, client=alice)
    with time_machine.travel(group_session.ends_at + timedelta(hours=23)):
        assert not overdue_note_list(user=clinician, now=timezone.now()).exists()
    with time_machine.travel(group_session.ends_at + timedelta(hours=25)):
        (overdue,) = overdue_note_list(user=clinician, now=timezone.now())
        assert overdue.client == alice


def test_a_signed_note_or_an_absence_is_not_overdue(group_session, clinician, alice, bob):
    record(
        group_session,
        clinician,
        (alice, AttendanceStatus.PRESENT, 180),
        (bob, AttendanceStatus.ABSENT, 0),
    )
    note_sign(note=ProgressNoteFactory(session=group_session, client=alice), actor=clinician)
    assert not overdue_note_list(
        user=clinician, now=group_session.ends_at + timedelta(days=3)
    ).exists()


def test_an_unsigned_note_is_overdue_for_a_co_facilitator_until_the_attendance_is_amended(
    group_session, clinician, second_clinician, alice
):
    group_session.group.facilitators.add(second_clinician)
    record(group_session, clinician, (alice, AttendanceStatus.PRESENT, 180))
    ProgressNoteFactory(session=group_session, client=alice)
    later = group_session.ends_at + timedelta(days=2)
    (overdue,) = overdue_note_list(user=second_clinician, now=later)
    assert overdue.client == alice
    # She was not there after all: no note is due, and the session holds no open note.
    record(group_session, clinician, (alice, AttendanceStatus.ABSENT, 0))
    assert not overdue_note_list(user=second_clinician, now=later).exists()
    group_session.refresh_from_db()
    assert not group_session.notes_open


def test_a_session_that_ended_without_attendance_is_overdue(group_session, clinician, alice):
    assert not session_missing_attendance_list(user=clinician, now=timezone.now()).exists()
    later = group_session.ends_at + timedelta(minutes=1)
    assert list(session_missing_attendance_list(user=clinician, now=later)) == [group_session]
    record(group_session, clinician, (alice, AttendanceStatus.PRESENT, 180))
    assert not session_missing_attendance_list(user=clinician, now=later).exists()


def _held_without_attendance(*facilitators):
    """A session two days ago without attendance in a group of each facilitator."""
    return [
        SessionFactory(
            group=GroupFactory(facilitators=[facilitator]),
            starts_at=timezone.now() - timedelta(days=2),
        )
        for facilitator in facilitators
    ]


@pytest.mark.parametrize("role", ["admin", "clinician"])
def test_only_an_admins_overdue_lists_read_whose_work_each_is(request, role, clinician):
    """A clinician's overdue work is all their own: their lists leave the clinician's column out,
    and so its join; an admin's name each session's clinician, read with the rows."""
    with_note, without_attendance = _held_without_attendance(clinician, clinician)
    member = EnrollmentFactory(group=with_note.group).client
    record(with_note, clinician, (member, AttendanceStatus.PRESENT, 180))
    user = request.getfixturevalue(role)
    with CaptureQueriesContext(connection) as queries:
        lists = overdue_documentation_get(user=user, now=timezone.now())
        (note,), (session,) = lists["overdue_notes"], lists["missing_attendance"]
    whose = str(clinician) if role == "admin" else ""
    assert (note.session.clinician_name, session.clinician_name) == (whose, whose)
    assert (note.session.pk, session.pk) == (with_note.pk, without_attendance.pk)
    statements = [query["sql"] for query in queries.captured_queries]
    assert any('"iop_user"' in sql for sql in statements) == (role == "admin")
    assert len(statements) == 4


def test_the_overdue_lists_name_clients_and_sessions_as_their_records_do(admin, clinician):
    """The lists' rows are read as values, not records: each name is the one the record gives
    (a preferred name, an individual session's client, a clinician without a full name)."""
    nameless = UserFactory(role=clinician.role, first_name="", last_name="")
    client = ClientFactory(preferred_name="Ally", primary_clinician=clinician)
    held = timezone.now() - timedelta(days=2)
    individual = IndividualSessionFactory(client=client, clinician=nameless, starts_at=held)
    group = SessionFactory(group=GroupFactory(facilitators=[clinician]), starts_at=held)
    EnrollmentFactory(group=group.group, client=client)
    record(group, clinician, (client, AttendanceStatus.PRESENT, 180))
    lists = overdue_documentation_get(user=admin, now=timezone.now())
    (note,) = lists["overdue_notes"]
    assert (note.client_name, note.session.name) == (client.display_name, group.name)
    (missing,) = lists["missing_attendance"]
    assert (missing.name, missing.clinician_name) == (individual.name, nameless.username)
    assert missing.name == f"Individual therapy: Ally {client.legal_last_name}"


@pytest.mark.parametrize("role", ["admin", "clinician"])
def test_the_overdue_pages_plan_reviews_say_whose_only_to_an_admin(
    request, role, clinician, second_clinician
):
    """A clinician's overdue plan reviews are their own caseload's, read without the clinician;
    an admin's are everyone's, each read with its primary clinician in the same query."""
    with time_machine.travel(timezone.now() - timedelta(days=120)):
        mine = TreatmentPlanFactory(client=ClientFactory(primary_clinician=clinician))
        TreatmentPlanFactory(client=ClientFactory(primary_clinician=second_clinician))
    user = request.getfixturevalue(role)
    with CaptureQueriesContext(connection) as queries:
        reviews, count = overdue_plan_reviews_get(user=user)
        if role == "admin":
            assert {plan.client.primary_clinician for plan in reviews} == {
                clinician,
                second_clinician,
            }
    if role == "clinician":
        assert reviews == [mine]
    assert count == len(reviews)
    # The reviews, then their count.
    assert len(queries) == 2
    assert ('"iop_user"' in queries[0]["sql"]) == (role == "admin")


def test_admins_see_everyones_overdue_documentation(client, admin, clinician, second_clinician):
    mine, others = _held_without_attendance(clinician, second_clinician)
    client.force_login(admin)
    page = client.get(reverse("scheduling:overdue")).content.decode()
    assert mine.group.name in page
    assert others.group.name in page
    assert str(second_clinician) in page
    assert "Primary clinician" in page


def test_a_clinician_does_not_see_another_clinicians_overdue_sessions(
    client, clinician, second_clinician
):
    others = SessionFactory(
        group=GroupFactory(facilitators=[second_clinician]),
        starts_at=timezone.now() - timedelta(days=2),
    )
    client.force_login(clinician)
    page = client.get(reverse("scheduling:today")).content.decode()
    assert others.group.name not in page


def test_today_shows_the_oldest_overdue_work_and_links_to_all_of_it(client, clinician):
    """Today names the oldest few overdue notes and sessions (what to act on first) with how many
    there are; the overdue page, linked, lists them all."""
    group = GroupFactory(facilitators=[clinician])
    sessions = [
        SessionFactory(group=group, starts_at=timezone.now() - timedelta(days=2, hours=day))
        for day in range(TODAY_OVERDUE_SHOWN + 2)
    ]
    oldest, newest = sessions[-1], sessions[0]
    client.force_login(clinician)
    today = client.get(reverse("scheduling:today")).content.decode()
    assert f"{len(sessions)}</span>" in today
    assert f"Showing the oldest {TODAY_OVERDUE_SHOWN}." in today
    assert reverse("scheduling:session-detail", args=[oldest.pk]) in today
    assert reverse("scheduling:session-detail", args=[newest.pk]) not in today
    assert reverse("scheduling:overdue") in today
    everything = client.get(reverse("scheduling:overdue")).content.decode()
    assert reverse("scheduling:session-detail", args=[newest.pk]) in everything


def test_a_clinicians_overdue_page_is_their_own_work(client, clinician, second_clinician):
    mine, others = _held_without_attendance(clinician, second_clinician)
    client.force_login(clinician)
    page = client.get(reverse("scheduling:overdue")).content.decode()
    assert mine.group.name in page
    assert others.group.name not in page
    assert 'name="clinician"' not in page  # the admins' filter
    assert "Primary clinician" not in page  # of their plan reviews: all their own caseload's


def test_today_spans_the_whole_local_day_when_the_clocks_go_back(clinician, settings):
    """1 November 2026 has 25 hours in New York; a late-evening session still belongs to it."""
    settings.TIME_ZONE = "America/New_York"
    group = GroupFactory(facilitators=[clinician])
    fall_back = date(2026, 11, 1)
    late_evening = SessionFactory(group=group, starts_at=local_datetime(fall_back, time(23, 30)))
    next_morning = SessionFactory(
        group=group, starts_at=local_datetime(fall_back + timedelta(days=1), time(0, 30))
    )
    start, end = day_bounds(fall_back)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=25)
    assert list(session_day_list(user=clinician, day=fall_back)) == [late_evening]
    assert next_morning not in session_day_list(user=clinician, day=fall_back)


@pytest.mark.parametrize("overdue", [1, 20])
def test_the_overdue_list_takes_the_same_queries_for_any_number_of_rows(
    client, admin, clinician, django_assert_max_num_queries, overdue
):
    group = GroupFactory(facilitators=[clinician])
    clients = [EnrollmentFactory(group=group).client for _ in range(overdue)]
    for day in range(overdue):
        held = timezone.now() - timedelta(days=2, hours=4 * day)
        record(
            SessionFactory(group=group, starts_at=held), clinician, (clients[day], "present", 180)
        )
        SessionFactory(group=group, starts_at=held - timedelta(hours=2))
    client.force_login(admin)
    # 9, then 3 for the overdue plan reviews (rows, count) and the clinician filter's choices.
    with django_assert_max_num_queries(12 + SECOND_FACTOR_QUERIES):
        page = client.get(reverse("scheduling:overdue")).content.decode()
    assert page.count("/schedule/sessions/") >= 2 * overdue


def _this_week_computed():
    from iop.clock import week_start_of
    from scheduling.services.compliance import compliance_recompute_week

    compliance_recompute_week(week_start=week_start_of(timezone.localdate()))


def test_today_lists_the_caseloads_clients_behind_on_hours_this_week(client, clinician, alice, bob):
    _this_week_computed()
    # Bob's week is as it should be; Alice has nothing scheduled that would reach the minimum.
    WeeklyCompliance.objects.filter(client=bob).update(status=ComplianceStatus.ON_TRACK)
    client.force_login(clinician)
    response = client.get(reverse("scheduling:today"))
    behind = response.context["behind"]
    assert [overview.client for overview in behind.overviews] == [alice]
    assert behind.count == 1
    page = response.content.decode()
    assert "Behind on hours this week" in page
    assert page.count("Hours attended in each of the last 12 weeks") == 1
    assert reverse("scheduling:caseload-hours") in page


def test_a_client_whose_week_is_not_computed_yet_counts_as_behind(clinician, alice, bob):
    from scheduling.selectors.compliance import hours_behind_list

    behind = hours_behind_list(clinician=clinician, limit=15)
    assert {overview.client for overview in behind.overviews} == {alice, bob}
    assert all(overview.current is None for overview in behind.overviews)


@pytest.mark.parametrize("caseload", [2, 20])
def test_today_shows_at_most_15_behind_and_counts_them_all_in_the_same_queries(
    client, clinician, django_assert_max_num_queries, caseload
):
    from scheduling.views.documentation import BEHIND_SHOWN

    ClientFactory.create_batch(caseload, primary_clinician=clinician)
    client.force_login(clinician)
    with django_assert_max_num_queries(14 + SECOND_FACTOR_QUERIES):
        behind = client.get(reverse("scheduling:today")).context["behind"]
    assert len(behind.overviews) == min(caseload, BEHIND_SHOWN)
    assert behind.count == caseload


def test_everyone_on_track_says_so(client, clinician, alice, bob):
    _this_week_computed()
    WeeklyCompliance.objects.update(status=ComplianceStatus.MET)
    client.force_login(clinician)
    page = client.get(reverse("scheduling:today")).content.decode()
    assert "Everyone on your caseload is on track" in page


@pytest.mark.parametrize("caseload", [2, 20])
def test_the_caseloads_hours_page_shows_every_active_client_in_the_same_queries(
    client, clinician, second_clinician, django_assert_max_num_queries, caseload
):
    mine = ClientFactory.create_batch(caseload, primary_clinician=clinician)
    ClientFactory(primary_clinician=second_clinician)
    _this_week_computed()
    client.force_login(clinician)
    with django_assert_max_num_queries(7 + SECOND_FACTOR_QUERIES):
        response = client.get(reverse("scheduling:caseload-hours"))
    assert {overview.client for overview in response.context["overviews"]} == set(mine)
    page = response.content.decode()
    assert page.count("Hours attended in each of the last 12 weeks") == caseload


def test_a_caseload_row_says_hours_days_and_status_and_a_name_stays_text(
    client, clinician, alice, bob
):
    """A caseload's rows are written in Python (`caseload_hours_rows`), as the template wrote
    them."""
    bob.preferred_name = "<b>Bobby</b>"
    bob.save()
    _this_week_computed()
    WeeklyCompliance.objects.filter(client=alice).update(
        attended_minutes=120,
        scheduled_minutes=180,
        required_minutes=540,
        treatment_days=1,
        required_days=3,
        status=ComplianceStatus.AT_RISK,
    )
    WeeklyCompliance.objects.filter(client=bob).delete()
    client.force_login(clinician)
    page = client.get(reverse("scheduling:caseload-hours")).content.decode()
    rows = {row.split("</a>")[0].rpartition(">")[2]: row for row in page.split("<tr>")[2:]}
    assert rows["Alice Anders"].startswith(
        f'<td><a href="{reverse("clients:chart", args=[alice.pk])}">Alice Anders</a></td>'
        '<td>2 of 9 h <span class="small text-muted">(+3 scheduled)</span></td>'
    )
    assert 'aria-valuenow="22"' in rows["Alice Anders"]
    assert "<td>1 of 3</td>" in rows["Alice Anders"]
    assert '<span class="badge text-bg-warning">At risk</span>' in rows["Alice Anders"]
    bobs = rows[f"&lt;b&gt;Bobby&lt;/b&gt; {bob.legal_last_name}"]
    assert '<td><span class="text-muted">not computed yet</span></td>' in bobs
    assert "<b>Bobby</b>" not in page


@pytest.mark.parametrize("role", ["admin", "clinician"])
def test_the_overdue_rows_link_and_escape_as_the_template_did(
    client, request, role, clinician, second_clinician
):
    """The overdue lists' rows are written in Python (`overdue_rows`): each links to its note or
    session, every name is escaped, and an admin's rows say whose work each is."""
    with_note, without_attendance = _held_without_attendance(clinician, clinician)
    without_attendance.group.name = "Skills <b>&</b>"
    without_attendance.group.save()
    member = EnrollmentFactory(
        group=with_note.group, client=ClientFactory(legal_first_name="O'Neil <i>")
    ).client
    record(with_note, clinician, (member, AttendanceStatus.PRESENT, 180))
    client.force_login(request.getfixturevalue(role))

    page = client.get(reverse("scheduling:overdue")).content.decode()

    note_url = reverse("scheduling:note", args=[with_note.pk, member.pk])
    session_url = reverse("scheduling:session-detail", args=[without_attendance.pk])
    assert f'<a href="{note_url}">O&#x27;Neil &lt;i&gt; ' in page
    assert f'<a href="{session_url}">Skills &lt;b&gt;&amp;&lt;/b&gt;</a>' in page
    assert "<b>&</b>" not in page
    assert "<i>" not in page
    assert (f"<td>{clinician}</td>" in page) == (role == "admin")
