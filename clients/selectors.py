"""Reads of the client record: who sees which clients, caseloads, plans, the chart."""

import operator
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import reduce
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import (
    Count,
    F,
    FilteredRelation,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from iop import clock
from iop.audit import AuditLine
from iop.models import User
from iop.pagination import MAX_COUNTED, StatementPaginator
from iop.selectors import AuditFilters, audit_lines, chart_read_list, record_change_list
from iop.statements import Slot, Statement, ids_in, role_user, values_for

from . import measures
from .models import (
    PRESCRIBED_AS,
    Authorization,
    CheckIn,
    Client,
    ClinicalAlert,
    Consent,
    Discharge,
    Disclosure,
    DrugScreen,
    EmergencyAccess,
    Goal,
    Instrument,
    InstrumentVersion,
    Intake,
    Intervention,
    LevelOfCare,
    LevelOfCareEpisode,
    Objective,
    Payer,
    Problem,
    ProgramTrack,
    TreatmentPlan,
    name_trigrams,
)
from .outcomes import AFTER_DISCHARGE, Outcome
from .trends import MeasureTrend, measure_trends


def client_list(*, user: User, among: Collection[int] | Slot | None = None) -> QuerySet[Client]:
    """The clients `user` may open (`Client.objects.within_reach_of`, minimum necessary), by name,
    with what a row shows; of `among` only, when given (a chart's client)."""
    return (
        Client.objects.within_reach_of(user, among)
        .select_related("track", "primary_clinician")
        .order_by("legal_last_name", "legal_first_name", "pk")
    )


# The list's keys in its order, without the tables a row shows: a clinician's 1,202 clients in
# reach sorted with their track and clinician joined took 5.0 ms; their keys, then 25 rows, 3.3.
_CLIENT_KEYS: Statement[tuple] = Statement(
    lambda role: client_list(user=role_user(role)).select_related(None).values_list("pk")
)
_CLIENTS_BY_KEY: Statement[Client] = Statement(
    lambda: Client.objects.filter(ids_in("pk", "clients")).select_related(
        "track", "primary_clinician"
    )
)


def client_paginator(*, user: User, per_page: int) -> StatementPaginator:
    """`client_list` by pages, compiled once per role: an admin's (every client, read by name
    from an index) counted apart up to MAX_COUNTED, anyone else's (the reach rule's, read in full
    to sort them) counted with the first page; each page's keys first, then its rows."""
    return StatementPaginator(
        _CLIENT_KEYS,
        {"role": user.role},
        values_for(user),
        per_page,
        # Every client of the clinic's years, counted in full, was the page's one cost that grew
        # with its history (2.8 ms for 48,000 clients at the bench's scale 1, 0.7 up to 10,000).
        cap=MAX_COUNTED if user.is_admin else None,
        counted_with_first_page=not user.is_admin,
        rows_by_key=lambda keys: _CLIENTS_BY_KEY.run(clients=keys),
    )


# The rule asked of one client, as every page of a chart asks it first, compiled once per role:
# building and compiling it took 2.7 ms, running it in PostgreSQL 0.8.
_ONE_CLIENT = Slot("among", array_of="bigint")
_REACHABLE_CLIENT: Statement[Client] = Statement(
    lambda role: client_list(user=role_user(role), among=_ONE_CLIENT)
)
_CHART_CLIENT: Statement[Client] = Statement(
    lambda role: client_chart_list(user=role_user(role), among=_ONE_CLIENT)
)


def client_reachable_get(*, user: User, pk: int) -> Client | None:
    """Client `pk`, with what a row of the client list shows, if `user` may open it."""
    rows = _REACHABLE_CLIENT.run({"role": user.role}, **values_for(user), among=[pk])
    return rows[0] if rows else None


_OWN_CLIENT: Statement[Client] = Statement(
    lambda role: client_list(user=role_user(role)).filter(user_id=Slot("user"))
)


def own_client_get(*, user: User) -> Client | None:
    """The record of the client logged in to the portal (None for a login without one): the
    rule every page of the portal asks first, compiled once."""
    rows = _OWN_CLIENT.run({"role": user.role}, **values_for(user))
    return rows[0] if rows else None


def client_chart_get(*, user: User, pk: int) -> Client | None:
    """Client `pk`, with everything the chart shows (`client_chart_list`), if `user` may open
    it."""
    rows = _CHART_CLIENT.run({"role": user.role}, **values_for(user), among=[pk])
    return rows[0] if rows else None


def client_name_or_mrn(text: str) -> Q:
    """Clients with every word of `text` in one of their names (any part, any case, compared on
    the stored `search_name`) or as their MRN (issued in capitals, so the unique index finds it);
    every client for no word. A word of three characters or more is first looked up by its
    three-character runs (`search_trigrams`' index: a name containing the word has them all), so
    only the clients found are tested; a shorter word tests every client."""
    matches = Q()
    for word in map(str.upper, text.split()):
        in_name = Q(search_name__contains=word)
        if trigrams := name_trigrams(word):
            in_name &= Q(search_trigrams__contains=trigrams)
        matches &= in_name | Q(mrn=word)
    return matches


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
                                queryset=_objectives_with_latest_measure().prefetch_related(
                                    "interventions__responsible"
                                ),
                            )
                        ),
                    )
                ),
            )
        )
    )


