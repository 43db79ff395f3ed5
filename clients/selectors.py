from datetime import date

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from iop.models import User

from .models import (
    Client,
    Consent,
    Disclosure,
    Goal,
    LevelOfCareEpisode,
    Objective,
    Problem,
    TreatmentPlan,
)


def client_list(*, user: User) -> QuerySet[Client]:
    """The clients `user` may see, by name, with what a row shows: staff see every client of the
    program; a client sees only their own record."""
    clients = Client.objects.select_related("track", "primary_clinician").order_by(
        "legal_last_name", "legal_first_name", "pk"
    )
    if user.is_clinic_staff:
        return clients
    return clients.filter(user=user)


def client_caseload(*, clinician: User) -> QuerySet[Client]:
    """The clinician's clients still in the program (any status but discharged)."""
    return (
        Client.objects.filter(primary_clinician=clinician)
        .exclude(status=Client.Status.DISCHARGED)
        .select_related("track")
    )


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


def plan_reviews_overdue(*, clinician: User, today: date | None = None) -> QuerySet[TreatmentPlan]:
    """Active plans of the clinician's caseload whose review is due before today."""
    return (
        TreatmentPlan.objects.filter(
            client__primary_clinician=clinician,
            status=TreatmentPlan.Status.ACTIVE,
            next_review_due__lt=today or timezone.localdate(),
        )
        .exclude(client__status=Client.Status.DISCHARGED)
        .select_related("client")
        .order_by("next_review_due")
    )


def consent_list(*, client: Client) -> QuerySet[Consent]:
    """The consents to disclose the client has signed, valid or not."""
    return Consent.objects.filter(client=client).select_related("client")


def disclosure_list(*, client: Client) -> QuerySet[Disclosure]:
    """The ledger of what was disclosed from the client's record, which the client sees."""
    return Disclosure.objects.filter(client=client).select_related("disclosed_by")
