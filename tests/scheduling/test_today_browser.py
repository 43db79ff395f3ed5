"""A clinician's day in Chromium: Today, attendance for a group of 12 with one late arrival, two
signed notes and an addendum, by keyboard where a clinician would use it. Screenshots of each step
go to var/screenshots/."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Objective
from iop.clock import day_bounds
from scheduling.models import Attendance, NoteAddendum, ProgressNote, SessionType
from tests.factories import (
    PASSWORD,
    EnrollmentFactory,
    GroupFactory,
    SessionFactory,
    TreatmentPlanFactory,
)
from tests.helpers import log_in, open_menu, screenshot
from tests.scheduling.helpers import record

pytestmark = pytest.mark.browser

ROSTER = 12


@pytest.fixture
def evening_group(clinician):
    """A group of 12 that started within the last hour (and today, local time)."""
    group = GroupFactory(facilitators=[clinician], capacity=ROSTER, name="Relapse Prevention B")
    clients = sorted(
        (EnrollmentFactory(group=group).client for _ in range(ROSTER)),
        key=lambda person: (person.legal_last_name, person.legal_first_name),
    )
    midnight, _ = day_bounds(timezone.localdate())
    starts_at = max(timezone.now() - timedelta(hours=1), midnight)
    session = SessionFactory(
        group=group, starts_at=starts_at, ends_at=starts_at + timedelta(hours=3)
    )
    return session, clients


def write_and_sign(page, person, *, objective=None):
    """Write the DAP note; tick `objective` (its text) by keyboard before signing."""
    page.get_by_role("link", name=f"Write note for {person.display_name}").click()
    page.get_by_label("Data").fill(f"{person.legal_first_name} shared a recent trigger at work.")
    page.get_by_label("Assessment").fill("Engaged; identifies warning signs; no safety concerns.")
    page.get_by_label("Plan", exact=True).fill(
        "Practice urge surfing daily; review in Thursday's group."
    )
    if objective:
        page.keyboard.press("Tab")
        checkbox = page.get_by_role("checkbox", name=objective)
        expect(checkbox).to_be_focused()
        page.keyboard.press("Space")
        expect(checkbox).to_be_checked()
        screenshot(page, "note-objective-ticked")
    page.get_by_role("button", name="Sign and lock").click()
    # The confirm step shows what will be locked; the keyboard starts on its question.
    question = page.get_by_role("heading", name="Sign and lock this note?")
    expect(question).to_be_focused()
    expect(page.get_by_text("can never be changed or removed")).to_be_visible()
    if objective:
        screenshot(page, "note-sign-confirm")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign and lock")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Signed and locked").first).to_be_visible()


def test_a_clinician_takes_attendance_and_signs_notes(page, clinician, evening_group):
    _, clients = evening_group
    late = clients[3]
    plan = TreatmentPlanFactory(client=late)
    objective = Objective.objects.get(goal__problem__plan=plan)
    log_in(page, clinician.username, PASSWORD)
    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    expect(page.get_by_text("Not taken")).to_be_visible()
    screenshot(page, "clinician-today")

    page.get_by_role("link", name="Relapse Prevention B").click()
    expect(page.get_by_role("heading", name="Relapse Prevention B")).to_be_visible()
    screenshot(page, "session-roster")

    # Keyboard only: the button, then the late client's status, minutes, and Enter to save.
    page.get_by_role("button", name="Mark all present").focus()
    page.keyboard.press("Enter")
    status = page.get_by_label(f"Status of {late.display_name}")
    status.focus()
    page.keyboard.type("L")
    assert status.input_value() == "late"
    page.keyboard.press("Tab")
    page.keyboard.type("150")
    screenshot(page, "session-attendance-filled")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Attendance saved.")).to_be_visible()
    screenshot(page, "session-attendance-saved")
    minutes = dict(Attendance.objects.values_list("client_id", "minutes_attended"))
    assert len(minutes) == ROSTER
    assert minutes[late.pk] == 150
    assert sum(1 for value in minutes.values() if value == 180) == ROSTER - 1

    page.get_by_label("Topic").fill("Relapse warning signs")
    page.get_by_label("Interventions").fill("Psychoeducation; CBT chain analysis; role play")
    page.get_by_role("button", name="Save summary").click()
    expect(page.get_by_text("Group summary saved.")).to_be_visible()

    write_and_sign(page, clients[0])
    screenshot(page, "note-signed")
    page.get_by_role("link", name="Relapse Prevention B").click()
    write_and_sign(page, late, objective=objective.description)
    assert ProgressNote.objects.filter(signed_at__isnull=False).count() == 2
    assert list(ProgressNote.objects.get(client=late).objectives.all()) == [objective]
    addressed = page.get_by_role("heading", name="Treatment plan objectives addressed")
    expect(addressed).to_be_visible()
    expect(page.get_by_text(objective.description)).to_be_visible()
    expect(page.get_by_role("checkbox")).to_have_count(0)

    page.get_by_label("Addendum").fill("Correction: arrived 30 minutes late (traffic), not 20.")
    page.get_by_role("button", name="Sign and add addendum").click()
    expect(page.get_by_text("Addendum signed and added.")).to_be_visible()
    assert NoteAddendum.objects.get().note.client == late
    screenshot(page, "note-addendum")

    page.get_by_role("link", name="Today").first.click()
    screenshot(page, "clinician-today-after")
    expect(page.get_by_text("Taken").first).to_be_visible()


def test_a_clinician_logs_an_individual_session(page, clinician, alice, hours_into_the_clinic_day):
    starts_at = max(timezone.now() - timedelta(hours=2), day_bounds(timezone.localdate())[0])
    SessionFactory(
        session_type=SessionType.INDIVIDUAL,
        group=None,
        client=alice,
        clinician=clinician,
        room=None,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=60),
    )
    log_in(page, clinician.username, PASSWORD)
    page.get_by_role("link", name=f"Individual therapy: {alice.display_name}").first.click()
    page.get_by_label("Minutes attended").fill("50")
    page.get_by_role("button", name="Save session log").click()
    expect(page.get_by_text("Session log saved.")).to_be_visible()
    screenshot(page, "session-individual-logged")
    assert Attendance.objects.get(client=alice).minutes_attended == 50


def test_a_clinician_sees_who_is_behind_on_hours_and_then_the_whole_caseload(
    page, clinician, alice, bob
):
    from iop.clock import week_start_of
    from scheduling.models import ComplianceStatus, WeeklyCompliance
    from scheduling.services.compliance import compliance_recompute_week

    compliance_recompute_week(week_start=week_start_of(timezone.localdate()))
    WeeklyCompliance.objects.filter(client=bob).update(status=ComplianceStatus.ON_TRACK)
    log_in(page, clinician.username, PASSWORD)
    behind = page.get_by_role("heading", name="Behind on hours this week")
    expect(behind).to_contain_text("1")
    expect(page.get_by_role("link", name=alice.display_name)).to_be_visible()
    expect(page.get_by_role("link", name=bob.display_name)).to_have_count(0)
    screenshot(page, "clinician-today-behind-on-hours")

    page.get_by_role("link", name="Hours of your whole caseload").click()
    expect(page.get_by_role("heading", name="My caseload's hours this week")).to_be_visible()
    expect(page.get_by_role("link", name=bob.display_name)).to_be_visible()
    expect(page.get_by_role("link", name=alice.display_name)).to_be_visible()
    screenshot(page, "clinician-caseload-hours")


def test_overdue_work_is_the_clinicians_own_and_the_admins_list_says_whose(page, admin, clinician):
    """Two days on, a note not signed and a session without attendance: Today and the clinician's
    overdue page list them (all theirs, so no clinician column, nor for their plan reviews); the
    admins' list names the clinician."""
    group = GroupFactory(facilitators=[clinician], name="Early Recovery A")
    member = EnrollmentFactory(group=group).client
    held = timezone.now() - timedelta(days=2)
    record(SessionFactory(group=group, starts_at=held), clinician, (member, "present", 180))
    SessionFactory(group=group, starts_at=held - timedelta(days=1))

    log_in(page, clinician.username, PASSWORD)
    expect(page.get_by_role("link", name=member.display_name)).to_be_visible()
    page.get_by_role("link", name="All my overdue documentation and plan reviews").click()
    notes = page.locator("#notes")
    expect(notes.get_by_role("link", name=member.display_name)).to_be_visible()
    expect(page.locator("#attendance").get_by_role("link", name="Early Recovery A")).to_be_visible()
    for overdue in ("#notes", "#attendance", "#plan-reviews"):
        expect(page.locator(overdue).get_by_role("columnheader", name="Clinician")).to_have_count(0)
    screenshot(page, "clinician-overdue")
    page.get_by_role("button", name="Log out").click()

    log_in(page, admin.username, PASSWORD)
    open_menu(page, "Compliance", "Overdue notes")
    expect(notes.get_by_role("cell", name=str(clinician))).to_be_visible()
    expect(page.locator("#attendance").get_by_role("cell", name=str(clinician))).to_be_visible()
    plan_reviews = page.locator("#plan-reviews")
    expect(plan_reviews.get_by_role("columnheader", name="Primary clinician")).to_be_visible()
    screenshot(page, "admin-overdue")
