"""Booking pages: schedule an individual session or a series, cancel one (after a confirm step),
move one; move or cancel the rest of a series."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format

from iop.access import staff_required
from iop.forms import Confirmation, Step, irreversible_result, service_result
from iop.http import AuthedRequest
from scheduling.access import access_session
from scheduling.forms.sessions import (
    CancelForm,
    IndividualSessionForm,
    RescheduleForm,
    SeriesCancelForm,
    SeriesMoveForm,
)
from scheduling.models import Session
from scheduling.selectors.closures import closure_series_dates
from scheduling.services import sessions as services
from scheduling.views import form_methods

# The services refuse a clash at `starts_at`; the forms ask for the date and the start time.
START_RENAMES = {"starts_at": "start_time"}


def _sessions(count: int) -> str:
    return f"{count} session" if count == 1 else f"{count} sessions"


@staff_required
@form_methods
def session_new(request: AuthedRequest) -> HttpResponse:
    """Schedule an individual session for a client, once, weekly or every two weeks."""
    initial = {
        "date": timezone.localdate(),
        "client": request.GET.get("client"),
        "clinician": request.user if request.user.is_clinician else None,
    }
    form = IndividualSessionForm(request.POST or None, initial=initial, user=request.user)
    if sessions := service_result(
        request,
        form,
        lambda: services.session_schedule(**form.service_arguments()),
        START_RENAMES,
    ):
        messages.success(request, f"{_sessions(len(sessions))} scheduled.")
        if skipped := _closed_dates_skipped(sessions):
            messages.warning(request, skipped)
        return redirect("scheduling:clinician-week")
    return render(request, "scheduling/session_form.html", {"form": form, "title": "New session"})


def _closed_dates_skipped(sessions: list[Session]) -> str:
    """The dates a new series skipped because the clinic is closed then, and why."""
    series = sessions[0].series
    if series is None:
        return ""
    return " ".join(
        f"{date_format(day)} skipped: clinic closed ({closure.label})."
        for day, closure in closure_series_dates(series=series).items()
    )


@staff_required
@form_methods
def session_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    """Cancel a session with a reason, after a confirm step: a cancellation cannot be undone."""
    session = access_session(user=request.user, pk=pk)
    form = CancelForm(request.POST or None)
    step, _ = irreversible_result(
        request,
        form,
        lambda: services.session_cancel(session=session, reason=form.cleaned_data["reason"]),
    )
    if step is Step.DONE:
        messages.success(request, "Session cancelled.")
        return redirect("scheduling:clinician-week")
    confirm = (
        _cancel_confirmation(session, form.cleaned_data["reason"]) if step is Step.CONFIRM else None
    )
    return render(
        request,
        "scheduling/session_form.html",
        {"form": form, "title": "Cancel a session", "session": session, "confirm": confirm},
    )


def _cancel_confirmation(session: Session, reason: str) -> Confirmation:
    who = session.client.display_name if session.client else "Its clients"
    return Confirmation(
        title="Cancel this session?",
        consequences=[
            f"It is cancelled because: {reason.strip()}",
            "It stays on the calendar and in calendar feeds, marked cancelled, and no "
            f"reminders go out for it. {who} see it as cancelled on their schedule.",
            "A cancellation cannot be undone; schedule a new session instead.",
        ],
        button="Cancel the session",
    )


@staff_required
@form_methods
def session_reschedule(request: AuthedRequest, pk: int) -> HttpResponse:
    """Move an individual session to another start, with a reason."""
    session = access_session(user=request.user, pk=pk)
    local_start = timezone.localtime(session.starts_at)
    form = RescheduleForm(
        request.POST or None, initial={"date": local_start.date(), "start_time": local_start.time()}
    )
    if service_result(
        request,
        form,
        lambda: services.session_reschedule(session=session, **form.service_arguments()),
        START_RENAMES,
    ):
        messages.success(request, "Session moved.")
        return redirect("scheduling:clinician-week")
    return render(
        request,
        "scheduling/session_form.html",
        {"form": form, "title": "Move a session", "session": session},
    )


@staff_required
@form_methods
def series_move(request: AuthedRequest, pk: int) -> HttpResponse:
    """Move this session of a series and the later ones to a new weekday and time."""
    session = access_session(user=request.user, pk=pk)
    local_start = timezone.localtime(session.starts_at)
    form = SeriesMoveForm(
        request.POST or None,
        initial={"first_date": local_start.date(), "start_time": local_start.time()},
    )
    if moved := service_result(
        request,
        form,
        lambda: services.session_series_move_rest(session=session, **form.cleaned_data),
    ):
        messages.success(request, f"{_sessions(len(moved))} of the series moved.")
        return redirect("scheduling:session-detail", session.pk)
    return render(
        request,
        "scheduling/session_form.html",
        {"form": form, "title": "Move the rest of a series", "session": session},
    )


@staff_required
@form_methods
def series_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    """Cancel this session of a series and the later ones, after a confirm step."""
    session = access_session(user=request.user, pk=pk)
    form = SeriesCancelForm(request.POST or None)
    step, cancelled = irreversible_result(
        request,
        form,
        lambda: services.session_series_cancel_rest(
            session=session, reason=form.cleaned_data["reason"]
        ),
    )
    if step is Step.DONE:
        messages.success(request, f"{_sessions(len(cancelled or []))} of the series cancelled.")
        return redirect("scheduling:clinician-week")
    confirm = (
        Confirmation(
            title="Cancel the rest of this series?",
            consequences=[
                f"This session and every later one of the series still to come are cancelled "
                f"because: {form.cleaned_data['reason'].strip()}",
                "They stay on the calendar marked cancelled, and no reminders go out for them.",
                "A cancellation cannot be undone; book a new series instead.",
            ],
            button="Cancel the rest of the series",
        )
        if step is Step.CONFIRM
        else None
    )
    return render(
        request,
        "scheduling/session_form.html",
        {
            "form": form,
            "title": "Cancel the rest of a series",
            "session": session,
            "confirm": confirm,
        },
    )
