"""Writes of the client record. Every write to a client goes through here.

Decisions where the issue is silent:
- Level-of-care ranges are half-open, [start, end): a change on day D ends the old range on D and
  starts the new one on D. Admission opens the history at 2.1; discharge closes it (the step-down
  level is recorded on the discharge, since care continues elsewhere).
- A plan is activated by the clinician's signature; activation needs every problem to have a goal,
  every goal an objective and every objective an intervention. Active and superseded plans never
  change: a revision is a new draft copied from the active plan. The client e-signs the active
  plan by typing their legal or preferred name.
- A consent is valid from its signature day up to (not including) its expiry or revocation day.
  A disclosure is one part of the record (InformationCategory) under one valid consent covering it.
"""

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from iop.dates import check_dates
from iop.models import User

from .models import (
    ASAM_DIMENSIONS,
    Client,
    Consent,
    Diagnosis,
    Discharge,
    Disclosure,
    EmergencyContact,
    Goal,
    Intake,
    Intervention,
    LevelOfCare,
    LevelOfCareEpisode,
    Medication,
    Objective,
    ObjectiveProgress,
    PlanReview,
    Problem,
    ProgramTrack,
    SubstanceUse,
    TreatmentPlan,
)
from .signals import client_discharged, client_weeks_changed

MRN_SEQUENCE = "clients_mrn_seq"


def _next_mrn() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [MRN_SEQUENCE])
        (number,) = cursor.fetchone()
    return f"M{number:06d}"


@transaction.atomic
def client_create(
    *,
    legal_first_name: str,
    legal_last_name: str,
    date_of_birth: date,
    track: ProgramTrack,
    primary_clinician: User,
    preferred_name: str = "",
    pronouns: str = "",
    email: str = "",
    phone: str = "",
    user: User | None = None,
) -> Client:
    """Register a referred client; the system assigns the medical record number."""
    if date_of_birth >= timezone.localdate():
        raise ValidationError({"date_of_birth": "Date of birth must be in the past."})
    if not primary_clinician.is_clinician:
        raise ValidationError({"primary_clinician": "The primary clinician must be a clinician."})
    if user is not None and not user.is_client:
        raise ValidationError({"user": "A portal login must have the client role."})
    client = Client(
        legal_first_name=legal_first_name.strip(),
        legal_last_name=legal_last_name.strip(),
        preferred_name=preferred_name.strip(),
        pronouns=pronouns.strip(),
        date_of_birth=date_of_birth,
        email=email,
        phone=phone,
        track=track,
        primary_clinician=primary_clinician,
        user=user,
        mrn=_next_mrn(),
    )
    client.full_clean()
    client.save()
    return client


@transaction.atomic
def client_admit(
    *,
    client: Client,
    admission_date: date,
    actor: User | None = None,
    level: str = LevelOfCare.IOP,
) -> Client:
    """Make the client active from `admission_date`, opening their level-of-care history there."""
    check_dates(admission_date=admission_date)
    if client.status in (Client.Status.ACTIVE, Client.Status.DISCHARGED):
        raise ValidationError(
            f"A client who is {client.get_status_display().lower()} cannot be admitted."
        )
    client.status = Client.Status.ACTIVE
    client.admission_date = admission_date
    client.full_clean()
    client.save(update_fields=["status", "admission_date"])
    _level_of_care_open(
        client=client,
        level=level,
        start_date=admission_date,
        actor=actor,
        reason="Admission",
    )
    client_weeks_changed.send(
        sender=Client, client_ids=[client.pk], first_day=admission_date, last_day=None
    )
    return client


def _today() -> date:
    return timezone.localdate()


