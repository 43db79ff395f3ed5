"""The Monday week close: finalize last week, alert on short and over-max weeks, escalate two
short weeks in a row to the admins."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command

from iop.clock import local_datetime
from scheduling.models import ComplianceAlert, WeeklyCompliance
from scheduling.selectors.compliance import compliance_alert_list
from scheduling.services.compliance import compliance_alert_resolve
from scheduling.tasks import week_close as week_close_task
from tests.factories import (
    AttendanceFactory,
    ClientFactory,
    GroupFactory,
    SessionFactory,
)

MONDAY = date(2026, 11, 16)
CLOSE_TIME = local_datetime(MONDAY + timedelta(days=7), time(2, 0))


@pytest.fixture
def regular(clinician):
    return ClientFactory(primary_clinician=clinician, admission_date=MONDAY - timedelta(days=30))


def attend_hours(client, week_start, hours):
    group = GroupFactory()
    for day in range(hours // 3):
        start = local_datetime(week_start + timedelta(days=day), time(9, 0))
        session = SessionFactory(group=group, starts_at=start, ends_at=start + timedelta(hours=3))
        AttendanceFactory(session=session, client=client)


def close(at=CLOSE_TIME):
    with time_machine.travel(at, tick=False):
        week_close_task()


def test_closing_finalizes_last_week_for_every_client(regular, alice):
    attend_hours(regular, MONDAY, 9)
    close()
    rows = WeeklyCompliance.objects.filter(week_start=MONDAY)
    assert {row.client_id: row.status for row in rows}[regular.pk] == "met"
    assert all(row.is_final for row in rows)


def test_a_short_week_opens_an_alert_for_the_primary_clinician_and_closing_twice_opens_one(
    regular, clinician, second_clinician
):
    attend_hours(regular, MONDAY, 6)
    close()
    close(CLOSE_TIME + timedelta(hours=5))
    alert = ComplianceAlert.objects.get(client=regular, week_start=MONDAY)
    assert (alert.kind, alert.for_admins) == ("short", False)
    assert alert.summary == "Attended 6 of 9 hours on 2 of 3 days."
    assert list(compliance_alert_list(user=clinician)) == [alert]
    assert not compliance_alert_list(user=second_clinician).exists()


def test_two_short_weeks_in_a_row_escalate_to_the_admins(regular, admin):
    attend_hours(regular, MONDAY - timedelta(days=7), 3)
    close(CLOSE_TIME - timedelta(days=7))
    attend_hours(regular, MONDAY, 6)
    close()
    escalation = ComplianceAlert.objects.get(client=regular, kind="level_of_care_review")
    assert escalation.for_admins
    assert escalation.week_start == MONDAY
    assert escalation.summary.startswith("Second short week in a row.")
    assert next(iter(compliance_alert_list(user=admin))) == escalation


def test_an_excused_short_week_does_not_count_toward_escalation(regular, clinician):
    close(CLOSE_TIME - timedelta(days=7))
    first = ComplianceAlert.objects.get(client=regular, kind="short")
    compliance_alert_resolve(alert=first, actor=clinician, reason="illness", plan="", excused=True)
    close()
    assert not ComplianceAlert.objects.filter(kind="level_of_care_review").exists()


def test_a_week_over_the_maximum_is_flagged(regular):
    attend_hours(regular, MONDAY, 21)
    close()
    assert ComplianceAlert.objects.get(client=regular).kind == "over_max"


def test_a_late_close_on_tuesday_still_closes_last_week(regular):
    close(CLOSE_TIME + timedelta(days=1, hours=10))
    assert WeeklyCompliance.objects.get(client=regular, week_start=MONDAY).is_final


def test_any_job_runs_by_hand_and_bad_arguments_get_a_clear_error(regular):
    call_command("run_job", "week-close")
    assert WeeklyCompliance.objects.filter(client=regular, is_final=True).exists()
    call_command("run_job", "--week", MONDAY.isoformat())
    with pytest.raises(CommandError, match="Unknown job"):
        call_command("run_job", "no-such-job")
    with pytest.raises(CommandError, match="Monday"):
        call_command("run_job", "--week", (MONDAY + timedelta(days=1)).isoformat())
