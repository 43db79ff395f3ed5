"""The daily utilization review: derive the open `UtilizationReview` alerts from the
authorizations and attendance, like the weekly-hours alerts are derived from the weeks, and the
stored findings of attendance no authorization covers (`UnauthorizedAttendance`).

Due: a live authorization covering today, of an active client, with no later authorization of
its code, that ends or runs out (at the client's current rate) within REVIEW_DAYS, or whose units
are used up. The result depends only on the facts, so the job is safe late or twice.

What a client's findings depend on (each service that changes one asks for a recompute of the
client after commit; the daily job re-derives every client as the safety net):
- counted attendance and its amendments (`attendance_record`); a session with attendance cannot be
  cancelled, rescheduled or closed, so its day and kind are fixed;
- the client's authorizations: created, ended early or voided (`clients.signals.
  authorization_changed`); a payer's unit rule does not matter (any counted attendance on an
  uncovered day is a finding, even under a unit);
- the client's status: only active clients have findings (admission and discharge send
  `client_weeks_changed`);
- the day: the window is the last four weeks; the reads ignore the days that have left it since
  the last recompute, and the daily job drops them."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from clients.models import Authorization, Client
from scheduling.models import UtilizationReview
from scheduling.selectors.authorizations import (
    UNAUTHORIZED_SQL,
    AuthorizationUsage,
    authorization_renewed_ids,
    authorization_usage_list,
    current_authorization_list,
    unauthorized_window,
)

_REVIEW_LOCK = "SELECT pg_advisory_xact_lock(hashtext('scheduling.utilization_reviews_update'))"
# Recomputes of the findings run one at a time, so one that started before a change committed
# cannot overwrite the findings of one that started after it (as the weekly recompute).
_FINDINGS_LOCK = "SELECT pg_advisory_xact_lock(hashtext('scheduling.unauthorized_attendance'))"

# The findings of the target clients: what the rule finds now in the window, for those still
# active, one row a client; nothing for the others (covered since, discharged, out of the window).
_FINDINGS_SQL = f"""
    WITH found AS ({UNAUTHORIZED_SQL}),
    per_client AS (
        SELECT client_id, array_agg(day ORDER BY day) AS days, max(day) AS last_day
        FROM found
        GROUP BY client_id
    ),
    removed AS (
        DELETE FROM scheduling_unauthorizedattendance u
        WHERE (%(everyone)s OR u.client_id = ANY(%(targets)s))
          AND NOT EXISTS (SELECT 1 FROM per_client p WHERE p.client_id = u.client_id)
        RETURNING 1
    ),
    written AS (
        INSERT INTO scheduling_unauthorizedattendance (client_id, days, last_day)
        SELECT client_id, days, last_day FROM per_client
        ON CONFLICT (client_id) DO UPDATE SET days = EXCLUDED.days, last_day = EXCLUDED.last_day
        WHERE scheduling_unauthorizedattendance.days IS DISTINCT FROM EXCLUDED.days
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM written), (SELECT count(*) FROM removed)
"""  # nosec B608  # joins this module's SQL constants; every value is a parameter


@dataclass(frozen=True)
class FindingsResult:
    written: int
    removed: int


@transaction.atomic
def unauthorized_attendance_recompute(
    *, client_ids: Iterable[int] | None = None, today: date | None = None
) -> FindingsResult:
    """Bring the stored findings (`UnauthorizedAttendance`) of `client_ids`, or of every client when
    None, in line with the facts: the days of the last four weeks on which an active client
    attended and no live authorization covers. Three queries, whatever the number of clients;
    safe to run twice or late."""
    today = today or timezone.localdate()
    first_day, last_day = unauthorized_window(today=today)
    targets = None if client_ids is None else sorted(set(client_ids))
    if targets == []:
        return FindingsResult(0, 0)
    with connection.cursor() as cursor:
        cursor.execute(_FINDINGS_LOCK)
    active = Client.objects.filter(status=Client.Status.ACTIVE)
    if targets is not None:
        active = active.filter(pk__in=targets)
    with connection.cursor() as cursor:
        cursor.execute(
            _FINDINGS_SQL,
            {
                "client_ids": list(active.values_list("pk", flat=True)),
                "everyone": targets is None,
                "targets": targets or [],
                "first_day": first_day,
                "last_day": last_day,
                "tz": settings.TIME_ZONE,
            },
        )
        written, removed = cursor.fetchone()
    return FindingsResult(written, removed)


def unauthorized_attendance_recompute_on_commit(*, client_ids: Iterable[int]) -> None:
    """Ask a worker to recompute these clients' findings once the current transaction commits."""
    from scheduling.tasks import unauthorized_attendance_recompute as recompute_task

    payload = sorted(set(client_ids))
    if payload:
        transaction.on_commit(partial(recompute_task.delay, payload))


