"""The week close through a real Celery worker on real Redis, run twice as a late or repeated beat
would: one final row and one alert."""

from datetime import timedelta

import pytest
from django.utils import timezone

from iop.clock import week_start_of
from scheduling.models import ComplianceAlert, WeeklyCompliance
from scheduling.tasks import week_close
from tests.factories import ClientFactory
from tests.helpers import wait_for

pytestmark = pytest.mark.integration


def test_the_week_close_on_a_real_worker_finalizes_last_week_and_alerts_once(
    celery_worker_process, clinician
):
    absent_all_week = ClientFactory(
        user=None,
        primary_clinician=clinician,
        admission_date=timezone.localdate() - timedelta(days=30),
    )
    last_week = week_start_of(timezone.localdate()) - timedelta(weeks=1)
    week_close.delay()
    week_close.delay()
    assert wait_for(
        lambda: WeeklyCompliance.objects.filter(client=absent_all_week, is_final=True).exists()
    )
    row = WeeklyCompliance.objects.get(client=absent_all_week, week_start=last_week)
    assert row.status == "short"
    last_weeks_alerts = ComplianceAlert.objects.filter(client=absent_all_week, week_start=last_week)
    assert wait_for(last_weeks_alerts.exists)
    # The admission's recompute found the weeks before short too: a second short week in a row.
    assert [(a.kind, a.is_open) for a in last_weeks_alerts] == [("level_of_care_review", True)]