@transaction.atomic
def client_update(
    *,
    client: Client,
    legal_first_name: str,
    legal_last_name: str,
    date_of_birth: date,
    track: ProgramTrack,
    primary_clinician: User,
    preferred_name: str = "",
    pronouns: str = "",
    email: str = "",
    phone: str = "",
    expected_length_weeks: int = 12,
    emergency_contacts: list[dict[str, str]] | None = None,
) -> Client:
    """Change the identifying data and program of a client, and replace their emergency contacts
    when given. (Reminder preferences are the reminders' own: scheduling.ReminderPreference.)"""
    if date_of_birth >= _today():
        raise ValidationError({"date_of_birth": "Date of birth must be in the past."})
    if not primary_clinician.is_clinician:
        raise ValidationError({"primary_clinician": "The primary clinician must be a clinician."})
    client.legal_first_name = legal_first_name.strip()
    client.legal_last_name = legal_last_name.strip()
    client.preferred_name = preferred_name.strip()
    client.pronouns = pronouns.strip()
    client.date_of_birth = date_of_birth
    client.email = email
    client.phone = phone
    track_changed = client.track_id != track.pk
    client.track = track
    client.primary_clinician = primary_clinician
    client.expected_length_weeks = expected_length_weeks
    client.full_clean()
    client.save()
    if track_changed and client.admission_date is not None:
        # The track sets the weekly minimum and maximum of every week of the stay.
        client_weeks_changed.send(
            sender=Client, client_ids=[client.pk], first_day=client.admission_date, last_day=None
        )
    if emergency_contacts is not None:
        emergency_contacts_replace(client=client, contacts=emergency_contacts)
    return client


@transaction.atomic
def emergency_contacts_replace(
    *, client: Client, contacts: list[dict[str, str]]
) -> list[EmergencyContact]:
    """Replace the client's emergency contacts with `contacts` (name, relationship, phone)."""
    rows = [EmergencyContact(client=client, **contact) for contact in contacts]
    for row in rows:
        row.full_clean()
    client.emergency_contacts.all().delete()
    return EmergencyContact.objects.bulk_create(rows)


# --- Intake ------------------------------------------------------------------------------------

INTAKE_FIELDS = {
    "referral_source",
    "presenting_problem",
    *(field for field, _ in ASAM_DIMENSIONS),
    "payer",
    "member_id",
    "authorization_number",
    "authorized_units",
    "authorized_unit_kind",
    "authorization_start",
    "authorization_end",
}


@transaction.atomic
def intake_start(*, client: Client, actor: User) -> Intake:
    """Open (or reopen) the intake draft of a referred client; the client is then 'in intake'."""
    existing = Intake.objects.filter(client=client).first()
    if existing is not None:
        return existing
    if client.status != Client.Status.REFERRED:
        raise ValidationError("Only a referred client can start intake.")
    intake = Intake(client=client, started_by=actor)
    intake.full_clean()
    intake.save()
    client.status = Client.Status.INTAKE
    client.save(update_fields=["status"])
    return intake


def _ensure_open(intake: Intake) -> None:
    if intake.completed_at is not None:
        raise ValidationError("This intake is complete and can no longer change.")


@transaction.atomic
def intake_draft_save(*, intake: Intake, **fields: Any) -> Intake:
    """Save one step's answers into the draft; nothing else changes."""
    unknown = set(fields) - INTAKE_FIELDS
    if unknown:
        raise ValueError(f"Not intake fields: {sorted(unknown)}")
    _ensure_open(intake)
    for name, value in fields.items():
        setattr(intake, name, value.strip() if isinstance(value, str) else value)
    start, end = intake.authorization_start, intake.authorization_end
    if start and end and end < start:
        raise ValidationError({"authorization_end": "The authorization must end after it starts."})
    intake.full_clean()
    intake.save()
    return intake


@transaction.atomic
def intake_substances_replace(*, intake: Intake, substances: list[dict[str, Any]]) -> None:
    _ensure_open(intake)
    rows = [SubstanceUse(client=intake.client, **row) for row in substances]
    for row in rows:
        if row.last_use and row.last_use > _today():
            raise ValidationError({"last_use": "The last use cannot be in the future."})
        row.full_clean()
    intake.client.substances.all().delete()
    SubstanceUse.objects.bulk_create(rows)