def _objectives_with_latest_measure() -> QuerySet[Objective]:
    """Objectives with the latest scores of their measure target's instrument (if they name
    one), so a plan shows whether each target is met without a query per objective."""
    latest = CheckIn.objects.filter(
        client=OuterRef("goal__problem__plan__client"),
        instrument=OuterRef("measure_instrument"),
        submitted_at__isnull=False,
    ).order_by("-completed_on", "-pk")
    return Objective.objects.select_related("measure_instrument").annotate(
        latest_measure_scores=Subquery(latest.values("scores")[:1], output_field=JSONField()),
        latest_measure_on=Subquery(latest.values("completed_on")[:1]),
    )


def measure_target_choices() -> list[tuple[str, str]]:
    """The scales an objective may name a "below" target on (where lower is better), from each
    instrument's latest version: ("phq-9:total", "PHQ-9 · Depression")."""
    versions = (
        InstrumentVersion.objects.select_related("instrument")
        .order_by("instrument__abbreviation", "instrument_id", "-version")
        .distinct("instrument__abbreviation", "instrument_id")
    )
    return [
        (f"{version.instrument.code}:{scale.key}", f"{version.instrument} · {scale.label}")
        for version in versions
        for scale in measures.scales(version.definition)
        if scale.higher_is_worse
    ]


