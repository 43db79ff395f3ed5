"""`QuickSelect` draws the same <select> as Django's, only without a template per option."""

import re

import pytest
from django import forms

from iop.forms import QuickSelect
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
