"""Forms for the attendance sheet, individual session logs, notes, addenda and drop-ins. They only
parse input; the services decide what is valid and say why."""

from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.db.models import QuerySet
from django.forms.boundfield import BoundField
from django.http import QueryDict
from django.utils import timezone
from django.utils.html import format_html

from clients.models import Client, Objective
from clients.selectors import client_list
from iop.dates import validate_clinic_date
from iop.forms import MenuChoiceField, QuickNumberInput, QuickSelect
from iop.models import User
from scheduling.models import (
    ATTENDED_STATUSES,
    AttendanceStatus,
    ProgressNote,
    Session,
    SessionLog,
    SessionType,
)
from scheduling.selectors.attendance import RosterRow
from scheduling.selectors.notes import addressable_objective_list
from scheduling.services.attendance import AttendanceEntry


class AttendanceSheetForm(forms.Form):
    """A group session's whole attendance sheet as one form: a status and minutes per client on the
    roster (`c<client id>-status`, `c<client id>-minutes`), the version the person loaded, and a
    reason to amend. Minutes may be left empty: present means the whole session and a non-attended
    status means 0, so a keyboard user can just pick statuses. The service keys its refusals by
    client id; `renames` puts each on that client's row."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    amendment_reason = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason for amending (notes of this session are signed)",
    )

    def __init__(
        self,
        data: QueryDict | None,
        *,
        roster: list[RosterRow],
        full_minutes: int,
        version: int,
    ) -> None:
        initial: dict[str, object] = {"version": version}
        for row in roster:
            if row.attendance is not None:
                initial[f"c{row.client.pk}-status"] = row.attendance.status
                initial[f"c{row.client.pk}-minutes"] = row.attendance.minutes_attended
        super().__init__(data, initial=initial)
        self.roster, self.full_minutes = roster, full_minutes
        for row in roster:
            status = forms.ChoiceField(
                choices=[("", "Not recorded"), *AttendanceStatus.choices],
                required=False,
                widget=QuickSelect,
            )
            status.widget.attrs["class"] = "form-select form-select-sm js-status"
            minutes = forms.IntegerField(required=False, widget=QuickNumberInput)
            minutes.widget.attrs.update(
                {"class": "form-control form-control-sm js-minutes", "max": full_minutes, "min": 0}
            )
            self.fields[f"c{row.client.pk}-status"] = status
            self.fields[f"c{row.client.pk}-minutes"] = minutes

    @property
    def rows(self) -> list[tuple[RosterRow, BoundField, BoundField]]:
        """Each roster row with its status and minutes inputs, for the template."""
        return [
            (row, self[f"c{row.client.pk}-status"], self[f"c{row.client.pk}-minutes"])
            for row in self.roster
        ]

    @property
    def renames(self) -> dict[str, str]:
        """The service's error keys (client ids) as this form's fields: the row's status."""
        return {str(row.client.pk): f"c{row.client.pk}-status" for row in self.roster}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for row in self.roster:
            status_field, minutes_field = f"c{row.client.pk}-status", f"c{row.client.pk}-minutes"
            status, minutes = cleaned.get(status_field), cleaned.get(minutes_field)
            if status and minutes is None and minutes_field not in self.errors:
                if status == AttendanceStatus.PRESENT:
                    cleaned[minutes_field] = self.full_minutes
                elif status in ATTENDED_STATUSES:
                    self.add_error(minutes_field, "Enter the minutes attended.")
                else:
                    cleaned[minutes_field] = 0
        return cleaned

    def entries(self) -> list[AttendanceEntry]:
        """The rows with a status, as the service takes them."""
        entries = []
        for row in self.roster:
            status = self.cleaned_data[f"c{row.client.pk}-status"]
            if status:
                minutes = self.cleaned_data[f"c{row.client.pk}-minutes"]
                entries.append(AttendanceEntry(row.client.pk, status, minutes))
        return entries


