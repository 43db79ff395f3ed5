from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from iop.access import staff_required
from iop.clock import local_datetime
from iop.forms import Confirmation, Step, add_service_errors, irreversible_result
from scheduling.forms.sessions import CancelForm, IndividualSessionForm, RescheduleForm
from scheduling.selectors.sessions import session_for_user
from scheduling.services import sessions as services


@staff_required
def session_new(request: HttpRequest) -> HttpResponse:
    """Schedule an individual session for a client, once or weekly."""
    initial = {"date": timezone.localdate(), "client": request.GET.get("client")}
    if request.user.is_clinician:
        initial["clinician"] = request.user
    form = IndividualSessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sessions = services.session_schedule(
                session_type=data["session_type"],
                client=data["client"],
                clinician=data["clinician"],
                starts_at=local_datetime(data["date"], data["start_time"]),
                duration_minutes=data["duration_minutes"],
                room=data["room"],
                is_telehealth=data["is_telehealth"],
                weekly_repeats=data["weekly_repeats"],
            )
        except ValidationError as error:
            add_service_errors(form, error, {"starts_at": "start_time"})
        else:
            messages.success(request, f"{len(sessions)} session(s) scheduled.")
            return redirect("scheduling:clinician-week")
    return render(request, "scheduling/session_form.html", {"form": form, "title": "New session"})


@staff_required
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_for_user(request.user, pk)
    form = CancelForm(request.POST or None)
    step, _ = irreversible_result(
        request,
        form,
        lambda: services.session_cancel(session=session, reason=form.cleaned_data["reason"]),
    )
    if step is Step.DONE:
        messages.success(request, "Session cancelled.")
        return redirect("scheduling:clinician-week")
    confirm = None
    if step is Step.CONFIRM:
        who = "Its clients" if session.group_id else session.client.display_name
        confirm = Confirmation(
            title="Cancel this session?",
            consequences=[
                f"It is cancelled because: {form.cleaned_data['reason'].strip()}",
                "It stays on the calendar and in calendar feeds, marked cancelled, and no "
                f"reminders go out for it. {who} see it as cancelled on their schedule.",
                "A cancellation cannot be undone; schedule a new session instead.",
            ],
            button="Cancel the session",
        )
    return render(
        request,
        "scheduling/session_form.html",
        {"form": form, "title": "Cancel a session", "session": session, "confirm": confirm},
    )


@staff_required
def session_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_for_user(request.user, pk)
    local_start = timezone.localtime(session.starts_at)
    form = RescheduleForm(
        request.POST or None, initial={"date": local_start.date(), "start_time": local_start.time()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.session_reschedule(
                session=session,
                starts_at=local_datetime(data["date"], data["start_time"]),
                reason=data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error, {"starts_at": "start_time"})
        else:
            messages.success(request, "Session moved.")
            return redirect("scheduling:clinician-week")
    return render(
        request,
        "scheduling/session_form.html",
        {"form": form, "title": "Move a session", "session": session},
    )
