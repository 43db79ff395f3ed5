"""Forms for the attendance sheet, individual session logs, notes, addenda and drop-ins. They only
parse input; the services decide what is valid and say why."""

from crispy_forms.helper import FormHelper
from django import forms
from django.db.models import QuerySet
from django.utils.html import format_html

from clients.models import Client, Objective
from iop.dates import validate_clinic_date
from scheduling.models import ATTENDED_STATUSES, AttendanceStatus, SessionType


class AttendanceRowForm(forms.Form):
    """One client's row. Minutes may be left empty: present means the whole session and a
    non-attended status means 0, so a keyboard user can just pick statuses."""

    status = forms.ChoiceField(
        choices=[("", "Not recorded"), *AttendanceStatus.choices], required=False
    )
    minutes = forms.IntegerField(required=False)

    def __init__(self, *args: object, full_minutes: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.full_minutes = full_minutes
        self.fields["status"].widget.attrs["class"] = "form-select form-select-sm js-status"
        self.fields["minutes"].widget.attrs.update(
            {"class": "form-control form-control-sm js-minutes", "max": full_minutes, "min": 0}
        )

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        status, minutes = cleaned.get("status"), cleaned.get("minutes")
        if status and minutes is None:
            if status == AttendanceStatus.PRESENT:
                cleaned["minutes"] = self.full_minutes
            elif status in ATTENDED_STATUSES:
                self.add_error("minutes", "Enter the minutes attended.")
            else:
                cleaned["minutes"] = 0
        return cleaned


class AttendanceSheetForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    amendment_reason = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason for amending (notes of this session are signed)",
    )


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


class SessionSummaryForm(forms.Form):
    topic = forms.CharField(max_length=200, required=False)
    interventions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shared by every client's note; copied into each note when it is signed.",
    )

    helper = FormHelper()
    helper.form_tag = False


# The drop-in menu offers at most this many clients; a search finds the others.
DROP_IN_OFFERED = 50


class DropInForm(forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.none(), label="Add a drop-in")

    def __init__(
        self,
        *args: object,
        exclude_ids: list[int],
        offered: QuerySet[Client] | None = None,
        **kwargs: object,
    ) -> None:
        """Any active client is accepted; the menu lists `offered` (at most DROP_IN_OFFERED),
        not the whole clinic."""
        super().__init__(*args, **kwargs)
        field = self.fields["client"]
        field.queryset = Client.objects.filter(status=Client.Status.ACTIVE).exclude(
            pk__in=exclude_ids
        )
        if offered is not None:
            shown = offered.exclude(pk__in=exclude_ids)[:DROP_IN_OFFERED]
            field.choices = [("", field.empty_label), *((c.pk, str(c)) for c in shown)]


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
    data = forms.CharField(
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

    def __init__(self, *args: object, objectives: QuerySet[Objective], **kwargs: object) -> None:
        """`objectives`: those the note may address (the client's active plan's); none, no field."""
        super().__init__(*args, **kwargs)
        if objectives.exists():
            self.fields["objectives"].queryset = objectives
        else:
            del self.fields["objectives"]


class AddendumForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Addendum")

    helper = FormHelper()
    helper.form_tag = False
