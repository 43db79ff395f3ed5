"""Writes of urine drug screens: a screen is recorded once with one result per substance of its
panel; an unexpected positive opens a clinical alert in the same transaction; a mistake is
corrected by voiding the screen, with a reason, and recording it again."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from iop.clock import today
from iop.models import User

from .. import selectors
from ..models import (
    PANEL_SUBSTANCES,
    Client,
    ClinicalAlert,
    DrugScreen,
    DrugScreenResult,
    ScreenResult,
    Substance,
)
from .alerts import MINIMUM_NOTE_WORDS, clinical_alert_follow_up, clinical_alert_open


def _date_errors(client: Client, collected_on: date) -> dict[str, str]:
    if collected_on > today():
        return {"collected_on": "A screen cannot be collected in the future."}
    if client.admission_date is None:
        return {"collected_on": "Record screens once the client is admitted."}
    if client.discharge_date is not None and collected_on > client.discharge_date:
        return {"collected_on": f"The client was discharged on {client.discharge_date:%b %-d, %Y}."}
    if collected_on < client.admission_date:
        return {
            "collected_on": f"The client was admitted on {client.admission_date:%b %-d, %Y}: "
            "a screen collected before that belongs to another provider's record."
        }
    return {}


def _result_errors(client: Client, panel: str, results: dict[str, str]) -> dict[str, list[str]]:
    substances = PANEL_SUBSTANCES.get(panel, ())
    errors: dict[str, list[str]] = {}
    missing = [Substance(each).label for each in substances if not results.get(each)]
    if missing:
        errors["results"] = [f"Choose a result for {', '.join(missing)}."]
    if set(results) - set(substances):
        errors.setdefault("results", []).append(
            "A result was given for a substance the panel does not test."
        )
    prescribed = selectors.substances_prescribed(client=client)
    unprescribed = [
        Substance(each).label
        for each, result in results.items()
        if result == ScreenResult.EXPECTED and each not in prescribed
    ]
    if unprescribed:
        errors.setdefault("results", []).append(
            f"{', '.join(unprescribed)} is not on the client's medication list: a positive "
            "result is unexpected (add the prescription to the intake first if there is one)."
        )
    return errors


@transaction.atomic
def drug_screen_record(
    *,
    client: Client,
    actor: User,
    collected_on: date,
    observed: bool,
    panel: str,
    results: dict[str, str],
) -> DrugScreen:
    """Record a screen and its results (substance -> ScreenResult). A positive result that is not
    expected opens an `unexpected_positive_screen` alert with the screen, or neither is saved."""
    errors: dict[str, list[str] | str] = {
        **_date_errors(client, collected_on),
        **_result_errors(client, panel, results),
    }
    if errors:
        raise ValidationError(errors)
    screen = DrugScreen(
        client=client, collected_on=collected_on, observed=observed, panel=panel, recorded_by=actor
    )
    screen.full_clean()
    screen.save()
    rows = [
        DrugScreenResult(screen=screen, substance=substance, result=results[substance])
        for substance in PANEL_SUBSTANCES[panel]
    ]
    for row in rows:
        row.full_clean(exclude=["screen"])
    DrugScreenResult.objects.bulk_create(rows)
    positives = [
        Substance(row.substance).label for row in rows if row.result == ScreenResult.POSITIVE
    ]
    if positives:
        clinical_alert_open(
            client=client,
            kind=ClinicalAlert.Kind.UNEXPECTED_POSITIVE_SCREEN,
            detail=f"Positive for {', '.join(positives)} on a screen collected "
            f"{collected_on:%b %-d} ({'observed' if observed else 'unobserved'}).",
            source=screen,
        )
    return screen


@transaction.atomic
def drug_screen_void(*, screen: DrugScreen, actor: User, reason: str) -> DrugScreen:
    """Void a screen recorded by mistake, saying why; it stays in the record, struck through. Its
    open alert is followed up by the same act, with the reason, so nobody chases a screen that
    was never the client's."""
    screen = DrugScreen.objects.select_for_update().get(pk=screen.pk)
    if not actor.is_clinician or not (
        selectors.client_list(user=actor, among=[screen.client_id]).exists()
    ):
        raise ValidationError("Only a clinician caring for this client voids a screen.")
    if screen.is_voided:
        raise ValidationError("This screen is already voided.")
    reason = " ".join(reason.split())
    if len(reason.split()) < MINIMUM_NOTE_WORDS:
        raise ValidationError(
            {"reason": f"Say why the screen is void in at least {MINIMUM_NOTE_WORDS} words."}
        )
    screen.voided_at = timezone.now()
    screen.voided_by = actor
    screen.void_reason = reason
    screen.full_clean()
    screen.save(update_fields=["voided_at", "voided_by", "void_reason"])
    for alert in selectors.clinical_alert_list(source=screen, open_only=True):
        clinical_alert_follow_up(
            alert=alert, actor=actor, note=f"The screen was voided by {actor}: {reason}"
        )
    return screen