def client_chart_list(*, user: User, among: Collection[int] | Slot) -> QuerySet[Client]:
    """The clients of `among` that `user` may see, each with everything the chart page shows
    loaded up front (`clients.access.access_client_chart` opens one)."""
    return (
        client_list(user=user, among=among)
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


def plan_active_header(*, client: Client) -> TreatmentPlan | None:
    """The client's plan in force without its tree: for pages that only link to it or ask for the
    client's signature (one query, not five, compiled once: the client's schedule shows it)."""
    plans = _ACTIVE_PLAN_HEADER.run(client=client.pk)
    return plans[0] if plans else None


_ACTIVE_PLAN_HEADER: Statement[TreatmentPlan] = Statement(
    lambda: TreatmentPlan.objects.filter(
        client_id=Slot("client"), status=TreatmentPlan.Status.ACTIVE
    )[:1]
)


def plan_draft(*, client: Client) -> TreatmentPlan | None:
    """The client's draft of the next version, if one is open (at most one is)."""
    return client.treatment_plans.filter(status=TreatmentPlan.Status.DRAFT).first()


def plan_reviews_overdue(
    *, clinician: User | None = None, client: Client | None = None, today: date | Slot | None = None
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
        plans = plans.filter(client__primary_clinician_id=clinician.pk)
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
    open_alerts: list[ClinicalAlert]


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
        open_alerts=list(clinical_alert_list(client=client, open_only=True)),
    )


def consent_list(*, client: Client) -> QuerySet[Consent]:
    """The consents to disclose the client has signed, valid or not."""
    return Consent.objects.filter(client=client).select_related("client")


def disclosure_list(*, client: Client) -> QuerySet[Disclosure]:
    """The ledger of what was disclosed from the client's record, which the client sees."""
    return Disclosure.objects.filter(client=client).select_related("disclosed_by")


def authorization_list(*, client: Client) -> QuerySet[Authorization]:
    """The client's authorizations, voided ones included (the record keeps them), latest first."""
    return Authorization.objects.filter(client=client).select_related("payer", "client")


def authorization_overlapping(
    *, client: Client, service_code: str, first_day: date, last_day: date
) -> QuerySet[Authorization]:
    """The client's live authorizations of `service_code` that cover a day of first..last."""
    return (
        Authorization.objects.live()
        .filter(client=client, service_code=service_code, first_day__lte=last_day)
        .filter(Q(ended_on__gte=first_day) | Q(ended_on__isnull=True, last_day__gte=first_day))
    )


def payer_list() -> QuerySet[Payer]:
    """Every payer with its unit rules and `live_authorizations` (those not voided), by name. Two
    queries."""
    return (
        Payer.objects.prefetch_related("unit_rules")
        .annotate(
            live_authorizations=Count(
                "authorizations", filter=Q(authorizations__voided_at__isnull=True)
            )
        )
        .order_by("name")  # a grouped query ignores Meta.ordering
    )


def client_access_rows(*, client: Client) -> QuerySet:
    """The client's reads, exports and changes as one list of (kind, row, at), newest first, for
    the access report to page through; `client_access_lines` puts a page of them in words."""
    filters = AuditFilters(client_ids=[client.pk])
    reads = (
        chart_read_list(filters=filters)
        .order_by()
        .values(kind=Value("read"), row=F("pk"), when=F("at"))
    )
    changes = (
        record_change_list(filters=filters)
        .order_by()
        .values(kind=Value("change"), row=F("pk"), when=F("timestamp"))
    )
    return reads.union(changes, all=True).order_by("-when", "kind", "-row")


def client_access_lines(*, client: Client, rows: Iterable[dict[str, Any]]) -> list[AuditLine]:
    """Rows of `client_access_rows` in words, in a fixed number of queries."""
    ids: dict[str, list[int]] = {"read": [], "change": []}
    for row in rows:
        ids[row["kind"]].append(row["row"])
    return audit_lines(
        reads=chart_read_list().filter(pk__in=ids["read"]),
        entries=record_change_list().filter(pk__in=ids["change"]),
        focus=client.pk,
    )


def client_access_history(*, client: Client) -> list[AuditLine]:
    """Every recorded read, export and change of the client's records, newest first, in words
    (the access report). It names no other client: a page that showed others counts them."""
    filters = AuditFilters(client_ids=[client.pk])
    return audit_lines(
        reads=chart_read_list(filters=filters),
        entries=record_change_list(filters=filters),
        focus=client.pk,
    )


# --- Measurement-based care --------------------------------------------------------------------

# A check-in is overdue (on Today) once it has waited this many days past its due day.
CHECKIN_OVERDUE_AFTER_DAYS = 2


# The open check-ins that still count, by the client's status: every one while in the program, the
# discharge one once discharged; none of a client of any other status.
_STILL_OPEN_BY_STATUS: dict[str, Q] = {
    Client.Status.ACTIVE: Q(),
    Client.Status.DISCHARGED: Q(occasion=CheckIn.Occasion.DISCHARGE),
}


def _open_check_ins(*, client: Client | None = None) -> QuerySet[CheckIn]:
    """Open check-ins, the latest of each client and instrument only (an earlier one left open
    was missed, not still due), of clients still in the program or just discharged; of `client`
    only when given (its status known, so no join to the clients)."""
    open_ones = CheckIn.objects.filter(submitted_at__isnull=True)
    if client is None:
        open_ones = open_ones.filter(
            reduce(
                operator.or_,
                (
                    Q(client__status=status) & still
                    for status, still in _STILL_OPEN_BY_STATUS.items()
                ),
            )
        )
    elif (still := _STILL_OPEN_BY_STATUS.get(client.status)) is not None:
        open_ones = open_ones.filter(still, client_id=client.pk)
    else:
        return CheckIn.objects.none()
    return open_ones.order_by("client_id", "instrument_id", "-due_on").distinct(
        "client_id", "instrument_id"
    )


def checkin_due_list(*, client: Client) -> list[CheckIn]:
    """The check-ins the client has to complete now (the portal's list), oldest first: a
    statement compiled once per client status (the client's schedule shows them)."""
    open_ones = _DUE_CHECK_INS.run({"status": client.status}, client=client.pk, today=clock.today())
    return sorted(open_ones, key=lambda c: (c.due_on, c.pk))


_DUE_CHECK_INS: Statement[CheckIn] = Statement(
    lambda status: (
        _open_check_ins(client=Client(pk=Slot("client"), status=status))
        .filter(due_on__lte=Slot("today"))
        .select_related("instrument")
    )
)


_OVERDUE_CHECK_INS: Statement[CheckIn] = Statement(
    lambda: (
        _open_check_ins()
        .filter(client__primary_clinician_id=Slot("clinician"), due_on__lt=Slot("due_before"))
        .select_related("client", "instrument")
    )
)


def checkin_overdue_list(*, clinician: User, today: date | None = None) -> list[CheckIn]:
    """The open check-ins of the clinician's caseload that are overdue (Today's list)."""
    overdue_before = (today or clock.today()) - timedelta(days=CHECKIN_OVERDUE_AFTER_DAYS)
    open_ones = _OVERDUE_CHECK_INS.run(clinician=clinician.pk, due_before=overdue_before)
    return sorted(open_ones, key=lambda c: c.due_on)


def checkin_submitted_list(*, client: Client) -> QuerySet[CheckIn]:
    """The client's submitted check-ins, oldest first, with their instrument and version."""
    return (
        CheckIn.objects.filter(client=client, submitted_at__isnull=False)
        .select_related("instrument", "version", "submitted_by")
        .order_by("completed_on", "pk")
    )


def checkin_list(*, client: Client) -> QuerySet[CheckIn]:
    """Every check-in of the client, open or submitted (an access helper opens one)."""
    return CheckIn.objects.filter(client=client).select_related(
        "client", "instrument", "version", "submitted_by"
    )


def measure_trend_list(*, client: Client) -> list[MeasureTrend]:
    """Each scale's scores over the client's episode (since admission), with its bands, the
    admission baseline, response and remission: the chart's trend charts, in two queries."""
    since = client.admission_date or date.min
    submitted = list(checkin_submitted_list(client=client).filter(completed_on__gte=since))
    instruments = {c.instrument_id: c.instrument for c in submitted}
    return [
        trend
        for instrument in sorted(instruments.values(), key=lambda i: i.abbreviation)
        for trend in measure_trends(
            instrument=instrument,
            check_ins=[c for c in submitted if c.instrument_id == instrument.pk],
            start=client.admission_date,
            end=clock.today(),
        )
    ]


@dataclass(frozen=True)
class ClientMeasures:
    """The chart's measures card (loaded on its own, so the chart stays within its queries): the
    check-ins due, each scale's trend, and the instruments a paper form can be entered for."""

    client: Client
    today: date
    open_check_ins: list[CheckIn]
    trends: list[MeasureTrend]
    instruments: list[Instrument]


def client_measures_get(*, client: Client) -> ClientMeasures:
    return ClientMeasures(
        client=client,
        today=clock.today(),
        open_check_ins=checkin_due_list(client=client),
        trends=measure_trend_list(client=client),
        instruments=list(instrument_list()),
    )


def instrument_list() -> QuerySet[Instrument]:
    return Instrument.objects.all()


def instrument_version_latest(*, code: str) -> InstrumentVersion | None:
    """The version of instrument `code` a new check-in is given; None for an unknown code."""
    return (
        InstrumentVersion.objects.filter(instrument__code=code)
        .select_related("instrument")
        .order_by("-version")
        .first()
    )


def clinical_alert_list(
    *,
    user: User | None = None,
    client: Client | None = None,
    source: models.Model | None = None,
    open_only: bool = False,
) -> QuerySet[ClinicalAlert]:
    """Clinical alerts, urgent first then oldest first: of the clients `user` may open (the one
    rule of reach: a clinician their clients', admins all), of one `client` already opened, or
    raised by one `source`; only those still waiting for their follow-up with `open_only`."""
    alerts = ClinicalAlert.objects.select_related("client", "followed_up_by")
    if client is not None:
        alerts = alerts.filter(client=client)
    if source is not None:
        alerts = alerts.filter(
            source_type=ContentType.objects.get_for_model(source), source_id=source.pk
        )
    if open_only:
        alerts = alerts.filter(followed_up_at__isnull=True)
    if user is not None:
        # The rule asked of these alerts' clients only (one query for them), not of every client
        # in reach: asked of a subquery, the planner still costs every client reached by years
        # of sessions, and compiles that plan (JIT) to read no alert at all.
        among = set(alerts.values_list("client_id", flat=True))
        alerts = _alerts_in_reach(alerts, user, among)
    return alerts


def _alerts_in_reach(
    alerts: QuerySet[ClinicalAlert], user: User, among: Collection[int] | Slot
) -> QuerySet[ClinicalAlert]:
    return alerts.filter(client__in=Client.objects.within_reach_of(user, among).values("pk"))


def _open_alerts() -> QuerySet[ClinicalAlert]:
    return clinical_alert_list(open_only=True)


_OPEN_ALERTED_CLIENTS: Statement[int] = Statement(
    lambda: _open_alerts().values_list("client_id", flat=True)
)
_OPEN_ALERTS_IN_REACH: Statement[ClinicalAlert] = Statement(
    lambda role: _alerts_in_reach(_open_alerts(), role_user(role), Slot("among", array_of="bigint"))
)


def clinical_alert_open_list(*, user: User) -> list[ClinicalAlert]:
    """`clinical_alert_list(user=user, open_only=True)` as Today reads it, compiled once."""
    among = sorted(set(_OPEN_ALERTED_CLIENTS.run()))
    if not among:
        return []
    return _OPEN_ALERTS_IN_REACH.run({"role": user.role}, **values_for(user), among=among)


def substances_prescribed(*, client: Client) -> set[str]:
    """The screened substances the client's medication list prescribes (PRESCRIBED_AS), whose
    positive result may be expected."""
    names = [name.lower() for name in client.medications.values_list("name", flat=True)]
    return {
        substance
        for substance, brands in PRESCRIBED_AS.items()
        if any(brand in name for name in names for brand in brands)
    }


def drug_screen_list(*, client: Client, since: date | None = None) -> QuerySet[DrugScreen]:
    """The client's screens, newest first, voided ones included (struck through on the page),
    with their results: two queries."""
    screens = DrugScreen.objects.filter(client=client).select_related("voided_by")
    if since is not None:
        screens = screens.filter(collected_on__gte=since)
    return screens.prefetch_related("results")


@dataclass(frozen=True)
class CheckInScores:
    check_in: CheckIn
    scores: list[tuple[str, int, str]]  # (scale, score, band) in the instrument's order


def checkin_score_list(*, client: Client) -> list[CheckInScores]:
    """Every submitted check-in of the client with its scores and bands, oldest first: what a
    disclosure of the scores prints."""
    rows = []
    for check_in in checkin_submitted_list(client=client):
        scales = measures.scales(check_in.version.definition)
        scored = check_in.scores or {}
        rows.append(
            CheckInScores(
                check_in=check_in,
                scores=[
                    (scale.label, scored[scale.key], scale.band(scored[scale.key]).label)
                    for scale in scales
                    if scale.key in scored
                ],
            )
        )
    return rows


def outcome_list(*, start: date, end: date, by_track: bool = True) -> list[Outcome]:
    """Outcomes of the clients discharged in [start, end], one row per (track, instrument, scale),
    or per (instrument, scale) with `by_track` off (the admin home's lines)."""
    check_ins = (
        CheckIn.objects.filter(
            submitted_at__isnull=False,
            client__discharge_date__gte=start,
            client__discharge_date__lte=end,
        )
        .select_related("client__track", "instrument", "version")
        .order_by("client_id", "instrument_id", "completed_on", "pk")
    )
    episodes: dict[tuple[int, int], list[CheckIn]] = defaultdict(list)
    for check_in in check_ins:
        client = check_in.client
        # Discharged clients only: both dates are set.
        admitted, discharged = cast(date, client.admission_date), cast(date, client.discharge_date)
        completed = cast(date, check_in.completed_on)
        if admitted <= completed <= discharged + AFTER_DISCHARGE:
            episodes[(client.pk, check_in.instrument_id)].append(check_in)
    outcomes: dict[tuple[str, str, str], Outcome] = {}
    for episode in episodes.values():
        if len(episode) < 2:
            continue
        first, last = episode[0], episode[-1]
        track = str(first.client.track) if by_track else ""
        for scale in measures.scales(last.version.definition):
            if scale.key not in (first.scores or {}) or scale.key not in (last.scores or {}):
                continue
            key = (track, str(first.instrument), scale.label)
            outcome = outcomes.setdefault(
                key, Outcome(track, str(first.instrument), scale.label, scale.higher_is_worse)
            )
            final = last.scores[scale.key]  # type: ignore[index]
            outcome.changes.append((first.scores[scale.key], final))  # type: ignore[index]
            outcome.client_ids.add(first.client_id)
            if scale.remission_below is not None:
                outcome.remissions.append(final < scale.remission_below)
    return [outcomes[key] for key in sorted(outcomes)]


def track_list() -> QuerySet[ProgramTrack]:
    """Every program track, active first, with `clients_in_program` (active clients on it). One
    query."""
    return ProgramTrack.objects.annotate(
        clients_in_program=Count("clients", filter=Q(clients__status=Client.Status.ACTIVE))
    ).order_by("-is_active", "name")


def track_choice_list(*, current: ProgramTrack | None = None) -> QuerySet[ProgramTrack]:
    """The tracks a client or a group may be put on: the active ones, and the one it is on."""
    active = Q(is_active=True)
    return ProgramTrack.objects.filter(active | Q(pk=current.pk) if current else active)


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
    """Two aggregate queries, whatever the number of clients: the active clients joined once to
    their open level of care (at most one, a unique constraint), and the admissions and
    discharges since the earlier of the week's and the month's first day, read by their dates'
    indexes rather than across every client the clinic ever had."""
    today = today or clock.today()
    week_start, month_start = clock.week_start_of(today), today.replace(day=1)
    counted = (
        Client.objects.filter(status=Client.Status.ACTIVE)
        .alias(
            open_level=FilteredRelation(
                "levels_of_care", condition=Q(levels_of_care__end_date__isnull=True)
            )
        )
        .annotate(level=Coalesce("open_level__level", Value("")))
        .order_by()
        .values("track_id", "track__name", "level")
        .annotate(n=Count("*"))
    )
    counts = {(r["track_id"], r["level"]): r["n"] for r in counted}
    tracks = sorted({(r["track__name"], r["track_id"]) for r in counted})
    present = {level for _, level in counts}
    levels = [(v, label) for v, label in [*LevelOfCare.choices, NO_LEVEL_OF_CARE] if v in present]
    since = min(week_start, month_start)
    moves = Client.objects.filter(
        Q(admission_date__gte=since) | Q(discharge_date__gte=since)
    ).aggregate(
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
