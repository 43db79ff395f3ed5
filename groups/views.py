"""Thin views of the group catalogue and rosters: open the object, validate, call one service."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from clients.access import access_client
from iop import clock
from iop.access import admin_required
from iop.forms import Confirmation, Step, action_result, irreversible_result, service_result
from iop.http import AuthedRequest
from iop.query import query_text

from . import selectors, services
from .access import access_enrollment, access_group, access_room
from .forms import EnrollForm, GroupForm, RoomEditForm, RoomForm, VoidForm, WithdrawForm
from .models import Enrollment, Group

GROUP_PAGE_SIZE = 25
# The admin home's card lists this many of the fullest groups; the catalogue lists them all.
NEAR_CAPACITY_SHOWN = 10


@admin_required
def group_list(request: AuthedRequest) -> HttpResponse:
    """The group catalogue a page at a time, searchable by name, or only the groups at or near
    capacity today."""
    name = query_text(request, "q")
    near = request.GET.get("near") == "1"
    groups = selectors.group_list(on=clock.today(), name=name, near_capacity=near)
    page = Paginator(groups, GROUP_PAGE_SIZE).get_page(request.GET.get("page"))
    query = {"q": name} if name else {}
    return render(
        request,
        "groups/list.html",
        {
            "page": page,
            "q": name,
            "near": near,
            "query": urlencode(query | ({"near": 1} if near else {})),
        },
    )


@admin_required
def near_capacity(request: AuthedRequest) -> HttpResponse:
    """A card for the admin home (loaded with htmx): the fullest groups today, with how many are
    at or near capacity and a link to them all in the catalogue."""
    groups = selectors.group_near_capacity_list(on=clock.today())
    return render(
        request,
        "groups/_near_capacity.html",
        {"groups": groups[:NEAR_CAPACITY_SHOWN], "count": len(groups)},
    )


def _group_saved(request: AuthedRequest, group: Group) -> HttpResponse:
    messages.success(
        request, f"{group} saved; its sessions for the next four weeks are on the calendar."
    )
    return redirect("groups:roster", pk=group.pk)


@admin_required
def group_create(request: AuthedRequest) -> HttpResponse:
    form = GroupForm(request.POST or None)
    if group := service_result(request, form, lambda: services.group_create(**form.cleaned_data)):
        return _group_saved(request, group)
    return render(request, "groups/form.html", {"form": form, "title": "New group"})


@admin_required
def group_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    group = access_group(user=request.user, pk=pk)
    form = GroupForm.for_group(group, request.POST or None)
    if saved := service_result(
        request, form, lambda: services.group_update(group=group, **form.cleaned_data)
    ):
        return _group_saved(request, saved)
    return render(
        request, "groups/form.html", {"form": form, "title": f"Edit {group}", "group": group}
    )


@dataclass(frozen=True)
class Pending:
    """An irreversible change of one roster row in progress: its form, then its confirm step."""

    enrollment: Enrollment
    action: str  # "end" or "void"
    form: forms.Form
    confirm: Confirmation | None = None


def _roster_page(
    request: AuthedRequest, group: Group, pending: Pending | None = None
) -> HttpResponse:
    today, query = clock.today(), query_text(request, "q")
    roster = selectors.enrollment_roster(group=group, query=query, on=today)
    return render(
        request,
        "groups/roster.html",
        {**vars(roster), "group": group, "query": query, "today": today, "pending": pending},
    )


def _enroll(request: AuthedRequest, group: Group) -> HttpResponse:
    """Add the client chosen from the search; say how their next week looks against their track's
    minimum. A refusal keeps the search, so the admin can fix the date or pick someone else."""
    form = EnrollForm(request.POST)
    if not form.is_valid():
        problems = [str(error) for errors in form.errors.values() for error in errors]
        messages.error(request, " ".join(["Choose a client and a valid start date.", *problems]))
        return _roster_page(request, group)
    client = access_client(
        request=request, pk=form.cleaned_data["client"], purpose="group enrollment"
    )
    if not action_result(
        request,
        lambda: services.enrollment_create(
            group=group,
            client=client,
            start_date=form.cleaned_data["start_date"],
            end_date=form.cleaned_data["end_date"],
        ),
    ):
        search = urlencode({"q": query_text(request, "q")})
        return redirect(f"{reverse('groups:roster', args=[group.pk])}?{search}")
    week = clock.today() + timedelta(days=7)
    planned = selectors.planned_week_by_client(clients=[client], week_of=week)[client.pk]
    messages.add_message(
        request,
        messages.WARNING if planned.is_short else messages.SUCCESS,
        f"{client.display_name} enrolled. Week of {planned.week_start:%b %-d}: {planned}.",
    )
    return redirect("groups:roster", pk=group.pk)


@admin_required
def roster(request: AuthedRequest, pk: int) -> HttpResponse:
    """The roster of one group: who is on it, their planned hours next week, and a search to add
    clients (POST adds the chosen client). `?void=<enrollment>` opens that row's void form."""
    group = access_group(user=request.user, pk=pk)
    if request.method == "POST":
        return _enroll(request, group)
    pending = None
    if request.GET.get("void", "").isdigit():
        enrollment = access_enrollment(user=request.user, pk=request.GET["void"], group=group)
        pending = Pending(enrollment=enrollment, action="void", form=VoidForm())
    return _roster_page(request, group, pending)


