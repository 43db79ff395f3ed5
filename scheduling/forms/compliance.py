from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from iop.forms import MenuChoiceField, QuickSelect, clinic_date_field
from iop.models import User
from scheduling.models import ComplianceAlert, ComplianceStatus


class _CrispyForm(forms.Form):
    submit_label = "Save"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", self.submit_label))


class TimeInput(forms.TimeInput):
    input_type = "time"


class ReminderPreferenceForm(_CrispyForm):
    email_opt_in = forms.BooleanField(label="Email me appointment reminders", required=False)
    sms_opt_in = forms.BooleanField(label="Text me appointment reminders", required=False)
    quiet_start = forms.TimeField(
        label="No texts from", required=False, widget=TimeInput(format="%H:%M")
    )
    quiet_end = forms.TimeField(
        label="until", required=False, widget=TimeInput(format="%H:%M"),
        help_text="A text due in your quiet hours waits until they end.",
    )  # fmt: skip


class LeadTimesForm(_CrispyForm):
    day_before_minutes = forms.IntegerField(
        label="First reminder, minutes before the session",
        help_text="1440 is a day; at most 10080 (7 days).",
    )
    hours_before_minutes = forms.IntegerField(
        label="Second reminder, minutes before the session", help_text="120 is two hours."
    )


class AlertResolveForm(_CrispyForm):
    submit_label = "Resolve"
    reason = forms.ChoiceField(
        choices=[
            ("", "Choose a reason"),
            *((reason.value, reason.label) for reason in ComplianceAlert.PERSON_REASONS),
        ]
    )
    plan = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="What changes so the client gets their hours (not needed when excused).",
    )
    excused = forms.BooleanField(
        label="Excuse this week (it will not count as short)", required=False
    )


class ComplianceFilterForm(forms.Form):
    week = clinic_date_field(required=False, help_text="Any day of it.")
    status = forms.ChoiceField(
        choices=[("", "Any status"), *ComplianceStatus.choices],
        required=False,
        widget=QuickSelect(attrs={"class": "form-select"}),
    )
    clinician = MenuChoiceField(
        queryset=User.objects.clinicians(),
        required=False,
        empty_label="Any clinician",
        widget=QuickSelect(attrs={"class": "form-select"}),
    )


class AlertFilterForm(forms.Form):
    """The alerts page's filters; anything unreadable falls back to the default (open alerts)."""

    STATUS_CHOICES = [("open", "Open"), ("resolved", "Resolved"), ("all", "Open and resolved")]

    status = forms.ChoiceField(
        choices=STATUS_CHOICES, required=False, widget=QuickSelect(attrs={"class": "form-select"})
    )
    kind = forms.ChoiceField(
        label="Level",
        choices=[("", "Any level"), *ComplianceAlert.Kind.choices],
        required=False,
        widget=QuickSelect(attrs={"class": "form-select"}),
    )
    clinician = MenuChoiceField(
        queryset=User.objects.clinicians(),
        required=False,
        empty_label="Any clinician",
        widget=QuickSelect(attrs={"class": "form-select"}),
    )
    week = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="Any day of it."
    )
