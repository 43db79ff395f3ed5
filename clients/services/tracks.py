"""Writes of program tracks (the weekly requirement of a program: minimum and maximum minutes,
treatment days). Admins edit them in the app; a change of the requirement recomputes every week of
every client on the track (the figures of a week are always those of the track as it is), and a
track still in use is retired rather than deleted."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils.text import slugify

from ..models import Client, ProgramTrack
from ..signals import client_weeks_changed

REQUIREMENT_FIELDS = ("weekly_minimum_minutes", "weekly_maximum_minutes", "minimum_treatment_days")


def _track_check(track: ProgramTrack) -> None:
    errors = {}
    if not track.name.strip():
        errors["name"] = "Give the track a name."
    if track.weekly_minimum_minutes <= 0:
        errors["weekly_minimum_minutes"] = "The weekly minimum must be more than 0 hours."
    elif track.weekly_maximum_minutes < track.weekly_minimum_minutes:
        errors["weekly_maximum_minutes"] = "The weekly maximum cannot be below the minimum."
    if not 1 <= track.minimum_treatment_days <= 7:
        errors["minimum_treatment_days"] = "A week has 1 to 7 treatment days."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def program_track_create(
    *,
    name: str,
    weekly_minimum_minutes: int,
    weekly_maximum_minutes: int,
    minimum_treatment_days: int,
) -> ProgramTrack:
    """A new track; its code (a stable key) comes from the name."""
    track = ProgramTrack(
        name=name.strip(),
        code=slugify(name)[:50],
        weekly_minimum_minutes=weekly_minimum_minutes,
        weekly_maximum_minutes=weekly_maximum_minutes,
        minimum_treatment_days=minimum_treatment_days,
    )
    _track_check(track)
    if ProgramTrack.objects.filter(code=track.code).exists():
        raise ValidationError({"name": "A track with this name already exists."})
    track.full_clean()
    track.save()
    return track


@transaction.atomic
def program_track_update(
    *,
    track: ProgramTrack,
    name: str,
    weekly_minimum_minutes: int,
    weekly_maximum_minutes: int,
    minimum_treatment_days: int,
    is_active: bool,
) -> ProgramTrack:
    """Change a track's name, requirement or whether it takes new clients. A changed requirement
    recomputes the weeks of every client on it; retiring it is refused while clients in the
    program are on it (move them first)."""
    track = ProgramTrack.objects.select_for_update().get(pk=track.pk)
    before = tuple(getattr(track, field) for field in REQUIREMENT_FIELDS)
    track.name = name.strip()
    track.weekly_minimum_minutes = weekly_minimum_minutes
    track.weekly_maximum_minutes = weekly_maximum_minutes
    track.minimum_treatment_days = minimum_treatment_days
    _track_check(track)
    on_track = Client.objects.filter(track=track)
    if not is_active and track.is_active:
        in_program = on_track.filter(status=Client.Status.ACTIVE).count()
        if in_program:
            raise ValidationError(
                {
                    "is_active": f"{in_program} client(s) in the program are on this track: "
                    "move them to another track before retiring it."
                }
            )
    track.is_active = is_active
    track.full_clean()
    track.save()
    if tuple(getattr(track, field) for field in REQUIREMENT_FIELDS) != before:
        admitted = on_track.filter(admission_date__isnull=False)
        first_day = admitted.aggregate(first=Min("admission_date"))["first"]
        if first_day is not None:
            client_weeks_changed.send(
                sender=ProgramTrack,
                client_ids=list(admitted.values_list("pk", flat=True)),
                first_day=first_day,
                last_day=None,
            )
    return track