RowData = dict[str, Any]


def _row_action(
    request: AuthedRequest,
    pk: int,
    *,
    action: str,
    form_class: type[forms.Form],
    act: Callable[[Enrollment, RowData], object],
    done: Callable[[Enrollment, RowData], str],
    confirmation: Callable[[Enrollment, RowData], Confirmation],
) -> HttpResponse:
    """Withdraw or void one live roster row: posted from the row, answered on the roster with the
    row's errors or its confirm step, done only once confirmed."""
    enrollment = access_enrollment(user=request.user, pk=pk)
    form = form_class(request.POST)
    step, _ = irreversible_result(request, form, lambda: act(enrollment, form.cleaned_data))
    if step is Step.DONE:
        messages.success(request, done(enrollment, form.cleaned_data))
        return redirect("groups:roster", pk=enrollment.group_id)
    confirm = confirmation(enrollment, form.cleaned_data) if step is Step.CONFIRM else None
    return _roster_page(request, enrollment.group, Pending(enrollment, action, form, confirm))


def _withdraw_confirmation(enrollment: Enrollment, data: RowData) -> Confirmation:
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
@require_POST
def enrollment_end(request: AuthedRequest, pk: int) -> HttpResponse:
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


def _void_confirmation(enrollment: Enrollment, data: RowData) -> Confirmation:
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
@require_POST
def enrollment_void(request: AuthedRequest, pk: int) -> HttpResponse:
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


@admin_required
def room_list(request: AuthedRequest) -> HttpResponse:
    """Rooms, their locations (what reminders give as directions) and the groups meeting there."""
    return render(request, "groups/rooms.html", {"rooms": selectors.room_list()})


@admin_required
@require_http_methods(["GET", "POST"])
def room_create(request: AuthedRequest) -> HttpResponse:
    form = RoomForm(request.POST or None)
    if room := service_result(request, form, lambda: services.room_create(**form.cleaned_data)):
        messages.success(request, f"Room added: {room}.")
        return redirect("groups:rooms")
    return render(request, "groups/room_form.html", {"form": form, "title": "New room"})


@admin_required
@require_http_methods(["GET", "POST"])
def room_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    room = access_room(user=request.user, pk=pk)
    form = RoomEditForm.for_room(room, request.POST or None)
    if saved := service_result(
        request, form, lambda: services.room_update(room=room, **form.cleaned_data)
    ):
        messages.success(request, f"{saved} saved.")
        return redirect("groups:rooms")
    return render(
        request, "groups/room_form.html", {"form": form, "title": f"Edit {room}", "room": room}
    )
