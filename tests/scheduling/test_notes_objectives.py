"""A progress note links the treatment plan objectives it addressed: only the client's active
plan's, and locked with the note once it is signed (down to the database)."""

import re

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.models import Intervention, Objective
from clients.services.plans import intervention_add, objective_add, treatment_plan_activate
from scheduling.models import NoteObjective, ProgressNote
from scheduling.services.attendance import session_summary_update
from scheduling.services.notes import note_save, note_sign
from tests.factories import TreatmentPlanFactory
from tests.scheduling.helpers import record

DAP = {
    "data": "Named two triggers at work; practised a refusal script.",
    "assessment": "Engaged; insight growing; no safety concerns.",
    "plan": "Log cravings daily; review the coping card Thursday.",
}
REFUSED = "Choose only objectives of this client's active treatment plan."


@pytest.fixture
def attended(group_session, clinician, alice, bob):
    record(group_session, clinician, (alice, "present", 180), (bob, "present", 180))
    # A group note is signed with its session's topic.
    session_summary_update(
        session=group_session, actor=clinician, topic="Relapse warning signs", interventions=""
    )
    return group_session


def objectives_of(plan):
    return list(Objective.objects.filter(goal__problem__plan=plan).order_by("pk"))


def active_plan_objectives(client, count=1):
    """The objectives of a new active plan for `client` (superseding any active one)."""
    plan = TreatmentPlanFactory(client=client, status="draft")
    goal = objectives_of(plan)[0].goal
    for number in range(1, count):
        objective = objective_add(
            goal=goal,
            description=f"Practise coping skill {number} before each shift",
            target_date=goal.objectives.first().target_date,
        )
        intervention_add(
            objective=objective,
            modality=Intervention.Modality.INDIVIDUAL,
            frequency="weekly",
            responsible=client.primary_clinician,
        )
    treatment_plan_activate(plan=plan, actor=client.primary_clinician)
    return objectives_of(plan)


def write(session, client, author, objective_ids, **changes):
    return note_save(
        session=session,
        client=client,
        actor=author,
        objective_ids=objective_ids,
        **{**DAP, **changes},
    )


def linked(note):
    return set(NoteObjective.objects.filter(note=note).values_list("objective_id", flat=True))


# Services


def test_a_note_links_the_objectives_it_addressed_and_relinks_while_a_draft(
    attended, clinician, alice
):
    first, second = active_plan_objectives(alice, count=2)
    note = write(attended, alice, clinician, [first.pk])
    assert linked(note) == {first.pk}
    assert list(first.progress_notes.all()) == [note]
    note = write(attended, alice, clinician, [second.pk, first.pk])
    assert linked(note) == {first.pk, second.pk}
    note = write(attended, alice, clinician, [])
    assert linked(note) == set()


def test_another_clients_objective_is_refused_and_nothing_changes(attended, clinician, alice, bob):
    (alices,) = active_plan_objectives(alice)
    (bobs,) = active_plan_objectives(bob)
    note = write(attended, alice, clinician, [alices.pk])
    with pytest.raises(ValidationError) as refused:
        write(attended, alice, clinician, [alices.pk, bobs.pk], plan="Changed plan")
    assert refused.value.message_dict == {"objectives": [REFUSED]}
    note.refresh_from_db()
    assert note.plan == DAP["plan"]
    assert linked(note) == {alices.pk}


def test_a_superseded_or_draft_plans_objective_is_refused(attended, clinician, alice):
    (superseded,) = active_plan_objectives(alice)
    active_plan_objectives(alice)
    (drafted,) = objectives_of(TreatmentPlanFactory(client=alice, status="draft"))
    for objective in (superseded, drafted):
        with pytest.raises(ValidationError, match="active treatment plan"):
            write(attended, alice, clinician, [objective.pk])
    assert not ProgressNote.objects.exists()


def test_a_signed_notes_objectives_cannot_change(attended, clinician, alice):
    first, second = active_plan_objectives(alice, count=2)
    note = note_sign(note=write(attended, alice, clinician, [first.pk]), actor=clinician)
    with pytest.raises(ValidationError, match="signed and locked"):
        write(attended, alice, clinician, [second.pk])
    assert linked(note) == {first.pk}


def test_a_signed_note_keeps_its_objectives_when_the_plan_is_revised(attended, clinician, alice):
    (addressed,) = active_plan_objectives(alice)
    note = note_sign(note=write(attended, alice, clinician, [addressed.pk]), actor=clinician)
    active_plan_objectives(alice)
    assert linked(note) == {addressed.pk}


