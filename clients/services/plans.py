"""Writes of treatment plans: drafts and their tree, activation, the client's e-signature, reviews.

A plan is activated by the clinician's signature; activation needs every problem to have a goal,
every goal an objective and every objective an intervention. Active and superseded plans never
change: a revision is a new draft copied from the active plan (each part remembers the part it
was copied from), whose parts are edited and removed until it is signed and supersedes the plan in
force. The client e-signs the active plan by typing their legal or preferred name.
"""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from iop.clock import today
from iop.models import User

from .. import measures
from ..models import (
    Client,
    Goal,
    Instrument,
    InstrumentVersion,
    Intervention,
    Objective,
    ObjectiveProgress,
    PlanReview,
    Problem,
    TreatmentPlan,
)


def _editable(plan: TreatmentPlan) -> None:
    if not plan.is_editable:
        raise ValidationError("Only a draft plan can change; revise it to make a new version.")


@transaction.atomic
def treatment_plan_create(
    *,
    client: Client,
    actor: User,
    review_every_days: int = 30,
    revises: TreatmentPlan | None = None,
) -> TreatmentPlan:
    """Start a new draft version (empty). A client has at most one draft at a time."""
    Client.objects.select_for_update().get(pk=client.pk)  # serialize version numbers per client
    if client.status == Client.Status.DISCHARGED:
        raise ValidationError("A discharged client gets no new treatment plan.")
    if client.treatment_plans.filter(status=TreatmentPlan.Status.DRAFT).exists():
        raise ValidationError("This client already has a draft plan; finish that one.")
    last = client.treatment_plans.aggregate(Max("version"))["version__max"] or 0
    plan = TreatmentPlan(
        client=client,
        version=last + 1,
        created_by=actor,
        review_every_days=review_every_days,
        revises=revises,
    )
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def treatment_plan_revise(*, plan: TreatmentPlan, actor: User) -> TreatmentPlan:
    """A new draft that copies the active `plan`'s problems, goals, objectives and interventions,
    each remembering what it was copied from, so the two versions can be compared. `plan` stays
    in force until the draft is signed."""
    if plan.status != TreatmentPlan.Status.ACTIVE:
        raise ValidationError("Only the plan in force is revised.")
    draft = treatment_plan_create(
        client=plan.client, actor=actor, review_every_days=plan.review_every_days, revises=plan
    )
    for problem in plan.problems.prefetch_related("goals__objectives__interventions"):
        new_problem = Problem.objects.create(
            plan=draft, statement=problem.statement, copied_from=problem
        )
        for goal in problem.goals.all():
            new_goal = Goal.objects.create(
                problem=new_problem, statement=goal.statement, copied_from=goal
            )
            for objective in goal.objectives.all():
                new_objective = Objective.objects.create(
                    goal=new_goal,
                    description=objective.description,
                    target_date=objective.target_date,
                    status=objective.status,
                    measure_instrument_id=objective.measure_instrument_id,
                    measure_scale=objective.measure_scale,
                    measure_below=objective.measure_below,
                    copied_from=objective,
                )
                Intervention.objects.bulk_create(
                    Intervention(
                        objective=new_objective,
                        modality=intervention.modality,
                        frequency=intervention.frequency,
                        responsible_id=intervention.responsible_id,
                        copied_from=intervention,
                    )
                    for intervention in objective.interventions.all()
                )
    return draft


@transaction.atomic
def treatment_plan_start(
    *, client: Client, actor: User, review_every_days: int = 30
) -> TreatmentPlan:
    """Start the next draft: a copy of the active plan (and its review cadence) when there is one,
    so a revision begins from what is in force; else an empty plan."""
    active = client.treatment_plans.filter(status=TreatmentPlan.Status.ACTIVE).first()
    if active is not None:
        return treatment_plan_revise(plan=active, actor=actor)
    return treatment_plan_create(client=client, actor=actor, review_every_days=review_every_days)


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
def objective_add(
    *,
    goal: Goal,
    description: str,
    target_date: date,
    measure: str = "",
    measure_below: int | None = None,
) -> Objective:
    """Add an objective; `measure` ("phq-9:total") and `measure_below` name a measure target, met
    when the latest score by the target date is below it."""
    _editable(goal.problem.plan)
    _check_target_date(target_date)
    objective = Objective(goal=goal, description=description.strip(), target_date=target_date)
    if measure or measure_below is not None:
        objective.measure_instrument, objective.measure_scale = _measure_target(
            measure, measure_below
        )
        objective.measure_below = measure_below
    objective.full_clean()
    objective.save()
    return objective