class IndividualLogForm(forms.Form):
    session_type = forms.ChoiceField(
        choices=[choice for choice in SessionType.choices if choice[0] != SessionType.GROUP]
    )
    held_starts_at = forms.DateTimeField(
        label="Actually started",
        validators=[validate_clinic_date],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    held_ends_at = forms.DateTimeField(
        label="Actually ended",
        validators=[validate_clinic_date],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    status = forms.ChoiceField(choices=AttendanceStatus.choices)
    minutes = forms.IntegerField(label="Minutes attended", min_value=0)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    amendment_reason = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason for amending (the note is signed)",
    )

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned log under the names `individual_session_log` takes."""
        data = self.cleaned_data
        return {
            "session_type": data["session_type"],
            "held_starts_at": data["held_starts_at"],
            "held_ends_at": data["held_ends_at"],
            "status": data["status"],
            "minutes_attended": data["minutes"],
            "expected_version": data["version"],
            "amendment_reason": data["amendment_reason"],
        }

    @classmethod
    def for_session(
        cls,
        data: QueryDict | None,
        *,
        session: Session,
        log: SessionLog,
        row: RosterRow,
        full_minutes: int,
    ) -> "IndividualLogForm":
        """The log as posted, or as recorded so far (the schedule until something was logged)."""
        if data is not None:
            return cls(data)
        attendance = row.attendance
        return cls(
            initial={
                "session_type": session.session_type,
                "held_starts_at": timezone.localtime(log.held_starts_at or session.starts_at),
                "held_ends_at": timezone.localtime(log.held_ends_at or session.ends_at),
                "status": attendance.status if attendance else "present",
                "minutes": attendance.minutes_attended if attendance else full_minutes,
                "version": log.attendance_version,
            }
        )


class SessionSummaryForm(forms.Form):
    topic = forms.CharField(max_length=200, required=False)
    interventions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shared by every client's note; copied into each note when it is signed.",
    )


# The drop-in menu offers at most this many clients; a search finds the others.
DROP_IN_OFFERED = 50


class DropInForm(forms.Form):
    client = forms.ModelChoiceField(
        queryset=Client.objects.none(),
        widget=QuickSelect,
        label="Add a drop-in",
        error_messages={
            "required": "Choose a client to add as a drop-in.",
            "invalid_choice": "Choose a client to add as a drop-in.",
        },
    )

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        user: User,
        exclude_ids: list[int],
        offered: list[Client] | None = None,
    ) -> None:
        """A posted choice is accepted if it is an active client within the user's reach; the menu
        lists `offered` (the first DROP_IN_OFFERED not on the sheet), not the whole clinic."""
        super().__init__(data)
        client = self.fields["client"]
        assert isinstance(client, forms.ModelChoiceField)
        if self.is_bound:
            # Only clients the clinician may open (break-the-glass first for anyone else's
            # client). Built only for a posted choice: the session page draws the menu and never
            # validates it, and building the reach rule's query was a tenth of its time.
            client.queryset = (
                client_list(user=user)
                .filter(status=Client.Status.ACTIVE)
                .exclude(pk__in=exclude_ids)
            )
        if offered is not None:
            client.choices = [("", client.empty_label), *((c.pk, str(c)) for c in offered)]


class ObjectiveChoiceField(forms.ModelMultipleChoiceField):
    """Checkboxes naming each objective with its goal and problem, so it reads without the plan."""

    def label_from_instance(self, obj: Objective) -> str:
        return format_html(
            '{}<span class="d-block small text-muted">Goal: {} · Problem: {}</span>',
            obj.description,
            obj.goal.statement,
            obj.goal.problem.statement,
        )


class NoteForm(forms.Form):
    # The D of DAP. Not BaseForm.data: the form metaclass moves declared fields into base_fields.
    data = forms.CharField(  # type: ignore[assignment]
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What was observed and said: objective and subjective.",
    )
    assessment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Your clinical interpretation: progress, risk.",
    )
    plan = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Next steps, homework, referrals.",
    )
    objectives = ObjectiveChoiceField(
        queryset=Objective.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Treatment plan objectives addressed",
    )

    helper = FormHelper()
    helper.form_tag = False

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        objectives: QuerySet[Objective],
        initial: dict[str, Any] | None = None,
    ) -> None:
        """`objectives`: those the note may address (the client's active plan's); none, no field."""
        super().__init__(data, initial=initial)
        field = self.fields["objectives"]
        assert isinstance(field, ObjectiveChoiceField)
        if objectives.exists():
            field.queryset = objectives
        else:
            del self.fields["objectives"]

    @classmethod
    def for_note(
        cls, data: QueryDict | None, *, note: ProgressNote | None, client: Client | None
    ) -> "NoteForm":
        """The form as posted, or filled with the draft so far; it offers the objectives of
        `client`'s active plan (None: the page only reads the note, so none)."""
        objectives = (
            addressable_objective_list(client=client) if client else Objective.objects.none()
        )
        initial = (
            {
                "data": note.data,
                "assessment": note.assessment,
                "plan": note.plan,
                "objectives": [objective.pk for objective in note.objectives.all()],
            }
            if note
            else {}
        )
        return cls(data, objectives=objectives, initial=initial)

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned note under the names `note_save` takes."""
        data = self.cleaned_data
        return {
            "data": data["data"],
            "assessment": data["assessment"],
            "plan": data["plan"],
            "objective_ids": [objective.pk for objective in data.get("objectives", [])],
        }


class AddendumForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Addendum")

    helper = FormHelper()
    helper.form_tag = False


class OverdueFilterForm(forms.Form):
    """The overdue page's clinician; a deactivated one too, since their overdue work remains."""

    clinician = MenuChoiceField(
        queryset=User.objects.filter(role="clinician").order_by("last_name", "first_name"),
        required=False,
        empty_label="Every clinician",
        widget=QuickSelect(attrs={"class": "form-select"}),
    )
