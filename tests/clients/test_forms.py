from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from clients.forms import ConsentForm, PayerStepForm
from clients.models import Consent, Intake

DATES = st.one_of(st.just(""), st.dates(min_value=date(1900, 1, 1)).map(str), st.text(max_size=12))


class IntakeFormInputTests(TestCase):
    @settings(max_examples=60)
    @given(
        payer=st.text(max_size=130),
        units=st.one_of(st.just(""), st.integers(-5, 10**6).map(str), st.text(max_size=6)),
        kind=st.sampled_from(["", "days", "hours", "weeks"]),
        start=DATES,
        end=DATES,
    )
    def test_any_payer_answers_either_validate_or_name_the_bad_field(
        self, payer, units, kind, start, end
    ):
        form = PayerStepForm(
            {
                "payer": payer,
                "authorized_units": units,
                "authorized_unit_kind": kind,
                "authorization_start": start,
                "authorization_end": end,
            },
            instance=Intake(),
        )
        if form.is_valid():
            data = form.cleaned_data
            assert not (data["authorized_units"] and not data["authorized_unit_kind"])
            if data["authorization_start"] and data["authorization_end"]:
                assert data["authorization_end"] >= data["authorization_start"]
        else:
            assert form.errors
            assert all(messages for messages in form.errors.values())


class ConsentFormInputTests(TestCase):
    @settings(max_examples=60)
    @given(
        recipient=st.text(max_size=210),
        information=st.lists(st.sampled_from(["summary", "diagnoses", "discharge", "all"])),
        signed=DATES,
        expires=DATES,
    )
    def test_any_consent_answers_either_validate_or_name_the_problem(
        self, recipient, information, signed, expires
    ):
        form = ConsentForm(
            {
                "recipient": recipient,
                "purpose": "Coordination of care",
                "information": information,
                "signed_on": signed,
                "expires_on": expires,
            }
        )
        if form.is_valid():
            assert form.cleaned_data["expires_on"] > form.cleaned_data["signed_on"]
            assert form.cleaned_data["information"]
        else:
            assert form.errors
        assert not Consent.objects.exists()
