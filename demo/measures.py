"""Demo check-ins: every admitted client answered their track's instruments on schedule since
admission (PHQ-9 and GAD-7 every two weeks, the BAM weekly), and the scores follow their story.
Most clients improve (depression and anxiety fall toward remission, use stops, protection grows);
the struggling client (6) does not, and on their latest PHQ-9 reported thoughts of self-harm: the
one urgent alert left open. The client who left (9) improved, then slid as they tapered off. The
client who completed (4) answered at discharge too. The struggling client's latest BAM is left
unanswered, overdue on their clinician's Today. Idempotent: a client with check-ins is skipped."""

import random
from datetime import date, time, timedelta
from typing import Any

from django.utils import timezone

from clients import measures
from clients.models import CheckIn, Client, Instrument, MeasureSchedule
from clients.services.measures import checkin_open, checkin_submit, checkins_open_due
from iop.clock import local_datetime

from .story import Attendance, Ending, Story, admission_date, discharge_date, story_of

SELF_HARM_CLIENT = 6  # the struggling client
ANSWERED_AT = time(19, 30)  # after the evening group

# (baseline, end) of each scale for a client who improves, and for one who does not.
IMPROVING = {
    ("phq-9", "total"): (17, 5),
    ("gad-7", "total"): (14, 4),
    ("bam", "use"): (7, 0),
    ("bam", "risk"): (15, 6),
    ("bam", "protective"): (9, 18),
}
NOT_IMPROVING = {
    ("phq-9", "total"): (16, 17),
    ("gad-7", "total"): (13, 14),
    ("bam", "use"): (6, 5),
    ("bam", "risk"): (15, 16),
    ("bam", "protective"): (8, 8),
}
EPISODE_DAYS = 84  # twelve weeks


def _target(story: Story, code: str, scale: str, day_in_episode: int, roll: random.Random) -> int:
    """The score the story calls for `day_in_episode` days after admission, with a little noise."""
    path = NOT_IMPROVING if story.attendance == Attendance.STRUGGLING else IMPROVING
    start, end = path[(code, scale)]
    progress = min(day_in_episode / EPISODE_DAYS, 1.0)
    if story.ending == Ending.LEFT:
        # Better for the first five weeks, then back toward the start as they tapered off.
        progress = min(progress, 0.35) - max(0.0, progress - 0.35) * 1.2
    # Clients who improve respond within the first weeks, then the gains slow down.
    eased = 1 - (1 - max(progress, 0.0)) ** 2 if progress > 0 else progress
    noise = 0 if day_in_episode == 0 else roll.randint(-1, 1)
    return round(start + (end - start) * eased) + noise


def _spread(keys: list[str], total: int, top: dict[str, int]) -> dict[str, int]:
    """Answers to `keys` summing to `total` (clipped to what they can hold), filled evenly."""
    answers = dict.fromkeys(keys, 0)
    total = max(0, min(total, sum(top[key] for key in keys)))
    while total:
        for key in keys:
            if total and answers[key] < top[key]:
                answers[key] += 1
                total -= 1
    return answers


def _answers(
    definition: dict[str, Any], targets: dict[str, int], fixed: dict[str, int]
) -> dict[str, int]:
    """Answers whose scales score `targets`, with the `fixed` items as given; item values are
    the choices' own (BAM item 14 is No 0 / Yes 4: yes when protection is good)."""
    top = {item["key"]: max(measures.choice_values(item)) for item in definition["items"]}
    answers = dict.fromkeys(top, 0)
    for scale in measures.scales(definition):
        scale_fixed = {key: value for key, value in fixed.items() if key in scale.items}
        if "14" in scale.items:
            scale_fixed["14"] = 4 if targets[scale.key] >= 12 else 0
        answers |= scale_fixed
        keys = [key for key in scale.items if key not in scale_fixed]
        answers |= _spread(keys, targets[scale.key] - sum(scale_fixed.values()), top)
    if "6" in answers and "7a" in answers:  # the days of drug use, named as cannabis
        answers["7a"] = answers["6"]
    if "17" in answers:  # satisfaction with progress follows protection
        answers["17"] = min(4, answers.get("9", 0) + 1)
    return answers


def _occasions(schedule: MeasureSchedule, admitted: date, last_day: date) -> list[date]:
    days = [admitted] if schedule.at_admission else []
    if schedule.every_days:
        day = admitted + timedelta(days=schedule.every_days)
        while day <= last_day:
            days.append(day)
            day += timedelta(days=schedule.every_days)
    return days


def seed_measures(clients: list[Client]) -> None:
    today = timezone.localdate()
    schedules = list(MeasureSchedule.objects.select_related("instrument"))
    seeded = set(CheckIn.objects.values_list("client_id", flat=True))
    for client in clients:
        story = story_of(client)
        if story is None or client.admission_date is None or client.pk in seeded:
            continue
        admitted = admission_date(story, today)
        discharged = discharge_date(story, today)
        last_day = min(discharged or today, today)
        for schedule in (s for s in schedules if s.track_id == client.track_id):
            days = _occasions(schedule, admitted, last_day)
            if discharged and story.ending == Ending.COMPLETED and schedule.at_discharge:
                days.append(discharged)
            _seed_instrument(client, story, schedule.instrument, sorted(set(days)), today)
    checkins_open_due()  # what falls due today opens, as the morning job would have


def _seed_instrument(
    client: Client, story: Story, instrument: Instrument, days: list[date], today: date
) -> None:
    for position, day in enumerate(days):
        occasion = (
            CheckIn.Occasion.ADMISSION
            if position == 0
            else CheckIn.Occasion.DISCHARGE
            if client.discharge_date == day
            else CheckIn.Occasion.INTERVAL
        )
        check_in = checkin_open(
            client=client,
            instrument=instrument,
            due_on=day,
            occasion=occasion,
            now=local_datetime(day, time(5, 30)),
        )
        latest = position == len(days) - 1
        if latest and story.number == SELF_HARM_CLIENT and instrument.code == "bam":
            continue  # not answered yet: overdue on Today
        answered = local_datetime(day, ANSWERED_AT)
        if answered > timezone.now():
            continue  # due today, answered this evening
        roll = random.Random(f"{story.number}:{instrument.code}:{day.isoformat()}")  # nosec B311  # a story
        definition = check_in.version.definition
        targets = {
            scale.key: _target(story, instrument.code, scale.key, (day - days[0]).days, roll)
            for scale in measures.scales(definition)
        }
        fixed = {}
        if instrument.code == "phq-9":  # item 9, thoughts of self-harm
            fixed["9"] = 1 if latest and story.number == SELF_HARM_CLIENT else 0
        checkin_submit(
            check_in=check_in,
            actor=client.user or client.primary_clinician,
            answers=_answers(definition, targets, fixed),
            on_paper=client.user is None,
            now=answered,
        )