# The database


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM scheduling_noteobjective WHERE note_id = %(note)s",
        "UPDATE scheduling_noteobjective SET objective_id = %(other)s WHERE note_id = %(note)s",
        "INSERT INTO scheduling_noteobjective (note_id, objective_id) VALUES (%(note)s, %(other)s)",
    ],
)
def test_the_database_refuses_changing_a_signed_notes_objectives(attended, clinician, alice, sql):
    addressed, other = active_plan_objectives(alice, count=2)
    note = note_sign(note=write(attended, alice, clinician, [addressed.pk]), actor=clinician)
    with (
        pytest.raises(InternalError, match="note_objective_locked_with_note"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, {"note": note.pk, "other": other.pk})
    assert linked(note) == {addressed.pk}


def test_the_database_refuses_linking_another_clients_objective_even_to_a_draft(
    attended, clinician, alice, bob
):
    (alices,) = active_plan_objectives(alice)
    (bobs,) = active_plan_objectives(bob)
    note = write(attended, alice, clinician, [])
    insert = "INSERT INTO scheduling_noteobjective (note_id, objective_id) VALUES (%s, %s)"
    with (
        pytest.raises(IntegrityError, match="note_objective_of_active_plan"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(insert, [note.pk, bobs.pk])
    with connection.cursor() as cursor:
        cursor.execute(insert, [note.pk, alices.pk])
    assert linked(note) == {alices.pk}


# The note page


def note_url(session, person):
    return reverse("scheduling:note", args=[session.pk, person.pk])


def test_the_clinician_ticks_objectives_and_the_signed_note_lists_them(
    clinician_client, attended, alice
):
    first, second = active_plan_objectives(alice, count=2)
    page = clinician_client.get(note_url(attended, alice)).content.decode()
    assert "Treatment plan objectives addressed" in page
    assert 'type="checkbox"' in page
    assert "Goal: Sustained abstinence · Problem: Daily alcohol use" in page
    response = clinician_client.post(
        note_url(attended, alice),
        {**DAP, "objectives": [second.pk], "sign": "", "confirm": "yes"},
        follow=True,
    )
    note = ProgressNote.objects.get(session=attended, client=alice)
    assert note.is_signed
    assert linked(note) == {second.pk}
    page = response.content.decode()
    assert second.description in page
    assert first.description not in page
    assert 'type="checkbox"' not in page


def checkbox(page, pk):
    return re.search(rf'<input[^>]*name="objectives" value="{pk}"[^>]*>', page).group(0)


def test_a_draft_shows_its_objectives_ticked(clinician_client, attended, alice, clinician):
    first, second = active_plan_objectives(alice, count=2)
    write(attended, alice, clinician, [second.pk])
    page = clinician_client.get(note_url(attended, alice)).content.decode()
    assert "checked" in checkbox(page, second.pk)
    assert "checked" not in checkbox(page, first.pk)


def test_a_client_without_an_active_plan_gets_no_checkboxes(clinician_client, attended, alice):
    page = clinician_client.get(note_url(attended, alice)).content.decode()
    assert "has no active treatment plan" in page
    assert 'name="objectives"' not in page


def test_another_clients_objective_posted_to_the_page_gets_a_field_error(
    clinician_client, attended, alice, bob
):
    active_plan_objectives(alice)
    (bobs,) = active_plan_objectives(bob)
    response = clinician_client.post(
        note_url(attended, alice), {**DAP, "objectives": [bobs.pk], "save": ""}
    )
    assert response.status_code == 200
    assert f"{bobs.pk} is not one of the available choices" in response.content.decode()
    assert not ProgressNote.objects.exists()


def page_queries(django_client, url):
    with CaptureQueriesContext(connection) as queries:
        assert django_client.get(url).status_code == 200
    return len(queries)


def test_the_note_page_runs_the_same_queries_for_one_or_many_objectives(
    clinician_client, attended, alice, bob, clinician
):
    (alices,) = active_plan_objectives(alice)
    bobs = active_plan_objectives(bob, count=6)
    write(attended, alice, clinician, [alices.pk])
    write(attended, bob, clinician, [objective.pk for objective in bobs])
    drafts = (
        page_queries(clinician_client, note_url(attended, alice)),
        page_queries(clinician_client, note_url(attended, bob)),
    )
    for note in ProgressNote.objects.all():
        note_sign(note=note, actor=clinician)
    signed = (
        page_queries(clinician_client, note_url(attended, alice)),
        page_queries(clinician_client, note_url(attended, bob)),
    )
    assert drafts[0] == drafts[1]
    assert signed[0] == signed[1]


@pytest.fixture
def known_objectives(alice, bob):
    superseded = active_plan_objectives(alice)[0]
    first, second = active_plan_objectives(alice, count=2)
    bobs = active_plan_objectives(bob)[0]
    return {"mine-0": first.pk, "mine-1": second.pk, "bobs": bobs.pk, "superseded": superseded.pk}


def as_pk(value):
    try:
        return int(value)
    except ValueError:
        return None


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    picks=st.lists(
        st.one_of(
            st.sampled_from(["mine-0", "mine-1", "bobs", "superseded"]),
            st.integers(min_value=-(2**70), max_value=2**70).map(str),
            st.text(max_size=12),
        ),
        max_size=4,
    )
)
def test_any_objective_input_links_as_ticked_or_is_refused_with_a_field_error(
    clinician_client, attended, alice, clinician, known_objectives, picks
):
    note = ProgressNote.objects.filter(session=attended, client=alice).first() or write(
        attended, alice, clinician, []
    )
    before = linked(note)
    posted = [str(known_objectives.get(pick, pick)) for pick in picks]
    response = clinician_client.post(
        note_url(attended, alice), {**DAP, "objectives": posted, "save": ""}
    )
    mine = {known_objectives["mine-0"], known_objectives["mine-1"]}
    if all(as_pk(value) in mine for value in posted):
        assert response.status_code == 302
        assert linked(note) == {as_pk(value) for value in posted}
    else:
        assert response.status_code == 200
        assert 'id="error_1_id_objectives"' in response.content.decode()
        assert linked(note) == before


def test_linking_objectives_is_audited(attended, clinician, alice):
    (addressed,) = active_plan_objectives(alice)
    note = write(attended, alice, clinician, [addressed.pk])
    entries = LogEntry.objects.get_for_object(note)
    assert any(
        entry.changes_dict.get("objectives", {}).get("operation") == "add" for entry in entries
    )
