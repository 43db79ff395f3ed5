"""No clinical row is ever deleted: the database refuses a DELETE of enrollments, attendance,
notes, plans, consents, held sessions, level-of-care history, clinical alerts and drug screens, even as raw
SQL."""

from datetime import timedelta

import pytest
from django.db import InternalError, connection, transaction
from django.utils import timezone

from clients.models import (
    ASAM_DIMENSIONS,
    ClinicalAlert,
    Discharge,
    Intake,
    Objective,
    ObjectiveStatus,
)
from clients.services.alerts import clinical_alert_open
from clients.services.consents import disclosure_record
from clients.services.discharge import client_discharge
from clients.services.intake import intake_complete, intake_draft_save, intake_start
from clients.services.plans import plan_review_record
from scheduling.models import Attendance, ProgressNote
from scheduling.services.attendance import drop_in_add, session_summary_update
from scheduling.services.notes import note_addendum_add, note_sign
from tests.factories import (
    ClientFactory,
    ConsentFactory,
    DrugScreenFactory,
    EnrollmentFactory,
    GroupFactory,
    ProgressNoteFactory,
    TreatmentPlanFactory,
)
from tests.scheduling.helpers import record, session_in_progress

pytestmark = pytest.mark.django_db

PROTECTED = {
    "groups_enrollment": "enrollment_never_deleted",
    "scheduling_attendance": "attendance_never_deleted",
    "scheduling_sessionlog": "session_log_never_deleted",
    "scheduling_dropin": "drop_in_never_deleted",
    "scheduling_progressnote": "note_",
    "scheduling_noteaddendum": "addendum_append_only",
    "scheduling_attendanceamendment": "amendment_append_only",
    "clients_treatmentplan": "plan_never_deleted",
    "clients_problem": "problem_changes_only_in_draft",
    "clients_goal": "goal_changes_only_in_draft",
    "clients_objective": "objective_changes_only_in_draft",
    "clients_intervention": "intervention_changes_only_in_draft",
    "clients_planreview": "plan_review_never_deleted",
    "clients_objectiveprogress": "objective_progress_never_deleted",
    "clients_consent": "consent_never_deleted",
    "clients_disclosure": "disclosure_never_deleted",
    "clients_levelofcareepisode": "level_of_care_never_deleted",
    "clients_discharge": "discharge_never_deleted",
    "clients_intake": "intake_kept_once_complete",
    "clients_clinicalalert": "clinical_alert_never_deleted",
    "clients_drugscreen": "drug_screen_never_deleted",
    "clients_drugscreenresult": "drug_screen_result_append_only",
}


@pytest.fixture
def full_record(clinician, alice, bob):
    """One row of every protected table: Alice's group session with attendance (amended after a
    signed note), a drop-in, signed and draft notes with an addendum, a reviewed plan, a consent
    with a disclosure, a completed intake; Bob discharged."""
    group = GroupFactory(facilitators=[clinician])
    for person in (alice, bob):
        EnrollmentFactory(group=group, client=person)
    session = session_in_progress(group=group)
    record(session, clinician, (alice, "present", 180), (bob, "present", 180))
    session_summary_update(session=session, actor=clinician, topic="Triggers", interventions="CBT")
    signed = note_sign(note=ProgressNoteFactory(session=session, client=alice), actor=clinician)
    note_addendum_add(note=signed, actor=clinician, text="Arrived on time.")
    ProgressNoteFactory(session=session, client=bob)
    record(session, clinician, (alice, "late", 150), (bob, "present", 180), reason="Typo")
    drop_in_add(session=session, client=ClientFactory(track=alice.track), actor=clinician)

    plan = TreatmentPlanFactory(client=alice)
    objective = Objective.objects.get(goal__problem__plan=plan)
    plan_review_record(
        plan=plan,
        actor=clinician,
        reviewed_on=timezone.localdate(),
        summary="Attending well",
        progress={objective.pk: (ObjectiveStatus.IN_PROGRESS, "")},
    )
    consent = ConsentFactory(client=alice)
    disclosure_record(consent=consent, information="summary", actor=clinician)
    DrugScreenFactory(client=alice)
    clinical_alert_open(
        client=alice,
        kind=ClinicalAlert.Kind.SELF_HARM_RISK,
        detail="PHQ-9 item 9 answered 1",
        source=consent,
    )

    carol = ClientFactory(status="referred", primary_clinician=clinician)
    intake = intake_start(client=carol, actor=clinician)
    intake_draft_save(
        intake=intake,
        referral_source="Drug court",
        presenting_problem="Daily alcohol use",
        **{field: 1 for field, _ in ASAM_DIMENSIONS},
    )
    intake_complete(
        intake=intake,
        consent_to_treatment=True,
        admission_date=timezone.localdate() - timedelta(days=1),
        actor=clinician,
    )
    client_discharge(
        client=bob,
        discharge_date=timezone.localdate(),
        reason=Discharge.Reason.COMPLETED,
        summary="Completed the program.",
        actor=clinician,
    )


def row_count(cursor, table):
    cursor.execute(f"SELECT count(*) FROM {table}")
    return cursor.fetchone()[0]


@pytest.mark.parametrize(("table", "trigger"), PROTECTED.items(), ids=PROTECTED.keys())
def test_deleting_a_clinical_row_with_raw_sql_is_refused(full_record, table, trigger):
    with connection.cursor() as cursor:
        before = row_count(cursor, table)
        assert before > 0
        with pytest.raises(InternalError, match=trigger), transaction.atomic():
            cursor.execute(f"DELETE FROM {table}")
        assert row_count(cursor, table) == before


def test_deleting_an_attendance_row_with_raw_sql_is_refused(full_record):
    row = Attendance.objects.first()
    with (
        pytest.raises(InternalError, match="attendance_never_deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM scheduling_attendance WHERE id = %s", [row.pk])
    assert Attendance.objects.filter(pk=row.pk).exists()


def test_a_draft_note_is_kept_too(full_record):
    draft = ProgressNote.objects.get(signed_at__isnull=True)
    with pytest.raises(InternalError, match="note_never_deleted"), transaction.atomic():
        draft.delete()
    assert ProgressNote.objects.filter(pk=draft.pk).exists()


def test_an_intake_still_in_draft_may_be_removed_with_its_client(clinician):
    """Only a completed intake is part of the record; a referral entered by mistake may go."""
    dana = ClientFactory(status="referred", primary_clinician=clinician)
    intake_start(client=dana, actor=clinician)
    dana.delete()
    assert not Intake.objects.exists()
