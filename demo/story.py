"""Who the demo clients are and what their program has been: one story per client, which the
other demo modules follow (intake, rosters, attendance, discharge), so the record, the hours and
the alerts tell the same story.

Twenty clients: clients 1-17 were admitted on a Monday over the last twelve weeks (the hours
chart's weeks), client 18 is in intake, 19 and 20 are referred. Client 4 completed the program
last week, client 9 tapered off and left before completing, client 6 struggles to come, and
client 17, admitted this week, is enrolled short of the minimum while their schedule is arranged.
Everyone else attends steadily. Client 1's plan has been revised once: version 1 is superseded,
version 2 (a changed target date, a step achieved and dropped, a new goal) is in force."""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from clients.models import Client
from iop.clock import week_start_of
from scheduling.models import AttendanceStatus

from .holidays import clinic_closed, clinic_day_on_or_before

DEMO_CLIENTS = 20
ADOLESCENT_EVERY = 5  # one client in five is on the adolescent track
IN_INTAKE = 18  # the clients after this one are referred, awaiting intake
REVISED_PLAN = 1  # the client whose plan has a second version, to compare with the first


class Attendance(StrEnum):
    STEADY = "steady"  # rarely misses a session
    STRUGGLING = "struggling"  # misses one session in five
    TAPERING = "tapering"  # came steadily, then less and less, then stopped


class Ending(StrEnum):
    COMPLETED = "completed"
    LEFT = "left"  # left before completing


@dataclass(frozen=True)
class Story:
    number: int
    admitted_weeks_ago: int  # admitted on that week's Monday (Tuesday if Monday is a holiday)
    attendance: Attendance = Attendance.STEADY
    ending: Ending | None = None

    @property
    def username(self) -> str:
        return f"client{self.number}"

    @property
    def is_adolescent(self) -> bool:
        return self.number % ADOLESCENT_EVERY == 0


# Admitted clients, by number: how many weeks ago they were admitted.
ADMITTED_WEEKS_AGO = {
    1: 11, 2: 10, 3: 9, 4: 12, 5: 8, 6: 7, 7: 6, 8: 5, 9: 9, 10: 5, 11: 4, 12: 3, 13: 3, 14: 2,
    15: 2, 16: 1, 17: 0,
}  # fmt: skip
STORIES = {
    number: Story(
        number=number,
        admitted_weeks_ago=weeks,
        attendance={6: Attendance.STRUGGLING, 9: Attendance.TAPERING}.get(
            number, Attendance.STEADY
        ),
        ending={4: Ending.COMPLETED, 9: Ending.LEFT}.get(number),
    )
    for number, weeks in ADMITTED_WEEKS_AGO.items()
}


def story_of(client: Client) -> Story | None:
    """A demo client's story, from their login `clientN`."""
    number = client.user.username.removeprefix("client") if client.user else ""
    return STORIES.get(int(number)) if number.isdigit() else None


# The tapering client's last session was the Wednesday this many weeks ago; in the weeks before
# it they came less and less.
STOPPED_WEEKS_AGO = 3
TAPER_WEEKS = 2
# How long after their last session the tapering client was discharged, after outreach failed.
LEFT_AFTER = timedelta(days=10)


def admission_date(story: Story, today: date) -> date:
    monday = week_start_of(today) - timedelta(weeks=story.admitted_weeks_ago)
    admitted = monday + timedelta(days=1) if clinic_closed(monday) else monday
    return min(admitted, today)


def stopped_on(story: Story, today: date) -> date | None:
    """The tapering client's last session day (None for the others)."""
    if story.attendance != Attendance.TAPERING:
        return None
    return week_start_of(today) - timedelta(weeks=STOPPED_WEEKS_AGO) + timedelta(days=2)


def discharge_date(story: Story, today: date) -> date | None:
    """Completed: the last clinic day of last week. Left: ten days after their last session, when
    outreach had failed."""
    if story.ending == Ending.COMPLETED:
        return clinic_day_on_or_before(week_start_of(today) - timedelta(days=3))
    last = stopped_on(story, today)
    if story.ending == Ending.LEFT and last is not None:
        return clinic_day_on_or_before(last + LEFT_AFTER)
    return None


def in_program(story: Story, day: date, today: date) -> bool:
    """Whether the client was admitted and not yet discharged on `day`."""
    discharged_on = discharge_date(story, today)
    return admission_date(story, today) <= day and (discharged_on is None or day <= discharged_on)


def session_attendance(story: Story, day: date, minutes: int, today: date) -> tuple[str, int]:
    """How the client attended a session of `minutes` on `day`: a status and minutes attended.
    The same client and day always give the same answer (the demo is reproducible, whatever order
    it documents sessions in)."""
    roll = random.Random(f"{story.number}:{day.isoformat()}").randint(1, 100)  # nosec B311  # a story
    absent, excused, late = {
        Attendance.STEADY: (2, 3, 4),
        Attendance.STRUGGLING: (20, 24, 30),
        Attendance.TAPERING: (2, 3, 4),
    }[story.attendance]
    last = stopped_on(story, today)
    if last is not None:
        if day > last:
            return AttendanceStatus.ABSENT, 0
        weeks_left = (last - day).days // 7
        if 0 < weeks_left <= TAPER_WEEKS:
            absent = 20 + 25 * (TAPER_WEEKS - weeks_left)  # 20%, then 45% absent
            excused = late = absent
    if roll <= absent:
        return AttendanceStatus.ABSENT, 0
    if roll <= excused:
        return AttendanceStatus.EXCUSED, 0
    if roll <= late:
        return AttendanceStatus.LATE, minutes - 10 - roll % 20
    return AttendanceStatus.PRESENT, minutes
