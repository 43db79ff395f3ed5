"""Writes of discharge: the end of a client's stay, which the other apps hear of through
`client_discharged`.
"""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from iop.clock import today
from iop.models import User

from ..models import (
    Client,
    Discharge,
    LevelOfCareEpisode,
)
from ..signals import client_discharged, client_weeks_changed


@transaction.atomic
def client_discharge(
    *,
    client: Client,
    discharge_date: date,
    reason: str,
    summary: str,
    actor: User,
    step_down_level: str = "",
    aftercare: list[str] | None = None,
) -> Discharge:
    """Discharge an active client: record it, close the level of care, and send
    `client_discharged` so groups and scheduling end enrollments and future sessions. A receiver
    that raises rolls everything back."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.status != Client.Status.ACTIVE or client.admission_date is None:
        raise ValidationError("Only an admitted (active) client can be discharged.")
    if discharge_date < client.admission_date:
        raise ValidationError({"discharge_date": "Discharge cannot be before admission."})
    if discharge_date > today():
        raise ValidationError({"discharge_date": "Discharge cannot be in the future."})
    discharge = Discharge(
        client=client,
        discharge_date=discharge_date,
        reason=reason,
        step_down_level=step_down_level,
        aftercare=sorted(set(aftercare or [])),
        summary=summary.strip(),
        recorded_by=actor,
    )
    discharge.full_clean()
    discharge.save()
    current = LevelOfCareEpisode.objects.filter(client=client, end_date__isnull=True).first()
    if current is not None:
        # Ranges are half-open; a same-day discharge keeps the one day it covered.
        current.end_date = max(discharge_date, current.start_date + timedelta(days=1))
        current.save(update_fields=["end_date"])
    client.status = Client.Status.DISCHARGED
    client.discharge_date = discharge_date
    client.full_clean()
    client.save(update_fields=["status", "discharge_date"])
    client_discharged.send(
        sender=Client, client=client, discharge_date=discharge_date, discharged_by=actor
    )
    client_weeks_changed.send(
        sender=Client, client_ids=[client.pk], first_day=discharge_date, last_day=None
    )
    return discharge
