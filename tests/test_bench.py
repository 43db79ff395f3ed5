"""The synthetic clinic and `make bench` keep working (a smoke run at scale 0.01), and every daily
page makes as many queries with 20 clients on it as with 2. Speed itself is measured by
`make bench`, never here."""

import json
import os
import sys
from datetime import time, timedelta
from io import StringIO
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients.models import Authorization, Client
from demo import bench
from demo.turns import Child, take_turns
from iop.clock import local_datetime, week_start_of
from iop.models import ChartRead, Role
from scheduling.models import (
    ATTENDED_STATUSES,
    Attendance,
    CalendarFeed,
    ComplianceAlert,
    ProgressNote,
    Reminder,
    Session,
    UtilizationReview,
    WeeklyCompliance,
)
from scheduling.services.authorizations import (
    unauthorized_attendance_recompute,
    utilization_reviews_update,
)
from scheduling.services.compliance import compliance_recompute_week
from scheduling.services.notes import note_sign
from tests.factories import (
    AttendanceFactory,
    ClientFactory,
    EnrollmentFactory,
    GroupFactory,
    ProgressNoteFactory,
    SessionFactory,
    UserFactory,
)


def test_generator_makes_a_clinic_of_the_right_shape(db):
    out = StringIO()
    call_command("generate_clinic", scale=0.01, stdout=out)
    assert "Generated a clinic at scale 0.01" in out.getvalue()
    # A steady census: about 20 in the program now and every week of the years before.
    assert 14 <= Client.objects.filter(status=Client.Status.ACTIVE).count() <= 26
    assert Client.objects.filter(status=Client.Status.DISCHARGED).count() > 400
    year_ago = week_start_of(timezone.localdate()) - timedelta(weeks=52)
    assert 14 <= WeeklyCompliance.objects.filter(week_start=year_ago).count() <= 30
    attendance = Attendance.objects.count()
    attended = Attendance.objects.filter(status__in=ATTENDED_STATUSES).count()
    assert 0.65 < attended / attendance < 0.97
    notes = ProgressNote.objects.count()
    unsigned = ProgressNote.objects.filter(signed_at__isnull=True).count()
    assert 0 < unsigned < notes * 0.1
    # The flags the database keeps agree with the facts they summarize.
    signed_pairs = set(
        ProgressNote.objects.filter(signed_at__isnull=False).values_list("session_id", "client_id")
    )
    flagged_pairs = set(
        Attendance.objects.filter(note_signed=True).values_list("session_id", "client_id")
    )
    assert flagged_pairs == signed_pairs
    taken = set(Attendance.objects.values_list("session_id", flat=True))
    assert set(Session.objects.filter(attendance_taken=True).values_list("pk", flat=True)) == taken
    signed_note = ProgressNote.objects.filter(
        session_id=OuterRef("session_id"), client_id=OuterRef("client_id"), signed_at__isnull=False
    )
    open_pairs = set(
        Attendance.objects.filter(status__in=ATTENDED_STATUSES)
        .exclude(Exists(signed_note))
        .values_list("session_id", "client_id")
    )
    assert open_pairs  # the tail of open work
    assert set(
        Attendance.objects.filter(note_open=True).values_list("session_id", "client_id")
    ) == (open_pairs)
    assert set(Session.objects.filter(notes_open=True).values_list("pk", flat=True)) == {
        session_id for session_id, _ in open_pairs
    }
    assert ChartRead.objects.count() > 0
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() > 0
    # Derived state: every past week computed, the old alerts resolved, a few left open.
    assert WeeklyCompliance.objects.filter(is_final=True).exists()
    assert ComplianceAlert.objects.filter(resolved_at__isnull=False).exists()
    stays = Client.objects.filter(status=Client.Status.DISCHARGED).values_list(
        "admission_date", "discharge_date"
    )
    weeks = [(discharged - admitted).days // 7 + 1 for admitted, discharged in stays]
    assert sum(8 <= w <= 12 for w in weeks) > len(weeks) / 2
    # Every stay in authorizations with renewals, live ones of a code never overlapping (the
    # trigger that refuses it was off while loading); the past reviews resolved, and today's
    # reviews and findings as the daily job leaves them.
    authorizations = Authorization.objects.annotate(covered_to=Coalesce("ended_on", "last_day"))
    assert set(authorizations.values_list("client_id", flat=True)) == set(
        Client.objects.values_list("pk", flat=True)
    )
    assert authorizations.count() > 1.3 * Client.objects.count()
    overlapped = authorizations.filter(
        Exists(
            Authorization.objects.exclude(pk=OuterRef("pk")).filter(
                client=OuterRef("client"),
                service_code=OuterRef("service_code"),
                first_day__gte=OuterRef("first_day"),
                first_day__lte=OuterRef("covered_to"),
            )
        )
    )
    assert not overlapped.exists()
    assert UtilizationReview.objects.filter(resolution="renewed").exists()
    again = utilization_reviews_update()
    assert (again.opened, again.updated, again.resolved) == (0, 0, 0)
    assert (again.findings.written, again.findings.removed) == (0, 0)


def test_generator_refuses_a_clinic_with_clients(alice):
    with pytest.raises(Exception, match="already has clients"):
        call_command("generate_clinic", scale=0.01, stdout=StringIO())


def test_bench_smoke_times_every_page_and_job_and_leaves_the_clinic_as_it_found_it(db, tmp_path):
    """And the iCal page's feed, made for the run, is rolled back with its audit log entries: a
    later run's audit log shows the clinic, not the runs before. (The pages' own chart reads stay,
    as every page view's do.)"""
    call_command("generate_clinic", scale=0.01, stdout=StringIO())
    made_for_runs = (CalendarFeed, LogEntry)
    before = {model: model.objects.count() for model in made_for_runs}
    out = StringIO()

    call_command("bench", smoke=True, out=str(tmp_path), stdout=out)

    result = json.loads((tmp_path / "smoke.json").read_text())
    assert result["scale"] == 0.01
    page_names = [line.split("  ")[0] for line in out.getvalue().splitlines()]
    for name, row in result["pages"].items():
        assert name in page_names
        assert 0 < row["p50_ms"] <= row["p95_ms"]
        assert row["queries"] > 0
        assert row["kb"] > 0
    assert result["pages"]["floor"]["x_floor"] == 1
    assert all(ms > 0 for ms in result["jobs"].values())
    assert "reminder_throughput" not in result
    assert {model: model.objects.count() for model in made_for_runs} == before


def _add_clients(count, *, clinician, group, held):
    """`count` clients on the group's roster (so on today's session too), each attended `held`;
    every other one's note signed, the others overdue."""
    for number in range(count):
        client = ClientFactory(primary_clinician=clinician)
        EnrollmentFactory(group=group, client=client)
        AttendanceFactory(session=held, client=client, recorded_by=clinician)
        if number % 2 == 0:
            note_sign(note=ProgressNoteFactory(session=held, client=client), actor=clinician)


def _query_counts(subjects):
    return {name: row["queries"] for name, row in bench.measure_pages(subjects, 1).items()}


def test_daily_pages_make_as_many_queries_for_20_clients_as_for_2(db):
    UserFactory(username="admin", role=Role.ADMIN)
    clinician = UserFactory(role=Role.CLINICIAN)
    group = GroupFactory(facilitators=[clinician], capacity=30)
    today = timezone.localdate()
    held = SessionFactory(group=group, starts_at=local_datetime(today - timedelta(days=2), time(9)))
    SessionFactory(group=group, starts_at=local_datetime(today, time(23)))
    _add_clients(2, clinician=clinician, group=group, held=held)
    compliance_recompute_week(week_start=week_start_of(today))
    unauthorized_attendance_recompute()
    subjects = {"clinician": clinician, "session_id": held.pk, "client": Client.objects.first()}
    with_two = _query_counts(subjects)

    _add_clients(18, clinician=clinician, group=group, held=held)
    compliance_recompute_week(week_start=week_start_of(today))
    unauthorized_attendance_recompute()
    assert Attendance.objects.filter(session=held).aggregate(n=Count("*"))["n"] == 20
    with_twenty = _query_counts(subjects)

    assert with_twenty == with_two
    assert {name: n for name, n in with_twenty.items() if n > 15} == {}


def test_a_page_is_timed_in_rounds_each_against_the_floor_of_its_own_seconds(db, monkeypatch):
    """On a machine whose speed drifts, a page five times its floor in every round is 5x, however
    far the floor moved between rounds; each round waits for its turn."""
    UserFactory(username="staff", role=Role.ADMIN)
    monkeypatch.setattr(
        bench,
        "_pages",
        lambda subjects: [bench.Page(name, "staff", f"/{name}/") for name in ("floor", "a", "b")],
    )
    calls: list[tuple[str, int]] = []

    def timed(browser, url, requests):
        calls.append((url, requests))
        speed = sum(1 for called, _ in calls if called == "/floor/")  # slower each round
        ms = speed if url == "/floor/" else 5 * speed
        return [float(ms)] * requests, 4, 1.0

    monkeypatch.setattr(bench, "_timed", timed)

    results = bench.measure_pages({}, requests=7, turn=lambda: calls.append(("turn", 0)))

    # Each round in a turn of its own (the other scale's same round runs in between).
    assert calls == [
        ("turn", 0), ("/floor/", 5), ("/a/", 5), ("turn", 0), ("/floor/", 2), ("/a/", 2),
        ("turn", 0), ("/floor/", 5), ("/b/", 5), ("turn", 0), ("/floor/", 2), ("/b/", 2),
    ]  # fmt: skip
    assert results["a"]["x_floor"] == results["b"]["x_floor"] == 5
    assert results["floor"]["x_floor"] == 1
    # The floor's row is of all its 14 requests (1 ms 5 times, 2 twice, 3 five times, 4 twice),
    # against which page b would be 6x and page a 2x.
    assert results["floor"]["p50_ms"] == 2.5


# A child that logs the start and end of each of its rounds, each round in its own turn, then
# fails if asked to.
_CHILD = """
import sys, time
from demo.turns import Turn
name, rounds, log, fails = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "fails"
turn = Turn(sys.argv[-1])
for number in range(rounds):
    turn()
    with open(log, "a") as out:
        out.write(f"{name}{number}( ")
    time.sleep(0.05)
    with open(log, "a") as out:
        out.write(f"{name}{number}) ")
sys.exit(1 if fails else 0)
"""


def _child(name, rounds, log, fails=False):
    root = str(Path(__file__).resolve().parent.parent)
    command = [sys.executable, "-c", _CHILD, name, str(rounds), str(log), "fails" if fails else "-"]
    return Child.start(command, env={**os.environ, "PYTHONPATH": root})


def test_the_scales_children_take_turns_one_round_at_a_time(tmp_path):
    """The bench's two scales are measured in turns, so a page's growth between them is of the
    same minutes; a child with more rounds goes on alone once the other has ended."""
    log = tmp_path / "log"
    take_turns([_child("a", 3, log), _child("b", 2, log)])
    assert log.read_text().split() == [
        "a0(", "a0)", "b0(", "b0)", "a1(", "a1)", "b1(", "b1)", "a2(", "a2)",
    ]  # fmt: skip


def test_a_failing_child_stops_the_turns_and_the_others(tmp_path):
    log = tmp_path / "log"
    failing, other = _child("a", 1, log, fails=True), _child("b", 5, log)
    with pytest.raises(RuntimeError, match="A child failed"):
        take_turns([failing, other])
    # Stopped as soon as the first ended: the second's rounds were never let run.
    assert other.process.returncode is not None
    assert log.read_text().split() == ["a0(", "a0)"]
