"""Reads of the client record: who sees which clients, caseloads, plans, the chart."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from iop import clock
from iop.models import User

from .models import (
    Client,
    Consent,
    Discharge,
    Disclosure,
    EmergencyAccess,
    Goal,
    Intake,
    Intervention,
    LevelOfCareEpisode,
    Objective,
    Problem,
    TreatmentPlan,
)


def client_list(*, user: User) -> QuerySet[Client]:
    """The clients `user` may open (`Client.objects.within_reach_of`, minimum necessary), by name,
    with what a row shows."""
    return (
        Client.objects.within_reach_of(user)
        .select_related("track", "primary_clinician")
        .order_by("legal_last_name", "legal_first_name", "pk")
    )


def client_find_exactly(
    *, mrn: str = "", first_name: str = "", last_name: str = ""
) -> Client | None:
    """The one client with this MRN, or with exactly this legal name (any case), whoever's reach
    they are in; None when no one or several match. Only break-the-glass looks a client up so."""
    if mrn:
        matches = Client.objects.filter(mrn__iexact=mrn.strip())
    else:
        matches = Client.objects.filter(
            legal_first_name__iexact=first_name.strip(), legal_last_name__iexact=last_name.strip()
        )
    found = list(matches[:2])
    return found[0] if len(found) == 1 else None


def emergency_access_recent_list(*, since: datetime) -> QuerySet[EmergencyAccess]:
    """Break-the-glass grants opened since `since`, newest first, for the admins' review."""
    return EmergencyAccess.objects.filter(started_at__gte=since).select_related("user", "client")


def emergency_access_counts(*, since: datetime, until: datetime) -> dict[str, int]:
    """How many grants were opened in [since, until), by how many clinicians, for how many clients:
    what the admins' weekly digest says, and nothing more."""
    grants = EmergencyAccess.objects.filter(started_at__gte=since, started_at__lt=until)
    return {
        "grant_count": grants.count(),
        "clinician_count": grants.values("user").distinct().count(),
        "client_count": grants.values("client").distinct().count(),
    }


def emergency_access_open_list(*, user: User) -> QuerySet[EmergencyAccess]:
    """The grants `user` holds now, with their clients."""
    return (
        EmergencyAccess.objects.open_at(timezone.now()).filter(user=user).select_related("client")
    )


def client_caseload(*, clinician: User) -> QuerySet[Client]:
    """The clinician's clients still in the program (any status but discharged)."""
    return (
        Client.objects.filter(primary_clinician=clinician)
        .exclude(status=Client.Status.DISCHARGED)
        .select_related("track")
    )


def intake_draft(*, client: Client) -> Intake:
    """The client's intake, or an unsaved empty one: opening a step reads; the first saved step
    starts the intake (`intake_step_save`)."""
    return Intake.objects.filter(client=client).first() or Intake(client=client)


def plan_list(*, client: Client) -> QuerySet[TreatmentPlan]:
    """The client's plans with their problems, goals, objectives and interventions in five
    queries."""
    return (
        TreatmentPlan.objects.filter(client=client)
        .select_related("client", "clinician_signed_by", "created_by", "revises")
        .prefetch_related(
            Prefetch(
                "problems",
                queryset=Problem.objects.prefetch_related(
                    Prefetch(
                        "goals",
                        queryset=Goal.objects.prefetch_related(
                            Prefetch(
                                "objectives",
                                queryset=Objective.objects.prefetch_related(
                                    "interventions__responsible"
                                ),
                            )
                        ),
                    )
                ),
            )
        )
    )


def client_chart_list(*, user: User) -> QuerySet[Client]:
    """The clients `user` may see, each with everything the chart page shows loaded up front
    (`clients.access.access_client_chart` opens one)."""
    return (
        client_list(user=user)
        .select_related("intake", "discharge")
        .prefetch_related(
            "emergency_contacts",
            "substances",
            "diagnoses",
            "medications",
            Prefetch(
                "levels_of_care",
                queryset=LevelOfCareEpisode.objects.select_related("changed_by").order_by(
                    "-start_date"
                ),
            ),
            Prefetch("consents", queryset=Consent.objects.all()),
            Prefetch(
                "treatment_plans",
                queryset=TreatmentPlan.objects.select_related("clinician_signed_by"),
            ),
        )
    )


def plan_active(*, client: Client) -> TreatmentPlan | None:
    """The client's plan in force, with its tree; None before the first one is signed."""
    return plan_list(client=client).filter(status=TreatmentPlan.Status.ACTIVE).first()


