"""Reads for payers' authorizations: units used (counted from attendance by the payer's rule),
the projected run-out at the client's current rate, the burn-down chart, the authorizations due
for utilization review, and attended days no authorization covers.

Units live here rather than in `clients` (which owns authorizations) because they come from
attendance, which `clients` may not import. A unit is a clinic day on which the client attended
at least the payer's `minutes_per_unit` of sessions that count toward hours (the same attendance
the weekly hours count: `COUNTED_ATTENDANCE_SQL`), within the authorization's days."""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from clients.models import Authorization, Client
from iop.clock import today as clinic_today
from iop.models import User
from iop.pagination import StatementPaginator
from iop.statements import Statement, role_user
from scheduling.models import COUNTED_ATTENDANCE_SQL, UtilizationReview

# The client's current rate is the units of the last four weeks (fewer since admission).
RATE_DAYS = 28
# Utilization review is due this many days before an authorization ends or runs out.
REVIEW_DAYS = 7

_USAGE_SQL = f"""
    WITH auths AS (
        SELECT au.id, au.client_id, au.first_day, COALESCE(au.ended_on, au.last_day) AS last_day,
               r.minutes_per_unit,
               GREATEST(%(today)s - {RATE_DAYS - 1}, COALESCE(c.admission_date, %(today)s))
                   AS rate_from
        FROM clients_authorization au
        JOIN clients_client c ON c.id = au.client_id
        JOIN clients_payerunitrule r
          ON r.payer_id = au.payer_id AND r.service_code = au.service_code
        WHERE au.id = ANY(%(ids)s) AND au.voided_at IS NULL
    ),
    -- The whole span as constants, so attendance is read by date (see the weekly recompute).
    span AS (
        SELECT LEAST(min(first_day), min(rate_from)) AS first_day,
               GREATEST(max(last_day), %(today)s) AS last_day
        FROM auths
    ),
    attended_days AS (
        SELECT a.client_id, (s.starts_at AT TIME ZONE %(tz)s)::date AS day,
               SUM(a.minutes_attended) AS minutes
        FROM scheduling_attendance a
        JOIN scheduling_session s ON s.id = a.session_id AND {COUNTED_ATTENDANCE_SQL}
        WHERE a.client_id IN (SELECT client_id FROM auths)
          AND s.starts_at >= ((SELECT first_day FROM span)::timestamp AT TIME ZONE %(tz)s)
          AND s.starts_at < (((SELECT last_day FROM span) + 1)::timestamp AT TIME ZONE %(tz)s)
        GROUP BY 1, 2
    )
    SELECT au.id,
           COALESCE(array_agg(d.day ORDER BY d.day)
                    FILTER (WHERE d.day BETWEEN au.first_day AND au.last_day), '{{}}'),
           count(d.day) FILTER (WHERE d.day BETWEEN au.rate_from AND %(today)s),
           %(today)s - au.rate_from + 1
    FROM auths au
    LEFT JOIN attended_days d ON d.client_id = au.client_id AND d.minutes >= au.minutes_per_unit
    GROUP BY au.id, au.rate_from
"""  # nosec B608  # this module's constants; every value is a parameter

# The rule of attendance no authorization covers, in one place: the live checks (the chart, the
# attendance sheet) and the stored findings (`UnauthorizedAttendance`) all run it.
UNAUTHORIZED_SQL = f"""
    SELECT DISTINCT a.client_id, (s.starts_at AT TIME ZONE %(tz)s)::date AS day
    FROM scheduling_attendance a
    JOIN scheduling_session s ON s.id = a.session_id AND {COUNTED_ATTENDANCE_SQL}
    WHERE a.client_id = ANY(%(client_ids)s)
      AND s.starts_at >= (%(first_day)s::timestamp AT TIME ZONE %(tz)s)
      AND s.starts_at < ((%(last_day)s + 1)::timestamp AT TIME ZONE %(tz)s)
      AND NOT EXISTS (
          SELECT 1 FROM clients_authorization au
          WHERE au.client_id = a.client_id AND au.voided_at IS NULL
            AND (s.starts_at AT TIME ZONE %(tz)s)::date
                BETWEEN au.first_day AND COALESCE(au.ended_on, au.last_day)
      )
"""  # nosec B608  # this module's constants; every value is a parameter