@transaction.atomic
def intake_diagnoses_replace(*, intake: Intake, diagnoses: list[dict[str, Any]]) -> None:
    _ensure_open(intake)
    rows = [
        Diagnosis(client=intake.client, **{**row, "icd10_code": row["icd10_code"].strip().upper()})
        for row in diagnoses
    ]
    codes = [row.icd10_code for row in rows]
    if len(codes) != len(set(codes)):
        raise ValidationError({"icd10_code": "Each diagnosis code may appear only once."})
    for row in rows:
        row.full_clean(validate_unique=False, validate_constraints=False)  # rows are replaced
    intake.client.diagnoses.all().delete()
    Diagnosis.objects.bulk_create(rows)


@transaction.atomic
def intake_medications_replace(*, intake: Intake, medications: list[dict[str, Any]]) -> None:
    _ensure_open(intake)
    rows = [Medication(client=intake.client, **row) for row in medications]
    for row in rows:
        row.full_clean()
    intake.client.medications.all().delete()
    Medication.objects.bulk_create(rows)


@transaction.atomic
def intake_complete(
    *, intake: Intake, consent_to_treatment: bool, admission_date: date, actor: User
) -> Client:
    """Complete intake: the client consents to treatment and is admitted at level of care 2.1."""
    _ensure_open(intake)
    check_dates(admission_date=admission_date)
    errors: dict[str, str] = {}
    if not consent_to_treatment:
        errors["consent_to_treatment"] = "The client must consent to treatment to be admitted."
    if admission_date > _today():
        errors["admission_date"] = "The admission date cannot be in the future."
    missing = [
        label
        for field, label in (
            ("referral_source", "referral source"),
            ("presenting_problem", "presenting problem"),
            *((field, "ASAM dimension " + label[0]) for field, label in ASAM_DIMENSIONS),
        )
        if getattr(intake, field) in ("", None)
    ]
    if missing:
        errors["__all__"] = "Complete these steps first: " + ", ".join(missing) + "."
    if errors:
        raise ValidationError(errors)
    intake.consent_to_treatment = True
    intake.consent_to_treatment_on = admission_date
    intake.completed_at = timezone.now()
    intake.full_clean()
    intake.save()
    return client_admit(client=intake.client, admission_date=admission_date, actor=actor)


# --- Level of care -----------------------------------------------------------------------------


@transaction.atomic
def level_of_care_change(
    *, client: Client, level: str, start_date: date, actor: User | None, reason: str = ""
) -> LevelOfCareEpisode:
    """Move an active client to another level of care from `start_date` (today or earlier),
    closing the current range that day."""
    if client.status != Client.Status.ACTIVE:
        raise ValidationError("Only an admitted (active) client's level of care can change.")
    check_dates(start_date=start_date)
    if start_date > _today():
        raise ValidationError({"start_date": "A level of care cannot start in the future."})
    episode = _level_of_care_open(
        client=client, level=level, start_date=start_date, actor=actor, reason=reason
    )
    client_weeks_changed.send(
        sender=Client, client_ids=[client.pk], first_day=start_date, last_day=None
    )
    return episode


def _level_of_care_open(
    *, client: Client, level: str, start_date: date, actor: User | None, reason: str
) -> LevelOfCareEpisode:
    """Open a range at `level` from `start_date`, closing the open one (admission, change)."""
    current = (
        LevelOfCareEpisode.objects.select_for_update()
        .filter(client=client, end_date__isnull=True)
        .first()
    )
    if client.admission_date and start_date < client.admission_date:
        raise ValidationError({"start_date": "A level of care cannot start before admission."})
    if current is not None:
        if start_date <= current.start_date:
            raise ValidationError(
                {"start_date": f"The new level must start after {current.start_date:%Y-%m-%d}."}
            )
        if current.level == level:
            raise ValidationError({"level": "The client is already at this level of care."})
        current.end_date = start_date
        current.save(update_fields=["end_date"])
    episode = LevelOfCareEpisode(
        client=client, level=level, start_date=start_date, changed_by=actor, reason=reason
    )
    episode.full_clean()
    episode.save()
    return episode