def plan_draft(*, client: Client) -> TreatmentPlan | None:
    """The client's draft of the next version, if one is open (at most one is)."""
    return client.treatment_plans.filter(status=TreatmentPlan.Status.DRAFT).first()


def plan_reviews_overdue(
    *, clinician: User | None = None, client: Client | None = None, today: date | None = None
) -> QuerySet[TreatmentPlan]:
    """Active plans of clients still in the program whose review is due before today: of the
    clinician's caseload, or of one client (the chart's warning)."""
    plans = (
        TreatmentPlan.objects.filter(
            status=TreatmentPlan.Status.ACTIVE, next_review_due__lt=today or clock.today()
        )
        .exclude(client__status=Client.Status.DISCHARGED)
        .select_related("client")
        .order_by("next_review_due")
    )
    if clinician is not None:
        plans = plans.filter(client__primary_clinician=clinician)
    if client is not None:
        plans = plans.filter(client=client)
    return plans


def plan_objectives(*, plan: TreatmentPlan) -> list[Objective]:
    """The objectives of a plan loaded by `plan_list`, in the plan's order, from its tree."""
    return [
        objective
        for problem in plan.problems.all()
        for goal in problem.goals.all()
        for objective in goal.objectives.all()
    ]


def plan_part_parents(*, plan: TreatmentPlan) -> dict[str, QuerySet[Any]]:
    """For each kind of part added under another, the parts of this plan it may go under."""
    return {
        "goal": Problem.objects.filter(plan=plan),
        "objective": Goal.objects.filter(problem__plan=plan),
        "intervention": Objective.objects.filter(goal__problem__plan=plan),
    }


@dataclass(frozen=True)
class ClientChart:
    """What the chart page shows, from a client opened with `access_client_chart`."""

    client: Client
    intake: Intake | None
    discharge: Discharge | None
    plans: list[TreatmentPlan]
    active_plan: TreatmentPlan | None
    draft_plan: TreatmentPlan | None
    review_overdue: bool
    consents: list[tuple[Consent, bool]]  # each with whether it is valid today
    today: date


def client_chart(*, client: Client) -> ClientChart:
    plans = list(client.treatment_plans.all())
    today = clock.today()
    return ClientChart(
        client=client,
        intake=getattr(client, "intake", None),
        discharge=getattr(client, "discharge", None),
        plans=plans,
        active_plan=next((p for p in plans if p.status == TreatmentPlan.Status.ACTIVE), None),
        draft_plan=next((p for p in plans if p.status == TreatmentPlan.Status.DRAFT), None),
        review_overdue=plan_reviews_overdue(client=client, today=today).exists(),
        consents=[(consent, consent.is_valid_on(today)) for consent in client.consents.all()],
        today=today,
    )


def consent_list(*, client: Client) -> QuerySet[Consent]:
    """The consents to disclose the client has signed, valid or not."""
    return Consent.objects.filter(client=client).select_related("client")


def disclosure_list(*, client: Client) -> QuerySet[Disclosure]:
    """The ledger of what was disclosed from the client's record, which the client sees."""
    return Disclosure.objects.filter(client=client).select_related("disclosed_by")


def plan_part_get(
    *, plan: TreatmentPlan, kind: str, pk: int
) -> Problem | Goal | Objective | Intervention:
    """Part `pk` of kind `kind` (problem, goal, objective, intervention) in `plan`, or 404."""
    parts: dict[str, QuerySet[Any]] = {
        "problem": Problem.objects.filter(plan=plan),
        "goal": Goal.objects.filter(problem__plan=plan),
        "objective": Objective.objects.filter(goal__problem__plan=plan),
        "intervention": Intervention.objects.filter(objective__goal__problem__plan=plan),
    }
    if kind not in parts:
        raise Http404
    part: Problem | Goal | Objective | Intervention = get_object_or_404(parts[kind], pk=pk)
    return part


# What a comparison looks at in each kind of part, with the name a clinician reads.
_COMPARED = {
    "problem": (("statement", "statement"),),
    "goal": (("statement", "statement"),),
    "objective": (
        ("description", "description"),
        ("target_date", "target date"),
        ("status", "status"),
    ),
    "intervention": (
        ("modality", "modality"),
        ("frequency", "frequency"),
        ("responsible_id", "responsible staff"),
    ),
}
_CHILDREN = {
    "problem": ("goals", "goal"),
    "goal": ("objectives", "objective"),
    "objective": ("interventions", "intervention"),
}