@dataclass(frozen=True)
class AuthorizationUsage:
    """An authorization with its units used, counted from attendance, and where it is heading."""

    authorization: Authorization
    unit_days: list[date]
    recent_units: int
    rate_days: int
    today: date

    @property
    def units_used(self) -> int:
        return len(self.unit_days)

    @property
    def units_left(self) -> int:
        return max(self.authorization.units_authorized - self.units_used, 0)

    @property
    def units_per_week(self) -> float:
        """The client's current rate: units a week over the last four weeks (since admission)."""
        return 7 * self.recent_units / self.rate_days if self.rate_days > 0 else 0.0

    @property
    def projected_run_out(self) -> date | None:
        """The day the units run out at the current rate (the last unit's day once they have);
        None when the client is not attending."""
        if self.units_left == 0:
            return self.unit_days[-1] if self.unit_days else self.authorization.first_day
        if not self.recent_units:
            return None
        start = max(self.today, self.authorization.first_day - timedelta(days=1))
        return start + timedelta(
            days=math.ceil(self.units_left * self.rate_days / self.recent_units)
        )

    @property
    def runs_out_before_last_day(self) -> bool:
        run_out = self.projected_run_out
        return run_out is not None and run_out < self.authorization.covered_last_day

    @property
    def review_by(self) -> date:
        """The earlier of the last day and the projected run-out: when care stops being paid."""
        run_out = self.projected_run_out
        last = self.authorization.covered_last_day
        return min(run_out, last) if run_out else last

    @property
    def is_current(self) -> bool:
        authorization = self.authorization
        return not authorization.is_void and authorization.covered_last_day >= self.today

    @property
    def review_reason(self) -> str:
        """Why utilization review is due within REVIEW_DAYS, or "" when it is not."""
        if not self.is_current or self.authorization.first_day > self.today:
            return ""
        horizon = self.today + timedelta(days=REVIEW_DAYS)
        if self.units_left == 0:
            return "Units used up"
        if self.runs_out_before_last_day and self.projected_run_out <= horizon:  # type: ignore[operator]
            return f"Runs out about {self.projected_run_out:%a %b %-d}"
        if self.authorization.covered_last_day <= horizon:
            return f"Ends {self.authorization.covered_last_day:%a %b %-d}"
        return ""


def authorization_usage_list(
    *, authorizations: Iterable[Authorization], today: date | None = None
) -> list[AuthorizationUsage]:
    """The usage of each authorization, in one query whatever their number. A voided one counts
    nothing."""
    authorizations = list(authorizations)
    today = today or clinic_today()
    counted: dict[int, tuple[list[date], int, int]] = {}
    if authorizations:
        with connection.cursor() as cursor:
            cursor.execute(
                _USAGE_SQL,
                {
                    "ids": [a.pk for a in authorizations],
                    "today": today,
                    "tz": settings.TIME_ZONE,
                },
            )
            counted = {row[0]: (list(row[1]), row[2], row[3]) for row in cursor.fetchall()}
    return [
        AuthorizationUsage(a, *counted.get(a.pk, ([], 0, 0)), today=today) for a in authorizations
    ]


def unauthorized_window(*, today: date) -> tuple[date, date]:
    """The days the review shows (and `UnauthorizedAttendance` keeps): the last four weeks."""
    return today - timedelta(days=RATE_DAYS - 1), today


def unauthorized_days_list(
    *, client_ids: Iterable[int], first_day: date, last_day: date
) -> dict[int, list[date]]:
    """Each client's attended days between first_day and last_day that no live authorization (of
    any service code) covers: attendance the clinic cannot bill. One query."""
    ids = list(client_ids)
    days: dict[int, list[date]] = {}
    if not ids:
        return days
    with connection.cursor() as cursor:
        cursor.execute(
            f"{UNAUTHORIZED_SQL} ORDER BY 1, 2",
            {
                "client_ids": ids,
                "first_day": first_day,
                "last_day": last_day,
                "tz": settings.TIME_ZONE,
            },
        )
        for client_id, day in cursor.fetchall():
            days.setdefault(client_id, []).append(day)
    return days


