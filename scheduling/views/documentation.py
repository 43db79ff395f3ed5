"""Today, the session page (attendance sheet, group summary, drop-ins), progress notes, and the
overdue documentation list. Thin: check access, parse, call a service, redirect."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from clients.forms import ClientFilter
from clients.models import Client, Objective
from clients.selectors import client_search
from iop.access import admin_required, role_required, staff_required
from iop.forms import Confirmation, Step, irreversible_result
from iop.models import Role, User
from iop.query import query_text
from iop.services import chart_read_record, chart_reads_record
from scheduling.forms.documentation import (
    AddendumForm,
    AttendanceRowForm,
    AttendanceSheetForm,
    DropInForm,
    IndividualLogForm,
    NoteForm,
    SessionSummaryForm,
)
from scheduling.models import ProgressNote, Session, SessionLog
from scheduling.selectors.attendance import (
    RosterRow,
    drop_in_candidates,
    may_document,
    overdue_notes,
    roster_clients,
    session_for_user,
    session_log,
    session_roster,
    sessions_missing_attendance,
    todays_sessions,
)
from scheduling.selectors.compliance import caseload_hours_overviews
from scheduling.selectors.notes import addressable_objectives, note_for_page
from scheduling.services.attendance import (
    AttendanceConflict,
    AttendanceEntry,
    attendance_length,
    attendance_record,
    drop_in_add,
    individual_session_log,
    session_summary_update,
)
from scheduling.services.notes import note_addendum_add, note_save, note_sign

# Today and the admin list show this many overdue items; the count says how many there are.
OVERDUE_SHOWN = 50


def _overdue(request: HttpRequest) -> dict:
    now = timezone.now()
    notes, sessions = (
        overdue_notes(request.user, now),
        sessions_missing_attendance(request.user, now),
    )
    return {
        "overdue_notes": notes[:OVERDUE_SHOWN],
        "overdue_note_count": notes.count(),
        "missing_attendance": sessions[:OVERDUE_SHOWN],
        "missing_attendance_count": sessions.count(),
    }


@role_required(Role.CLINICIAN)
def today(request: HttpRequest) -> HttpResponse:
    day = timezone.localdate()
    sessions = todays_sessions(request.user, day)
    caseload_hours = caseload_hours_overviews(request.user, day)
    return render(
        request,
        "scheduling/today.html",
        {"day": day, "sessions": sessions, "caseload_hours": caseload_hours, **_overdue(request)},
    )


@admin_required
def overdue(request: HttpRequest) -> HttpResponse:
    return render(request, "scheduling/overdue.html", _overdue(request))


def _row_forms(
    request: HttpRequest, roster: list[RosterRow], full_minutes: int
) -> list[tuple[RosterRow, AttendanceRowForm]]:
    data = request.POST if request.method == "POST" else None
    return [
        (
            row,
            AttendanceRowForm(
                data,
                prefix=f"c{row.client.pk}",
                full_minutes=full_minutes,
                initial={
                    "status": row.attendance.status,
                    "minutes": row.attendance.minutes_attended,
                }
                if row.attendance
                else {},
            ),
        )
        for row in roster
    ]


def _apply_errors(
    error: ValidationError, form: forms.Form, row_forms: dict[str, forms.Form] | None = None
) -> None:
    """Put a service's errors on the row, field or form they are about."""
    if not hasattr(error, "error_dict"):
        for problem in error.messages:
            form.add_error(None, problem)
        return
    for key, problems in error.message_dict.items():
        row_form = (row_forms or {}).get(key)
        for problem in problems:
            if row_form is not None:
                row_form.add_error(None, problem)
            else:
                form.add_error(key if key in form.fields else None, problem)


def _run(
    request: HttpRequest,
    save: Callable[[], object],
    *,
    success: str,
    form: forms.Form,
    row_forms: dict[str, forms.Form] | None = None,
) -> str:
    """Call a service for a valid form: "saved", "conflict" (someone saved first), or "invalid"
    with the service's errors put on the forms."""
    try:
        save()
    except AttendanceConflict:
        return "conflict"
    except ValidationError as error:
        _apply_errors(error, form, row_forms)
        return "invalid"
    messages.success(request, success)
    return "saved"


