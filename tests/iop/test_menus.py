"""Menus of lists a form declares once (`iop.forms.MenuChoiceField`, `MenuFilter`): the options
Django's field draws, from a statement compiled once, and validation as Django's."""

import django_filters
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from clients.models import Client
from iop.forms import MenuChoiceField, MenuFilter, QuickSelect
from iop.models import Role, User
from tests.factories import UserFactory


class _ClinicianForm(forms.Form):
    clinician = MenuChoiceField(
        queryset=User.objects.clinicians(), required=False, empty_label="Any clinician"
    )


class _DjangoForm(forms.Form):
    clinician = forms.ModelChoiceField(
        queryset=User.objects.clinicians(), required=False, empty_label="Any clinician"
    )


class _ClinicianFilter(django_filters.FilterSet):
    primary_clinician = MenuFilter(
        queryset=User.objects.clinicians(), label="Clinician", widget=QuickSelect
    )

    class Meta:
        model = Client
        fields: list[str] = []


def _options(form: forms.Form, name: str) -> list[tuple[str, str]]:
    return [(str(value), label) for value, label in form.fields[name].choices]


def test_a_menu_offers_what_djangos_field_offers(clinician, second_clinician, admin):
    gone = UserFactory(role=Role.CLINICIAN)
    User.objects.filter(pk=gone.pk).update(is_active=False)

    assert _options(_ClinicianForm(), "clinician") == _options(_DjangoForm(), "clinician")
    assert len(_options(_ClinicianForm(), "clinician")) == 3


@override_settings(STATEMENTS_CHECKED=False)
def test_a_menu_is_one_statement_compiled_once(clinician, second_clinician):
    str(_ClinicianForm()["clinician"])

    with CaptureQueriesContext(connection) as queries:
        html = str(_ClinicianForm()["clinician"])

    # One SELECT: no server-side cursor declared, fetched and closed.
    assert [query["sql"].split()[0] for query in queries] == ["SELECT"]
    assert f'value="{second_clinician.pk}"' in html


def test_a_menu_validates_as_djangos_field(clinician, admin):
    assert _ClinicianForm({"clinician": clinician.pk}).is_valid()
    form = _ClinicianForm({"clinician": admin.pk})

    assert not form.is_valid()
    assert "Select a valid choice" in form.errors["clinician"][0]


def test_a_queryset_set_on_a_forms_field_is_the_menu(clinician, second_clinician):
    form = _ClinicianForm()
    form.fields["clinician"].queryset = User.objects.filter(pk=clinician.pk)  # type: ignore[attr-defined]

    assert _options(form, "clinician") == [
        ("", "Any clinician"),
        (str(clinician.pk), str(clinician)),
    ]
    # The form's class keeps its menu.
    assert len(_options(_ClinicianForm(), "clinician")) == 3


@override_settings(STATEMENTS_CHECKED=False)
def test_a_filter_sets_menu_is_compiled_once_for_every_filter_set(clinician, second_clinician):
    str(_ClinicianFilter({}, queryset=Client.objects.all()).form["primary_clinician"])

    with CaptureQueriesContext(connection) as queries:
        html = str(_ClinicianFilter({}, queryset=Client.objects.all()).form["primary_clinician"])

    assert len(queries) == 1
    assert f'value="{clinician.pk}"' in html
    assert f'value="{second_clinician.pk}"' in html
