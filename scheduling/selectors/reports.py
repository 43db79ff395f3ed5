"""The program reports: aggregate reads over a date range, filtered by track, clinician and group.
Each report is a fixed number of aggregate queries whatever the range or the clinic's size, and
comes back as tables (what the page lists, what the CSV holds, the chart's text alternative) and
the bars of its chart."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    Aggregate,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, TruncWeek

from clients.models import Client, Discharge, ProgramTrack
from groups.models import Enrollment, Group
from iop.clock import local_midnight, week_start_of
from iop.models import Role, User
from scheduling.models import (
    ATTENDED_STATUSES,
    Attendance,
    AttendanceStatus,
    Session,
    SessionClient,
)


@dataclass(frozen=True)
class ReportScope:
    """What a report covers: local dates `since` to `until` (both included), and optionally one
    track, one clinician (a clinician's own caseload, or the groups they facilitate) and one
    group."""

    since: date
    until: date
    track: ProgramTrack | None = None
    clinician: User | None = None
    group: Group | None = None

    @property
    def start(self) -> datetime:
        return local_midnight(self.since)

    @property
    def end(self) -> datetime:
        return local_midnight(self.until + timedelta(days=1))

    def clients(self, prefix: str = "") -> Q:
        """The clients in scope: of the track, on the clinician's caseload, ever in the group."""
        condition = Q()
        if self.track is not None:
            condition &= Q(**{f"{prefix}track": self.track})
        if self.clinician is not None:
            condition &= Q(**{f"{prefix}primary_clinician": self.clinician})
        if self.group is not None:
            enrolled = Enrollment.objects.live().filter(group=self.group).values("client_id")
            condition &= Q(**{f"{prefix}pk__in": enrolled})
        return condition


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the bar's end and its tooltip say it
    series: int = 0


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart (a bar per row, or one per series in each row), drawn by
    `scheduling/_report_chart.html` from `layout`."""

    title: str
    unit: str  # what the axis measures
    bars: list[Bar]
    series: list[str] = field(default_factory=list)  # legend, when more than one series
    maximum: float | None = None  # the axis' end; the largest value when None


@dataclass(frozen=True)
class Table:
    caption: str
    columns: list[str]
    rows: list[list[object]]


@dataclass(frozen=True)
class Report:
    tables: list[Table]
    chart: Chart | None
    client_ids: QuerySet  # the clients counted, for the audit entry of an export


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _person(row: dict, prefix: str) -> str:
    name = f"{row[f'{prefix}first_name']} {row[f'{prefix}last_name']}".strip()
    return name or row[f"{prefix}username"]


# --- Attendance rate per group and per clinician -------------------------------------------------


def _attendance(scope: ReportScope) -> QuerySet[Attendance]:
    """Recorded attendance of held sessions in the range; a session the clinic cancelled for a
    client is nobody's absence."""
    rows = Attendance.objects.filter(
        scope.clients("client__"),
        session__status=Session.Status.SCHEDULED,
        session__starts_at__gte=scope.start,
        session__starts_at__lt=scope.end,
    ).exclude(status=AttendanceStatus.CANCELLED_BY_CLINIC)
    return rows.filter(session__group=scope.group) if scope.group is not None else rows


def _attendance_counts(rows: QuerySet[Attendance], *by: str) -> QuerySet:
    return (
        rows.order_by()
        .values(*by)
        .annotate(
            recorded=Count("pk"),
            attended=Count("pk", filter=Q(status__in=ATTENDED_STATUSES)),
            excused=Count("pk", filter=Q(status=AttendanceStatus.EXCUSED)),
        )
    )


def _attendance_row(name: str, row: dict) -> list[object]:
    absent = row["recorded"] - row["attended"] - row["excused"]
    rate = _percent(row["attended"], row["recorded"])
    return [name, row["recorded"], row["attended"], row["excused"], absent, rate]


ATTENDANCE_COLUMNS = ["Recorded", "Attended", "Excused", "Absent", "Attendance rate (%)"]


def attendance_rate_report(*, scope: ReportScope) -> Report:
    """Two queries: by group (group sessions), and by the clinician who led the session."""
    rows = _attendance(scope)
    by_group = _attendance_counts(
        rows.filter(session__group__isnull=False), "session__group_id", "session__group__name"
    ).order_by("session__group__name")
    lead = "session__clinician__"
    by_clinician = _attendance_counts(
        rows, "session__clinician_id", f"{lead}first_name", f"{lead}last_name", f"{lead}username"
    ).order_by(f"{lead}last_name", f"{lead}first_name")
    group_rows = [_attendance_row(row["session__group__name"], row) for row in by_group]
    clinician_rows = [_attendance_row(_person(row, lead), row) for row in by_clinician]
    return Report(
        tables=[
            Table("Attendance by group", ["Group", *ATTENDANCE_COLUMNS], group_rows),
            Table(
                "Attendance by the clinician leading the session",
                ["Clinician", *ATTENDANCE_COLUMNS],
                clinician_rows,
            ),
        ],
        chart=Chart(
            title="Attendance rate by group",
            unit="% of recorded attendance that was attended",
            bars=[Bar(str(r[0]), float(r[5]), f"{r[5]}%") for r in group_rows],  # type: ignore[arg-type]
            maximum=100,
        ),
        client_ids=rows.order_by().values_list("client_id", flat=True).distinct(),
    )


# --- Length of stay and discharge reasons ---------------------------------------------------------


class Median(Aggregate):
    function = "PERCENTILE_CONT"
    name = "median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


# Days from admission to discharge (date minus date is whole days in PostgreSQL).
STAY_DAYS = Func(
    F("discharge_date"),
    F("client__admission_date"),
    arg_joiner=" - ",
    template="(%(expressions)s)",
    output_field=IntegerField(),
)

# The four ways a stay ends, as the report names them, from `Discharge.Reason`.
DISCHARGE_OUTCOMES = [
    (Discharge.Reason.COMPLETED, "Completed"),
    (Discharge.Reason.AGAINST_ADVICE, "Left before completing"),
    (Discharge.Reason.TRANSFERRED, "Transferred"),
    (Discharge.Reason.ADMINISTRATIVE, "Administrative"),
]


def _stay_counts() -> dict[str, Aggregate]:
    return {
        "discharged": Count("pk"),
        "median_days": Median(STAY_DAYS),
        **{reason.value: Count("pk", filter=Q(reason=reason)) for reason, _ in DISCHARGE_OUTCOMES},
    }


def _stay_row(name: str, row: Mapping[str, Any]) -> list[object]:
    median = row["median_days"]
    median_text = f"{median:g}" if median is not None else ""
    weeks = f"{median / 7:.1f}" if median is not None else ""
    outcomes = [row[reason.value] for reason, _ in DISCHARGE_OUTCOMES]
    return [name, row["discharged"], median_text, weeks, *outcomes]


def length_of_stay_report(*, scope: ReportScope) -> Report:
    """Discharges in the range: two queries (by track, and the whole program)."""
    discharges = Discharge.objects.filter(
        scope.clients("client__"),
        discharge_date__gte=scope.since,
        discharge_date__lte=scope.until,
    )
    by_track = (
        discharges.order_by()
        .values("client__track__name")
        .annotate(**_stay_counts())
        .order_by("client__track__name")
    )
    track_rows = [_stay_row(row["client__track__name"], row) for row in by_track]
    overall = discharges.aggregate(**_stay_counts())
    columns = [
        "Track",
        "Discharged",
        "Median stay (days)",
        "Median stay (weeks)",
        *(label for _, label in DISCHARGE_OUTCOMES),
    ]
    rows = [*track_rows, _stay_row("All tracks", overall)] if track_rows else []
    return Report(
        tables=[Table("Discharges and length of stay by track", columns, rows)],
        chart=Chart(
            title="Discharges by reason",
            unit="clients discharged",
            bars=[
                Bar(label, overall[reason.value], str(overall[reason.value]))
                for reason, label in DISCHARGE_OUTCOMES
            ],
        ),
        client_ids=discharges.values_list("client_id", flat=True),
    )


# --- Caseload per clinician -----------------------------------------------------------------------


def caseload_report(*, scope: ReportScope) -> Report:
    """One query: each clinician's clients in the program on the last day, and their admissions
    and discharges in the range."""
    clients = Client.objects.filter(scope.clients(), primary_clinician=OuterRef("pk"))

    def counted(condition: Q) -> Coalesce:
        numbers = clients.filter(condition).order_by().values("primary_clinician")
        return Coalesce(Subquery(numbers.annotate(n=Count("pk")).values("n")), 0)

    in_program = Q(admission_date__lte=scope.until) & (
        Q(discharge_date__isnull=True) | Q(discharge_date__gt=scope.until)
    )
    admitted = Q(admission_date__gte=scope.since, admission_date__lte=scope.until)
    discharged = Q(discharge_date__gte=scope.since, discharge_date__lte=scope.until)
    moved = admitted | discharged
    clinicians = User.objects.filter(role=Role.CLINICIAN)
    if scope.clinician is not None:
        clinicians = clinicians.filter(pk=scope.clinician.pk)
    rows = (
        clinicians.annotate(
            clients_in_program=counted(in_program),
            admitted=counted(admitted),
            discharged=counted(discharged),
        )
        .filter(
            Q(is_active=True)
            | Q(clients_in_program__gt=0)
            | Q(admitted__gt=0)
            | Q(discharged__gt=0)
        )
        .order_by("-clients_in_program", "last_name", "first_name")
    )
    table_rows: list[list[object]] = [
        [str(user), user.clients_in_program, user.admitted, user.discharged] for user in rows
    ]
    return Report(
        tables=[
            Table(
                f"Caseload on {scope.until:%b} {scope.until.day}, {scope.until.year}, "
                "with the range's admissions and discharges",
                ["Clinician", "Clients in the program", "Admitted", "Discharged"],
                table_rows,
            )
        ],
        chart=Chart(
            title="Clients in the program per clinician",
            unit="clients",
            bars=[Bar(str(r[0]), float(r[1]), str(r[1])) for r in table_rows],  # type: ignore[arg-type]
        ),
        client_ids=Client.objects.filter(scope.clients(), in_program | moved)
        .filter(primary_clinician__in=clinicians)
        .values_list("pk", flat=True),
    )


# --- Group fill rate ------------------------------------------------------------------------------


def group_fill_report(*, scope: ReportScope) -> Report:
    """One query: each group's sessions held in the range, the seats they offered (capacity times
    sessions) and the clients on their rosters; fill is the share of seats taken. A clinician's
    scope is the groups they facilitate."""
    held = Session.objects.filter(
        group=OuterRef("pk"),
        status=Session.Status.SCHEDULED,
        starts_at__gte=scope.start,
        starts_at__lt=scope.end,
    )
    on_rosters = SessionClient.objects.filter(
        session__group=OuterRef("pk"),
        session__status=Session.Status.SCHEDULED,
        session__starts_at__gte=scope.start,
        session__starts_at__lt=scope.end,
    )

    def counted(rows: QuerySet, by: str) -> Coalesce:
        numbers = rows.order_by().values(by).annotate(n=Count("*")).values("n")
        return Coalesce(Subquery(numbers, output_field=IntegerField()), 0)

    groups = Group.objects.select_related("track")
    if scope.track is not None:
        groups = groups.filter(track=scope.track)
    if scope.clinician is not None:
        groups = groups.filter(facilitators=scope.clinician)
    if scope.group is not None:
        groups = groups.filter(pk=scope.group.pk)
    rows = (
        groups.annotate(
            held=counted(held, "group"), seats_taken=counted(on_rosters, "session__group")
        )
        .filter(held__gt=0)
        .order_by("name")
    )
    table_rows: list[list[object]] = []
    for group in rows:
        seats = group.held * group.capacity
        table_rows.append(
            [
                group.name,
                group.track.name,
                group.capacity,
                group.held,
                seats,
                group.seats_taken,
                _percent(group.seats_taken, seats),
            ]
        )
    return Report(
        tables=[
            Table(
                "Fill rate by group",
                [
                    "Group",
                    "Track",
                    "Capacity",
                    "Sessions held",
                    "Seats offered",
                    "Seats taken",
                    "Fill rate (%)",
                ],
                table_rows,
            )
        ],
        chart=Chart(
            title="Fill rate by group",
            unit="% of seats taken",
            bars=[Bar(str(r[0]), float(r[6]), f"{r[6]}%") for r in table_rows],  # type: ignore[arg-type]
            maximum=100,
        ),
        client_ids=SessionClient.objects.filter(
            session__group__in=groups,
            session__status=Session.Status.SCHEDULED,
            session__starts_at__gte=scope.start,
            session__starts_at__lt=scope.end,
        )
        .order_by()
        .values_list("client_id", flat=True)
        .distinct(),
    )


# --- Admissions and discharges per week -----------------------------------------------------------


def _per_week(clients: QuerySet[Client], day: str, scope: ReportScope) -> dict[date, int]:
    rows = (
        clients.filter(**{f"{day}__gte": scope.since, f"{day}__lte": scope.until})
        .annotate(week=TruncWeek(day))
        .order_by()
        .values("week")
        .annotate(n=Count("pk"))
    )
    return {row["week"]: row["n"] for row in rows}


def admissions_report(*, scope: ReportScope) -> Report:
    """Two queries: admissions and discharges counted by clinic week (Monday to Sunday)."""
    clients = Client.objects.filter(scope.clients())
    admitted = _per_week(clients, "admission_date", scope)
    discharged = _per_week(clients, "discharge_date", scope)
    weeks = []
    week = week_start_of(scope.since)
    while week <= scope.until:
        weeks.append(week)
        week += timedelta(weeks=1)
    table_rows: list[list[object]] = [
        [week.isoformat(), admitted.get(week, 0), discharged.get(week, 0)] for week in weeks
    ]
    bars = []
    for week in weeks:
        label = f"{week:%b} {week.day}"
        bars.append(Bar(label, admitted.get(week, 0), str(admitted.get(week, 0)), 0))
        bars.append(Bar(label, discharged.get(week, 0), str(discharged.get(week, 0)), 1))
    return Report(
        tables=[
            Table(
                "Admissions and discharges by week",
                ["Week of", "Admitted", "Discharged"],
                table_rows,
            )
        ],
        chart=Chart(
            title="Admissions and discharges by week",
            unit="clients",
            bars=bars,
            series=["Admitted", "Discharged"],
        ),
        client_ids=clients.filter(
            Q(admission_date__gte=scope.since, admission_date__lte=scope.until)
            | Q(discharge_date__gte=scope.since, discharge_date__lte=scope.until)
        ).values_list("pk", flat=True),
    )


@dataclass(frozen=True)
class ReportKind:
    slug: str
    title: str
    summary: str
    build: Callable[..., Report]


REPORTS = {
    kind.slug: kind
    for kind in [
        ReportKind(
            "attendance",
            "Attendance rate",
            "Of the attendance recorded for held sessions, how much was attended, by group and by "
            "the clinician leading the session.",
            attendance_rate_report,
        ),
        ReportKind(
            "length-of-stay",
            "Length of stay and discharge reasons",
            "Clients discharged in the range: why they left, and the median length of stay by "
            "track.",
            length_of_stay_report,
        ),
        ReportKind(
            "caseload",
            "Caseload per clinician",
            "Each clinician's clients in the program on the last day of the range, with the "
            "range's admissions and discharges.",
            caseload_report,
        ),
        ReportKind(
            "group-fill",
            "Group fill rate",
            "Of the seats the groups' held sessions offered (capacity times sessions), the share "
            "taken by clients on the roster.",
            group_fill_report,
        ),
        ReportKind(
            "admissions",
            "Admissions and discharges per week",
            "How many clients were admitted and discharged in each clinic week.",
            admissions_report,
        ),
    ]
}
