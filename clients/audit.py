"""How the client record reads in the audit trail (`iop.audit`), registered in `ready()`."""

from iop.audit import CLIENT, audit_clients_register, audit_reads_register, audit_register
from iop.models import User
from iop.statements import Statement, ids_in

from . import models
from .selectors import client_list, client_name_or_mrn

# A search by name matches at most this many clients: the filter narrows, it does not list.
SEARCH_LIMIT = 50


_LABELLED: Statement[tuple[int, str, str, str]] = Statement(
    lambda: models.Client.objects.filter(ids_in("pk", "clients")).values_list(
        "pk", "legal_first_name", "legal_last_name", "mrn"
    )
)


def client_labels(ids: set[int]) -> dict[int, str]:
    """ "Alice Smith (M001234)": the legal name, as an accounting of disclosures names people."""
    if not ids:
        return {}
    rows = _LABELLED.run(clients=sorted(ids))
    return {pk: f"{first} {last} ({mrn})" for pk, first, last, mrn in rows}


def client_search(text: str, user: User) -> list[int]:
    """The clients within the user's reach whose MRN is `text`, or whose names hold every word of
    it (`client_name_or_mrn`)."""
    clients = client_list(user=user)
    by_mrn = list(clients.filter(mrn__iexact=text).values_list("pk", flat=True))
    if by_mrn:
        return by_mrn
    matches = clients.filter(client_name_or_mrn(text)).order_by("pk")
    return list(matches.values_list("pk", flat=True)[:SEARCH_LIMIT])


def _plan(plan: models.TreatmentPlan) -> str:
    return f"the treatment plan (version {plan.version}) of {CLIENT}"


