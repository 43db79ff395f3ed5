"""Progress notes: drafts, signing, locks (down to the database) and addenda."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.models import AttendanceStatus, NoteAddendum, ProgressNote, SessionType
from scheduling.services.attendance import individual_session_log, session_summary_update
from scheduling.services.notes import note_addendum_add, note_save, note_sign
from tests.factories import ProgressNoteFactory, UserFactory
from tests.helpers import undone
from tests.scheduling.helpers import record, session_in_progress

P, ABSENT = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT


@pytest.fixture
def attended(group_session, clinician, alice, bob):
    record(group_session, clinician, (alice, P, 180), (bob, ABSENT, 0))
    # A group note is signed with its session's topic.
    session_summary_update(
        session=group_session, actor=clinician, topic="Relapse warning signs", interventions=""
    )
    return group_session


def write(session, client, author, **fields):
    return note_save(
        session=session,
        client=client,
        actor=author,
        data=fields.get("data", "Shared a relapse-warning sign; engaged in role play."),
        assessment=fields.get("assessment", "Insight improving; no safety concerns."),
        plan=fields.get("plan", "Practice urge surfing daily; review Thursday."),
        objective_ids=fields.get("objective_ids", []),
    )


def test_a_clinician_drafts_then_signs_a_note_which_stamps_who_and_when(attended, clinician, alice):
    session_summary_update(
        session=attended, actor=clinician, topic="Cravings", interventions="CBT, role play"
    )
    note = write(attended, alice, clinician)
    assert not note.is_signed
    note = write(attended, alice, clinician, plan="Call sponsor twice this week.")
    signed = note_sign(note=note, actor=clinician)
    assert signed.signed_by == clinician
    assert signed.signed_at is not None
    assert (signed.plan, signed.group_topic, signed.group_interventions) == (
        "Call sponsor twice this week.",
        "Cravings",
        "CBT, role play",
    )


def test_saving_with_sign_saves_and_signs_in_one_go(attended, clinician, alice):
    note = write(attended, alice, clinician, plan="Draft plan.")
    signed = note_save(
        session=attended,
        client=alice,
        actor=clinician,
        data=note.data,
        assessment=note.assessment,
        plan="Call sponsor twice this week.",
        objective_ids=[],
        sign=True,
    )
    assert signed.is_signed
    assert ProgressNote.objects.get(pk=note.pk).plan == "Call sponsor twice this week."


def test_a_refused_signature_leaves_the_draft_as_it_was(attended, clinician, alice):
    note = write(attended, alice, clinician, plan="Draft plan.")
    with pytest.raises(ValidationError) as refused:
        note_save(
            session=attended,
            client=alice,
            actor=clinician,
            data="A new observation.",
            assessment=note.assessment,
            plan="",
            objective_ids=[],
            sign=True,
        )
    assert "plan" in refused.value.message_dict
    unchanged = ProgressNote.objects.get(pk=note.pk)
    assert (unchanged.data, unchanged.plan, unchanged.is_signed) == (
        note.data,
        "Draft plan.",
        False,
    )


def test_a_refused_first_signature_stores_no_note(attended, clinician, alice):
    with pytest.raises(ValidationError):
        note_save(
            session=attended,
            client=alice,
            actor=clinician,
            data="Observed calm affect.",
            assessment="",
            plan="",
            objective_ids=[],
            sign=True,
        )
    assert not ProgressNote.objects.exists()


def test_a_group_note_cannot_be_signed_without_a_topic(attended, clinician, alice):
    session_summary_update(session=attended, actor=clinician, topic="  ", interventions="CBT")
    note = write(attended, alice, clinician)
    with pytest.raises(ValidationError) as refused:
        note_sign(note=note, actor=clinician)
    assert refused.value.message_dict == {
        "group_topic": ["Write the group's topic on the session page before signing."]
    }
    assert not ProgressNote.objects.get(pk=note.pk).is_signed


def test_an_individual_note_needs_no_topic(hours_into_the_clinic_day, clinician, alice):
    session = session_in_progress(
        session_type=SessionType.INDIVIDUAL, group=None, client=alice, clinician=clinician
    )
    individual_session_log(
        session=session,
        actor=clinician,
        session_type=SessionType.INDIVIDUAL,
        held_starts_at=session.starts_at,
        held_ends_at=session.starts_at + timedelta(minutes=50),
        status=P,
        minutes_attended=50,
        expected_version=0,
    )
    assert note_sign(note=write(session, alice, clinician), actor=clinician).group_topic == ""


def test_a_note_is_only_for_a_client_who_attended(attended, clinician, bob):
    with pytest.raises(ValidationError, match="present, late or left early"):
        write(attended, bob, clinician)
    assert not ProgressNote.objects.exists()


def test_a_clinician_who_does_not_run_the_session_cannot_write_its_notes(
    attended, second_clinician, alice
):
    with pytest.raises(ValidationError, match="Only the clinicians who run this session"):
        write(attended, alice, second_clinician)


def test_nobody_signs_someone_elses_note(attended, clinician, second_clinician, alice, group):
    group.facilitators.add(second_clinician)
    note = write(attended, alice, clinician)
    with pytest.raises(ValidationError, match="Only the note's author can sign it"):
        note_sign(note=note, actor=second_clinician)
    with pytest.raises(ValidationError, match="only its author edits it"):
        write(attended, alice, second_clinician)
    note.refresh_from_db()
    assert not note.is_signed


def test_an_incomplete_note_cannot_be_signed(attended, clinician, alice):
    note = write(attended, alice, clinician, assessment="  ")
    with pytest.raises(ValidationError) as refused:
        note_sign(note=note, actor=clinician)
    assert refused.value.message_dict == {"assessment": ["Fill this in before signing."]}
    note.refresh_from_db()
    assert not note.is_signed


def test_a_signed_note_cannot_be_edited_or_signed_again_through_the_app(attended, clinician, alice):
    note = note_sign(note=write(attended, alice, clinician), actor=clinician)
    with pytest.raises(ValidationError, match="signed and locked"):
        write(attended, alice, clinician, data="Rewritten history")
    with pytest.raises(ValidationError, match="signed and locked"):
        note_sign(note=note, actor=clinician)
    note.refresh_from_db()
    assert note.data != "Rewritten history"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE scheduling_progressnote SET data = 'changed' WHERE id = %s",
        "UPDATE scheduling_progressnote SET signed_at = NULL, signed_by_id = NULL WHERE id = %s",
        "DELETE FROM scheduling_progressnote WHERE id = %s",
    ],
)
def test_the_database_refuses_a_raw_update_or_delete_of_a_signed_note(
    attended, clinician, alice, sql
):
    note = note_sign(note=write(attended, alice, clinician), actor=clinician)
    with (
        pytest.raises(InternalError, match="note_locked_once_signed"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [note.pk])
    assert ProgressNote.objects.get(pk=note.pk).data == note.data


def test_the_model_save_of_a_signed_note_is_refused_too(attended, clinician, alice):
    note = note_sign(note=write(attended, alice, clinician), actor=clinician)
    note.data = "changed"
    with pytest.raises(InternalError), transaction.atomic():
        note.save()


def test_a_raw_update_of_a_draft_is_allowed(attended, clinician, alice):
    note = write(attended, alice, clinician)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE scheduling_progressnote SET data = 'x' WHERE id = %s", [note.pk])
    assert ProgressNote.objects.get(pk=note.pk).data == "x"


def test_a_signed_note_gets_a_signed_addendum_that_is_itself_locked(attended, clinician, alice):
    note = note_sign(note=write(attended, alice, clinician), actor=clinician)
    addendum = note_addendum_add(note=note, actor=clinician, text="Client called: date was 11/2.")
    assert addendum.signed_at is not None
    assert list(note.addenda.all()) == [addendum]
    with (
        pytest.raises(InternalError, match="addendum_append_only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE scheduling_noteaddendum SET text = 'x' WHERE id = %s", [addendum.pk])


def test_a_draft_gets_no_addendum_and_an_empty_addendum_is_refused(attended, clinician, alice):
    note = write(attended, alice, clinician)
    with pytest.raises(ValidationError, match="still a draft"):
        note_addendum_add(note=note, actor=clinician, text="More")
    note = note_sign(note=note, actor=clinician)
    with pytest.raises(ValidationError) as refused:
        note_addendum_add(note=note, actor=clinician, text="   ")
    assert refused.value.message_dict == {"text": ["Write the addendum."]}
    assert not NoteAddendum.objects.exists()


def test_the_database_refuses_a_signature_by_someone_other_than_the_author(
    attended, clinician, second_clinician, alice
):
    note = write(attended, alice, clinician)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE scheduling_progressnote SET signed_at = now(), signed_by_id = %s WHERE id = %s",
            [second_clinician.pk, note.pk],
        )


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.text(max_size=300), assessment=st.text(max_size=300), plan=st.text(max_size=300))
def test_any_text_either_saves_as_typed_or_is_refused_without_changes(
    attended, clinician, alice, data, assessment, plan
):
    with undone():
        save = {
            "session": attended,
            "client": alice,
            "actor": clinician,
            "data": data,
            "assessment": assessment,
            "plan": plan,
            "objective_ids": [],
        }
        if "\x00" in data + assessment + plan:
            with pytest.raises(ValidationError) as refused:
                note_save(**save)
            assert "Null characters are not allowed." in str(refused.value.message_dict)
            assert not ProgressNote.objects.filter(session=attended).exists()
            return
        note = note_save(**save)
        assert (note.data, note.assessment, note.plan) == (
            data.strip(),
            assessment.strip(),
            plan.strip(),
        )


def test_a_factory_note_is_a_signable_draft(attended, clinician, alice):
    note = ProgressNoteFactory(session=attended, client=alice)
    assert note_sign(note=note, actor=clinician).is_signed


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(signer=st.sampled_from(["author", "co-facilitator", "other clinician", "admin"]))
def test_only_the_author_signs_and_a_refused_signature_changes_nothing(
    attended, clinician, second_clinician, admin, group, alice, signer
):
    group.facilitators.add(second_clinician)
    note = ProgressNote.objects.filter(session=attended, client=alice).first() or write(
        attended, alice, clinician
    )
    people = {
        "author": clinician,
        "co-facilitator": second_clinician,
        "other clinician": UserFactory(),
        "admin": admin,
    }
    if note.is_signed or signer != "author":
        with pytest.raises(ValidationError):
            note_sign(note=note, actor=people[signer])
        assert ProgressNote.objects.get(pk=note.pk).signed_at == note.signed_at
    else:
        assert note_sign(note=note, actor=people[signer]).signed_by == clinician
