"""`Attendance.note_signed` is exact: whatever path signs a note or records attendance, the flag
equals a direct look at the notes, so the overdue lists, which trust it (and read no note), list
what the signed-note test listed. A signed note is never changed or deleted (test_keep_history),
so the flag never has to fall."""

from datetime import timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from iop.models import User
from scheduling.models import (
    ATTENDED_STATUSES,
    Attendance,
    AttendanceStatus,
    ProgressNote,
    Session,
)
from scheduling.selectors.attendance import (
    NOTE_DUE_AFTER,
    overdue_by_clinician,
    overdue_documentation_get,
    overdue_note_list,
    session_is_visible_to,
)
from scheduling.services.attendance import session_summary_update
from scheduling.services.notes import note_addendum_add, note_save, note_sign
from tests.factories import (
    AttendanceFactory,
    ClientFactory,
    EnrollmentFactory,
    GroupFactory,
    ProgressNoteFactory,
    SessionFactory,
)
from tests.scheduling.helpers import record


def _signed_note(session, client):
    """A note inserted already signed, as the model allows."""
    return ProgressNoteFactory(
        session=session, client=client, signed_by=session.clinician, signed_at=timezone.now()
    )


def assert_flags_exact():
    """The flags agree with the notes themselves: the attendance's signed flag, its open work
    (attended, no signed note) and the sessions' open-notes flag."""
    signed_note = ProgressNote.objects.filter(
        session_id=OuterRef("session_id"), client_id=OuterRef("client_id"), signed_at__isnull=False
    )
    rows = Attendance.objects.annotate(truly_signed=Exists(signed_note))
    assert {(row.pk, row.note_signed) for row in rows} == {
        (row.pk, row.truly_signed) for row in rows
    }
    truly_open = {
        row.pk for row in rows if row.status in ATTENDED_STATUSES and not row.truly_signed
    }
    assert set(Attendance.objects.filter(note_open=True).values_list("pk", flat=True)) == (
        truly_open
    )
    assert set(Session.objects.filter(notes_open=True).values_list("pk", flat=True)) == set(
        Attendance.objects.filter(pk__in=truly_open).values_list("session_id", flat=True)
    )


def _flag(session, client) -> bool:
    return Attendance.objects.get(session=session, client=client).note_signed


def test_signing_a_draft_sets_the_flag(group_session, clinician, alice, bob):
    record(
        group_session,
        clinician,
        (alice, AttendanceStatus.PRESENT, 180),
        (bob, AttendanceStatus.PRESENT, 180),
    )
    draft = ProgressNoteFactory(session=group_session, client=alice)
    assert not _flag(group_session, alice)
    assert_flags_exact()
    note_sign(note=draft, actor=clinician)
    assert _flag(group_session, alice)
    assert not _flag(group_session, bob)
    assert_flags_exact()


def test_a_note_saved_and_signed_at_once_sets_the_flag(group_session, clinician, alice):
    record(group_session, clinician, (alice, AttendanceStatus.PRESENT, 180))
    session_summary_update(
        session=group_session, actor=clinician, topic="Coping with cravings", interventions=""
    )
    note_save(
        session=group_session,
        client=alice,
        actor=clinician,
        data="Shared about the week.",
        assessment="Engaged.",
        plan="Continue.",
        objective_ids=[],
        sign=True,
    )
    assert _flag(group_session, alice)
    assert_flags_exact()


def test_a_note_inserted_signed_sets_the_flag(group_session, clinician, alice, bob):
    record(
        group_session,
        clinician,
        (alice, AttendanceStatus.PRESENT, 180),
        (bob, AttendanceStatus.LATE, 150),
    )
    ProgressNote.objects.bulk_create(
        [
            ProgressNote(
                session=group_session,
                client=client,
                author=clinician,
                data="d",
                assessment="a",
                plan="p",
                signed_by=clinician,
                signed_at=timezone.now(),
            )
            for client in (alice, bob)
        ]
    )
    assert _flag(group_session, alice)
    assert _flag(group_session, bob)
    assert_flags_exact()


def test_attendance_recorded_after_its_note_was_signed_takes_the_flag(
    group_session, clinician, alice, bob
):
    _signed_note(group_session, alice)
    ProgressNoteFactory(session=group_session, client=bob)  # a draft only
    record(
        group_session,
        clinician,
        (alice, AttendanceStatus.PRESENT, 180),
        (bob, AttendanceStatus.PRESENT, 180),
        reason="Recorded after the notes.",
    )
    assert _flag(group_session, alice)
    assert not _flag(group_session, bob)
    assert_flags_exact()


def test_rows_inserted_in_bulk_take_the_flag_from_the_notes(clinician):
    group = GroupFactory(facilitators=[clinician])
    sessions = [
        SessionFactory(group=group, starts_at=timezone.now() - timedelta(days=day + 2))
        for day in range(3)
    ]
    clients = [ClientFactory() for _ in range(4)]
    for index, (session, client) in enumerate(
        (session, client) for session in sessions for client in clients
    ):
        if index % 3 == 0:
            _signed_note(session, client)
        elif index % 3 == 1:
            ProgressNoteFactory(session=session, client=client)
    Attendance.objects.bulk_create(
        [
            # A flag claimed on a row without a signed note does not stick either.
            Attendance(
                session=session,
                client=client,
                status=AttendanceStatus.PRESENT,
                minutes_attended=180,
                session_minutes=180,
                recorded_by=clinician,
                note_signed=True,
            )
            for session in sessions
            for client in clients
        ]
    )
    assert Attendance.objects.filter(note_signed=True).count() == 4
    assert_flags_exact()


