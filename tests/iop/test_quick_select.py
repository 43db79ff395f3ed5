"""`QuickSelect`, `QuickNumberInput` and `QuickDateInput` draw the same HTML as Django's widgets,
only without a template per option or input."""

import re

import pytest
from django import forms

from iop.forms import QuickDateInput, QuickNumberInput, QuickSelect
from iop.models import Role, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _clinician_form(widget: type[forms.Select]) -> type[forms.Form]:
    class ClinicianForm(forms.Form):
        clinician = forms.ModelChoiceField(
            queryset=User.objects.filter(role=Role.CLINICIAN).order_by("last_name"),
            required=False,
            empty_label="Any clinician",
            widget=widget(attrs={"class": "form-select"}),
        )
        grouped = forms.ChoiceField(
            choices=[("", "Any"), ("Kinds", [("a", "A & B"), ("c", "<C>")])],
            required=False,
            widget=widget,
        )

    return ClinicianForm


def _html(form: forms.Form) -> str:
    return re.sub(r">\s+<", "><", "".join(str(form[name]) for name in form.fields)).strip()


def test_it_draws_what_djangos_select_draws_chosen_value_and_escaping_included():
    UserFactory(role=Role.CLINICIAN, first_name="Ann", last_name="O'Neil <Jr>")
    chosen = UserFactory(role=Role.CLINICIAN, first_name="Ben", last_name="Park")
    data = {"clinician": str(chosen.pk), "grouped": "c"}
    quick = _html(_clinician_form(QuickSelect)(data))
    assert quick == _html(_clinician_form(forms.Select)(data))
    assert f'<option value="{chosen.pk}" selected>Ben Park</option>' in quick
    assert "O&#x27;Neil &lt;Jr&gt;" in quick


@pytest.mark.parametrize("data", [None, {"grouped": "a"}, {"clinician": "nobody"}])
def test_it_draws_what_djangos_select_draws_with_nothing_or_no_option_chosen(data):
    UserFactory(role=Role.CLINICIAN, first_name="Ann", last_name="Lee")
    quick = _html(_clinician_form(QuickSelect)(data))
    assert quick == _html(_clinician_form(forms.Select)(data))


@pytest.mark.parametrize("value", [None, 0, 180, "12<b>"])
def test_the_quick_number_input_draws_what_djangos_draws(value):
    def form(widget: forms.NumberInput) -> forms.Form:
        class MinutesForm(forms.Form):
            minutes = forms.IntegerField(required=False, widget=widget)

        return MinutesForm(initial={"minutes": value})

    attrs = {"class": "form-control js-minutes", "max": 180, "min": 0}
    assert _html(form(QuickNumberInput(attrs=attrs))) == _html(form(forms.NumberInput(attrs=attrs)))


@pytest.mark.parametrize("value", [None, "2026-11-26", "not a date<"])
def test_the_quick_date_input_draws_what_djangos_draws(value):
    def form(widget: forms.DateInput) -> forms.Form:
        class DayForm(forms.Form):
            day = forms.DateField(required=False, widget=widget)

        return DayForm({"day": value} if value else None)

    attrs = {"type": "date", "class": "form-control"}
    quick = QuickDateInput(attrs=attrs, format="%Y-%m-%d")
    assert _html(form(quick)) == _html(form(forms.DateInput(attrs=attrs, format="%Y-%m-%d")))