@dataclass(frozen=True)
class PlanChange:
    """One part of either version, side by side: `older` or `newer` is None when it was added or
    removed; `changed` names what differs."""

    kind: str
    depth: int
    older: Any
    newer: Any
    changed: tuple[str, ...]

    @property
    def change(self) -> str:
        if self.older is None:
            return "added"
        if self.newer is None:
            return "removed"
        return "changed" if self.changed else "unchanged"


@dataclass(frozen=True)
class PlanComparison:
    older: TreatmentPlan
    newer: TreatmentPlan
    rows: list[PlanChange]
    versions: list[TreatmentPlan]  # every version of the client's plan, to compare another pair

    @property
    def counts(self) -> dict[str, int]:
        return {
            change: sum(1 for row in self.rows if row.change == change)
            for change in ("added", "removed", "changed")
        }


def plan_comparison(*, plan: TreatmentPlan, against_pk: int | None) -> PlanComparison | None:
    """`plan` side by side with version `against_pk` of the same client's plan (by default the plan
    it revises, else the version before it): every problem, goal, objective and intervention,
    added, removed, changed or unchanged. A part matches the one it was copied from, through any
    versions in between; a part without that link (plans revised before it was kept) matches an
    unmatched part under the same parent that reads the same. None when there is nothing to
    compare with. Five queries whatever the size of the plans."""
    versions = list(plan_list(client=plan.client).order_by("version"))
    by_pk = {version.pk: version for version in versions}
    if against_pk is None:
        earlier = [v.pk for v in versions if v.version < plan.version]
        against_pk = plan.revises_id or (earlier[-1] if earlier else None)
        if against_pk is None:
            return None
    if against_pk not in by_pk or against_pk == plan.pk:
        raise Http404
    older, newer = sorted((by_pk[plan.pk], by_pk[against_pk]), key=lambda v: v.version)
    copied_from: dict[tuple[str, int], int | None] = {}
    for version in versions:
        for problem in version.problems.all():
            copied_from["problem", problem.pk] = problem.copied_from_id
            for goal in problem.goals.all():
                copied_from["goal", goal.pk] = goal.copied_from_id
                for objective in goal.objectives.all():
                    copied_from["objective", objective.pk] = objective.copied_from_id
                    for intervention in objective.interventions.all():
                        copied_from["intervention", intervention.pk] = intervention.copied_from_id
    rows: list[PlanChange] = []
    _compare_parts(
        rows, copied_from, "problem", 0, list(older.problems.all()), list(newer.problems.all())
    )
    return PlanComparison(older=older, newer=newer, rows=rows, versions=versions)


def _reads_the_same(kind: str, one: Any, other: Any) -> bool:
    return all(getattr(one, field) == getattr(other, field) for field, _ in _COMPARED[kind][:2])


def _compare_parts(
    rows: list[PlanChange],
    copied_from: dict[tuple[str, int], int | None],
    kind: str,
    depth: int,
    olders: list[Any],
    newers: list[Any],
) -> None:
    unmatched = {part.pk: part for part in olders}
    matches: dict[int, Any] = {}
    for newer in newers:
        ancestor = copied_from.get((kind, newer.pk))
        while ancestor is not None and ancestor not in unmatched:
            ancestor = copied_from.get((kind, ancestor))
        if ancestor is not None:
            matches[newer.pk] = unmatched.pop(ancestor)
    for newer in newers:
        if newer.pk not in matches and copied_from.get((kind, newer.pk)) is None:
            same = next((o for o in unmatched.values() if _reads_the_same(kind, o, newer)), None)
            if same is not None:
                matches[newer.pk] = unmatched.pop(same.pk)
    for newer in newers:
        older = matches.get(newer.pk)
        changed = tuple(
            label
            for field, label in _COMPARED[kind]
            if older is not None and getattr(older, field) != getattr(newer, field)
        )
        rows.append(PlanChange(kind, depth, older, newer, changed))
        _compare_children(rows, copied_from, kind, depth, older, newer)
    for older in unmatched.values():
        rows.append(PlanChange(kind, depth, older, None, ()))
        _compare_children(rows, copied_from, kind, depth, older, None)


def _compare_children(
    rows: list[PlanChange],
    copied_from: dict[tuple[str, int], int | None],
    kind: str,
    depth: int,
    older: Any,
    newer: Any,
) -> None:
    if kind not in _CHILDREN:
        return
    related, child_kind = _CHILDREN[kind]
    _compare_parts(
        rows,
        copied_from,
        child_kind,
        depth + 1,
        list(getattr(older, related).all()) if older is not None else [],
        list(getattr(newer, related).all()) if newer is not None else [],
    )