def test_a_stale_flag_saved_from_memory_does_not_stick(group_session, clinician, alice):
    record(group_session, clinician, (alice, AttendanceStatus.PRESENT, 180))
    stale = Attendance.objects.get(session=group_session, client=alice)
    note_sign(note=ProgressNoteFactory(session=group_session, client=alice), actor=clinician)
    stale.save()  # writes note_signed=False from memory
    assert _flag(group_session, alice)
    Attendance.objects.filter(pk=stale.pk).update(note_signed=False)
    assert _flag(group_session, alice)
    assert_flags_exact()


def test_attendance_moved_to_another_client_or_session_asks_the_notes_again(
    group_session, clinician, alice, bob
):
    AttendanceFactory(session=group_session, client=alice)
    _signed_note(group_session, bob)
    row = Attendance.objects.get(session=group_session, client=alice)
    Attendance.objects.filter(pk=row.pk).update(client=bob)
    assert Attendance.objects.get(pk=row.pk).note_signed
    elsewhere = SessionFactory(
        group=group_session.group, starts_at=timezone.now() - timedelta(days=3)
    )
    Attendance.objects.filter(pk=row.pk).update(session=elsewhere)
    assert not Attendance.objects.get(pk=row.pk).note_signed
    assert_flags_exact()


def test_amendments_and_addenda_keep_the_flag(group_session, clinician, alice, bob):
    record(
        group_session,
        clinician,
        (alice, AttendanceStatus.PRESENT, 180),
        (bob, AttendanceStatus.PRESENT, 180),
    )
    note = note_sign(note=ProgressNoteFactory(session=group_session, client=alice), actor=clinician)
    note_addendum_add(note=note, actor=clinician, text="She called after the session.")
    assert _flag(group_session, alice)
    record(
        group_session,
        clinician,
        (alice, AttendanceStatus.LATE, 150),
        (bob, AttendanceStatus.ABSENT, 0),
        reason="Corrected from the sign-in sheet.",
    )
    assert _flag(group_session, alice)
    assert not Attendance.objects.get(session=group_session, client=bob).note_open
    assert_flags_exact()
    record(
        group_session,
        clinician,
        (bob, AttendanceStatus.PRESENT, 180),
        reason="He was there after all.",
    )
    assert Attendance.objects.get(session=group_session, client=bob).note_open
    assert_flags_exact()


def _overdue_by_the_notes(*, user: User, now):
    """The overdue notes as the lists found them before the flag was exact: the signed-note test
    decides."""
    signed_note = ProgressNote.objects.filter(
        session_id=OuterRef("session_id"), client_id=OuterRef("client_id"), signed_at__isnull=False
    )
    return (
        Attendance.objects.filter(
            session_is_visible_to(user=user, via="session__"),
            status__in=ATTENDED_STATUSES,
            session__status=Session.Status.SCHEDULED,
            session__ends_at__lte=now - NOTE_DUE_AFTER,
        )
        .exclude(Exists(signed_note))
        .order_by("session__starts_at", "session_id", "client_id")
    )


def test_the_overdue_lists_show_what_the_signed_note_test_showed(
    admin, clinician, second_clinician
):
    """Every way a note comes to be signed, or not, across two clinicians' sessions: the lists
    trusting the flag give the same rows and counts as the direct test of the notes."""
    sessions = []
    for facilitator in (clinician, second_clinician):
        group = GroupFactory(facilitators=[facilitator])
        clients = [EnrollmentFactory(group=group).client for _ in range(5)]
        for day in range(3):
            session = SessionFactory(
                group=group, starts_at=timezone.now() - timedelta(days=day + 2)
            )
            sessions.append(session)
            first, second, third, fourth, fifth = clients
            _signed_note(session, first)  # signed before the attendance
            record(
                session,
                facilitator,
                (first, AttendanceStatus.PRESENT, 180),
                (second, AttendanceStatus.PRESENT, 180),
                (third, AttendanceStatus.LATE, 150),
                (fourth, AttendanceStatus.LEFT_EARLY, 100),
                (fifth, AttendanceStatus.ABSENT, 0),
                reason="Recorded after the first note.",
            )
            note_sign(note=ProgressNoteFactory(session=session, client=second), actor=facilitator)
            ProgressNoteFactory(session=session, client=third)  # a draft: still overdue
            # the fourth has no note at all: overdue
    assert_flags_exact()
    now = timezone.now()
    for user in (admin, clinician, second_clinician):
        expected = list(_overdue_by_the_notes(user=user, now=now).values_list("pk", flat=True))
        assert len(expected) == (12 if user.is_admin else 6)
        assert sorted(overdue_note_list(user=user, now=now).values_list("pk", flat=True)) == (
            sorted(expected)
        )
        shown = overdue_documentation_get(user=user, now=now, shown=4)
        assert shown["overdue_note_count"] == len(expected)
        assert {row.pk for row in shown["overdue_notes"]} == set(expected[:4])
    counts = {row.clinician: row.notes for row in overdue_by_clinician(user=admin, now=now)}
    assert counts == {clinician: 6, second_clinician: 6}
