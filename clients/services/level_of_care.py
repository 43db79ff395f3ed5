"""Writes of the level-of-care history.

Ranges are half-open, [start, end): a change on day D ends the old range on D and starts the new
one on D. Admission opens the history at 2.1; discharge closes it (the step-down level is recorded
on the discharge, since care continues elsewhere).
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format

from iop.clock import today
from iop.dates import check_dates
from iop.models import User

from ..models import (
    Client,
    LevelOfCareEpisode,
)
from ..signals import client_weeks_changed


@transaction.atomic
def level_of_care_change(
    *, client: Client, level: str, start_date: date, actor: User | None, reason: str = ""
) -> LevelOfCareEpisode:
    """Move an active client to another level of care from `start_date` (today or earlier),
    closing the current range that day."""
    if client.status != Client.Status.ACTIVE:
        raise ValidationError("Only an admitted (active) client's level of care can change.")
    check_dates(start_date=start_date)
    if start_date > today():
        raise ValidationError({"start_date": "A level of care cannot start in the future."})
    episode = _level_of_care_open(
        client=client, level=level, start_date=start_date, actor=actor, reason=reason
    )
    client_weeks_changed.send(
        sender=Client, client_ids=[client.pk], first_day=start_date, last_day=None
    )
    return episode


def _level_of_care_open(
    *, client: Client, level: str, start_date: date, actor: User | None, reason: str
) -> LevelOfCareEpisode:
    """Open a range at `level` from `start_date`, closing the open one (admission, change)."""
    current = (
        LevelOfCareEpisode.objects.select_for_update()
        .filter(client=client, end_date__isnull=True)
        .first()
    )
    if client.admission_date and start_date < client.admission_date:
        raise ValidationError({"start_date": "A level of care cannot start before admission."})
    if current is not None:
        if start_date <= current.start_date:
            raise ValidationError(
                {"start_date": f"The new level must start after {date_format(current.start_date)}."}
            )
        if current.level == level:
            raise ValidationError({"level": "The client is already at this level of care."})
        current.end_date = start_date
        current.save(update_fields=["end_date"])
    episode = LevelOfCareEpisode(
        client=client, level=level, start_date=start_date, changed_by=actor, reason=reason
    )
    episode.full_clean()
    episode.save()
    return episode
