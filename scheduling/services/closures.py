"""Clinic closures (holidays, snow days, staff training): closing days cancels every session
scheduled on them, with the reason "Clinic closed: <label>", in one transaction; the clients hear
of it through the reminder outbox (a cancellation notice, planned by `reminders_plan`); the
materializer puts later group occurrences of those days on the calendar already cancelled; and the
weekly requirement of the weeks that hold them is lowered by the share of each client's session
time the closure took (the recompute). A closure is never deleted: one entered by mistake is withdrawn, which puts the
sessions ahead it cancelled back on the calendar."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from clients.models import Client
from iop.dates import check_dates
from iop.models import User
from scheduling.models import MAX_CLOSURE_DAYS, ClinicClosure, Session
from scheduling.selectors.closures import (
    closure_client_weeks,
    closure_documented_session_list,
    closure_overlapping,
    closure_session_list,
)
from scheduling.services.compliance import (
    compliance_recompute_on_commit,
    compliance_recompute_sessions_on_commit,
)

# Closures are checked for overlap and written one at a time (no exclusion constraint without
# btree_gist): two admins closing the same day cannot both succeed.
_CLOSURE_LOCK = "SELECT pg_advisory_xact_lock(hashtext('scheduling.clinic_closure'))"


def _day_text(day: date) -> str:
    return f"{day:%a %b %-d, %Y}"


def _check_days(first_day: date, last_day: date) -> None:
    check_dates(first_day=first_day, last_day=last_day)
    if last_day < first_day:
        raise ValidationError({"last_day": "The last day closed cannot be before the first."})
    if (last_day - first_day).days >= MAX_CLOSURE_DAYS:
        raise ValidationError(
            {"last_day": f"A closure lasts at most {MAX_CLOSURE_DAYS} days; add another for more."}
        )


@transaction.atomic
def clinic_closure_create(
    *, first_day: date, last_day: date, label: str, actor: User
) -> ClinicClosure:
    """Close the clinic from `first_day` to `last_day` (inclusive): refused when a day is already
    closed or a session on those days was already documented (the clinic was open). Every session
    still scheduled then is cancelled; its clients are sent a cancellation notice."""
    label = " ".join(label.split())
    if not label:
        raise ValidationError({"label": 'Say why the clinic is closed, e.g. "Thanksgiving".'})
    _check_days(first_day, last_day)
    with connection.cursor() as cursor:
        cursor.execute(_CLOSURE_LOCK)
    overlapping = closure_overlapping(first_day=first_day, last_day=last_day).first()
    if overlapping is not None:
        day = max(first_day, overlapping.first_day)
        closed = f"The clinic is already closed on {_day_text(day)} ({overlapping.label})."
        raise ValidationError({"first_day": closed})
    documented = list(closure_documented_session_list(first_day=first_day, last_day=last_day)[:3])
    if documented:
        held = "; ".join(
            f"{timezone.localtime(s.starts_at):%a %b %-d %-I:%M %p} "
            f"{s.group or s.get_session_type_display()}"
            for s in documented
        )
        raise ValidationError(
            {"first_day": f"The clinic was open then: attendance is already logged ({held})."}
        )
    closure = ClinicClosure(first_day=first_day, last_day=last_day, label=label, created_by=actor)
    closure.full_clean()
    closure.save()
    scheduled = closure_session_list(first_day=first_day, last_day=last_day).filter(
        status=Session.Status.SCHEDULED
    )
    session_ids = list(scheduled.select_for_update().values_list("pk", flat=True))
    # As session_cancel does, for all of them at once: the checks above stand for its own.
    Session.objects.filter(pk__in=session_ids).update(
        status=Session.Status.CANCELLED, cancel_reason=closure.cancel_reason, closure=closure
    )
    compliance_recompute_sessions_on_commit(session_ids=session_ids)
    compliance_recompute_on_commit(
        client_weeks=closure_client_weeks(first_day=first_day, last_day=last_day)
    )
    return closure


@transaction.atomic
def clinic_closure_withdraw(*, closure: ClinicClosure, actor: User, reason: str) -> ClinicClosure:
    """Reopen the days of a closure entered by mistake: it stays on record as withdrawn, by whom
    and why; the sessions ahead it cancelled are scheduled again (their reminders come back, a
    cancellation notice not yet sent is dropped); past ones stay cancelled, as they were not held,
    and so do a discharged client's."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": "Say why the closure is withdrawn."})
    closure = ClinicClosure.objects.select_for_update().get(pk=closure.pk)
    if closure.is_withdrawn:
        raise ValidationError({"reason": "This closure was already withdrawn."})
    closure.withdrawn_at = timezone.now()
    closure.withdrawn_by = actor
    closure.withdraw_reason = reason
    closure.full_clean()
    closure.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    ahead = (
        closure.cancelled_sessions.filter(starts_at__gt=timezone.now())
        # A client discharged meanwhile keeps no individual session after the discharge.
        .exclude(client__status=Client.Status.DISCHARGED)
        .select_for_update(of=("self",))
    )
    session_ids = list(ahead.values_list("pk", flat=True))
    Session.objects.filter(pk__in=session_ids).update(
        status=Session.Status.SCHEDULED, cancel_reason="", closure=None
    )
    compliance_recompute_sessions_on_commit(session_ids=session_ids)
    compliance_recompute_on_commit(
        client_weeks=closure_client_weeks(first_day=closure.first_day, last_day=closure.last_day)
    )
    return closure
