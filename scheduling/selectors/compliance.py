"""Reads for weekly hours: clinic weeks, a client's hours overview (bar and 12-week chart), the
admins' weekly report, open alerts, and the forecast of sessions that would close an at-risk gap."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import chain
from typing import NamedTuple

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients.models import Client
from groups.models import Enrollment
from iop.clock import week_bounds, week_start_of
from iop.hours import hours
from iop.models import Role, User
from iop.pagination import StatementPaginator
from iop.statements import Slot, Statement, ids_in, role_user
from scheduling.models import (
    Attendance,
    ComplianceAlert,
    ComplianceStatus,
    Session,
    SessionClient,
    SessionType,
    WeeklyCompliance,
)

CHART_WEEKS = 12

# A client's week: (client id, the week's Monday).
ClientWeek = tuple[int, date]


def client_weeks_of_sessions(*, session_ids: Iterable[int]) -> set[ClientWeek]:
    """The client-weeks a change to these sessions touches: the weeks of their clients, and of
    anyone with attendance on them (drop-ins included). Two queries."""
    ids = list(session_ids)
    if not ids:
        return set()
    on_sessions = SessionClient.objects.filter(session_id__in=ids).values_list(
        "client_id", "starts_at"
    )
    attended = Attendance.objects.filter(session_id__in=ids).values_list(
        "client_id", "session__starts_at"
    )
    return {
        (client_id, week_start_of(timezone.localdate(starts_at)))
        for client_id, starts_at in chain(on_sessions, attended)
    }


def client_weeks_between(
    *, client_ids: Iterable[int], first_day: date, last_day: date | None
) -> list[ClientWeek]:
    """Each client's weeks from `first_day`'s to `last_day`'s (today's when None), at most up to
    the current week."""
    current_week = week_start_of(timezone.localdate())
    last_week = min(week_start_of(last_day), current_week) if last_day else current_week
    weeks = []
    week = week_start_of(first_day)
    while week <= last_week:
        weeks.append(week)
        week += timedelta(weeks=1)
    return [(client_id, week) for client_id in client_ids for week in weeks]


def client_weeks_of_groups(*, group_ids: Iterable[int], week_start: date) -> set[ClientWeek]:
    """The week of every client enrolled in these groups at some time in it: whose week changes
    when the groups' sessions that week change. One query."""
    last_day = week_start + timedelta(days=6)
    enrolled = Enrollment.objects.live().filter(
        group_id__in=list(group_ids), start_date__lte=last_day
    )
    client_ids = enrolled.exclude(end_date__lt=week_start).values_list("client_id", flat=True)
    return {(client_id, week_start) for client_id in client_ids}


# A bar's colour by the week's status (green otherwise).
_BAR_FILLS: dict[str, str] = {
    ComplianceStatus.SHORT: "#dc3545",
    ComplianceStatus.EXCUSED: "#6c757d",
    ComplianceStatus.DISCHARGED: "#6c757d",
    ComplianceStatus.OVER_MAX: "#fd7e14",
    ComplianceStatus.AT_RISK: "#ffc107",
}


class ChartBar(NamedTuple):
    """One week's bar of an hours chart. (A named tuple: a caseload's page builds a dozen for each
    client, and a frozen dataclass took twice as long to build.)"""

    week_start: date
    minutes: int
    status: str
    x: int
    y: int
    height: int
    has_axis_label: bool

    @property
    def axis_label(self) -> str:
        return f"{self.week_start:%b} {self.week_start.day}"

    # For `{% chart_bars %}` (scheduling/templatetags/hours_chart.py).
    @property
    def fill(self) -> str:
        return _BAR_FILLS.get(self.status, "#198754")

    @property
    def label(self) -> str:
        status = f" ({self.status.replace('_', ' ')})" if self.status else ""
        return f"Week of {self.week_start:%b} {self.week_start.day}: {hours(self.minutes)} hours{status}"


@dataclass(frozen=True)
class HoursOverview:
    client: Client
    week_start: date
    current: WeeklyCompliance | None
    bars: list[ChartBar]
    minimum_minutes: int
    minimum_y: int
    percent: int
    scheduled_percent: int
    chart_width: int = CHART_WEEKS * 20
    chart_height: int = 80


def _chart_weeks(today: date | None) -> tuple[date, date]:
    week_start = week_start_of(today or timezone.localdate())
    return week_start - timedelta(weeks=CHART_WEEKS - 1), week_start


