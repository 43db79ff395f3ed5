"""Demo rooms, groups and rosters for `manage.py seed_demo` (idempotent: existing groups are kept)."""

from datetime import time, timedelta

from django.utils import timezone

from clients.models import Client, ProgramTrack
from iop.models import User

from .models import Group, GroupType, Room
from .services import enrollment_create, group_create

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


def seed_groups(clinicians: list[User], clients: list[Client]) -> list[Group]:
    """Five groups on a weekly pattern and their rosters; adults alternate between the evening and
    the morning program, every third also on Saturdays, and one is enrolled short of the minimum
    so the roster page shows the planned-hours warning."""
    rooms = {
        name: Room.objects.get_or_create(
            name=name, defaults={"location": location, "capacity": capacity}
        )[0]
        for name, location, capacity in ROOMS
    }
    if Group.objects.filter(name=GROUPS[0][0]).exists():
        return list(Group.objects.all())
    first_date = timezone.localdate() - timedelta(weeks=12)
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
            enrollment_create(
                group=groups[name],
                client=client,
                start_date=client.admission_date,  # type: ignore[arg-type]  # active: admitted
            )
    for client in active:
        if client.track.code == "adolescent":
            enrollment_create(
                group=groups["Teen After-School Group"],
                client=client,
                start_date=client.admission_date,  # type: ignore[arg-type]  # active: admitted
            )
    return list(groups.values())