# --- Consents and disclosures ------------------------------------------------------------------


@transaction.atomic
def consent_create(
    *,
    client: Client,
    recipient: str,
    purpose: str,
    information: list[str],
    signed_on: date,
    expires_on: date,
    actor: User,
) -> Consent:
    errors = {}
    if signed_on > _today():
        errors["signed_on"] = "The signature date cannot be in the future."
    if expires_on <= signed_on:
        errors["expires_on"] = "A consent must expire after the day it is signed."
    if not information:
        errors["information"] = "Choose what information the consent covers."
    if errors:
        raise ValidationError(errors)
    consent = Consent(
        client=client,
        recipient=recipient.strip(),
        purpose=purpose.strip(),
        information=sorted(set(information)),
        signed_on=signed_on,
        expires_on=expires_on,
        recorded_by=actor,
    )
    consent.full_clean()
    consent.save()
    return consent


@transaction.atomic
def consent_revoke(*, consent: Consent, revoked_on: date, note: str = "") -> Consent:
    if consent.revoked_on is not None:
        raise ValidationError("This consent is already revoked.")
    if revoked_on > _today() or revoked_on < consent.signed_on:
        raise ValidationError(
            {"revoked_on": "The revocation date must be between signing and today."}
        )
    consent.revoked_on = revoked_on
    consent.revocation_note = note.strip()
    consent.full_clean()
    consent.save(update_fields=["revoked_on", "revocation_note"])
    return consent


@transaction.atomic
def disclosure_record(*, consent: Consent, information: str, actor: User) -> Disclosure:
    """Log a disclosure. Refused unless the consent is valid today and covers `information`."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if not consent.is_valid_on(_today()):
        raise ValidationError(
            {
                "consent": "This consent is expired, revoked or not yet signed: nothing may be disclosed under it."
            }
        )
    if information not in consent.information:
        raise ValidationError({"information": "The consent does not cover this information."})
    disclosure = Disclosure(
        client_id=consent.client_id,
        consent=consent,
        information=information,
        recipient=consent.recipient,
        purpose=consent.purpose,
        disclosed_by=actor,
    )
    disclosure.full_clean()
    disclosure.save()
    return disclosure


# --- Treatment plans ---------------------------------------------------------------------------


def _editable(plan: TreatmentPlan) -> None:
    if not plan.is_editable:
        raise ValidationError("Only a draft plan can change; revise it to make a new version.")


@transaction.atomic
def treatment_plan_create(
    *, client: Client, actor: User, review_every_days: int = 30
) -> TreatmentPlan:
    """Start a new draft version (empty). A client has at most one draft at a time."""
    Client.objects.select_for_update().get(pk=client.pk)  # serialize version numbers per client
    if client.status == Client.Status.DISCHARGED:
        raise ValidationError("A discharged client gets no new treatment plan.")
    if client.treatment_plans.filter(status=TreatmentPlan.Status.DRAFT).exists():
        raise ValidationError("This client already has a draft plan; finish that one.")
    last = client.treatment_plans.aggregate(Max("version"))["version__max"] or 0
    plan = TreatmentPlan(
        client=client, version=last + 1, created_by=actor, review_every_days=review_every_days
    )
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def treatment_plan_revise(*, plan: TreatmentPlan, actor: User) -> TreatmentPlan:
    """A new draft that copies `plan`'s problems, goals, objectives and interventions."""
    draft = treatment_plan_create(
        client=plan.client, actor=actor, review_every_days=plan.review_every_days
    )
    for problem in plan.problems.prefetch_related("goals__objectives__interventions"):
        new_problem = Problem.objects.create(plan=draft, statement=problem.statement)
        for goal in problem.goals.all():
            new_goal = Goal.objects.create(problem=new_problem, statement=goal.statement)
            for objective in goal.objectives.all():
                new_objective = Objective.objects.create(
                    goal=new_goal,
                    description=objective.description,
                    target_date=objective.target_date,
                    status=objective.status,
                )
                Intervention.objects.bulk_create(
                    Intervention(
                        objective=new_objective,
                        modality=intervention.modality,
                        frequency=intervention.frequency,
                        responsible_id=intervention.responsible_id,
                    )
                    for intervention in objective.interventions.all()
                )
    return draft