def hours_overview_get(*, client: Client, today: date | None = None) -> HoursOverview:
    """This week's row and the last 12 weeks as chart bars scaled against the track's minimum."""
    return _overviews([client], today)[0]


_ACTIVE_CASELOAD: Statement[Client] = Statement(
    lambda: Client.objects.filter(
        primary_clinician_id=Slot("clinician"), status=Client.Status.ACTIVE
    ).select_related("track")
)


def hours_overview_list(*, clinician: User, today: date | None = None) -> list[HoursOverview]:
    """hours_overview_get for each active client of the clinician's caseload, in two queries."""
    return _overviews(_ACTIVE_CASELOAD.run(clinician=clinician.pk), today)


# Statuses of a week that is not going to be met as things stand.
BEHIND_STATUSES = (ComplianceStatus.AT_RISK, ComplianceStatus.SHORT)


@dataclass(frozen=True)
class CaseloadBehind:
    """The first `overviews` of a clinician's active clients behind on hours this week, of
    `count` in all."""

    overviews: list[HoursOverview]
    count: int


def _behind(limit: int) -> QuerySet[Client]:
    this_week = WeeklyCompliance.objects.filter(
        client=OuterRef("pk"), week_start=Slot("week_start")
    )
    return (
        Client.objects.filter(primary_clinician_id=Slot("clinician"), status=Client.Status.ACTIVE)
        .filter(Exists(this_week.filter(status__in=BEHIND_STATUSES)) | ~Exists(this_week))
        .select_related("track")
        .annotate(behind_count=Window(Count("*")))
    )[:limit]


_BEHIND: Statement[Client] = Statement(_behind)


def hours_behind_list(*, clinician: User, limit: int, today: date | None = None) -> CaseloadBehind:
    """The clinician's active clients whose week is at risk or short, or not computed yet (so no
    one behind is missed), as hours overviews: the ones to see today, however large the caseload.
    Two queries."""
    _, week_start = _chart_weeks(today)
    clients = _BEHIND.run({"limit": limit}, clinician=clinician.pk, week_start=week_start)
    return CaseloadBehind(
        overviews=_overviews(clients, today),
        # The window's count, annotated on each row.
        count=clients[0].behind_count if clients else 0,  # type: ignore[attr-defined]
    )


# The weekly rows' columns, in order, as `_overviews` reads them.
_WEEK_COLUMNS = tuple(field.attname for field in WeeklyCompliance._meta.concrete_fields)
_CLIENT, _WEEK, _ATTENDED, _STATUS = (
    _WEEK_COLUMNS.index(name) for name in ("client_id", "week_start", "attended_minutes", "status")
)


# Unordered: the default order joins the clients for their names.
_WEEKS: Statement[tuple] = Statement(
    lambda: (
        WeeklyCompliance.objects.filter(
            ids_in("client_id", "clients"),
            week_start__gte=Slot("first_week"),
            week_start__lte=Slot("week_start"),
        )
        .order_by()
        .values_list(*_WEEK_COLUMNS)
    )
)


def _overviews(clients: Sequence[Client], today: date | None) -> list[HoursOverview]:
    """hours_overview_get for each of `clients` (their track selected), in one query. The weeks
    are read as tuples and only the current week's made a row: every week as a row was most of
    the time (56 clients: 2.3 of 3.9 ms; as tuples, 0.8)."""
    first_week, week_start = _chart_weeks(today)
    weeks: dict[int, dict[date, tuple]] = {}
    for values in _WEEKS.run(
        clients=[client.pk for client in clients], first_week=first_week, week_start=week_start
    ):
        weeks.setdefault(values[_CLIENT], {})[values[_WEEK]] = values
    return [_overview(client, weeks.get(client.pk, {}), week_start) for client in clients]