# The review's clients who attended without an authorization, from the stored findings
# (`UnauthorizedAttendance`): the first REVIEW_UNAUTHORIZED_SHOWN in scope by name, each with
# their days in the window, and how many there are in all.
# (Materialized, so the clients are read once, by a hash join: left to itself the planner walked
# every client by name for the first 25, to count them all anyway.)
_UNAUTHORIZED_CLIENTS_SQL = """
    WITH in_scope AS MATERIALIZED (
        SELECT u.client_id, u.days, c.legal_last_name, c.legal_first_name
        FROM scheduling_unauthorizedattendance u
        JOIN clients_client c ON c.id = u.client_id
        WHERE u.last_day >= %(first_day)s
          AND c.status = 'active'
          AND (%(clinician_id)s::bigint IS NULL OR c.primary_clinician_id = %(clinician_id)s)
    )
    SELECT client_id, ARRAY(SELECT d FROM unnest(days) d WHERE d >= %(first_day)s ORDER BY d),
           (SELECT count(*) FROM in_scope)
    FROM in_scope
    ORDER BY legal_last_name, legal_first_name, client_id
    LIMIT %(limit)s
"""
REVIEW_UNAUTHORIZED_SHOWN = 25


# --- The chart -------------------------------------------------------------------------------

BURN_DOWN_WIDTH, BURN_DOWN_HEIGHT = 600, 180
_PAD_LEFT, _PAD_RIGHT, _PAD_TOP, _PAD_BOTTOM = 36, 12, 12, 24


@dataclass(frozen=True)
class BurnDownWeek:
    """A row of the chart's text alternative."""

    week_start: date
    units_used: int
    units_left: int


@dataclass(frozen=True)
class BurnDown:
    """The burn-down of one authorization as SVG coordinates: units left from its first day to
    its last, the actual line to today, a projection at the current rate to the run-out day."""

    usage: AuthorizationUsage
    actual_points: str
    projection_points: str
    today_x: float | None
    last_day_x: float
    run_out_x: float | None
    y_ticks: list[tuple[float, int]]
    weeks: list[BurnDownWeek]
    width: int = BURN_DOWN_WIDTH
    height: int = BURN_DOWN_HEIGHT
    plot_left: int = _PAD_LEFT
    plot_top: int = _PAD_TOP
    plot_bottom: int = BURN_DOWN_HEIGHT - _PAD_BOTTOM

    @property
    def run_out_label_after(self) -> bool:
        """The run-out label goes right of its line when it fits before the last day, so it
        never crosses today's line, which is always left of the run-out."""
        return self.run_out_x is not None and self.run_out_x + 110 < self.last_day_x

    @property
    def summary(self) -> str:
        """The chart in one sentence, for people who cannot see it."""
        usage = self.usage
        authorization = usage.authorization
        text = (
            f"{usage.units_used} of {authorization.units_authorized} units used, "
            f"{usage.units_left} left; authorized through {authorization.covered_last_day:%b %-d, %Y}. "
            f"Current rate {usage.units_per_week:.1f} units a week"
        )
        run_out = usage.projected_run_out
        if usage.units_left == 0:
            return f"{text}; units used up on {run_out:%b %-d}."
        if run_out is None:
            return f"{text}; no units in the last four weeks, so no run-out is projected."
        if usage.runs_out_before_last_day:
            return f"{text}; projected to run out about {run_out:%b %-d}, before the last day."
        return f"{text}; enough units to the last day at this rate."


