from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from clients.models import Client, ProgramTrack
from clients.services.clients import client_admit, client_create
from iop.dates import birth_date_bounds
from iop.models import Role
from tests.factories import ClientFactory, UserFactory


def new_client(**overrides):
    fields = {
        "legal_first_name": "Carol",
        "legal_last_name": "Chen",
        "date_of_birth": date(1990, 5, 17),
        "track": ProgramTrack.objects.get(code="adult"),
        "primary_clinician": overrides.pop("primary_clinician", None) or UserFactory(),
        **overrides,
    }
    return client_create(**fields)


def test_each_client_gets_its_own_medical_record_number(db):
    first, second = new_client(), new_client()
    assert first.mrn.startswith("M")
    assert first.mrn != second.mrn
    assert first.status == Client.Status.REFERRED


def test_a_date_of_birth_in_the_future_is_refused(db):
    with pytest.raises(ValidationError, match="Date of birth must be in the past"):
        new_client(date_of_birth=timezone.localdate() + timedelta(days=1))
    assert not Client.objects.exists()


def test_the_primary_clinician_must_be_a_clinician(db):
    with pytest.raises(ValidationError, match="must be a clinician"):
        new_client(primary_clinician=UserFactory(role=Role.CLIENT))
    assert not Client.objects.exists()


def test_admitting_makes_the_client_active_from_that_date(db):
    client = ClientFactory(status="referred")
    client_admit(client=client, admission_date=date(2026, 11, 2))
    client.refresh_from_db()
    assert (client.status, client.admission_date) == (Client.Status.ACTIVE, date(2026, 11, 2))


def test_an_active_client_cannot_be_admitted_again(alice):
    with pytest.raises(ValidationError, match="active cannot be admitted"):
        client_admit(client=alice, admission_date=date(2026, 11, 2))


class ClientCreateInputTests(TestCase):
    @given(
        first=st.text(max_size=120),
        last=st.text(max_size=120),
        born=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
    )
    def test_any_input_either_creates_a_valid_client_or_says_why(self, first, last, born):
        clinician = UserFactory()
        before = Client.objects.count()
        try:
            client = new_client(
                legal_first_name=first, legal_last_name=last, date_of_birth=born,
                primary_clinician=clinician,
            )  # fmt: skip
        except ValidationError as error:
            refused = error.message_dict
        else:
            refused = {}
            assert client.date_of_birth < timezone.localdate()
            oldest, youngest = birth_date_bounds()
            assert oldest <= client.date_of_birth <= youngest  # an age of 5 to 110
            assert 1 <= len(client.legal_first_name.strip()) <= 100
        if refused:
            assert Client.objects.count() == before