def _group_sheet(
    request: HttpRequest,
    session: Session,
    log: SessionLog,
    roster: list[RosterRow],
    full_minutes: int,
) -> tuple[str, dict]:
    rows = _row_forms(request, roster, full_minutes)
    sheet = AttendanceSheetForm(
        request.POST if request.method == "POST" else None,
        initial={"version": log.attendance_version},
    )
    outcome = ""
    if request.method == "POST" and sheet.is_valid() and all(form.is_valid() for _, form in rows):
        entries = [
            AttendanceEntry(
                row.client.pk, form.cleaned_data["status"], form.cleaned_data["minutes"]
            )
            for row, form in rows
            if form.cleaned_data["status"]
        ]
        outcome = _run(
            request,
            lambda: attendance_record(
                session=session,
                recorded_by=request.user,
                entries=entries,
                expected_version=sheet.cleaned_data["version"],
                amendment_reason=sheet.cleaned_data["amendment_reason"],
            ),
            success="Attendance saved.",
            form=sheet,
            row_forms={str(row.client.pk): form for row, form in rows},
        )
    return outcome, {
        "rows": rows,
        "sheet": sheet,
        "summary_form": SessionSummaryForm(
            initial={"topic": log.topic, "interventions": log.interventions}
        ),
        "drop_in_form": DropInForm(
            exclude_ids=[row.client.pk for row in roster], offered=_drop_in_offer(request, session)
        ),
        "drop_in_search": query_text(request, "drop_in_search"),
    }


def _drop_in_offer(request: HttpRequest, session: Session) -> QuerySet[Client]:
    """The active clients matching the drop-in search (name or MRN), or the clinician's caseload."""
    search = query_text(request, "drop_in_search")
    if not search:
        return drop_in_candidates(session)
    matches = ClientFilter({"q": search, "status": Client.Status.ACTIVE}, queryset=client_search())
    return matches.qs


def _individual_log(
    request: HttpRequest,
    session: Session,
    log: SessionLog,
    roster: list[RosterRow],
    full_minutes: int,
) -> tuple[str, dict]:
    form = _individual_form(request, session, log, roster[0], full_minutes)
    outcome = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = _run(
            request,
            lambda: individual_session_log(
                session=session,
                recorded_by=request.user,
                session_type=data["session_type"],
                held_starts_at=data["held_starts_at"],
                held_ends_at=data["held_ends_at"],
                status=data["status"],
                minutes_attended=data["minutes"],
                expected_version=data["version"],
                amendment_reason=data["amendment_reason"],
            ),
            success="Session log saved.",
            form=form,
            row_forms={str(session.client_id): form},
        )
    return outcome, {"individual_form": form}


@staff_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The session page: its attendance sheet (group) or log (individual), the group summary, and
    each attended client's note."""
    session = session_for_user(request.user, pk)
    can_document = may_document(request.user, session)
    if request.method == "POST" and not can_document:
        raise PermissionDenied
    log = session_log(session)
    roster = session_roster(session)
    full_minutes = attendance_length(session, log)
    handle = _group_sheet if session.group_id is not None else _individual_log
    outcome, context = handle(request, session, log, roster, full_minutes)
    if outcome == "saved":
        return redirect("scheduling:session-detail", pk=session.pk)
    chart_reads_record(
        request=request, client_ids=[row.client.pk for row in roster], what="session attendance"
    )
    return render(
        request,
        "scheduling/session.html",
        {
            "session": session,
            "log": log,
            "full_minutes": full_minutes,
            "can_document": can_document,
            "started": session.starts_at <= timezone.now(),
            "has_signed_notes": any(row.note and row.note.is_signed for row in roster),
            "roster": roster,
            "conflict": outcome == "conflict",
            **context,
        },
        status=409 if outcome == "conflict" else 200,
    )


def _individual_form(
    request: HttpRequest, session: Session, log: SessionLog, row: RosterRow, full_minutes: int
) -> IndividualLogForm:
    if request.method == "POST":
        return IndividualLogForm(request.POST)
    attendance = row.attendance
    return IndividualLogForm(
        initial={
            "session_type": session.session_type,
            "held_starts_at": timezone.localtime(log.held_starts_at or session.starts_at),
            "held_ends_at": timezone.localtime(log.held_ends_at or session.ends_at),
            "status": attendance.status if attendance else "present",
            "minutes": attendance.minutes_attended if attendance else full_minutes,
            "version": log.attendance_version,
        }
    )