def register() -> None:
    audit_clients_register(labels=client_labels, search=client_search)
    audit_register(
        models.Client,
        record=lambda row: CLIENT,
        client=lambda row: row.pk,
        created="registered",
        # Derived from the names, whose changes are logged already.
        exclude_fields=["search_name", "search_trigrams"],
    )
    audit_register(
        models.ProgramTrack,
        record=lambda row: f"the program track “{row}”",
        client=lambda row: None,
    )
    audit_register(
        models.EmergencyContact,
        record=lambda row: f"an emergency contact of {CLIENT}",
        client=lambda row: row.client_id,
    )
    audit_register(
        models.Intake,
        record=lambda row: f"the intake of {CLIENT}",
        client=lambda row: row.client_id,
        events={"completed_at": "completed"},
    )
    audit_register(
        models.SubstanceUse,
        record=lambda row: f"a substance use entry of {CLIENT}",
        client=lambda row: row.client_id,
    )
    audit_register(
        models.Diagnosis,
        record=lambda row: f"the diagnosis {row.icd10_code} of {CLIENT}",
        client=lambda row: row.client_id,
    )
    audit_register(
        models.Medication,
        record=lambda row: f"a medication of {CLIENT}",
        client=lambda row: row.client_id,
    )
    audit_register(
        models.LevelOfCareEpisode,
        record=lambda row: f"the level of care ({row.get_level_display()}) of {CLIENT}",
        client=lambda row: row.client_id,
    )
    audit_register(
        models.Consent,
        record=lambda row: f"the consent of {CLIENT} to disclose to {row.recipient}",
        client=lambda row: row.client_id,
        events={"revoked_on": "revoked"},
    )
    audit_register(
        models.Disclosure,
        record=lambda row: (
            f"a disclosure of the {row.get_information_display().lower()} of {CLIENT}"
            f" to {row.recipient}"
        ),
        client=lambda row: row.client_id,
        created="recorded",
    )
    audit_register(
        models.TreatmentPlan,
        record=_plan,
        client=lambda row: row.client_id,
        events={
            "clinician_signed_at": "signed",
            "client_signed_at": "recorded the client's signature on",
            "activated_on": "activated",
        },
    )
    audit_register(
        models.Problem,
        record=lambda row: f"a problem in {_plan(row.plan)}",
        client=lambda row: row.plan.client_id,
    )
    audit_register(
        models.Goal,
        record=lambda row: f"a goal in {_plan(row.problem.plan)}",
        client=lambda row: row.problem.plan.client_id,
    )
    audit_register(
        models.Objective,
        record=lambda row: f"an objective in {_plan(row.goal.problem.plan)}",
        client=lambda row: row.goal.problem.plan.client_id,
    )
    audit_register(
        models.Intervention,
        record=lambda row: f"an intervention in {_plan(row.objective.goal.problem.plan)}",
        client=lambda row: row.objective.goal.problem.plan.client_id,
    )
    audit_register(
        models.PlanReview,
        record=lambda row: f"the review of {row.reviewed_on:%b %-d} of {_plan(row.plan)}",
        client=lambda row: row.plan.client_id,
    )
    audit_register(
        models.ObjectiveProgress,
        record=lambda row: f"the progress on an objective in {_plan(row.review.plan)}",
        client=lambda row: row.review.plan.client_id,
    )
    audit_register(
        models.Discharge,
        record=lambda row: f"the discharge of {CLIENT}",
        client=lambda row: row.client_id,
        created="recorded",
    )
    audit_register(
        models.ClinicalAlert,
        record=lambda row: f"the {row.get_kind_display().lower()} alert of {CLIENT}",
        client=lambda row: row.client_id,
        created="raised",
        events={"followed_up_at": "documented the follow-up of"},
    )
    audit_register(
        models.DrugScreen,
        record=lambda row: f"the drug screen of {CLIENT} collected {row.collected_on:%b %-d}",
        client=lambda row: row.client_id,
        created="recorded",
        events={"voided_at": "voided"},
    )
    audit_register(
        models.DrugScreenResult,
        record=lambda row: f"a result of the drug screen of {CLIENT}",
        client=lambda row: row.screen.client_id,
        created="recorded",
    )
    audit_register(
        models.Instrument, record=lambda row: f"the instrument {row.name}", client=lambda row: None
    )
    audit_register(
        models.InstrumentVersion,
        record=lambda row: f"a version of the instrument {row.instrument.name}",
        client=lambda row: None,
    )
    audit_register(
        models.MeasureSchedule,
        record=lambda row: f"the {row.instrument.name} schedule of the track {row.track}",
        client=lambda row: None,
    )
    # The answers and scores are clinical content: the log says who changed a check-in and
    # when, never what the client answered.
    audit_register(
        models.CheckIn,
        record=lambda row: f"the {row.instrument.name} check-in of {CLIENT}",
        client=lambda row: row.client_id,
        events={"submitted_at": "submitted"},
        exclude_fields=["answers", "scores"],
    )
    audit_register(models.Payer, record=lambda row: f"the payer “{row}”", client=lambda row: None)
    audit_register(
        models.PayerUnitRule,
        record=lambda row: f"the unit rule of {row.payer} for {row.service_code}",
        client=lambda row: None,
    )
    audit_register(
        models.Authorization,
        record=lambda row: f"the {row.service_code} authorization {row.number} of {CLIENT}",
        client=lambda row: row.client_id,
        created="recorded",
        events={"ended_on": "ended", "voided_at": "voided"},
    )
    audit_reads_register(
        {
            "chart": f"the chart of {CLIENT}",
            "measures": f"the check-in scores and trends of {CLIENT}",
            "client record": f"the record of {CLIENT} to edit it",
            "consent revocation": f"a consent of {CLIENT} to revoke it",
            "consent to disclose": f"the consents of {CLIENT} to record one",
            "print or export under a consent": f"the chart of {CLIENT} to disclose part of it",
            "disclosure under a consent": f"part of the record of {CLIENT} under a consent",
            "treatment plan: new version": f"the treatment plan of {CLIENT} to revise it",
            "treatment plan: review": f"the treatment plan of {CLIENT} to review it",
            "treatment plan: sign": f"the treatment plan of {CLIENT} to sign it",
            "access report": f"the access report of {CLIENT}",
            "accounting of disclosures": f"the accounting of disclosures of {CLIENT}",
            "payer authorization": f"the authorizations of {CLIENT} to record, end or void one",
        }
    )
