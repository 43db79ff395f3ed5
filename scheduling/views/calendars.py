from datetime import date, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from clients.access import access_own_client
from clients.selectors import plan_active
from iop.access import admin_required, client_required, staff_required
from iop.clock import week_start_of
from iop.models import Role, User
from iop.query import query_date
from scheduling.selectors import sessions as selectors
from scheduling.selectors.sessions import SCHEDULE_DAYS


def _by_day(sessions: list, days: list[date]) -> list[tuple[date, list]]:
    return [(day, [s for s in sessions if s.day == day]) for day in days]


@client_required
def my_schedule(request: HttpRequest) -> HttpResponse:
    """The client's next two weeks (phone first) and this week's scheduled hours."""
    client = access_own_client(user=request.user)
    today = timezone.localdate()
    monday = week_start_of(today)
    last = today + timedelta(days=SCHEDULE_DAYS - 1)
    sessions = list(selectors.client_schedule(client, first=min(monday, today), last=last))
    this_week = [s for s in sessions if s.day <= monday + timedelta(days=6)]
    upcoming = [s for s in sessions if s.day >= today]
    days = [today + timedelta(days=n) for n in range(SCHEDULE_DAYS)]
    return render(
        request,
        "scheduling/my_schedule.html",
        {
            "client": client,
            "days": [(day, items) for day, items in _by_day(upcoming, days) if items],
            "hours": selectors.week_hours(client, this_week),
            "today": today,
            "plan": plan_active(client=client),
        },
    )


@staff_required
def clinician_week(request: HttpRequest) -> HttpResponse:
    """A clinician's week: their sessions with room and roster count. Admins pick a clinician."""
    clinicians = User.objects.filter(role=Role.CLINICIAN, is_active=True).order_by("last_name")
    if request.user.is_clinician:
        clinician = request.user
    else:
        chosen = request.GET.get("clinician", "")
        clinician = get_object_or_404(clinicians, pk=chosen) if chosen.isdigit() else None
    monday = week_start_of(query_date(request, "week", timezone.localdate()))
    days = [monday + timedelta(days=n) for n in range(7)]
    sessions = list(selectors.clinician_week(clinician, monday=monday)) if clinician else []
    return render(
        request,
        "scheduling/clinician_week.html",
        {
            "clinician": clinician,
            "clinicians": clinicians if request.user.is_admin else None,
            "days": _by_day(sessions, days),
            "monday": monday,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "today": timezone.localdate(),
        },
    )


@admin_required
def clinic_day(request: HttpRequest) -> HttpResponse:
    """Every session in the clinic on one day, by start time."""
    day = query_date(request, "day", timezone.localdate())
    return render(
        request,
        "scheduling/clinic_day.html",
        {
            "day": day,
            "sessions": selectors.clinic_day(day),
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
        },
    )