@role_required(Role.CLINICIAN)
def session_summary(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_for_user(request.user, pk)
    if request.method != "POST":
        return redirect("scheduling:session-detail", pk=session.pk)
    form = SessionSummaryForm(request.POST)
    if form.is_valid():
        try:
            session_summary_update(session=session, user=request.user, **form.cleaned_data)
            messages.success(request, "Group summary saved.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(
            request,
            "The group summary was not saved: "
            + " ".join(problem for problems in form.errors.values() for problem in problems),
        )
    return redirect("scheduling:session-detail", pk=session.pk)


@role_required(Role.CLINICIAN)
def session_drop_in(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_for_user(request.user, pk)
    if request.method != "POST":
        return redirect("scheduling:session-detail", pk=session.pk)
    form = DropInForm(request.POST, exclude_ids=[])
    if not form.is_valid():
        messages.error(request, "Choose a client to add as a drop-in.")
    else:
        try:
            drop_in_add(session=session, client=form.cleaned_data["client"], added_by=request.user)
            messages.success(
                request, f"{form.cleaned_data['client'].display_name} added as a drop-in."
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return redirect("scheduling:session-detail", pk=session.pk)


def _roster_client(session: Session, client_pk: int) -> Client:
    try:
        return roster_clients(session).get(pk=client_pk)
    except Client.DoesNotExist:
        raise Http404("No such client in this session.") from None


@staff_required
def note(request: HttpRequest, pk: int, client_pk: int) -> HttpResponse:
    """One client's note for one session: the draft form, or the signed note with its addenda."""
    session = session_for_user(request.user, pk)
    client = _roster_client(session, client_pk)
    existing = note_for_page(session, client)
    can_document = may_document(request.user, session)
    may_edit = can_document and (
        existing is None or (not existing.is_signed and existing.author_id == request.user.pk)
    )
    form = NoteForm(
        request.POST if request.method == "POST" else None,
        objectives=addressable_objectives(client) if may_edit else Objective.objects.none(),
        initial={
            "data": existing.data,
            "assessment": existing.assessment,
            "plan": existing.plan,
            "objectives": [objective.pk for objective in existing.objectives.all()],
        }
        if existing
        else {},
    )
    if request.method == "POST" and not may_edit:
        raise PermissionDenied

    def save() -> ProgressNote:
        return note_save(
            session=session,
            client=client,
            author=request.user,
            objective_ids=[objective.pk for objective in form.cleaned_data.get("objectives", [])],
            **{field: form.cleaned_data[field] for field in ("data", "assessment", "plan")},
        )

    confirm = None
    if request.method == "POST" and "sign" in request.POST:
        step, _ = irreversible_result(
            request, form, lambda: note_sign(note=save(), user=request.user)
        )
        if step is Step.DONE:
            messages.success(request, f"Note for {client.display_name} signed and locked.")
            return redirect("scheduling:note", pk=session.pk, client_pk=client.pk)
        if step is Step.CONFIRM:
            confirm = _sign_confirmation(request.user, session)
    elif request.method == "POST" and form.is_valid():
        try:
            save()
        except ValidationError as error:
            _apply_errors(error, form)
        else:
            messages.success(request, "Draft saved.")
            return redirect("scheduling:note", pk=session.pk, client_pk=client.pk)
    chart_read_record(request=request, client_id=client.pk, what="progress note")
    return render(
        request,
        "scheduling/note.html",
        {
            "session": session,
            "log": session_log(session),
            "client": client,
            "note": existing,
            "form": form,
            "may_edit": may_edit,
            "confirm": confirm,
            "addendum_form": AddendumForm()
            if can_document and existing and existing.is_signed
            else None,
        },
    )


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
def note_addendum(request: HttpRequest, pk: int) -> HttpResponse:
    signed = get_object_or_404(ProgressNote, pk=pk)
    session = session_for_user(request.user, signed.session_id)
    if request.method != "POST":
        return redirect("scheduling:note", pk=session.pk, client_pk=signed.client_id)
    form = AddendumForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["text"])
        note_addendum_add(note=signed, author=request.user, text=form.cleaned_data["text"])
        messages.success(request, "Addendum signed and added.")
    except ValidationError as error:
        messages.error(request, "The addendum was not added: " + " ".join(error.messages))
    return redirect("scheduling:note", pk=session.pk, client_pk=signed.client_id)