@transaction.atomic
def utilization_review_resolve_voided(
    *, authorization: Authorization, now: datetime | None = None
) -> int:
    """A voided authorization's open review resolves at once (it counts nothing, so there is
    nothing left to review). Returns how many resolved (0 or 1)."""
    now = now or timezone.now()
    return UtilizationReview.objects.filter(
        authorization=authorization, resolved_at__isnull=True
    ).update(resolved_at=now, updated_at=now, resolution=UtilizationReview.Resolution.VOIDED)


@transaction.atomic
def utilization_review_resolve_renewed(
    *, authorization: Authorization, now: datetime | None = None
) -> int:
    """A live authorization renews the earlier ones of its client and code: their open reviews
    resolve at once (the daily job would say the same, a day later). Returns how many resolved."""
    if authorization.is_void:
        return 0
    now = now or timezone.now()
    return UtilizationReview.objects.filter(
        resolved_at__isnull=True,
        authorization__client_id=authorization.client_id,
        authorization__service_code=authorization.service_code,
        authorization__first_day__lt=authorization.first_day,
    ).update(resolved_at=now, updated_at=now, resolution=UtilizationReview.Resolution.RENEWED)


@dataclass(frozen=True)
class ReviewResult:
    opened: int
    updated: int
    resolved: int
    findings: FindingsResult


def _why_settled(review: UtilizationReview, renewed: set[int], today: date) -> str:
    authorization = review.authorization
    if authorization.is_void:
        return UtilizationReview.Resolution.VOIDED
    if review.client.status == Client.Status.DISCHARGED:
        return UtilizationReview.Resolution.DISCHARGED
    if authorization.pk in renewed:
        return UtilizationReview.Resolution.RENEWED
    if authorization.covered_last_day < today:
        return UtilizationReview.Resolution.ENDED
    return UtilizationReview.Resolution.NOT_DUE


@transaction.atomic
def utilization_reviews_update(*, now: datetime | None = None) -> ReviewResult:
    """Open a review for each authorization that became due, keep the open ones' figures current,
    and resolve those no longer due; then re-derive every client's findings of attendance no
    authorization covers (the safety net of their recomputes after each change). A constant
    number of queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with connection.cursor() as cursor:
        cursor.execute(_REVIEW_LOCK)
    candidates = current_authorization_list(today=today).filter(client__status=Client.Status.ACTIVE)
    due: dict[int, AuthorizationUsage] = {
        usage.authorization.pk: usage
        for usage in authorization_usage_list(authorizations=candidates, today=today)
        if usage.review_reason
    }
    open_reviews = list(
        UtilizationReview.objects.select_for_update(of=("self",))
        .filter(resolved_at__isnull=True)
        .select_related("authorization", "client")
    )
    renewed = authorization_renewed_ids(
        ids=[r.authorization_id for r in open_reviews if r.authorization_id not in due]
    )
    followed, resolved = [], []
    for review in open_reviews:
        usage = due.pop(review.authorization_id, None)
        if usage is None:
            review.resolved_at = review.updated_at = now
            review.resolution = _why_settled(review, renewed, today)
            resolved.append(review)
            continue
        figures = (usage.review_reason, usage.units_left, usage.projected_run_out, usage.review_by)
        if (
            review.reason,
            review.units_left,
            review.projected_run_out,
            review.review_by,
        ) != figures:
            review.reason, review.units_left, review.projected_run_out, review.review_by = figures
            review.updated_at = now
            followed.append(review)
    fields = [
        "reason",
        "units_left",
        "projected_run_out",
        "review_by",
        "updated_at",
        "resolved_at",
        "resolution",
    ]
    UtilizationReview.objects.bulk_update([*followed, *resolved], fields)
    opened = UtilizationReview.objects.bulk_create(
        [
            UtilizationReview(
                authorization=usage.authorization,
                client_id=usage.authorization.client_id,
                reason=usage.review_reason,
                units_left=usage.units_left,
                projected_run_out=usage.projected_run_out,
                review_by=usage.review_by,
                opened_at=now,
                updated_at=now,
            )
            for usage in due.values()
        ]
    )
    return ReviewResult(
        opened=len(opened),
        updated=len(followed),
        resolved=len(resolved),
        findings=unauthorized_attendance_recompute(today=today),
    )
