"""Reads of the client record: who sees which clients, caseloads, plans, the chart."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
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
    LevelOfCare,
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
        .select_related("client", "clinician_signed_by", "created_by")
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


@dataclass(frozen=True)
class CensusRow:
    """A track's active clients, by level of care in the order of `Census.levels`."""

    track_id: int
    track: str
    counts: list[tuple[str, int]]  # (level of care, clients); "" for none recorded

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)


@dataclass(frozen=True)
class Census:
    """Today's census for the admin home: active clients by track and level of care, and the
    admissions and discharges of this week and this month."""

    rows: list[CensusRow]
    levels: list[tuple[str, str]]  # the levels that have clients, in LevelOfCare's order
    today: date
    week_start: date
    month_start: date
    admitted_week: int
    admitted_month: int
    discharged_week: int
    discharged_month: int

    @property
    def active(self) -> int:
        return sum(row.total for row in self.rows)


NO_LEVEL_OF_CARE = ("", "Not recorded")


def census_get(*, today: date | None = None) -> Census:
    """Two aggregate queries, whatever the number of clients."""
    today = today or clock.today()
    week_start, month_start = clock.week_start_of(today), today.replace(day=1)
    open_level = LevelOfCareEpisode.objects.filter(
        client=OuterRef("pk"), end_date__isnull=True
    ).values("level")[:1]
    counted = (
        Client.objects.filter(status=Client.Status.ACTIVE)
        .annotate(level=Coalesce(Subquery(open_level), Value("")))
        .order_by()
        .values("track_id", "track__name", "level")
        .annotate(n=Count("pk"))
    )
    counts = {(r["track_id"], r["level"]): r["n"] for r in counted}
    tracks = sorted({(r["track__name"], r["track_id"]) for r in counted})
    present = {level for _, level in counts}
    levels = [(v, label) for v, label in [*LevelOfCare.choices, NO_LEVEL_OF_CARE] if v in present]
    moves = Client.objects.aggregate(
        admitted_week=Count("pk", filter=Q(admission_date__range=(week_start, today))),
        admitted_month=Count("pk", filter=Q(admission_date__range=(month_start, today))),
        discharged_week=Count("pk", filter=Q(discharge_date__range=(week_start, today))),
        discharged_month=Count("pk", filter=Q(discharge_date__range=(month_start, today))),
    )
    return Census(
        rows=[
            CensusRow(
                track_id=track_id,
                track=name,
                counts=[(level, counts.get((track_id, level), 0)) for level, _ in levels],
            )
            for name, track_id in tracks
        ],
        levels=levels,
        today=today,
        week_start=week_start,
        month_start=month_start,
        **moves,
    )
