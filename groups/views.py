from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from clients.access import access_client
from iop.access import admin_required
from iop.clock import week_start_of
from iop.forms import Confirmation, Step, add_service_errors, irreversible_result
from iop.query import query_text

from . import selectors, services
from .access import access_enrollment, access_group
from .forms import EnrollForm, GroupForm, VoidForm, WithdrawForm
from .models import Enrollment, Group


@admin_required
def group_list(request: HttpRequest) -> HttpResponse:
    groups = selectors.group_list(on=timezone.localdate())
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
    group = access_group(user=request.user, pk=pk)
    form = GroupForm.for_group(group, request.POST or None)
    saved = _save_group(request, form, partial(services.group_update, group=group))
    return saved or render(
        request, "groups/form.html", {"form": form, "title": f"Edit {group}", "group": group}
    )


def _next_monday() -> date:
    today = timezone.localdate()
    return week_start_of(today) + timedelta(days=7)


@dataclass(frozen=True)
class Pending:
    """An irreversible change of one roster row in progress: its form, then its confirm step."""

    enrollment: Enrollment
    action: str  # "end" or "void"
    form: forms.Form
    confirm: Confirmation | None = None


def _roster_page(
    request: HttpRequest, group: Group, pending: Pending | None = None
) -> HttpResponse:
    today = timezone.localdate()
    query = query_text(request, "q")
    enrollments = list(selectors.enrollment_list(group=group, on=today))
    planned = selectors.planned_week_by_client(
        clients=[e.client for e in enrollments], week_of=_next_monday()
    )
    current = sum(1 for e in enrollments if e.start_date <= today)
    return render(
        request,
        "groups/roster.html",
        {
            "group": group,
            "rows": [(e, planned[e.client_id]) for e in enrollments],
            "current": current,
            "query": query,
            "candidates": selectors.roster_candidate_list(group=group, query=query, on=today),
            "today": today,
            "next_monday": _next_monday(),
            "pending": pending,
        },
    )


@admin_required
def roster(request: HttpRequest, pk: int) -> HttpResponse:
    """The roster of one group: who is on it, their planned hours next week, and a search to add
    clients (POST adds the chosen client). `?void=<enrollment>` opens that row's void form."""
    group = access_group(user=request.user, pk=pk)
    today = timezone.localdate()
    query = query_text(request, "q")
    enroll_form = EnrollForm(request.POST or None, initial={"start_date": today})
    if request.method == "POST" and enroll_form.is_valid():
        client = access_client(user=request.user, pk=enroll_form.cleaned_data["client"])
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
        planned = selectors.planned_week_by_client(clients=[client], week_of=_next_monday())[
            client.pk
        ]
        messages.add_message(
            request,
            messages.WARNING if planned.is_short else messages.SUCCESS,
            f"{client.display_name} enrolled. Week of {planned.week_start:%b %-d}: {planned}.",
        )
        return redirect("groups:roster", pk=group.pk)
    elif request.method == "POST":
        problems = [error for errors in enroll_form.errors.values() for error in errors]
        messages.error(request, " ".join(["Choose a client and a valid start date.", *problems]))
    pending = None
    if request.GET.get("void", "").isdigit():
        enrollment = access_enrollment(user=request.user, pk=request.GET["void"], group=group)
        pending = Pending(enrollment=enrollment, action="void", form=VoidForm())
    return _roster_page(request, group, pending)


def _row_action(
    request: HttpRequest,
    pk: int,
    *,
    action: str,
    form_class: type[forms.Form],
    act: Callable[[Enrollment, dict], object],
    done: Callable[[Enrollment, dict], str],
    confirmation: Callable[[Enrollment, dict], Confirmation],
) -> HttpResponse:
    """Withdraw or void one live roster row: posted from the row, answered on the roster with the
    row's errors or its confirm step, done only once confirmed."""
    enrollment = access_enrollment(user=request.user, pk=pk)
    if request.method != "POST":
        return redirect("groups:roster", pk=enrollment.group_id)
    form = form_class(request.POST)
    step, _ = irreversible_result(request, form, lambda: act(enrollment, form.cleaned_data))
    if step is Step.DONE:
        messages.success(request, done(enrollment, form.cleaned_data))
        return redirect("groups:roster", pk=enrollment.group_id)
    confirm = confirmation(enrollment, form.cleaned_data) if step is Step.CONFIRM else None
    return _roster_page(request, enrollment.group, Pending(enrollment, action, form, confirm))


def _withdraw_confirmation(enrollment: Enrollment, data: dict) -> Confirmation:
    name, group = enrollment.client.display_name, enrollment.group
    return Confirmation(
        title=f"Withdraw {name} from {group}?",
        consequences=[
            f"{name}'s last day in {group} is {data['end_date']:%A, %B %-d, %Y}.",
            f"From the next day {name} is off this roster and its attendance sheets, and the "
            "group leaves their schedule and planned hours.",
            f"The enrollment stays in {name}'s record; to return, {name} is enrolled again.",
        ],
        button=f"Withdraw {name}",
    )


@admin_required
def enrollment_end(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a client from a group: their last day."""
    return _row_action(
        request,
        pk,
        action="end",
        form_class=WithdrawForm,
        act=lambda enrollment, data: services.enrollment_end(
            enrollment=enrollment, end_date=data["end_date"]
        ),
        done=lambda enrollment, data: (
            f"{enrollment.client.display_name} leaves {enrollment.group} after "
            f"{data['end_date']:%b %-d}."
        ),
        confirmation=_withdraw_confirmation,
    )


def _void_confirmation(enrollment: Enrollment, data: dict) -> Confirmation:
    name = enrollment.client.display_name
    return Confirmation(
        title=f"Void {name}'s enrollment in {enrollment.group}?",
        consequences=[
            f"The enrollment from {enrollment.start_date:%B %-d, %Y} is marked void by you, now, "
            f"because: {data['void_reason'].strip()}",
            "It stays in the record but counts nowhere: not on this roster or in its capacity, "
            f"not in {name}'s schedule, attendance sheets or hours.",
            f"A void cannot be undone; to enroll {name} after all, add them again.",
        ],
        button="Void the enrollment",
    )


@admin_required
def enrollment_void(request: HttpRequest, pk: int) -> HttpResponse:
    """Void an enrollment made by mistake, with a reason: the row stays (who, when, why) and
    counts nowhere."""
    return _row_action(
        request,
        pk,
        action="void",
        form_class=VoidForm,
        act=lambda enrollment, data: services.enrollment_void(
            enrollment=enrollment, actor=request.user, reason=data["void_reason"]
        ),
        done=lambda enrollment, data: (
            f"{enrollment.client.display_name}'s enrollment in {enrollment.group} is void."
        ),
        confirmation=_void_confirmation,
    )