def burn_down_get(*, usage: AuthorizationUsage) -> BurnDown:
    authorization = usage.authorization
    first, last = authorization.first_day, authorization.covered_last_day
    run_out = usage.projected_run_out
    # The x axis is the authorization's days; a projection past the last day stops there.
    end = last
    span = max((end - first).days + 1, 1)
    plot_width = BURN_DOWN_WIDTH - _PAD_LEFT - _PAD_RIGHT
    plot_height = BURN_DOWN_HEIGHT - _PAD_TOP - _PAD_BOTTOM
    top = authorization.units_authorized

    def x(day: date) -> float:
        """The end of `day` (units used that day are gone by then)."""
        return round(_PAD_LEFT + plot_width * ((day - first).days + 1) / span, 1)

    def y(units: float) -> float:
        return round(_PAD_TOP + plot_height * (1 - units / top), 1)

    used_by: dict[date, int] = {}
    for count, day in enumerate(usage.unit_days, start=1):
        used_by[day] = count
    shown_to = min(usage.today, last)
    points = [(float(_PAD_LEFT), y(top))]
    left = top
    weeks: list[BurnDownWeek] = []
    day = first
    while day <= shown_to:
        if day in used_by:
            points.append((x(day - timedelta(days=1)), y(left)))
            left = top - used_by[day]
            points.append((x(day), y(left)))
        if day.weekday() == 6 or day == shown_to:
            weeks.append(BurnDownWeek(day - timedelta(days=day.weekday()), top - left, left))
        day += timedelta(days=1)
    if shown_to >= first:
        points.append((x(shown_to), y(left)))
    projection = ""
    if usage.is_current and left > 0 and usage.recent_units:
        start_day = max(shown_to, first - timedelta(days=1))
        per_day = usage.recent_units / usage.rate_days
        at_end = max(left - per_day * (end - start_day).days, 0)
        finish = run_out if run_out and run_out <= end else end
        projection = f"{x(start_day)},{y(left)} {x(finish)},{y(at_end if finish == end else 0)}"
    ticks = sorted({top, top // 2, 0}, reverse=True)
    return BurnDown(
        usage=usage,
        actual_points=" ".join(f"{px},{py}" for px, py in points),
        projection_points=projection,
        today_x=x(usage.today) if first <= usage.today <= end else None,
        last_day_x=x(last),
        run_out_x=x(run_out) if run_out and usage.runs_out_before_last_day else None,
        y_ticks=[(y(units), units) for units in ticks],
        weeks=weeks,
    )


@dataclass(frozen=True)
class ClientAuthorizations:
    """The chart's authorizations panel: every authorization with its usage and burn-down, and
    the attended days since admission that none covers."""

    client: Client
    burn_downs: list[BurnDown]
    past: list[AuthorizationUsage]
    unauthorized_days: list[date]


def client_authorizations_get(*, client: Client, today: date | None = None) -> ClientAuthorizations:
    """Three queries."""
    today = today or clinic_today()
    authorizations = Authorization.objects.filter(client=client).select_related(
        "payer", "voided_by"
    )
    usages = authorization_usage_list(authorizations=authorizations, today=today)
    first_day = client.admission_date or today
    return ClientAuthorizations(
        client=client,
        burn_downs=[burn_down_get(usage=u) for u in usages if u.is_current],
        past=[u for u in usages if not u.is_current],
        unauthorized_days=unauthorized_days_list(
            client_ids=[client.pk], first_day=first_day, last_day=today
        ).get(client.pk, []),
    )


# --- Utilization review ----------------------------------------------------------------------


# The review card shows the most urgent open reviews; the rest are on the reviews' own list.
REVIEW_CARD_SHOWN = 10


@dataclass
class ReviewList:
    """What a utilization reviewer acts on: the most urgent open utilization reviews (the daily
    job's, `UtilizationReview`) and how many are open, and clients who attended in the last four
    weeks on days no authorization covers."""

    due: list[UtilizationReview] = field(default_factory=list)
    due_count: int = 0
    unauthorized: list[tuple[Client, list[date]]] = field(default_factory=list)
    # How many clients attended without an authorization (`unauthorized` holds the first few).
    unauthorized_count: int = 0

    @property
    def client_ids(self) -> list[int]:
        return sorted(
            {review.client_id for review in self.due}
            | {client.pk for client, _ in self.unauthorized}
        )


def _later_of_same_code() -> QuerySet[Authorization]:
    """A live authorization of the outer one's client and code that starts after it."""
    return Authorization.objects.live().filter(
        client=OuterRef("client"),
        service_code=OuterRef("service_code"),
        first_day__gt=OuterRef("first_day"),
    )


def authorization_renewed_ids(*, ids: Iterable[int]) -> set[int]:
    """Which of these authorizations a later one of the same code follows. One query."""
    renewed = Authorization.objects.filter(pk__in=list(ids)).filter(Exists(_later_of_same_code()))
    return set(renewed.values_list("pk", flat=True))


def current_authorization_list(*, today: date) -> QuerySet[Authorization]:
    """Live authorizations covering today, and not yet followed by a later one of the same code
    (a renewal settles the review)."""
    return (
        Authorization.objects.live()
        .filter(first_day__lte=today)
        .filter(Q(ended_on__gte=today) | Q(ended_on__isnull=True, last_day__gte=today))
        .exclude(Exists(_later_of_same_code()))
        .select_related("payer", "client", "client__primary_clinician")
    )


def authorization_review_list(*, user: User, today: date | None = None) -> ReviewList:
    """Admins: the whole clinic; a clinician: their caseload (whom the review alerts). Four
    queries whatever the number of clients: the most urgent open reviews and their count from the
    stored reviews, who attended without an authorization from the stored findings
    (`UnauthorizedAttendance`)."""
    today = today or clinic_today()
    first_day, _ = unauthorized_window(today=today)
    with connection.cursor() as cursor:
        cursor.execute(
            _UNAUTHORIZED_CLIENTS_SQL,
            {
                "first_day": first_day,
                "clinician_id": None if user.is_admin else user.pk,
                "limit": REVIEW_UNAUTHORIZED_SHOWN,
            },
        )
        gaps = cursor.fetchall()
    clients = Client.objects.in_bulk([client_id for client_id, _, _ in gaps])
    return ReviewList(
        due=utilization_review_urgent_list(user=user, limit=REVIEW_CARD_SHOWN),
        due_count=_OPEN_REVIEWS.count({"role": user.role}, user=user.pk),
        unauthorized=[(clients[client_id], list(days)) for client_id, days, _ in gaps],
        unauthorized_count=gaps[0][2] if gaps else 0,
    )


def authorization_export_list(*, user: User, today: date | None = None) -> list[AuthorizationUsage]:
    """Every live authorization of the active clients `user` answers for (admins: all; a
    clinician: their caseload), with units used, for the CSV export. Two queries."""
    authorizations = (
        Authorization.objects.live()
        .filter(client__status=Client.Status.ACTIVE)
        .select_related("payer", "client", "client__primary_clinician")
        .order_by("client__legal_last_name", "client__legal_first_name", "client_id", "first_day")
    )
    if not user.is_admin:
        authorizations = authorizations.filter(client__primary_clinician=user)
    return authorization_usage_list(authorizations=authorizations, today=today)


def utilization_review_open_list(*, user: User) -> QuerySet[UtilizationReview]:
    """The open utilization reviews of active clients, the most urgent first (by the stored
    `review_by`, read from the partial index of the open ones): a clinician's caseload's, or all
    for admins."""
    reviews = UtilizationReview.objects.filter(
        resolved_at__isnull=True, client__status=Client.Status.ACTIVE
    ).select_related("authorization", "authorization__payer", "client", "client__primary_clinician")
    if not user.is_admin:
        reviews = reviews.filter(client__primary_clinician_id=user.pk)
    return reviews.order_by("review_by", "pk")


_OPEN_REVIEWS: Statement[UtilizationReview] = Statement(
    lambda role: utilization_review_open_list(user=role_user(role))
)


def utilization_review_urgent_list(*, user: User, limit: int) -> list[UtilizationReview]:
    """The `limit` most urgent of `utilization_review_open_list`, compiled once."""
    return _OPEN_REVIEWS.run_page({"role": user.role}, offset=0, limit=limit, user=user.pk)


def utilization_review_paginator(*, user: User, per_page: int) -> StatementPaginator:
    """`utilization_review_open_list` by pages, each page and the count compiled once."""
    return StatementPaginator(_OPEN_REVIEWS, {"role": user.role}, {"user": user.pk}, per_page)
