"""Reactions of scheduling to the client record and the group catalogue (connected in
SchedulingConfig.ready)."""

from datetime import date, timedelta

from django.utils import timezone

from clients.models import Authorization, Client
from groups.models import Group

from .selectors.compliance import client_weeks_between
from .selectors.sessions import group_session_clash_check
from .services.authorizations import (
    unauthorized_attendance_recompute_on_commit,
    utilization_review_resolve_renewed,
    utilization_review_resolve_voided,
)
from .services.compliance import compliance_recompute_on_commit
from .services.sessions import (
    MATERIALIZE_DAYS,
    sessions_cancel_for_discharge,
    sessions_materialize,
)


def cancel_sessions_on_discharge(*, client: Client, discharge_date: date, **kwargs: object) -> None:
    """A discharged client's later individual sessions are cancelled (they stay visible as such)."""
    sessions_cancel_for_discharge(client=client, discharge_date=discharge_date)


def materialize_on_pattern_change(*, group: Group, **kwargs: object) -> None:
    """A new or changed pattern: its sessions appear at once, and must not double-book anyone."""
    sessions_materialize(groups=Group.objects.filter(pk=group.pk))
    group_session_clash_check(
        group=group, materialized_until=timezone.localdate() + timedelta(days=MATERIALIZE_DAYS - 1)
    )


def recompute_client_weeks(
    *, client_ids: list[int], first_day: date, last_day: date | None, **kwargs: object
) -> None:
    """A fact the clients' weekly hours depend on changed: recompute those weeks after commit."""
    compliance_recompute_on_commit(
        client_weeks=client_weeks_between(
            client_ids=client_ids, first_day=first_day, last_day=last_day
        )
    )


def recompute_unauthorized_attendance(*, client_ids: list[int], **kwargs: object) -> None:
    """An admission or a discharge: the clients' findings (only active clients have any) follow
    after commit."""
    unauthorized_attendance_recompute_on_commit(client_ids=client_ids)


def follow_authorization(*, authorization: Authorization, **kwargs: object) -> None:
    """An authorization was created, ended or voided: a voided one's open review resolves at once,
    so do the reviews of those a live one renews, and the client's findings follow after commit."""
    if authorization.is_void:
        utilization_review_resolve_voided(authorization=authorization)
    else:
        utilization_review_resolve_renewed(authorization=authorization)
    unauthorized_attendance_recompute_on_commit(client_ids=[authorization.client_id])
