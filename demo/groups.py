"""Demo rooms, groups and rosters (idempotent: existing groups are kept). Every admitted client is
on a roster from their admission day; the demo discharges two of them later, which ends their
enrollments."""

from datetime import time, timedelta

from django.utils import timezone

from clients.models import Client, ProgramTrack
from groups.models import Group, GroupType, Room
from groups.services import enrollment_create, group_create
from iop.clock import week_start_of
from iop.models import User
from scheduling.selectors.compliance import CHART_WEEKS

ROOMS = [
    ("Group Room A", "2nd floor, 120 Main Street", 14),
    ("Group Room B", "2nd floor, 120 Main Street", 12),
    ("Garden Room", "Ground floor, 120 Main Street", 10),
]
# name, type, track code, weekdays, start, minutes, room (None: telehealth), facilitator numbers,
# what to bring
GROUPS = [
    ("Evening Relapse Prevention", GroupType.RELAPSE_PREVENTION, "adult", [0, 2, 3], time(18), 180,
     "Group Room A", [0, 1], "Relapse prevention workbook"),
    ("Morning Skills Lab", GroupType.SKILLS, "adult", [1, 3, 4], time(9), 180, "Group Room B",
     [1], "Notebook and pen"),
    ("Saturday Wellness and Nutrition", GroupType.HEALTH_WELLNESS, "adult", [5], time(10), 90,
     "Garden Room", [2], "Comfortable shoes and a water bottle"),
    ("Family Night", GroupType.FAMILY, "adult", [1], time(18), 90, None, [2], ""),
    ("Teen After-School Group", GroupType.SUPPORT, "adolescent", [0, 2, 3], time(15, 30), 120,
     "Garden Room", [2], "School planner"),
]  # fmt: skip


# The telehealth group's video link (an example domain: the demo joins nothing real).
JOIN_LINKS = {"Family Night": "https://video.example.org/j/family-night"}


def seed_groups(clinicians: list[User], clients: list[Client]) -> list[Group]:
    """Five groups on a weekly pattern since the first week of the hours chart, and their rosters;
    adults alternate between the evening and the morning program, every third also on Saturdays,
    and the newest admission is enrolled short of the minimum while their schedule is arranged, so
    the roster page shows the planned-hours warning."""
    rooms = {
        name: Room.objects.get_or_create(
            name=name, defaults={"location": location, "capacity": capacity}
        )[0]
        for name, location, capacity in ROOMS
    }
    if Group.objects.filter(name=GROUPS[0][0]).exists():
        return list(Group.objects.all())
    first_date = week_start_of(timezone.localdate()) - timedelta(weeks=CHART_WEEKS)
    groups = {}
    for name, kind, track, days, start, minutes, room, leads, bring in GROUPS:
        groups[name] = group_create(
            name=name,
            group_type=kind,
            track=ProgramTrack.objects.get(code=track),
            facilitators=[clinicians[n] for n in leads],
            capacity=rooms[room].capacity if room else 15,
            weekdays=days,
            start_time=start,
            duration_minutes=minutes,
            first_date=first_date,
            room=rooms[room] if room else None,
            is_telehealth=room is None,
            join_link=JOIN_LINKS.get(name, ""),
            what_to_bring=bring,
        )
    active = [c for c in clients if c.status == Client.Status.ACTIVE]
    adults = [c for c in active if c.track.code == "adult"]
    for number, client in enumerate(adults):
        if number == len(adults) - 1:
            plan = ["Saturday Wellness and Nutrition", "Family Night"]
        else:
            plan = ["Evening Relapse Prevention" if number % 2 else "Morning Skills Lab"]
            if number % 3 == 0:
                plan.append("Saturday Wellness and Nutrition")
        for name in plan:
            _enroll(groups[name], client)
    for client in active:
        if client.track.code == "adolescent":
            _enroll(groups["Teen After-School Group"], client)
    return list(groups.values())


def _enroll(group: Group, client: Client) -> None:
    """On the roster from the day of admission."""
    assert client.admission_date is not None, "an active client has been admitted"
    enrollment_create(group=group, client=client, start_date=client.admission_date)