def _overview(client: Client, weeks: dict[date, tuple], week_start: date) -> HoursOverview:
    """`client`'s overview from their weeks' rows (as `_WEEK_COLUMNS` tuples, by Monday)."""
    first_week = week_start - timedelta(weeks=CHART_WEEKS - 1)
    this_week = weeks.get(week_start)
    current = (
        WeeklyCompliance.from_db(WeeklyCompliance.objects.db, _WEEK_COLUMNS, this_week)
        if this_week
        else None
    )
    minimum = client.track.weekly_minimum_minutes
    top = max([minimum * 3 // 2, *(values[_ATTENDED] for values in weeks.values())])
    height = HoursOverview.chart_height
    bars = []
    for index in range(CHART_WEEKS):
        monday = first_week + timedelta(weeks=index)
        values = weeks.get(monday)
        minutes = values[_ATTENDED] if values else 0
        bar_height = round(minutes * height / top)
        bars.append(
            ChartBar(
                week_start=monday,
                minutes=minutes,
                status=values[_STATUS] if values else "",
                x=index * 20 + 3,
                y=height - bar_height,
                height=bar_height,
                # Every third week, ending with this one, so that four dates fit under the bars.
                has_axis_label=(CHART_WEEKS - 1 - index) % 3 == 0,
            )
        )
    required = current.required_minutes if current else minimum
    attended = current.attended_minutes if current else 0
    scheduled = current.scheduled_minutes if current else 0
    percent = min(100, round(100 * attended / required)) if required else 100
    return HoursOverview(
        client=client,
        week_start=week_start,
        current=current,
        bars=bars,
        minimum_minutes=minimum,
        minimum_y=height - round(minimum * height / top),
        percent=percent,
        scheduled_percent=min(100 - percent, round(100 * scheduled / required)) if required else 0,
    )


def weekly_compliance_list(
    *, week_start: date | Slot, status: str | Slot = "", clinician: User | None = None
) -> QuerySet[WeeklyCompliance]:
    """The admins' weekly report: every client's row of the week, by name; derived rows, so the
    report never recomputes anything."""
    rows = WeeklyCompliance.objects.filter(week_start=week_start).select_related(
        "client", "client__track", "client__primary_clinician"
    )
    if status:
        rows = rows.filter(status=status)
    if clinician is not None:
        rows = rows.filter(client__primary_clinician_id=clinician.pk)
    return rows.order_by("client__legal_last_name", "client__legal_first_name")


# What a row of the report shows of its client: rows made with every column of the clients and
# their clinicians were a sixth of the page's time.
_REPORT_CLIENT = (
    *(f"client__{name}" for name in Client.LABEL_FIELDS),
    "client__track__name",
    *(f"client__primary_clinician__{name}" for name in ("first_name", "last_name", "username")),
)
_WEEKLY_REPORT: Statement[WeeklyCompliance] = Statement(
    lambda by_status, by_clinician: weekly_compliance_list(
        week_start=Slot("week_start"),
        status=Slot("status") if by_status else "",
        clinician=role_user(Role.CLINICIAN, "clinician") if by_clinician else None,
    ).only(*(field.name for field in WeeklyCompliance._meta.concrete_fields), *_REPORT_CLIENT)
)


def weekly_compliance_paginator(
    *, week_start: date, status: str = "", clinician: User | None = None, per_page: int
) -> StatementPaginator:
    """`weekly_compliance_list` by pages, each page and the count compiled once."""
    return StatementPaginator(
        _WEEKLY_REPORT,
        {"by_status": bool(status), "by_clinician": clinician is not None},
        {"week_start": week_start, "status": status, "clinician": clinician and clinician.pk},
        per_page,
    )


def compliance_alert_list(
    *,
    user: User,
    status: str = "open",
    kind: str | Slot = "",
    clinician: User | None = None,
    week_start: date | Slot | None = None,
) -> QuerySet[ComplianceAlert]:
    """A clinician's alerts are their caseload's; admins see all. Open ones come first (when
    resolved ones are listed too), escalations first, then the latest weeks."""
    alerts = ComplianceAlert.objects.select_related(
        "client", "client__primary_clinician", "resolved_by"
    )
    if not user.is_admin:
        alerts = alerts.filter(client__primary_clinician_id=user.pk)
    if status == "open":
        alerts = alerts.filter(resolved_at__isnull=True)
    elif status == "resolved":
        alerts = alerts.filter(resolved_at__isnull=False)
    if kind:
        alerts = alerts.filter(kind=kind)
    if clinician is not None:
        alerts = alerts.filter(client__primary_clinician_id=clinician.pk)
    if week_start is not None:
        alerts = alerts.filter(week_start=week_start)
    order = ["-for_admins", "-week_start", "client__legal_last_name", "pk"]
    if status == "open":  # in the order of their index (`compliance_alert_open_order`)
        return alerts.order_by(*order)
    return alerts.order_by(F("resolved_at").desc(nulls_first=True), *order)


def _alerts(
    role: str, status: str, by_kind: bool, by_clinician: bool, by_week: bool
) -> QuerySet[ComplianceAlert]:
    return compliance_alert_list(
        user=role_user(role),
        status=status,
        kind=Slot("kind") if by_kind else "",
        clinician=role_user(Role.CLINICIAN, "clinician") if by_clinician else None,
        week_start=Slot("week_start") if by_week else None,
    )


_ALERTS: Statement[ComplianceAlert] = Statement(_alerts)


def compliance_alert_paginator(
    *,
    user: User,
    status: str = "open",
    kind: str = "",
    clinician: User | None = None,
    week_start: date | None = None,
    per_page: int,
) -> StatementPaginator:
    """`compliance_alert_list` by pages, each page and the count compiled once."""
    shape = {
        "role": user.role,
        "status": status if status in ("open", "resolved") else "all",
        "by_kind": bool(kind),
        "by_clinician": clinician is not None,
        "by_week": week_start is not None,
    }
    values = {
        "user": user.pk,
        "kind": kind,
        "clinician": clinician and clinician.pk,
        "week_start": week_start,
    }
    return StatementPaginator(_ALERTS, shape, values, per_page)


@dataclass
class Forecast:
    compliance: WeeklyCompliance
    gap_minutes: int
    sessions: list[Session] = field(default_factory=list)

    @property
    def closes_gap(self) -> bool:
        return sum(s.length_minutes for s in self.sessions) >= self.gap_minutes


def at_risk_forecast_list(*, week_start: date, now: datetime) -> list[Forecast]:
    """For every at-risk client this week, the remaining group sessions of their track that have
    room and that they are not already on, earliest first, until the gap would close. Three
    queries whatever the number of clients."""
    _, week_end = week_bounds(week_start)
    at_risk = list(
        WeeklyCompliance.objects.filter(
            week_start=week_start, status=ComplianceStatus.AT_RISK
        ).select_related("client", "client__primary_clinician")
    )
    if not at_risk:
        return []
    enrolled_count = (
        SessionClient.objects.filter(session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(count=Count("*"))
        .values("count")
    )
    open_sessions = list(
        Session.objects.filter(
            session_type=SessionType.GROUP,
            status=Session.Status.SCHEDULED,
            counts_toward_hours=True,
            starts_at__gt=now,
            starts_at__lt=week_end,
        )
        .select_related("group")
        # An alias, not an annotation: the roster is counted once a session, in the filter.
        .alias(enrolled=Coalesce(Subquery(enrolled_count), 0))
        .filter(enrolled__lt=F("group__capacity"))
        .order_by("starts_at")
    )
    on_roster: dict[int, set[int]] = defaultdict(set)
    for client_id, group_id in (
        Enrollment.objects.live()
        .filter(
            Q(end_date__isnull=True) | Q(end_date__gte=timezone.localdate(now)),
            client__in=[row.client_id for row in at_risk],
        )
        .values_list("client_id", "group_id")
    ):
        on_roster[client_id].add(group_id)
    forecasts = []
    for row in at_risk:
        gap = row.required_minutes - row.attended_minutes - row.scheduled_minutes
        forecast = Forecast(compliance=row, gap_minutes=max(gap, 0))
        for session in open_sessions:
            if forecast.closes_gap:
                break
            if (
                session.group is not None
                and session.group.track_id == row.client.track_id
                and session.group_id not in on_roster[row.client_id]
            ):
                forecast.sessions.append(session)
        forecasts.append(forecast)
    return forecasts


def compliance_counts_by_week(*, week_starts: list[date]) -> dict[date, dict[str, int]]:
    """How many clients' weeks are in each status, for each of these weeks: one query."""
    counts: dict[date, dict[str, int]] = {week: {} for week in week_starts}
    rows = (
        WeeklyCompliance.objects.filter(week_start__in=week_starts)
        .order_by()
        .values("week_start", "status")
        # Of rows, not ids: the (week, status) index answers alone (the ids read 607 buffers of
        # the table for two weeks at the bench's scale 1: 0.82 ms against 0.52).
        .annotate(n=Count("*"))
    )
    for row in rows:
        counts[row["week_start"]][row["status"]] = row["n"]
    return counts


def open_alert_counts_by_kind(*, user: User) -> dict[str, int]:
    """How many of the alerts `user` sees are open, by kind: one query."""
    rows = (
        compliance_alert_list(user=user, status="open")
        .order_by()
        .values("kind")
        .annotate(n=Count("*"))  # of rows, not ids: `compliance_alert_open_order` answers
    )
    return {row["kind"]: row["n"] for row in rows}
