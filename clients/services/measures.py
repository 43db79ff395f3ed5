"""Writes of measurement-based care: opening due check-ins (the daily job), the client's answers
saved as they go, the one submission that scores and locks a check-in, and a clinician's entry of
a paper form. A submission whose answers set off a safety rule (PHQ-9 item 9 above 0) opens an
urgent clinical alert for the client's clinician in the same transaction, not in a task, so it is
there at once and can never be lost to a worker that is down.

Answers are clinical records: they never go into a message, a log or a task argument.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from iop.models import User

from .. import measures
from ..models import CheckIn, Client, ClinicalAlert, Instrument, InstrumentVersion
from .alerts import clinical_alert_open

# An admission check-in opens only this long after the admission: a baseline weeks late is no
# baseline. A discharge check-in opens in the week after the discharge.
ADMISSION_WINDOW_DAYS = 7
DISCHARGE_WINDOW_DAYS = 7

# The check-ins that should be open today: the admission one (in its window), the latest
# interval occurrence of each schedule (a missed earlier one is not reopened), the discharge one.
_OPEN_DUE_SQL = """
    WITH wanted AS (
        SELECT c.id AS client_id, s.instrument_id, c.admission_date AS due_on,
               'admission' AS occasion
        FROM clients_client c
        JOIN clients_measureschedule s ON s.track_id = c.track_id AND s.at_admission
        WHERE c.status = 'active' AND c.admission_date <= %(today)s
          AND c.admission_date > %(today)s - %(admission_window)s
        UNION ALL
        SELECT c.id, s.instrument_id,
               c.admission_date + ((%(today)s - c.admission_date) / s.every_days) * s.every_days,
               'interval'
        FROM clients_client c
        JOIN clients_measureschedule s ON s.track_id = c.track_id AND s.every_days IS NOT NULL
        WHERE c.status = 'active' AND %(today)s - c.admission_date >= s.every_days
        UNION ALL
        SELECT c.id, s.instrument_id, c.discharge_date, 'discharge'
        FROM clients_client c
        JOIN clients_measureschedule s ON s.track_id = c.track_id AND s.at_discharge
        WHERE c.status = 'discharged' AND c.discharge_date <= %(today)s
          AND c.discharge_date > %(today)s - %(discharge_window)s
    )
    INSERT INTO clients_checkin
        (client_id, instrument_id, version_id, occasion, due_on, opened_at, answers, on_paper)
    SELECT DISTINCT ON (w.client_id, w.instrument_id, w.due_on)
           w.client_id, w.instrument_id, v.id, w.occasion, w.due_on, %(now)s, '{}'::jsonb, false
    FROM wanted w
    JOIN LATERAL (
        SELECT id FROM clients_instrumentversion
        WHERE instrument_id = w.instrument_id ORDER BY version DESC LIMIT 1
    ) v ON true
    ORDER BY w.client_id, w.instrument_id, w.due_on, w.occasion
    ON CONFLICT (client_id, instrument_id, due_on) DO NOTHING
"""


@transaction.atomic
def checkins_open_due(*, now: datetime | None = None) -> int:
    """Open the check-ins due today under each client's track schedule, set-based; how many were
    opened. Safe late or twice: one check-in per client, instrument and due day."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _OPEN_DUE_SQL,
            {
                "now": now,
                "today": timezone.localdate(now),
                "admission_window": ADMISSION_WINDOW_DAYS,
                "discharge_window": DISCHARGE_WINDOW_DAYS,
            },
        )
        return cursor.rowcount


def _latest_version(instrument: Instrument) -> InstrumentVersion:
    return InstrumentVersion.objects.filter(instrument=instrument).order_by("-version").first() or (
        _no_version(instrument)
    )


def _no_version(instrument: Instrument) -> InstrumentVersion:
    raise ValidationError({"instrument": f"{instrument} has no published version."})


@transaction.atomic
def checkin_open(
    *,
    client: Client,
    instrument: Instrument,
    due_on: date,
    occasion: str = CheckIn.Occasion.INTERVAL,
    now: datetime | None = None,
) -> CheckIn:
    """Open one check-in by hand (the demo's history, a clinician's extra check-in), with the
    instrument's latest version."""
    check_in = CheckIn(
        client=client,
        instrument=instrument,
        version=_latest_version(instrument),
        occasion=occasion,
        due_on=due_on,
        opened_at=now or timezone.now(),
    )
    check_in.full_clean()
    check_in.save()
    return check_in