def _measure_target(measure: str, below: int | None) -> tuple[Instrument, str]:
    """The instrument and scale of a measure target, if the threshold fits the scale."""
    code, _, scale_key = measure.partition(":")
    version = (
        InstrumentVersion.objects.filter(instrument__code=code)
        .select_related("instrument")
        .order_by("-version")
        .first()
    )
    scales = measures.scales(version.definition) if version else []
    scale = next((s for s in scales if s.key == scale_key), None)
    if version is None or scale is None:
        raise ValidationError({"measure": "Choose a measure."})
    if below is None or not 0 < below <= scale.maximum:
        raise ValidationError(
            {
                "measure_below": f"Give a score between 1 and {scale.maximum} for {version.instrument}."
            }
        )
    return version.instrument, scale.key


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


def _check_target_date(target_date: date, was: date | None = None) -> None:
    """A new target date is not in the past; one copied from the revised plan may stay as it was."""
    if target_date != was and target_date < today():
        raise ValidationError({"target_date": "The target date cannot be in the past."})


@transaction.atomic
def problem_update(*, problem: Problem, statement: str) -> Problem:
    problem = Problem.objects.select_related("plan").select_for_update().get(pk=problem.pk)
    _editable(problem.plan)
    problem.statement = statement.strip()
    problem.full_clean()
    problem.save()
    return problem


@transaction.atomic
def goal_update(*, goal: Goal, statement: str) -> Goal:
    goal = Goal.objects.select_related("problem__plan").select_for_update().get(pk=goal.pk)
    _editable(goal.problem.plan)
    goal.statement = statement.strip()
    goal.full_clean()
    goal.save()
    return goal


@transaction.atomic
def objective_update(*, objective: Objective, description: str, target_date: date) -> Objective:
    objective = (
        Objective.objects.select_related("goal__problem__plan")
        .select_for_update()
        .get(pk=objective.pk)
    )
    _editable(objective.goal.problem.plan)
    _check_target_date(target_date, was=objective.target_date)
    objective.description = description.strip()
    objective.target_date = target_date
    objective.full_clean()
    objective.save()
    return objective


@transaction.atomic
def intervention_update(
    *, intervention: Intervention, modality: str, frequency: str, responsible: User
) -> Intervention:
    intervention = (
        Intervention.objects.select_related("objective__goal__problem__plan")
        .select_for_update()
        .get(pk=intervention.pk)
    )
    _editable(intervention.objective.goal.problem.plan)
    if not responsible.is_clinician:
        raise ValidationError({"responsible": "The responsible staff member must be a clinician."})
    intervention.modality = modality
    intervention.frequency = frequency.strip()
    intervention.responsible = responsible
    intervention.full_clean()
    intervention.save()
    return intervention


# Removing a part of a draft removes what hangs under it, and returns the draft. A draft was never in force, so nothing
# refers to its parts; the database refuses the same DELETE on a plan in force or superseded.


@transaction.atomic
def intervention_remove(*, intervention: Intervention) -> TreatmentPlan:
    _editable(intervention.objective.goal.problem.plan)
    Intervention.objects.filter(pk=intervention.pk).delete()
    return intervention.objective.goal.problem.plan


@transaction.atomic
def objective_remove(*, objective: Objective) -> TreatmentPlan:
    _editable(objective.goal.problem.plan)
    Intervention.objects.filter(objective=objective).delete()
    Objective.objects.filter(pk=objective.pk).delete()
    return objective.goal.problem.plan


@transaction.atomic
def goal_remove(*, goal: Goal) -> TreatmentPlan:
    _editable(goal.problem.plan)
    Intervention.objects.filter(objective__goal=goal).delete()
    Objective.objects.filter(goal=goal).delete()
    Goal.objects.filter(pk=goal.pk).delete()
    return goal.problem.plan


@transaction.atomic
def problem_remove(*, problem: Problem) -> TreatmentPlan:
    _editable(problem.plan)
    Intervention.objects.filter(objective__goal__problem=problem).delete()
    Objective.objects.filter(goal__problem=problem).delete()
    Goal.objects.filter(problem=problem).delete()
    Problem.objects.filter(pk=problem.pk).delete()
    return problem.plan


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
    activated_on = today()
    plan.status = TreatmentPlan.Status.ACTIVE
    plan.activated_on = activated_on
    plan.next_review_due = activated_on + timedelta(days=plan.review_every_days)
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
    if reviewed_on > today() or (plan.activated_on and reviewed_on < plan.activated_on):
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
