"""The demo clinic shows documentation: signed notes, drafts, and overdue items."""

import time_machine
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from iop.models import User
from scheduling.models import Attendance, NoteObjective, ProgressNote
from scheduling.selectors.attendance import (
    overdue_note_list,
    session_day_list,
    session_missing_attendance_list,
)
from tests.demo import THURSDAY_EVENING


@time_machine.travel(THURSDAY_EVENING, tick=False)
def test_the_demo_clinic_has_a_documented_week_and_a_second_run_changes_nothing(db):
    call_command("seed_demo")
    counts = (
        Attendance.objects.count(),
        ProgressNote.objects.count(),
        NoteObjective.objects.count(),
    )
    call_command("seed_demo")
    assert (
        Attendance.objects.count(),
        ProgressNote.objects.count(),
        NoteObjective.objects.count(),
    ) == counts

    signed_with_objectives = ProgressNote.objects.filter(
        signed_at__isnull=False, objectives__isnull=False
    )
    assert signed_with_objectives.count() > 10
    assert not NoteObjective.objects.exclude(
        objective__goal__problem__plan__client=F("note__client")
    ).exists()

    assert ProgressNote.objects.filter(signed_at__isnull=False).count() > 20
    assert ProgressNote.objects.filter(signed_at__isnull=True).exists()
    clinician = User.objects.get(username="clinician1")
    now = timezone.now()
    assert session_missing_attendance_list(user=clinician, now=now).exists()
    # Thursday: the evening group, which clinician1 co-facilitates with clinician2.
    assert len(session_day_list(user=clinician, day=timezone.localdate())) == 1
    with time_machine.travel(THURSDAY_EVENING.replace(day=21), tick=False):
        assert overdue_note_list(user=clinician, now=timezone.now()).exists()
