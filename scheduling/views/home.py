"""The admin home's cards owned by scheduling, loaded with htmx by the iop dashboard (which may not
import this app): hours compliance, open alerts, and overdue work by clinician. Each number links
to the filtered list behind it."""

from datetime import timedelta

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from iop.access import admin_required
from iop.clock import week_start_of
from iop.http import AuthedRequest
from scheduling.models import ComplianceAlert, ComplianceStatus
from scheduling.selectors.attendance import overdue_by_clinician
from scheduling.selectors.compliance import compliance_counts_by_week, open_alert_counts_by_kind

# The overdue card's clinicians, the most overdue first: a card the director scans, however many
# clinicians the clinic has (the overdue page lists everyone's work).
OVERDUE_CLINICIANS_SHOWN = 10


@admin_required
def home_hours(request: AuthedRequest) -> HttpResponse:
    """Last and this week's clients by hours status, and the open alerts by kind."""
    this_week = week_start_of(timezone.localdate())
    last_week = this_week - timedelta(weeks=1)
    weeks = [last_week, this_week]
    counts = compliance_counts_by_week(week_starts=weeks)
    alerts = open_alert_counts_by_kind(user=request.user)
    return render(
        request,
        "scheduling/_home_hours.html",
        {
            "weeks": [("Last week", last_week), ("This week", this_week)],
            "statuses": [
                (status, label, [(week, counts[week].get(status, 0)) for week in weeks])
                for status, label in ComplianceStatus.choices
                if any(counts[week].get(status) for week in weeks)
            ],
            "alerts": [
                (kind, label, alerts.get(kind, 0)) for kind, label in ComplianceAlert.Kind.choices
            ],
            "open_alerts": sum(alerts.values()),
        },
    )


@admin_required
def home_overdue(request: AuthedRequest) -> HttpResponse:
    """Overdue notes, attendance and plan reviews of the most overdue clinicians, and how many
    clinicians have any."""
    rows = overdue_by_clinician(user=request.user, now=timezone.now())
    return render(
        request,
        "scheduling/_home_overdue.html",
        {"rows": rows[:OVERDUE_CLINICIANS_SHOWN], "clinician_count": len(rows)},
    )
