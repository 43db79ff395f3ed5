"""The note page: draft, sign, read the locked note, add an addendum."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iop.models import ChartRead
from scheduling.models import NoteAddendum, ProgressNote
from scheduling.services.attendance import session_summary_update
from scheduling.services.notes import note_sign
from tests.factories import ClientFactory, ProgressNoteFactory
from tests.scheduling.helpers import record

DAP = {
    "data": "Described a craving at work; used a grounding skill.",
    "assessment": "Coping skills emerging; denies use.",
    "plan": "Continue urge log; attend Thursday group.",
}


@pytest.fixture
def attended(group_session, clinician, alice, bob):
    record(group_session, clinician, (alice, "present", 180), (bob, "absent", 0))
    # A group note is signed with its session's topic.
    session_summary_update(
        session=group_session, actor=clinician, topic="Relapse warning signs", interventions=""
    )
    return group_session


def note_url(session, person):
    return reverse("scheduling:note", args=[session.pk, person.pk])


def test_a_clinician_saves_a_draft_then_signs_it(clinician_client, attended, alice, clinician):
    session_summary_update(session=attended, actor=clinician, topic="Triggers", interventions="CBT")
    clinician_client.post(note_url(attended, alice), {**DAP, "save": ""})
    note = ProgressNote.objects.get(session=attended, client=alice)
    assert not note.is_signed
    asked = clinician_client.post(note_url(attended, alice), {**DAP, "sign": ""})
    assert "Sign and lock this note?" in asked.content.decode()
    response = clinician_client.post(
        note_url(attended, alice), {**DAP, "sign": "", "confirm": "yes"}, follow=True
    )
    note.refresh_from_db()
    assert note.signed_by == clinician
    assert note.group_topic == "Triggers"
    page = response.content.decode()
    assert "Signed and locked" in page
    assert "Sign and add addendum" in page
    assert ChartRead.objects.filter(client_ids__contains=[alice.pk], what="progress note").exists()


def test_signing_asks_for_confirmation_before_locking(clinician_client, attended, alice):
    """The first press shows what will be locked and changes nothing, not even the draft."""
    response = clinician_client.post(note_url(attended, alice), {**DAP, "sign": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Sign and lock this note?" in page
    assert "can never be changed or removed" in page
    assert DAP["plan"] in page
    assert "Relapse warning signs" in page  # the group summary it will carry
    assert 'name="confirm" value="yes"' in page
    assert not ProgressNote.objects.exists()


def test_going_back_from_the_confirmation_keeps_the_text_and_signs_nothing(
    clinician_client, attended, alice
):
    response = clinician_client.post(note_url(attended, alice), {**DAP, "sign": "", "back": "1"})
    page = response.content.decode()
    assert "Sign and lock this note?" not in page
    assert DAP["assessment"] in page
    assert not ProgressNote.objects.exists()


def test_a_group_note_cannot_be_signed_without_a_topic(
    clinician_client, attended, alice, clinician
):
    session_summary_update(session=attended, actor=clinician, topic="", interventions="")
    for confirmed in ({}, {"confirm": "yes"}):
        response = clinician_client.post(
            note_url(attended, alice), {**DAP, "sign": "", **confirmed}
        )
        page = response.content.decode()
        assert "Write the group&#x27;s topic on the session page before signing." in page
        assert "Sign and lock this note?" not in page
        assert not ProgressNote.objects.exists()


def test_signing_an_incomplete_note_says_what_is_missing(clinician_client, attended, alice):
    response = clinician_client.post(
        note_url(attended, alice), {**DAP, "plan": "", "sign": ""}, follow=True
    )
    assert "Fill this in before signing." in response.content.decode()
    assert not ProgressNote.objects.filter(signed_at__isnull=False).exists()


def test_a_confirmed_signature_that_is_refused_keeps_the_draft_as_it_was(
    clinician_client, attended, alice
):
    clinician_client.post(note_url(attended, alice), {**DAP, "save": ""})
    response = clinician_client.post(
        note_url(attended, alice),
        {**DAP, "data": "Changed on the way to signing.", "plan": "", "sign": "", "confirm": "yes"},
    )
    assert "Fill this in before signing." in response.content.decode()
    draft = ProgressNote.objects.get()
    assert (draft.data, draft.plan, draft.is_signed) == (DAP["data"], DAP["plan"], False)


def test_adding_an_addendum_takes_only_a_post(clinician_client, attended, alice, clinician):
    note = note_sign(note=ProgressNoteFactory(session=attended, client=alice), actor=clinician)
    response = clinician_client.get(reverse("scheduling:note-addendum", args=[note.pk]))
    assert response.status_code == 405
    assert not NoteAddendum.objects.exists()


def test_a_note_for_someone_who_was_absent_is_refused(clinician_client, attended, bob):
    response = clinician_client.post(note_url(attended, bob), {**DAP, "save": ""})
    assert "present, late or left early" in response.content.decode()
    assert not ProgressNote.objects.exists()


def test_a_null_character_gets_a_field_error(clinician_client, attended, alice):
    response = clinician_client.post(note_url(attended, alice), {**DAP, "data": "a\x00b"})
    assert "Null characters are not allowed." in response.content.decode()
    assert not ProgressNote.objects.exists()


def test_a_signed_note_cannot_be_posted_over(clinician_client, attended, alice, clinician):
    note = note_sign(note=ProgressNoteFactory(session=attended, client=alice), actor=clinician)
    response = clinician_client.post(note_url(attended, alice), {**DAP, "save": ""})
    assert response.status_code == 403
    note.refresh_from_db()
    assert note.data != DAP["data"]


def test_an_addendum_is_signed_and_shown_under_the_note(
    clinician_client, attended, alice, clinician
):
    note = note_sign(note=ProgressNoteFactory(session=attended, client=alice), actor=clinician)
    response = clinician_client.post(
        reverse("scheduling:note-addendum", args=[note.pk]),
        {"text": "Correction: the craving was on Tuesday."},
        follow=True,
    )
    assert "Correction: the craving was on Tuesday." in response.content.decode()
    assert NoteAddendum.objects.get().author == clinician


def test_an_empty_addendum_is_refused_with_a_message(clinician_client, attended, alice, clinician):
    note = note_sign(note=ProgressNoteFactory(session=attended, client=alice), actor=clinician)
    response = clinician_client.post(
        reverse("scheduling:note-addendum", args=[note.pk]), {"text": "  "}, follow=True
    )
    assert "The addendum was not added" in response.content.decode()
    assert not NoteAddendum.objects.exists()


def test_a_client_not_in_the_session_has_no_note_page(clinician_client, attended):
    assert clinician_client.get(note_url(attended, ClientFactory())).status_code == 404


def test_another_clinician_cannot_open_or_amend_the_note(
    client, second_clinician, attended, alice, clinician
):
    note = note_sign(note=ProgressNoteFactory(session=attended, client=alice), actor=clinician)
    client.force_login(second_clinician)
    assert client.get(note_url(attended, alice)).status_code == 404
    response = client.post(reverse("scheduling:note-addendum", args=[note.pk]), {"text": "x"})
    assert response.status_code == 404
    assert not NoteAddendum.objects.exists()


def test_an_admin_reads_a_note_but_cannot_write_it(client, admin, attended, alice, clinician):
    ProgressNoteFactory(session=attended, client=alice, data="Observed calm affect.")
    client.force_login(admin)
    page = client.get(note_url(attended, alice)).content.decode()
    assert "Observed calm affect." in page
    assert "Sign and lock" not in page
    assert client.post(note_url(attended, alice), {**DAP, "save": ""}).status_code == 403


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=200))
def test_any_addendum_text_is_added_as_typed_or_refused_with_a_message(
    clinician_client, attended, alice, clinician, text
):
    note = ProgressNote.objects.filter(session=attended, client=alice).first() or note_sign(
        note=ProgressNoteFactory(session=attended, client=alice), actor=clinician
    )
    before = NoteAddendum.objects.count()
    response = clinician_client.post(
        reverse("scheduling:note-addendum", args=[note.pk]), {"text": text}, follow=True
    )
    assert response.status_code == 200
    if text.strip() and "\x00" not in text:
        assert NoteAddendum.objects.latest("pk").text == text.strip()
    else:
        assert "The addendum was not added" in response.content.decode()
        assert NoteAddendum.objects.count() == before
