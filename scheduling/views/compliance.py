"""Pages for reminders and weekly hours. Thin: check the role, validate, call a service."""

from datetime import timedelta

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from clients.access import access_client, access_own_client
from clients.models import Client
from iop.access import admin_required, client_required, staff_required
from iop.clock import week_start_of
from iop.exports import csv_export
from iop.forms import service_result
from iop.hours import hours
from iop.http import AuthedRequest
from iop.services import chart_reads_record
from scheduling.access import access_alert
from scheduling.forms.compliance import (
    AlertFilterForm,
    AlertResolveForm,
    ComplianceFilterForm,
    LeadTimesForm,
    ReminderPreferenceForm,
)
from scheduling.selectors import compliance as compliance_selectors
from scheduling.selectors import reminders as reminder_selectors
from scheduling.selectors.authorizations import REVIEW_CARD_SHOWN, utilization_review_urgent_list
from scheduling.selectors.notes import recent_note_list
from scheduling.selectors.screens import screen_timeline_get
from scheduling.selectors.sessions import SCHEDULE_DAYS, client_session_list
from scheduling.services.compliance import compliance_alert_resolve
from scheduling.services.reminders import reminder_lead_times_update, reminder_preference_update
from scheduling.views import form_methods


def _hours(request: AuthedRequest, client: Client, page_template: str) -> HttpResponse:
    overview = compliance_selectors.hours_overview_get(client=client)
    template = "scheduling/_hours.html" if request.htmx else page_template
    return render(request, template, {"overview": overview, "client": client})


@staff_required
def client_hours(request: AuthedRequest, pk: int) -> HttpResponse:
    """Any client's hours bar and 12-week chart; htmx gets the fragment alone."""
    client = access_client(request=request, pk=pk, purpose="weekly hours")
    return _hours(request, client, "scheduling/client_hours.html")


@client_required
def my_hours(request: AuthedRequest) -> HttpResponse:
    """The client's own hours bar and chart, as their clinician sees it."""
    return _hours(request, access_own_client(user=request.user), "scheduling/my_hours.html")


@client_required
@form_methods
def reminder_preferences(request: AuthedRequest) -> HttpResponse:
    """The client opts in to reminders by email or text and sets quiet hours (off until they do)."""
    client = access_own_client(user=request.user)
    preference = reminder_selectors.reminder_preference_get(client=client)
    initial = {
        "email_opt_in": preference.email_opt_in,
        "sms_opt_in": preference.sms_opt_in,
        "quiet_start": preference.quiet_start,
        "quiet_end": preference.quiet_end,
    }
    form = ReminderPreferenceForm(request.POST or None, initial=initial)
    if service_result(
        request,
        form,
        lambda: reminder_preference_update(client=client, **form.cleaned_data),
    ):
        messages.success(request, "Your reminder settings are saved.")
        return redirect("scheduling:reminder-preferences")
    return render(request, "scheduling/reminder_preferences.html", {"form": form, "client": client})


@admin_required
@form_methods
def reminder_settings(request: AuthedRequest) -> HttpResponse:
    """The admins' lead times, and the outbox's health: counts by status and the failed rows."""
    lead_times = reminder_selectors.reminder_lead_times_get()
    form = LeadTimesForm(
        request.POST or None,
        initial={
            "day_before_minutes": lead_times.day_before_minutes,
            "hours_before_minutes": lead_times.hours_before_minutes,
        },
    )
    if service_result(request, form, lambda: reminder_lead_times_update(**form.cleaned_data)):
        messages.success(request, "Lead times saved; pending reminders moved.")
        return redirect("scheduling:reminder-settings")
    return render(
        request,
        "scheduling/reminder_settings.html",
        {
            "form": form,
            "counts": reminder_selectors.reminder_counts_by_status(),
            "failed": reminder_selectors.failed_reminder_list()[:50],
        },
    )


@admin_required
def reminder_health(request: AuthedRequest) -> HttpResponse:
    """A card for the admin dashboard (loaded with htmx): failed reminders."""
    return render(
        request,
        "scheduling/_reminder_health.html",
        {"failed": reminder_selectors.failed_reminder_count()},
    )


def _report_filters(request: AuthedRequest) -> tuple[ComplianceFilterForm, dict]:
    form = ComplianceFilterForm(request.GET or None)
    form.is_valid()  # an invalid filter (a week in year 9999) falls back alone; the form says why
    cleaned = getattr(form, "cleaned_data", {})
    day = cleaned.get("week") or timezone.localdate()
    filters = {
        "week_start": week_start_of(day),
        "status": cleaned.get("status", ""),
        "clinician": cleaned.get("clinician"),
    }
    return form, filters