@transaction.atomic
def problem_add(*, plan: TreatmentPlan, statement: str) -> Problem:
    _editable(plan)
    problem = Problem(plan=plan, statement=statement.strip())
    problem.full_clean()
    problem.save()
    return problem


@transaction.atomic
def goal_add(*, problem: Problem, statement: str) -> Goal:
    _editable(problem.plan)
    goal = Goal(problem=problem, statement=statement.strip())
    goal.full_clean()
    goal.save()
    return goal


@transaction.atomic
def objective_add(*, goal: Goal, description: str, target_date: date) -> Objective:
    _editable(goal.problem.plan)
    if target_date < _today():
        raise ValidationError({"target_date": "The target date cannot be in the past."})
    objective = Objective(goal=goal, description=description.strip(), target_date=target_date)
    objective.full_clean()
    objective.save()
    return objective


@transaction.atomic
def intervention_add(
    *, objective: Objective, modality: str, frequency: str, responsible: User
) -> Intervention:
    _editable(objective.goal.problem.plan)
    if not responsible.is_clinician:
        raise ValidationError({"responsible": "The responsible staff member must be a clinician."})
    intervention = Intervention(
        objective=objective, modality=modality, frequency=frequency.strip(), responsible=responsible
    )
    intervention.full_clean()
    intervention.save()
    return intervention


@transaction.atomic
def treatment_plan_activate(*, plan: TreatmentPlan, actor: User) -> TreatmentPlan:
    """The clinician signs the draft and it becomes the active plan, superseding the last one."""
    Client.objects.select_for_update().get(pk=plan.client_id)  # one activation at a time
    plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    _editable(plan)
    if not actor.is_clinician:
        raise ValidationError("Only a clinician can sign and activate a treatment plan.")
    if plan.client.status != Client.Status.ACTIVE:
        raise ValidationError("Only an admitted (active) client's plan can be activated.")
    if not Intervention.objects.filter(objective__goal__problem__plan=plan).exists() or (
        Objective.objects.filter(goal__problem__plan=plan, interventions__isnull=True).exists()
        or Goal.objects.filter(problem__plan=plan, objectives__isnull=True).exists()
        or Problem.objects.filter(plan=plan, goals__isnull=True).exists()
    ):
        raise ValidationError(
            "A plan needs at least one problem, and every problem a goal, every goal an "
            "objective and every objective an intervention."
        )
    TreatmentPlan.objects.filter(client=plan.client, status=TreatmentPlan.Status.ACTIVE).update(
        status=TreatmentPlan.Status.SUPERSEDED
    )
    today = _today()
    plan.status = TreatmentPlan.Status.ACTIVE
    plan.activated_on = today
    plan.next_review_due = today + timedelta(days=plan.review_every_days)
    plan.clinician_signed_by = actor
    plan.clinician_signed_at = timezone.now()
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def treatment_plan_client_sign(
    *, plan: TreatmentPlan, actor: User, typed_name: str
) -> TreatmentPlan:
    """The client e-signs their active plan by typing their name."""
    plan = TreatmentPlan.objects.select_for_update().select_related("client").get(pk=plan.pk)
    if plan.client.user_id != actor.pk:
        raise ValidationError("Only the client can sign their own plan.")
    if plan.status != TreatmentPlan.Status.ACTIVE:
        raise ValidationError("Only the active plan can be signed.")
    if plan.client_signed_at is not None:
        raise ValidationError("You have already signed this plan.")
    name = " ".join(typed_name.split())
    if not name:
        raise ValidationError({"typed_name": "Type your full name to sign."})
    expected = {
        f"{plan.client.legal_first_name} {plan.client.legal_last_name}".casefold(),
        plan.client.display_name.casefold(),
    }
    if name.casefold() not in expected:
        raise ValidationError({"typed_name": "Type your name as it appears on your record."})
    plan.client_signed_name = name
    plan.client_signed_at = timezone.now()
    plan.full_clean()
    plan.save(update_fields=["client_signed_name", "client_signed_at"])
    return plan


