from django.core.management import call_command

from scheduling.models import ComplianceAlert, Reminder, WeeklyCompliance


def test_seed_demo_shows_weekly_hours_alerts_and_reminders_and_a_second_run_adds_nothing(db):
    call_command("seed_demo")
    counts = (
        WeeklyCompliance.objects.count(),
        ComplianceAlert.objects.count(),
        Reminder.objects.count(),
    )
    call_command("seed_demo")
    assert counts == (
        WeeklyCompliance.objects.count(),
        ComplianceAlert.objects.count(),
        Reminder.objects.count(),
    )
    assert {"met", "short"} <= set(WeeklyCompliance.objects.values_list("status", flat=True))
    assert ComplianceAlert.objects.filter(kind="short").exists()
    assert Reminder.objects.filter(status="pending").exists()
