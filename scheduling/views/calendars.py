"""Calendars: a client's schedule, a clinician's week, the clinic's day."""

from datetime import timedelta

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clients.access import access_own_client
from clients.selectors import checkin_due_list, plan_active_header
from iop.access import admin_required, client_required, staff_required
from iop.clock import week_start_of
from iop.http import AuthedRequest
from iop.models import User
from iop.query import query_date, query_filters_given
from scheduling.access import access_clinician
from scheduling.forms.sessions import ClinicDayFilter
from scheduling.models import Session
from scheduling.selectors.closures import closure_on
from scheduling.selectors.compliance import hours_overview_get
from scheduling.selectors.sessions import (
    client_schedule_get,
    clinic_day_list,
    clinic_day_paginator,
    clinician_week_days,
    session_status_counts,
)

# A screenful and a little more: a busy day is read a page at a time or narrowed by the filters.
CLINIC_DAY_PAGE_SIZE = 40


@client_required
def my_schedule(request: AuthedRequest) -> HttpResponse:
    """The client's next two weeks (phone first) and this week's hours: attended, then scheduled."""
    client = access_own_client(user=request.user)
    today = timezone.localdate()
    schedule = client_schedule_get(client=client, today=today)
    return render(
        request,
        "scheduling/my_schedule.html",
        {
            "client": client,
            "days": schedule.days,
            "overview": hours_overview_get(client=client, today=today),
            "today": today,
            "plan": plan_active_header(client=client),
            "check_ins": checkin_due_list(client=client),
        },
    )


@staff_required
def clinician_week(request: AuthedRequest) -> HttpResponse:
    """A clinician's week: their sessions with room and roster count. Admins pick a clinician."""
    clinician: User | None = request.user
    if request.user.is_admin:
        chosen = request.GET.get("clinician", "")
        clinician = access_clinician(pk=int(chosen)) if chosen.isdigit() else None
    monday = week_start_of(query_date(request, "week", timezone.localdate()))
    return render(
        request,
        "scheduling/clinician_week.html",
        {
            "clinician": clinician,
            "clinicians": User.objects.clinicians() if request.user.is_admin else None,
            "days": clinician_week_days(clinician=clinician, monday=monday),
            "monday": monday,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "today": timezone.localdate(),
            "now": timezone.now(),
        },
    )


@admin_required
def clinic_day(request: AuthedRequest) -> HttpResponse:
    """The clinic's sessions on one day, by start time, a page at a time, narrowed by the front
    desk's filters; how many there are in each status heads the list."""
    day = query_date(request, "day", timezone.localdate())
    paginator: Paginator
    if query_filters_given(request, ClinicDayFilter):
        filterset = ClinicDayFilter(request.GET, queryset=clinic_day_list(day=day))
        counts = session_status_counts(sessions=filterset.qs)
        paginator = Paginator(filterset.qs, CLINIC_DAY_PAGE_SIZE)
        paginator.count = sum(counts.values())  # known already: no second COUNT of the day
    else:
        # The day as it opens, unfiltered: compiled once. (The filters' form only.)
        filterset = ClinicDayFilter(request.GET, queryset=Session.objects.none())
        paginator, counts = clinic_day_paginator(day=day, per_page=CLINIC_DAY_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    filters = request.GET.copy()
    for name in ("day", "page"):
        filters.pop(name, None)
    paging = filters.copy()
    paging["day"] = day.isoformat()
    return render(
        request,
        "scheduling/clinic_day.html",
        {
            "day": day,
            "filter": filterset,
            "page": page,
            "counts": counts,
            "filters": filters.urlencode(),
            "query": paging.urlencode(),
            "closure": closure_on(day=day),
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
        },
    )
