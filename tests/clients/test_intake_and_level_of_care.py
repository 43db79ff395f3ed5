from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from clients.models import Client, Diagnosis, LevelOfCare, LevelOfCareEpisode, SubstanceUse
from clients.services.intake import (
    intake_complete,
    intake_diagnoses_replace,
    intake_draft_save,
    intake_start,
    intake_substances_replace,
)
from clients.services.level_of_care import level_of_care_change
from tests.factories import ClientFactory, UserFactory

ASAM = {
    "asam_withdrawal": 1,
    "asam_biomedical": 0,
    "asam_emotional": 2,
    "asam_readiness": 2,
    "asam_relapse": 3,
    "asam_environment": 2,
}


def filled_intake(client, clinician):
    intake = intake_start(client=client, actor=clinician)
    intake_draft_save(
        intake=intake,
        referral_source="Drug court",
        presenting_problem="Daily alcohol use, lost job",
        **ASAM,
    )
    return intake


@pytest.fixture
def referred(clinician):
    return ClientFactory(status="referred", primary_clinician=clinician)


def test_starting_intake_puts_a_referred_client_in_intake(referred, clinician):
    intake_start(client=referred, actor=clinician)
    referred.refresh_from_db()
    assert referred.status == Client.Status.INTAKE


def test_the_draft_keeps_each_steps_answers(referred, clinician):
    intake = filled_intake(referred, clinician)
    intake.refresh_from_db()
    assert intake.referral_source == "Drug court"
    assert intake.asam_relapse == 3
    assert intake.completed_at is None


def test_completing_intake_admits_the_client_at_level_2_1_from_that_date(referred, clinician):
    intake = filled_intake(referred, clinician)
    admitted_on = timezone.localdate() - timedelta(days=1)
    intake_complete(
        intake=intake, consent_to_treatment=True, admission_date=admitted_on, actor=clinician
    )
    referred.refresh_from_db()
    assert referred.status == Client.Status.ACTIVE
    assert referred.admission_date == admitted_on
    (episode,) = referred.levels_of_care.all()
    assert (episode.level, episode.start_date, episode.end_date) == ("2.1", admitted_on, None)


def test_intake_without_consent_to_treatment_admits_nobody(referred, clinician):
    intake = filled_intake(referred, clinician)
    with pytest.raises(ValidationError, match="must consent to treatment"):
        intake_complete(
            intake=intake,
            consent_to_treatment=False,
            admission_date=timezone.localdate(),
            actor=clinician,
        )
    referred.refresh_from_db()
    assert referred.status == Client.Status.INTAKE
    assert not LevelOfCareEpisode.objects.exists()


def test_intake_with_steps_missing_names_them(referred, clinician):
    intake = intake_start(client=referred, actor=clinician)
    with pytest.raises(ValidationError, match="referral source"):
        intake_complete(
            intake=intake,
            consent_to_treatment=True,
            admission_date=timezone.localdate(),
            actor=clinician,
        )


def test_a_completed_intake_no_longer_changes(referred, clinician):
    intake = filled_intake(referred, clinician)
    intake_complete(
        intake=intake,
        consent_to_treatment=True,
        admission_date=timezone.localdate(),
        actor=clinician,
    )
    with pytest.raises(ValidationError, match="complete"):
        intake_draft_save(intake=intake, payer="Medicaid")


def test_substances_and_diagnoses_are_replaced_as_a_whole(referred, clinician):
    intake = intake_start(client=referred, actor=clinician)
    last_week = timezone.localdate() - timedelta(days=7)
    intake_substances_replace(
        intake=intake,
        substances=[
            {"substance": "Alcohol", "route": "oral", "frequency": "daily", "last_use": last_week}
        ],
    )
    intake_diagnoses_replace(
        intake=intake,
        diagnoses=[
            {"icd10_code": "f10.20", "description": "Alcohol use disorder, moderate"},
            {"icd10_code": "F41.1", "description": "Generalized anxiety disorder"},
        ],
    )
    intake_diagnoses_replace(
        intake=intake,
        diagnoses=[{"icd10_code": "F10.20", "description": "Alcohol use disorder, moderate"}],
    )
    assert list(Diagnosis.objects.values_list("icd10_code", flat=True)) == ["F10.20"]
    assert SubstanceUse.objects.get().substance == "Alcohol"


