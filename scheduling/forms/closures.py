from datetime import date
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from iop.dates import validate_clinic_date
from iop.forms import clinic_date_field
from scheduling.models import ClinicClosure


class ClosureForm(forms.Form):
    first_day = clinic_date_field(label="First day closed")
    last_day = clinic_date_field(
        label="Last day closed", required=False, help_text="Leave empty to close one day."
    )
    label = forms.CharField(
        label="Reason staff see",
        max_length=ClinicClosure._meta.get_field("label").max_length,
        help_text='For example "Thanksgiving", "Snow day", "Staff training". Clients are only '
        "told their appointment is cancelled.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("close", "Close the clinic…", css_class="btn-danger"))

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned form under the names `clinic_closure_create` takes: one day by default."""
        data = self.cleaned_data
        return {
            "first_day": data["first_day"],
            "last_day": data["last_day"] or data["first_day"],
            "label": data["label"],
        }


class ClosureWithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why is it withdrawn?", max_length=200, help_text="For example: entered by mistake."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("withdraw", "Withdraw the closure…", css_class="btn-danger"))


class ClosureMonthForm(forms.Form):
    """The closure calendar's first month, `?month=YYYY-MM`; anything else shows this month."""

    month = forms.DateField(
        input_formats=["%Y-%m"], required=False, validators=[validate_clinic_date]
    )

    def first_month(self) -> date | None:
        return self.cleaned_data["month"] if self.is_valid() else None
