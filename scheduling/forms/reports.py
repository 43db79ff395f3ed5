"""The reports' shared filters: a date range with sane defaults and limits, a track, a clinician
(admins only: a clinician's reports are their own caseload's) and a group."""

from datetime import timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from clients.models import ProgramTrack
from groups.models import Group
from iop import clock
from iop.forms import QuickSelect, clinic_date_field
from iop.models import Role, User
from scheduling.selectors.reports import ReportScope

DEFAULT_WEEKS = 12
# Two years and a day or two: enough for a year-on-year look, small enough to read.
MAX_RANGE = timedelta(days=731)
SELECT = QuickSelect(attrs={"class": "form-select"})


class ReportFilterForm(forms.Form):
    since = clinic_date_field(label="From", required=False)
    until = clinic_date_field(label="To", required=False)
    track = forms.ModelChoiceField(
        queryset=ProgramTrack.objects.all(),
        required=False,
        empty_label="Every track",
        widget=SELECT,
    )
    clinician = forms.ModelChoiceField(
        queryset=User.objects.filter(role=Role.CLINICIAN).order_by("last_name", "first_name"),
        required=False,
        empty_label="Every clinician",
        widget=SELECT,
    )
    group = forms.ModelChoiceField(
        queryset=Group.objects.order_by("name"),
        required=False,
        empty_label="Every group",
        widget=SELECT,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.is_admin:
            del self.fields["clinician"]

    def clean(self) -> dict[str, Any]:
        """Missing dates default to the last twelve clinic weeks up to today."""
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        until = cleaned.get("until") or clock.today()
        since = cleaned.get("since") or clock.week_start_of(until) - timedelta(
            weeks=DEFAULT_WEEKS - 1
        )
        if since > until:
            raise ValidationError({"until": "The range ends before it starts."})
        if until - since > MAX_RANGE:
            raise ValidationError({"since": "Choose a range of at most two years."})
        cleaned.update(since=since, until=until)
        return cleaned

    def scope(self) -> ReportScope:
        """The valid form's scope; a clinician's is always their own caseload."""
        data = self.cleaned_data
        clinician = data.get("clinician") if self.user.is_admin else self.user
        return ReportScope(
            since=data["since"],
            until=data["until"],
            track=data.get("track"),
            clinician=clinician,
            group=data.get("group"),
        )
