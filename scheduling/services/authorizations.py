"""The daily utilization review: derive the open `UtilizationReview` alerts from the
authorizations and attendance, like the weekly-hours alerts are derived from the weeks.

Due: a live authorization covering today, of an active client, with no later authorization of
its code, that ends or runs out (at the client's current rate) within REVIEW_DAYS, or whose units
are used up. The result depends only on the facts, so the job is safe late or twice."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone

from clients.models import Client
from scheduling.models import UtilizationReview
from scheduling.selectors.authorizations import (
    AuthorizationUsage,
    authorization_renewed_ids,
    authorization_usage_list,
    current_authorization_list,
)

_REVIEW_LOCK = "SELECT pg_advisory_xact_lock(hashtext('scheduling.utilization_reviews_update'))"


@dataclass(frozen=True)
class ReviewResult:
    opened: int
    updated: int
    resolved: int


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
    and resolve those no longer due. A constant number of queries."""
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
        figures = (usage.review_reason, usage.units_left, usage.projected_run_out)
        if (review.reason, review.units_left, review.projected_run_out) != figures:
            review.reason, review.units_left, review.projected_run_out = figures
            review.updated_at = now
            followed.append(review)
    fields = [
        "reason",
        "units_left",
        "projected_run_out",
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
                opened_at=now,
                updated_at=now,
            )
            for usage in due.values()
        ]
    )
    return ReviewResult(opened=len(opened), updated=len(followed), resolved=len(resolved))
