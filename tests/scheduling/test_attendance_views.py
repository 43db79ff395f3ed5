"""The session page: the attendance sheet in the browser's terms (POSTs), drop-ins, the summary,
individual session logs."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.services.authorizations import authorization_end, authorization_void
from iop.models import ChartRead
from scheduling.models import Attendance, AttendanceStatus, DropIn, SessionLog, SessionType
from scheduling.services.notes import note_sign
from tests.factories import (
    AuthorizationFactory,
    ClientFactory,
    EnrollmentFactory,
    GroupFactory,
    ProgressNoteFactory,
)
from tests.helpers import SECOND_FACTOR_QUERIES, undone
from tests.scheduling.helpers import current_version, record, session_in_progress


def url(session):
    return reverse("scheduling:session-detail", args=[session.pk])


def sheet_post(session, rows, version=None, **extra):
    """POST data for the sheet: rows are (client, status, minutes as typed)."""
    data = {"version": current_version(session) if version is None else version, **extra}
    for person, status, minutes in rows:
        data[f"c{person.pk}-status"] = status
        data[f"c{person.pk}-minutes"] = minutes
    return data


def test_the_sheet_lists_the_roster_and_records_who_read_it(
    clinician_client, group_session, alice, bob
):
    page = clinician_client.get(url(group_session)).content.decode()
    assert alice.display_name in page
    assert bob.display_name in page
    assert "Mark all present" in page
    # One page view, one entry naming everyone on the sheet.
    read = ChartRead.objects.get()
    assert read.client_ids == sorted([alice.pk, bob.pk])


def test_present_without_minutes_means_the_whole_session(
    clinician_client, group_session, alice, bob
):
    response = clinician_client.post(
        url(group_session),
        sheet_post(group_session, [(alice, "present", ""), (bob, "absent", "")]),
    )
    assert response.status_code == 302
    rows = dict(
        Attendance.objects.filter(session=group_session).values_list(
            "client_id", "minutes_attended"
        )
    )
    assert rows == {alice.pk: 180, bob.pk: 0}


def test_late_without_minutes_asks_for_them_and_saves_nothing(
    clinician_client, group_session, alice, bob
):
    response = clinician_client.post(
        url(group_session), sheet_post(group_session, [(alice, "present", ""), (bob, "late", "")])
    )
    assert response.status_code == 200
    assert "Enter the minutes attended." in response.content.decode()
    assert not Attendance.objects.exists()


def test_minutes_over_the_session_get_a_clear_error_on_that_row(
    clinician_client, group_session, alice, bob
):
    response = clinician_client.post(
        url(group_session),
        sheet_post(group_session, [(alice, "present", "180"), (bob, "late", "200")]),
    )
    assert "At most 180 minutes" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_refused_row_is_marked_with_its_own_error_and_names_are_escaped(
    clinician_client, group_session, alice, bob
):
    """The sheet's rows are written in Python (`attendance_sheet_rows`): each error stays on its
    own row, and whatever a name holds is text."""
    bob.preferred_name = "<b>Bobby</b>"
    bob.save()
    response = clinician_client.post(
        url(group_session),
        sheet_post(group_session, [(alice, "present", ""), (bob, "late", "")]),
    )
    rows = {
        row.split("</th>")[0]: row
        for row in response.content.decode().split("<tr")
        if 'scope="row"' in row
    }
    (alice_row,) = (row for head, row in rows.items() if "Alice Anders" in head)
    (bob_row,) = (row for head, row in rows.items() if "&lt;b&gt;Bobby&lt;/b&gt; " in head)
    assert bob_row.startswith(' class="table-danger"')
    assert "Enter the minutes attended." in bob_row
    assert 'aria-invalid="true"' in bob_row
    assert "Status of &lt;b&gt;Bobby&lt;/b&gt; " in bob_row
    assert "Minutes &lt;b&gt;Bobby&lt;/b&gt; " in bob_row
    assert "table-danger" not in alice_row
    assert "Enter the minutes" not in alice_row
    assert '<option value="present" selected>' in alice_row
    assert "<b>Bobby</b>" not in response.content.decode()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    status=st.sampled_from(["", *AttendanceStatus.values, "bogus"]),
    minutes=st.one_of(st.text(max_size=6), st.integers(-500, 500).map(str)),
)
def test_whatever_is_typed_the_sheet_answers_without_a_server_error(
    clinician_client, group_session, alice, status, minutes
):
    with undone():
        response = clinician_client.post(
            url(group_session), sheet_post(group_session, [(alice, status, minutes)], version=0)
        )
        assert response.status_code in (200, 302)
        saved = Attendance.objects.filter(session=group_session).first()
        if response.status_code == 200:
            assert saved is None
        elif saved:
            assert 0 <= saved.minutes_attended <= 180


def test_a_stale_sheet_is_refused_with_a_reload_message(
    clinician_client, group_session, clinician, alice, bob
):
    record(group_session, clinician, (alice, "present", 180), version=0)
    response = clinician_client.post(
        url(group_session), sheet_post(group_session, [(alice, "absent", "0")], version=0)
    )
    assert response.status_code == 409
    assert "Reload the page" in response.content.decode()
    assert Attendance.objects.get(client=alice).status == "present"


def test_after_signing_the_sheet_asks_for_a_reason_to_amend(
    clinician_client, group_session, clinician, alice, bob
):
    record(group_session, clinician, (alice, "present", 180), (bob, "present", 180))
    note_sign(note=ProgressNoteFactory(session=group_session, client=alice), actor=clinician)
    rows = [(alice, "present", "180"), (bob, "left_early", "120")]
    response = clinician_client.post(url(group_session), sheet_post(group_session, rows))
    assert "give a reason to amend" in response.content.decode()
    assert Attendance.objects.get(client=bob).status == "present"
    response = clinician_client.post(
        url(group_session),
        sheet_post(group_session, rows, amendment_reason="Left at 8 pm for a family emergency"),
    )
    assert response.status_code == 302
    assert Attendance.objects.get(client=bob).status == "left_early"


@pytest.mark.parametrize("size", [1, 15])
def test_the_session_page_takes_the_same_queries_for_1_or_15_clients(
    clinician_client, clinician, group, size
):
    clients = [EnrollmentFactory(group=group).client for _ in range(size)]
    # All but the first are authorized: one client attended without an authorization.
    for person in clients[1:]:
        AuthorizationFactory(client=person, first_day=timezone.localdate())
    session = session_in_progress(group=group)
    record(session, clinician, *[(person, "present", 180) for person in clients])
    for person in clients[:5]:
        ProgressNoteFactory(session=session, client=person)
    with CaptureQueriesContext(connection) as queries:
        response = clinician_client.get(url(session))
    assert response.status_code == 200
    assert len(queries) == PAGE_QUERIES
    assert response.content.decode().count("No authorization</a>") == 1


# Session (with whether the user documents it), roster, attendance, notes, attended days no
# authorization covers, drop-in choices, chart reads, plus the login session, user, second factor
# and savepoints: never per client.
PAGE_QUERIES = 11 + SECOND_FACTOR_QUERIES


def test_who_attended_on_a_day_no_authorization_covers_is_marked_with_a_link_to_their_chart(
    clinician_client, clinician, group, alice, bob
):
    EnrollmentFactory(group=group, client=alice)
    EnrollmentFactory(group=group, client=bob)
    carol = EnrollmentFactory(group=group).client
    today = timezone.localdate()
    AuthorizationFactory(client=alice, first_day=today)
    # Bob's authorization ended yesterday; Carol's was voided; Dan has none but was absent.
    ended = AuthorizationFactory(client=bob, first_day=today - timedelta(days=10))
    authorization_end(authorization=ended, ended_on=today - timedelta(days=1), reason="Step-down",
                      actor=clinician)  # fmt: skip
    voided = AuthorizationFactory(client=carol, first_day=today)
    authorization_void(authorization=voided, reason="Wrong client", actor=clinician)
    dan = EnrollmentFactory(group=group).client
    session = session_in_progress(group=group)
    record(session, clinician, (alice, "present", 180), (bob, "late", 120),
           (carol, "left_early", 60), (dan, "absent", 0))  # fmt: skip
    rows = {
        row.client: row.unauthorized for row in clinician_client.get(url(session)).context["roster"]
    }
    assert rows == {alice: False, bob: True, carol: True, dan: False}
    page = clinician_client.get(url(session)).content.decode()
    chart = reverse("clients:chart", args=[bob.pk])
    assert f'href="{chart}#chart-authorizations"' in page


def test_an_individual_session_marks_its_client_without_an_authorization(
    hours_into_the_clinic_day, clinician_client, clinician, alice
):
    session = session_in_progress(
        session_type=SessionType.INDIVIDUAL, group=None, client=alice, clinician=clinician
    )
    assert "No authorization</a>" not in clinician_client.get(url(session)).content.decode()
    started = timezone.localtime(session.starts_at)
    clinician_client.post(
        url(session),
        {
            "session_type": SessionType.INDIVIDUAL,
            "held_starts_at": started.strftime("%Y-%m-%dT%H:%M"),
            "held_ends_at": (started + timedelta(minutes=45)).strftime("%Y-%m-%dT%H:%M"),
            "status": "present",
            "minutes": "45",
            "version": "0",
        },
    )
    assert "No authorization</a>" in clinician_client.get(url(session)).content.decode()


def test_a_clinician_who_does_not_run_the_session_cannot_open_it(
    client, second_clinician, group_session
):
    client.force_login(second_clinician)
    assert client.get(url(group_session)).status_code == 404


def test_an_admin_reads_the_sheet_but_cannot_save_it(client, admin, group_session, alice):
    client.force_login(admin)
    page = client.get(url(group_session)).content.decode()
    assert alice.display_name in page
    assert "Save attendance" not in page
    response = client.post(url(group_session), sheet_post(group_session, [(alice, "present", "")]))
    assert response.status_code == 403
    assert not Attendance.objects.exists()


def test_a_drop_in_joins_the_sheet(clinician_client, clinician, group_session):
    visitor = ClientFactory(primary_clinician=clinician)
    clinician_client.post(
        reverse("scheduling:session-drop-in", args=[group_session.pk]), {"client": visitor.pk}
    )
    assert DropIn.objects.filter(session=group_session, client=visitor).exists()
    page = clinician_client.get(url(group_session)).content.decode()
    assert visitor.display_name in page
    assert "Drop-in" in page


def test_the_drop_in_menu_offers_the_caseload_and_finds_others_within_reach(
    clinician_client, clinician, group_session
):
    """The menu never lists the whole clinic: the clinician's own active clients, or a search's
    matches among the clients they may open; those can be added too."""
    own = ClientFactory(primary_clinician=clinician, legal_last_name="Ownclient")
    other = ClientFactory(legal_last_name="Elsewhere")
    EnrollmentFactory(group=GroupFactory(facilitators=[clinician]), client=other)
    page = clinician_client.get(url(group_session)).content.decode()
    assert own.display_name in page
    assert other.display_name not in page
    found = clinician_client.get(url(group_session), {"drop_in_search": "Elsewhere"})
    assert other.display_name in found.content.decode()
    clinician_client.post(
        reverse("scheduling:session-drop-in", args=[group_session.pk]), {"client": other.pk}
    )
    assert DropIn.objects.filter(session=group_session, client=other).exists()


def test_a_client_outside_the_clinicians_reach_is_no_drop_in_choice(
    clinician_client, group_session
):
    stranger = ClientFactory(legal_last_name="Stranger")
    page = clinician_client.get(url(group_session)).content.decode()
    assert stranger.display_name not in page
    found = clinician_client.get(url(group_session), {"drop_in_search": "Stranger"})
    assert stranger.display_name not in found.content.decode()
    clinician_client.post(
        reverse("scheduling:session-drop-in", args=[group_session.pk]), {"client": stranger.pk}
    )
    assert not DropIn.objects.filter(client=stranger).exists()


def test_a_bad_drop_in_is_refused_with_a_message(clinician_client, group_session, alice):
    response = clinician_client.post(
        reverse("scheduling:session-drop-in", args=[group_session.pk]),
        {"client": alice.pk},
        follow=True,
    )
    assert "already on the roster" in response.content.decode()
    assert not DropIn.objects.exists()


@pytest.mark.parametrize("name", ["scheduling:session-summary", "scheduling:session-drop-in"])
def test_the_session_page_actions_take_only_a_post(clinician_client, group_session, name):
    response = clinician_client.get(reverse(name, args=[group_session.pk]))
    assert response.status_code == 405
    assert not SessionLog.objects.filter(session=group_session).exists()
    assert not DropIn.objects.exists()


def test_a_drop_in_without_a_client_says_what_to_do(clinician_client, group_session):
    response = clinician_client.post(
        reverse("scheduling:session-drop-in", args=[group_session.pk]), {}, follow=True
    )
    assert "Choose a client to add as a drop-in." in response.content.decode()
    assert not DropIn.objects.exists()


def test_the_group_summary_is_saved_from_the_session_page(clinician_client, group_session):
    clinician_client.post(
        reverse("scheduling:session-summary", args=[group_session.pk]),
        {"topic": "Managing triggers", "interventions": "Motivational interviewing"},
    )
    assert SessionLog.objects.get(session=group_session).topic == "Managing triggers"


def test_an_individual_session_is_logged_with_the_times_it_was_held(
    hours_into_the_clinic_day, clinician_client, clinician, alice
):
    session = session_in_progress(
        session_type=SessionType.INDIVIDUAL, group=None, client=alice, clinician=clinician
    )
    started = timezone.localtime(session.starts_at + timedelta(minutes=10))
    response = clinician_client.post(
        url(session),
        {
            "session_type": SessionType.INDIVIDUAL,
            "held_starts_at": started.strftime("%Y-%m-%dT%H:%M"),
            "held_ends_at": (started + timedelta(minutes=45)).strftime("%Y-%m-%dT%H:%M"),
            "status": "present",
            "minutes": "45",
            "version": "0",
        },
    )
    assert response.status_code == 302
    assert Attendance.objects.get(session=session).minutes_attended == 45


def test_an_individual_session_ending_before_it_started_is_refused(
    hours_into_the_clinic_day, clinician_client, clinician, alice
):
    session = session_in_progress(
        session_type=SessionType.INDIVIDUAL, group=None, client=alice, clinician=clinician
    )
    started = timezone.localtime(session.starts_at)
    response = clinician_client.post(
        url(session),
        {
            "session_type": SessionType.INDIVIDUAL,
            "held_starts_at": started.strftime("%Y-%m-%dT%H:%M"),
            "held_ends_at": (started - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
            "status": "present",
            "minutes": "45",
            "version": "0",
        },
    )
    assert "The end must be after the start." in response.content.decode()
    assert not Attendance.objects.exists()


def test_before_the_session_starts_the_sheet_says_when_attendance_opens(
    clinician_client, group, alice
):
    EnrollmentFactory(group=group, client=alice)
    later = session_in_progress(group=group)
    later.starts_at += timedelta(hours=3)
    later.ends_at += timedelta(hours=3)
    later.save()
    assert (
        "Attendance opens when the session starts"
        in clinician_client.get(url(later)).content.decode()
    )
    response = clinician_client.post(url(later), sheet_post(later, [(alice, "present", "")]))
    assert "This session has not started yet." in response.content.decode()
    assert not Attendance.objects.exists()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(choice=st.one_of(st.text(max_size=8), st.integers(-5, 10**6).map(str)))
def test_any_drop_in_choice_is_refused_with_a_message_unless_it_is_a_client(
    clinician_client, group_session, choice
):
    response = clinician_client.post(
        reverse("scheduling:session-drop-in", args=[group_session.pk]),
        {"client": choice},
        follow=True,
    )
    assert response.status_code == 200
    assert DropIn.objects.filter(session=group_session).exists() == (
        "added as a drop-in" in response.content.decode()
    )