def _locked_open(check_in: CheckIn, actor: User) -> CheckIn:
    """The check-in, locked for the write, if `actor` may still answer it."""
    locked = (
        CheckIn.objects.select_for_update().select_related("client", "version").get(pk=check_in.pk)
    )
    if actor.is_client and locked.client.user_id != actor.pk:
        raise ValidationError("This check-in is not yours.")
    if locked.is_submitted:
        raise ValidationError("This check-in was already submitted; it cannot change.")
    return locked


def _answers(raw: Mapping[Any, Any]) -> dict[str, Any]:
    """Answers keyed by item key (a key may come in as a number)."""
    return {str(key): value for key, value in raw.items()}


@transaction.atomic
def checkin_progress_save(*, check_in: CheckIn, actor: User, answers: dict[str, int]) -> CheckIn:
    """Keep the answers given so far (merged into those already saved), before the submission."""
    locked = _locked_open(check_in, actor)
    given = _answers(answers)
    if errors := measures.answer_errors(locked.version.definition, given, complete=False):
        raise ValidationError({"answers": errors})
    locked.answers = {**locked.answers, **given}
    locked.full_clean()
    locked.save(update_fields=["answers"])
    return locked


@dataclass(frozen=True)
class Submission:
    check_in: CheckIn
    alerts: list[ClinicalAlert]  # opened by the safety rules the answers set off


@transaction.atomic
def checkin_submit(
    *,
    check_in: CheckIn,
    actor: User,
    answers: dict[str, int] | None = None,
    on_paper: bool = False,
    completed_on: date | None = None,
    now: datetime | None = None,
) -> Submission:
    """Score and lock the check-in with every question answered (the saved answers, with
    `answers` over them); a safety rule set off opens an urgent alert for the client's clinician
    in this same transaction. Only once: a second submission is refused and changes nothing."""
    locked = _locked_open(check_in, actor)
    now = now or timezone.now()
    given = {**locked.answers, **_answers(answers or {})}
    definition = locked.version.definition
    if errors := measures.answer_errors(definition, given, complete=True):
        raise ValidationError({"answers": errors})
    if on_paper and not actor.is_clinic_staff:
        raise ValidationError("Only staff enter a paper form.")
    locked.answers = given
    locked.scores = measures.score(definition, given)
    locked.submitted_at = now
    locked.submitted_by = actor
    locked.completed_on = completed_on or timezone.localdate(now)
    locked.on_paper = on_paper
    locked.full_clean()
    if locked.completed_on > timezone.localdate(now):
        raise ValidationError({"completed_on": "The form cannot be completed in the future."})
    locked.save()
    alerts = [
        clinical_alert_open(
            client=locked.client,
            kind=ClinicalAlert.Kind(finding.kind),
            detail=f'{finding.reason}: "{finding.answer}", '
            f"{'paper form' if on_paper else 'check-in'} of {locked.completed_on:%b %-d}",
            source=locked,
        )
        for finding in measures.safety_findings(definition, given)
    ]
    return Submission(check_in=locked, alerts=alerts)


@transaction.atomic
def checkin_paper_enter(
    *,
    client: Client,
    instrument: Instrument,
    completed_on: date,
    answers: dict[str, int],
    actor: User,
) -> Submission:
    """A clinician enters a paper form the client filled in on `completed_on`: it completes the
    instrument's open check-in if there is one, else a new check-in of its own, marked as paper."""
    open_check_in = (
        CheckIn.objects.filter(
            client=client,
            instrument=instrument,
            submitted_at__isnull=True,
            due_on__lte=completed_on,
        )
        .order_by("-due_on")
        .first()
    )
    if open_check_in is None:
        if CheckIn.objects.filter(
            client=client, instrument=instrument, due_on=completed_on
        ).exists():
            raise ValidationError(
                {"completed_on": f"There is already a {instrument} check-in on that day."}
            )
        open_check_in = checkin_open(
            client=client,
            instrument=instrument,
            due_on=completed_on,
            occasion=CheckIn.Occasion.PAPER,
        )
    return checkin_submit(
        check_in=open_check_in,
        actor=actor,
        answers=answers,
        on_paper=True,
        completed_on=completed_on,
    )
