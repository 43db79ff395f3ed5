"""The clinic's closure calendar: close days (after a confirm step saying what it cancels), and
withdraw a closure entered by mistake."""

from datetime import timedelta

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.utils import timezone

from iop.access import admin_required
from iop.forms import Confirmation, Step, irreversible_result
from iop.http import AuthedRequest
from scheduling.access import access_closure
from scheduling.forms.closures import ClosureForm, ClosureMonthForm, ClosureWithdrawForm
from scheduling.selectors.closures import closure_calendar_get, closure_preview_get
from scheduling.services.closures import clinic_closure_create, clinic_closure_withdraw
from scheduling.services.sessions import MATERIALIZE_DAYS
from scheduling.views import form_methods


@admin_required
@form_methods
def closures(request: AuthedRequest) -> HttpResponse:
    """Three months of closed days as a calendar (`?month=YYYY-MM` for others), closures ahead
    and recent ones with the sessions each cancelled; the form to add one."""
    form = ClosureForm(request.POST or None)
    step, closure = irreversible_result(
        request,
        form,
        lambda: clinic_closure_create(**form.service_arguments(), actor=request.user),
    )
    if step is Step.DONE and closure is not None:
        count = closure.cancelled_sessions.count()
        messages.success(
            request, f"Clinic closed: {closure.label}. {count} session{pluralize(count)} cancelled."
        )
        return redirect("scheduling:closures")
    confirm = _close_confirmation(form) if step is Step.CONFIRM else None
    return render(
        request,
        "scheduling/closures.html",
        {
            "form": form,
            "confirm": confirm,
            "calendar": closure_calendar_get(month=ClosureMonthForm(request.GET).first_month()),
            "materialized_until": timezone.localdate() + timedelta(days=MATERIALIZE_DAYS - 1),
        },
    )


def _close_confirmation(form: ClosureForm) -> Confirmation:
    days = form.service_arguments()
    preview = closure_preview_get(first_day=days["first_day"], last_day=days["last_day"])
    span = f"{days['first_day']:%A, %B %-d, %Y}"
    if days["last_day"] != days["first_day"]:
        span += f" to {days['last_day']:%A, %B %-d, %Y}"
    return Confirmation(
        title=f"Close the clinic on {span}?",
        consequences=[
            f"Cancels {preview.sessions} scheduled session{pluralize(preview.sessions)} on these "
            f"days, with the reason “Clinic closed: {days['label']}”. Group sessions that reach "
            "these days later are put on the calendar cancelled, and no session can be booked "
            "on them.",
            f"Tells the {preview.clients} client{pluralize(preview.clients)} on those sessions "
            "that their appointment is cancelled, by email or text if they chose reminders (no "
            "reason or program name is given).",
            "Each client's weekly hours requirement for these weeks is lowered by the share of "
            "their sessions that fall on these days (a group meeting three days a week that "
            "loses one needs two thirds of the hours); a client with no session that week loses "
            "a seventh per closed day.",
            "A closure cannot be deleted; if it is a mistake, withdraw it and the sessions ahead "
            "come back.",
        ],
        button="Close the clinic",
    )


@admin_required
@form_methods
def closure_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    """Withdraw a closure entered by mistake, with a reason, after a confirm step."""
    closure = access_closure(pk=pk)
    form = ClosureWithdrawForm(request.POST or None)
    step, _ = irreversible_result(
        request,
        form,
        lambda: clinic_closure_withdraw(
            closure=closure, actor=request.user, reason=form.cleaned_data["reason"]
        ),
    )
    if step is Step.DONE:
        messages.success(request, f"Closure withdrawn: {closure.label}. The clinic is open then.")
        return redirect("scheduling:closures")
    confirm = (
        Confirmation(
            title=f"Withdraw “{closure.label}”?",
            consequences=[
                "The clinic is open on these days again; the sessions ahead that this closure "
                "cancelled are scheduled again and their reminders go out as usual.",
                "Past sessions stay cancelled. The closure stays on record as withdrawn, by you, "
                "with your reason.",
            ],
            button="Withdraw the closure",
        )
        if step is Step.CONFIRM
        else None
    )
    return render(
        request,
        "scheduling/closure_withdraw.html",
        {"form": form, "confirm": confirm, "closure": closure},
    )