# The report shows this many client-weeks a page (only those are logged as read); the CSV export
# holds them all.
REPORT_PAGE_SIZE = 50


@admin_required
def compliance_report(request: AuthedRequest) -> HttpResponse:
    """The admins' weekly hours report for one week, filtered; every client shown is a chart read."""
    form, filters = _report_filters(request)
    page = compliance_selectors.weekly_compliance_paginator(
        **filters, per_page=REPORT_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    rows = list(page)
    chart_reads_record(
        request=request, client_ids=[row.client_id for row in rows], what="weekly hours report"
    )
    query = request.GET.copy()
    query.pop("page", None)
    week_start = filters["week_start"]
    return render(
        request,
        "scheduling/compliance_report.html",
        {
            "form": form,
            "rows": rows,
            "week_start": week_start,
            "week_end": week_start + timedelta(days=6),
            "previous_week": week_start - timedelta(weeks=1),
            "next_week": week_start + timedelta(weeks=1),
            "page": page,
            "query": query.urlencode(),
        },
    )


@admin_required
def compliance_export(request: AuthedRequest) -> HttpResponse:
    """The weekly report as CSV: a disclosure (`iop.exports`), recorded as one export naming every
    client in it."""
    _, filters = _report_filters(request)
    rows = list(compliance_selectors.weekly_compliance_list(**filters))
    return csv_export(
        request=request,
        filename=f"weekly-hours-{filters['week_start']:%Y-%m-%d}.csv",
        what="weekly hours export",
        client_ids=[row.client_id for row in rows],
        header=["MRN", "Client", "Primary clinician", "Track", "Week of", "Attended hours",
                "Still scheduled hours", "Required hours", "Treatment days", "Required days",
                "Status"],
        rows=(
            [row.client.mrn, row.client.display_name, row.client.primary_clinician,
             row.client.track, row.week_start.isoformat(), hours(row.attended_minutes),
             hours(row.scheduled_minutes), hours(row.required_minutes),
             row.treatment_days, row.required_days, row.get_status_display()]
            for row in rows
        ),
    )  # fmt: skip


ALERTS_PAGE_SIZE = 25


@staff_required
def alerts(request: AuthedRequest) -> HttpResponse:
    """The alerts a person must act on (a clinician's caseload, or all for admins), filtered."""
    form = AlertFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_valid() else {}
    week = cleaned.get("week")
    page = compliance_selectors.compliance_alert_paginator(
        user=request.user,
        status=cleaned.get("status") or "open",
        kind=cleaned.get("kind", ""),
        clinician=cleaned.get("clinician"),
        week_start=week_start_of(week) if week else None,
        per_page=ALERTS_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "scheduling/alerts.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            # The most urgent, as on the review card; the rest on their own list.
            "utilization_reviews": utilization_review_urgent_list(
                user=request.user, limit=REVIEW_CARD_SHOWN
            ),
        },
    )


@staff_required
@form_methods
def alert_resolve(request: AuthedRequest, pk: int) -> HttpResponse:
    """Resolve one alert with a reason and a plan, or excuse the week."""
    alert = access_alert(request=request, pk=pk, purpose="compliance alert")
    form = AlertResolveForm(request.POST or None)
    if service_result(
        request,
        form,
        lambda: compliance_alert_resolve(alert=alert, actor=request.user, **form.cleaned_data),
    ):
        messages.success(request, f"Alert for {alert.client.display_name} resolved.")
        return redirect("scheduling:alerts")
    return render(request, "scheduling/alert_resolve.html", {"alert": alert, "form": form})


@staff_required
def client_chart_activity(request: AuthedRequest, pk: int) -> HttpResponse:
    """The chart's scheduling part, loaded by htmx from the clients app's chart page (which may not
    import scheduling): the next two weeks, this week's hours with the 12-week chart, the drug
    screens beside the weeks' hours, recent notes."""
    client = access_client(request=request, pk=pk, purpose="sessions, hours, screens and notes")
    today = timezone.localdate()
    overview = compliance_selectors.hours_overview_get(client=client)
    return render(
        request,
        "scheduling/_chart_activity.html",
        {
            "client": client,
            "upcoming": client_session_list(
                client=client, first=today, last=today + timedelta(days=SCHEDULE_DAYS - 1)
            ),
            "overview": overview,
            "screens": screen_timeline_get(client=client, overview=overview),
            "notes": recent_note_list(client=client),
        },
    )
