from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from iop.access import admin_required
from iop.clock import week_start_of
from iop.forms import add_service_errors
from iop.query import query_text

from . import selectors, services
from .forms import EnrollForm, GroupForm, WithdrawForm
from .models import Enrollment, Group


@admin_required
def group_list(request: HttpRequest) -> HttpResponse:
    groups = selectors.groups_catalogue(on=timezone.localdate())
    return render(request, "groups/list.html", {"groups": groups})


def _save_group(
    request: HttpRequest, form: GroupForm, save: Callable[..., Group]
) -> HttpResponse | None:
    """Call the service with the form's data; its refusals become field errors on the form."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        group = save(**form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    messages.success(
        request, f"{group} saved; its sessions for the next four weeks are on the calendar."
    )
    return redirect("groups:roster", pk=group.pk)


@admin_required
def group_create(request: HttpRequest) -> HttpResponse:
    form = GroupForm(request.POST or None)
    saved = _save_group(request, form, services.group_create)
    return saved or render(request, "groups/form.html", {"form": form, "title": "New group"})


@admin_required
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.group_get(pk)
    form = GroupForm.for_group(group, request.POST or None)
    saved = _save_group(request, form, partial(services.group_update, group=group))
    return saved or render(
        request, "groups/form.html", {"form": form, "title": f"Edit {group}", "group": group}
    )


def _next_monday() -> date:
    today = timezone.localdate()
    return week_start_of(today) + timedelta(days=7)


@admin_required
def roster(request: HttpRequest, pk: int) -> HttpResponse:
    """The roster of one group: who is on it, their planned hours next week, and a search to add
    clients (POST adds the chosen client)."""
    group = selectors.group_get(pk)
    today = timezone.localdate()
    query = query_text(request, "q")
    enroll_form = EnrollForm(request.POST or None, initial={"start_date": today})
    if request.method == "POST" and enroll_form.is_valid():
        client = get_object_or_404(Client, pk=enroll_form.cleaned_data["client"])
        try:
            services.enrollment_create(
                group=group,
                client=client,
                start_date=enroll_form.cleaned_data["start_date"],
                end_date=enroll_form.cleaned_data["end_date"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            # Keep the search so the admin can fix the date or pick someone else.
            return redirect(
                f"{reverse('groups:roster', args=[group.pk])}?{urlencode({'q': query})}"
            )
        planned = selectors.planned_weeks([client], week_of=_next_monday())[client.pk]
        messages.add_message(
            request,
            messages.WARNING if planned.is_short else messages.SUCCESS,
            f"{client.display_name} enrolled. Week of {planned.week_start:%b %-d}: {planned}.",
        )
        return redirect("groups:roster", pk=group.pk)
    elif request.method == "POST":
        problems = [error for errors in enroll_form.errors.values() for error in errors]
        messages.error(request, " ".join(["Choose a client and a valid start date.", *problems]))
    enrollments = list(selectors.roster(group, on=today))
    planned = selectors.planned_weeks([e.client for e in enrollments], week_of=_next_monday())
    current = sum(1 for e in enrollments if e.start_date <= today)
    return render(
        request,
        "groups/roster.html",
        {
            "group": group,
            "rows": [(e, planned[e.client_id]) for e in enrollments],
            "current": current,
            "query": query,
            "candidates": selectors.roster_candidates(group, query=query, on=today),
            "today": today,
            "next_monday": _next_monday(),
        },
    )


@admin_required
def enrollment_end(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a client from a group: their last day (the roster posts here directly)."""
    enrollment = get_object_or_404(Enrollment.objects.select_related("client", "group"), pk=pk)
    form = WithdrawForm(request.POST or None, initial={"end_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        end_date = form.cleaned_data["end_date"]
        services.enrollment_end(enrollment=enrollment, end_date=end_date)
        messages.success(
            request,
            f"{enrollment.client.display_name} leaves {enrollment.group} after {end_date:%b %-d}.",
        )
        return redirect("groups:roster", pk=enrollment.group_id)
    return render(request, "groups/withdraw.html", {"form": form, "enrollment": enrollment})