def test_a_bad_diagnosis_code_changes_nothing(referred, clinician):
    intake = intake_start(client=referred, actor=clinician)
    intake_diagnoses_replace(
        intake=intake, diagnoses=[{"icd10_code": "F10.20", "description": "AUD"}]
    )
    with pytest.raises(ValidationError, match="ICD-10 code"):
        intake_diagnoses_replace(
            intake=intake,
            diagnoses=[
                {"icd10_code": "F41.1", "description": "GAD"},
                {"icd10_code": "alcohol", "description": "not a code"},
            ],
        )
    assert list(Diagnosis.objects.values_list("icd10_code", flat=True)) == ["F10.20"]


def test_an_authorization_ending_before_it_starts_is_refused(referred, clinician):
    intake = intake_start(client=referred, actor=clinician)
    with pytest.raises(ValidationError, match="end after it starts"):
        intake_draft_save(
            intake=intake,
            authorization_start=date(2026, 11, 1),
            authorization_end=date(2026, 10, 1),
        )
    intake.refresh_from_db()
    assert intake.authorization_start is None


@time_machine.travel("2026-11-20 10:00 -05:00", tick=False)
def test_a_change_of_level_closes_the_previous_range_that_day(clinician):
    client = ClientFactory(admission_date=date(2026, 10, 1))
    level_of_care_change(
        client=client,
        level=LevelOfCare.PARTIAL,
        start_date=date(2026, 11, 10),
        actor=clinician,
    )
    ranges = list(client.levels_of_care.values_list("level", "start_date", "end_date"))
    assert ranges == [
        ("2.1", date(2026, 10, 1), date(2026, 11, 10)),
        ("2.5", date(2026, 11, 10), None),
    ]


@time_machine.travel("2026-11-20 10:00 -05:00", tick=False)
def test_a_change_dated_before_the_current_level_began_changes_nothing(clinician):
    client = ClientFactory(admission_date=date(2026, 10, 1))
    with pytest.raises(ValidationError, match="must start after Oct 1, 2026"):
        level_of_care_change(
            client=client,
            level=LevelOfCare.OUTPATIENT,
            start_date=date(2026, 10, 1),
            actor=clinician,
        )
    assert client.levels_of_care.get().end_date is None


def test_the_database_refuses_overlapping_ranges(alice):
    start = alice.admission_date
    with pytest.raises(IntegrityError, match="overlap"), transaction.atomic():
        LevelOfCareEpisode.objects.create(
            client=alice,
            level=LevelOfCare.DETOX,
            start_date=start - timedelta(days=3),
            end_date=start + timedelta(days=1),
        )


def test_the_database_refuses_two_open_ranges(alice):
    alice.levels_of_care.update(end_date=alice.admission_date + timedelta(days=1))
    LevelOfCareEpisode.objects.create(
        client=alice, level="1", start_date=alice.admission_date + timedelta(days=2)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        LevelOfCareEpisode.objects.create(
            client=alice, level="2.5", start_date=alice.admission_date + timedelta(days=40)
        )


class LevelOfCareInputTests(TestCase):
    @settings(max_examples=40)
    @given(
        level=st.sampled_from(LevelOfCare.values),
        start=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    )
    def test_any_change_either_keeps_the_history_contiguous_or_changes_nothing(self, level, start):
        clinician = UserFactory()
        client = ClientFactory(primary_clinician=clinician)
        before = list(client.levels_of_care.values_list("level", "start_date", "end_date"))
        try:
            level_of_care_change(client=client, level=level, start_date=start, actor=clinician)
        except ValidationError as error:
            refused = error.messages
        else:
            refused = None
        if refused:
            after = list(client.levels_of_care.values_list("level", "start_date", "end_date"))
            assert after == before
        else:
            ranges = list(client.levels_of_care.order_by("start_date"))
            assert [r.end_date for r in ranges[:-1]] == [r.start_date for r in ranges[1:]]
            assert ranges[-1].end_date is None


def test_a_referred_clients_level_of_care_cannot_change(clinician):
    client = ClientFactory(status="referred", primary_clinician=clinician)
    with pytest.raises(ValidationError, match="Only an admitted"):
        level_of_care_change(
            client=client,
            level=LevelOfCare.OUTPATIENT,
            start_date=timezone.localdate(),
            actor=clinician,
        )
    assert not client.levels_of_care.exists()
