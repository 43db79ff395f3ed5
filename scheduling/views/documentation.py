"""Today, the session page (attendance sheet, group summary, drop-ins), progress notes, and the
overdue documentation list. Thin: reach the object, parse the form, call a service, redirect."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clients.forms import ClientFilter
from clients.models import Client
from clients.selectors import (
    checkin_overdue_list,
    client_list,
    clinical_alert_open_list,
)
from iop.access import role_required, staff_required
from iop.forms import Confirmation, Step, irreversible_result, service_result
from iop.http import AuthedRequest
from iop.models import Role, User
from iop.query import query_text
from scheduling.access import (
    access_note,
    access_roster_client,
    access_session,
    access_session_roster,
)
from scheduling.forms.documentation import (
    DROP_IN_OFFERED,
    AddendumForm,
    AttendanceSheetForm,
    DropInForm,
    IndividualLogForm,
    NoteForm,
    OverdueFilterForm,
    SessionSummaryForm,
)
from scheduling.models import ProgressNote, Session, SessionLog
from scheduling.selectors.attendance import (
    RosterRow,
    attendance_length,
    drop_in_candidate_list,
    overdue_documentation_get,
    overdue_plan_reviews_get,
    session_day_list,
    session_is_documentable_by,
    session_log_get,
)
from scheduling.selectors.compliance import hours_behind_list, hours_overview_list
from scheduling.selectors.notes import note_edit_refusal, note_get
from scheduling.services.attendance import (
    AttendanceConflict,
    attendance_record,
    drop_in_add,
    individual_session_log,
    session_summary_update,
)
from scheduling.services.notes import note_addendum_add, note_save
from scheduling.views import form_errors_text, form_methods

# Today lists this many of a clinician's clients behind on hours; the caseload's hours page has all.
BEHIND_SHOWN = 15
# Today lists the oldest this many overdue notes and sessions, the ones to act on first, with how
# many there are; the overdue page lists more (OVERDUE_SHOWN).
TODAY_OVERDUE_SHOWN = 10


@role_required(Role.CLINICIAN)
def today(request: AuthedRequest) -> HttpResponse:
    """A clinician's day: open clinical alerts of their clients first, their sessions with what
    documentation is done, what is overdue (documentation, their clients' check-ins), and their
    caseload's clients behind on hours this week."""
    day = timezone.localdate()
    context = {
        "day": day,
        "clinical_alerts": clinical_alert_open_list(user=request.user),
        "overdue_check_ins": checkin_overdue_list(clinician=request.user, today=day),
        "sessions": session_day_list(user=request.user, day=day),
        "behind": hours_behind_list(clinician=request.user, limit=BEHIND_SHOWN, today=day),
        **overdue_documentation_get(
            user=request.user, now=timezone.now(), shown=TODAY_OVERDUE_SHOWN
        ),
    }
    return render(request, "scheduling/today.html", context)


@role_required(Role.CLINICIAN)
def caseload_hours(request: AuthedRequest) -> HttpResponse:
    """Every active client of the clinician's caseload: this week's hours and the last 12."""
    overviews = hours_overview_list(clinician=request.user)
    return render(request, "scheduling/caseload_hours.html", {"overviews": overviews})


@staff_required
def overdue(request: AuthedRequest) -> HttpResponse:
    """Overdue documentation and plan reviews: the admins' list, of one clinician or all; a
    clinician's own (their sessions, their caseload's plans), the whole of what Today begins."""
    # A clinician's documentation is that of the sessions they run (as on Today), their plan
    # reviews their caseload's.
    form = OverdueFilterForm(request.GET or None) if request.user.is_admin else None
    clinician = form.cleaned_data["clinician"] if form is not None and form.is_valid() else None
    context = overdue_documentation_get(user=request.user, now=timezone.now(), clinician=clinician)
    reviews, review_count = overdue_plan_reviews_get(user=request.user, clinician=clinician)
    return render(
        request,
        "scheduling/overdue.html",
        {
            **context,
            "form": form,
            "show_clinician": form is not None,
            "plan_reviews": reviews,
            "plan_review_count": review_count,
        },
    )


LogForm = AttendanceSheetForm | IndividualLogForm


def _log_form(
    request: AuthedRequest,
    session: Session,
    log: SessionLog,
    roster: list[RosterRow],
    full_minutes: int,
) -> tuple[LogForm, Callable[[], SessionLog], dict[str, str] | None]:
    """The session's documentation form (a group's attendance sheet, or an individual session's
    log), the service call that saves it, and where the service's error keys go on the form."""
    data = request.POST if request.method == "POST" else None
    if session.group_id is not None:
        sheet = AttendanceSheetForm(
            data, roster=roster, full_minutes=full_minutes, version=log.attendance_version
        )
        return (
            sheet,
            lambda: attendance_record(
                session=session,
                actor=request.user,
                entries=sheet.entries(),
                expected_version=sheet.cleaned_data["version"],
                amendment_reason=sheet.cleaned_data["amendment_reason"],
            ),
            sheet.renames,
        )
    form = IndividualLogForm.for_session(
        data, session=session, log=log, row=roster[0], full_minutes=full_minutes
    )
    return (
        form,
        lambda: individual_session_log(
            session=session, actor=request.user, **form.service_arguments()
        ),
        None,
    )


@staff_required
@form_methods
def session_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The session page: its attendance sheet (group) or log (individual), the group summary, and
    each attended client's note. Everyone who may see the session reads it; only the clinicians
    who run it save."""
    session = access_session(user=request.user, pk=pk)
    can_document: bool = session.documentable  # type: ignore[attr-defined]  # session_get's column
    if request.method == "POST" and not can_document:
        raise PermissionDenied
    log = session_log_get(session=session)
    roster = access_session_roster(request=request, session=session, purpose="session attendance")
    full_minutes = attendance_length(session=session, log=log)
    form, save, renames = _log_form(request, session, log, roster, full_minutes)
    if service_result(request, form, save, renames):
        messages.success(request, "Attendance saved." if session.group_id else "Session log saved.")
        return redirect("scheduling:session-detail", pk=session.pk)
    conflict = form.has_error(NON_FIELD_ERRORS, AttendanceConflict.CODE)
    on_sheet = [row.client.pk for row in roster]
    context = {
        "session": session,
        "log": log,
        "full_minutes": full_minutes,
        "can_document": can_document,
        "started": session.starts_at <= timezone.now(),
        "has_signed_notes": any(row.note and row.note.is_signed for row in roster),
        "roster": roster,
        "conflict": conflict,
        "sheet" if session.group_id else "individual_form": form,
        "summary_form": SessionSummaryForm(
            initial={"topic": log.topic, "interventions": log.interventions}
        ),
        "drop_in_form": DropInForm(
            user=request.user,
            exclude_ids=on_sheet,
            offered=_drop_in_offer(request, session, on_sheet),
        ),
        "drop_in_search": query_text(request, "drop_in_search"),
    }
    return render(request, "scheduling/session.html", context, status=409 if conflict else 200)


def _drop_in_offer(request: AuthedRequest, session: Session, on_sheet: list[int]) -> list[Client]:
    """The first active clients not on the sheet matching the drop-in search (name or MRN), or of
    the clinician's caseload."""
    search = query_text(request, "drop_in_search")
    if not search:
        return drop_in_candidate_list(session=session, exclude_ids=on_sheet, limit=DROP_IN_OFFERED)
    matches = ClientFilter(
        {"q": search, "status": Client.Status.ACTIVE}, queryset=client_list(user=request.user)
    )
    return list(matches.qs.exclude(pk__in=on_sheet)[:DROP_IN_OFFERED])


@role_required(Role.CLINICIAN)
@require_POST
def session_summary(request: AuthedRequest, pk: int) -> HttpResponse:
    """Save the group summary from the session page; the page shows how it went."""
    session = access_session(user=request.user, pk=pk)
    form = SessionSummaryForm(request.POST)
    if service_result(
        request,
        form,
        lambda: session_summary_update(session=session, actor=request.user, **form.cleaned_data),
    ):
        messages.success(request, "Group summary saved.")
    else:
        messages.error(request, f"The group summary was not saved: {form_errors_text(form)}")
    return redirect("scheduling:session-detail", pk=session.pk)


@role_required(Role.CLINICIAN)
@require_POST
def session_drop_in(request: AuthedRequest, pk: int) -> HttpResponse:
    """Add a drop-in from the session page; the page shows how it went."""
    session = access_session(user=request.user, pk=pk)
    form = DropInForm(request.POST, user=request.user, exclude_ids=[])
    if drop_in := service_result(
        request,
        form,
        lambda: drop_in_add(
            session=session, client=form.cleaned_data["client"], actor=request.user
        ),
    ):
        messages.success(request, f"{drop_in.client.display_name} added as a drop-in.")
    else:
        messages.error(request, form_errors_text(form))
    return redirect("scheduling:session-detail", pk=session.pk)


@staff_required
@form_methods
def note(request: AuthedRequest, pk: int, client_pk: int) -> HttpResponse:
    """One client's note for one session: the draft form, or the signed note with its addenda.
    Signing saves the draft and signs it in one service call, after a confirm step."""
    session = access_session(user=request.user, pk=pk)
    client = access_roster_client(
        request=request, session=session, pk=client_pk, purpose="progress note"
    )
    existing = note_get(session=session, client=client)
    may_edit = note_edit_refusal(session=session, note=existing, user=request.user) is None
    if request.method == "POST" and not may_edit:
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    form = NoteForm.for_note(data, note=existing, client=client if may_edit else None)
    sign = "sign" in request.POST

    def save() -> ProgressNote:
        arguments = form.service_arguments()
        return note_save(session=session, client=client, actor=request.user, sign=sign, **arguments)

    if sign:
        step, _ = irreversible_result(request, form, save)
    else:
        step = Step.DONE if service_result(request, form, save) else Step.EDIT
    if step is Step.DONE:
        done = f"Note for {client.display_name} signed and locked." if sign else "Draft saved."
        messages.success(request, done)
        return redirect("scheduling:note", pk=session.pk, client_pk=client.pk)
    context = {
        "session": session,
        "log": session_log_get(session=session),
        "client": client,
        "note": existing,
        "form": form,
        "may_edit": may_edit,
        "confirm": _sign_confirmation(request.user, session) if step is Step.CONFIRM else None,
        "addendum_form": _addendum_form(request.user, session, existing),
    }
    return render(request, "scheduling/note.html", context)


def _addendum_form(user: User, session: Session, note: ProgressNote | None) -> AddendumForm | None:
    """A signed note takes addenda from the clinicians who run its session."""
    if note is None or not note.is_signed:
        return None
    return AddendumForm() if session_is_documentable_by(session=session, user=user) else None


def _sign_confirmation(user: User, session: Session) -> Confirmation:
    consequences = [
        f"It is signed by you, {user}, now, and locked: it can never be changed or removed.",
        "Anything to correct or add afterwards is a signed addendum.",
    ]
    if session.group_id is not None:
        consequences.insert(
            1, "The group summary above is copied into the note as it stands, and locked with it."
        )
    return Confirmation(
        title="Sign and lock this note?",
        consequences=consequences,
        button="Sign and lock",
        hidden={"sign": ""},
    )


@role_required(Role.CLINICIAN)
@require_POST
def note_addendum(request: AuthedRequest, pk: int) -> HttpResponse:
    """Add a signed addendum to a signed note; the note page shows how it went."""
    signed = access_note(user=request.user, pk=pk)
    form = AddendumForm(request.POST)
    if service_result(
        request,
        form,
        lambda: note_addendum_add(note=signed, actor=request.user, text=form.cleaned_data["text"]),
    ):
        messages.success(request, "Addendum signed and added.")
    else:
        messages.error(request, f"The addendum was not added: {form_errors_text(form)}")
    return redirect("scheduling:note", pk=signed.session_id, client_pk=signed.client_id)