@transaction.atomic
def plan_review_record(
    *,
    plan: TreatmentPlan,
    actor: User,
    reviewed_on: date,
    summary: str,
    progress: dict[int, tuple[str, str]],
    revise: bool = False,
) -> PlanReview:
    """Record a review of the active plan: progress (status, note) per objective id. The next
    review falls due a cadence later; `revise` also starts a new draft version from this one."""
    plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != TreatmentPlan.Status.ACTIVE:
        raise ValidationError("Only the active plan is reviewed.")
    if reviewed_on > _today() or (plan.activated_on and reviewed_on < plan.activated_on):
        raise ValidationError(
            {"reviewed_on": "The review date must be between activation and today."}
        )
    objectives = {o.pk: o for o in Objective.objects.filter(goal__problem__plan=plan)}
    if set(progress) != set(objectives):
        raise ValidationError("Record progress for every objective of the plan.")
    review = PlanReview(plan=plan, reviewed_by=actor, reviewed_on=reviewed_on, summary=summary)
    review.full_clean()
    review.save()
    for objective_id, (status, note) in progress.items():
        row = ObjectiveProgress(review=review, objective_id=objective_id, status=status, note=note)
        row.full_clean()
        row.save()
        objective = objectives[objective_id]
        objective.status = status
        objective.full_clean()
        objective.save(update_fields=["status"])
    plan.next_review_due = reviewed_on + timedelta(days=plan.review_every_days)
    plan.save(update_fields=["next_review_due"])
    if revise:
        treatment_plan_revise(plan=plan, actor=actor)
    return review


# --- Discharge ---------------------------------------------------------------------------------


@transaction.atomic
def client_discharge(
    *,
    client: Client,
    discharge_date: date,
    reason: str,
    summary: str,
    actor: User,
    step_down_level: str = "",
    aftercare: list[str] | None = None,
) -> Discharge:
    """Discharge an active client: record it, close the level of care, and send
    `client_discharged` so groups and scheduling end enrollments and future sessions. A receiver
    that raises rolls everything back."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.status != Client.Status.ACTIVE or client.admission_date is None:
        raise ValidationError("Only an admitted (active) client can be discharged.")
    if discharge_date < client.admission_date:
        raise ValidationError({"discharge_date": "Discharge cannot be before admission."})
    if discharge_date > _today():
        raise ValidationError({"discharge_date": "Discharge cannot be in the future."})
    discharge = Discharge(
        client=client,
        discharge_date=discharge_date,
        reason=reason,
        step_down_level=step_down_level,
        aftercare=sorted(set(aftercare or [])),
        summary=summary.strip(),
        recorded_by=actor,
    )
    discharge.full_clean()
    discharge.save()
    current = LevelOfCareEpisode.objects.filter(client=client, end_date__isnull=True).first()
    if current is not None:
        # Ranges are half-open; a same-day discharge keeps the one day it covered.
        current.end_date = max(discharge_date, current.start_date + timedelta(days=1))
        current.save(update_fields=["end_date"])
    client.status = Client.Status.DISCHARGED
    client.discharge_date = discharge_date
    client.full_clean()
    client.save(update_fields=["status", "discharge_date"])
    client_discharged.send(
        sender=Client, client=client, discharge_date=discharge_date, discharged_by=actor
    )
    client_weeks_changed.send(
        sender=Client, client_ids=[client.pk], first_day=discharge_date, last_day=None
    )
    return discharge
