from datetime import date, timedelta
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from clients.models import (
    Client,
    Consent,
    Discharge,
    Disclosure,
    Objective,
    ObjectiveStatus,
    TreatmentPlan,
)
from clients.selectors import plan_reviews_overdue
from clients.services.consents import consent_create, consent_revoke, disclosure_record
from clients.services.discharge import client_discharge
from clients.services.plans import (
    plan_review_record,
    problem_add,
    treatment_plan_activate,
    treatment_plan_client_sign,
    treatment_plan_create,
    treatment_plan_revise,
)
from clients.signals import client_discharged
from tests.factories import ClientFactory, ConsentFactory, TreatmentPlanFactory, UserFactory

# --- Treatment plans ---------------------------------------------------------------------------


def test_activating_a_plan_signs_it_and_sets_the_first_review(alice, clinician):
    plan = TreatmentPlanFactory(client=alice)
    assert plan.status == TreatmentPlan.Status.ACTIVE
    assert plan.clinician_signed_by == clinician
    assert plan.next_review_due == timezone.localdate() + timedelta(days=30)


def test_activating_a_new_version_supersedes_the_last(alice, clinician):
    first = TreatmentPlanFactory(client=alice)
    second = treatment_plan_revise(plan=first, actor=clinician)
    assert second.version == 2
    assert second.problems.get().goals.get().objectives.get().interventions.count() == 1
    treatment_plan_activate(plan=second, actor=clinician)
    first.refresh_from_db()
    assert first.status == TreatmentPlan.Status.SUPERSEDED
    assert alice.treatment_plans.filter(status="active").get() == second


def test_the_database_allows_one_active_plan_per_client(alice):
    plan = TreatmentPlanFactory(client=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentPlan.objects.create(
            client=alice,
            version=2,
            status="active",
            created_by=plan.created_by,
            activated_on=plan.activated_on,
            next_review_due=plan.next_review_due,
            clinician_signed_at=plan.clinician_signed_at,
        )


def test_an_incomplete_plan_cannot_be_activated(alice, clinician):
    plan = treatment_plan_create(client=alice, actor=clinician)
    problem_add(plan=plan, statement="Opioid use")
    with pytest.raises(ValidationError, match="every problem a goal"):
        treatment_plan_activate(plan=plan, actor=clinician)
    plan.refresh_from_db()
    assert plan.status == TreatmentPlan.Status.DRAFT


def test_an_active_plan_no_longer_changes(alice):
    plan = TreatmentPlanFactory(client=alice)
    with pytest.raises(ValidationError, match="Only a draft"):
        problem_add(plan=plan, statement="Something new")


def test_alice_signs_her_plan_with_her_name(alice):
    plan = TreatmentPlanFactory(client=alice)
    treatment_plan_client_sign(plan=plan, actor=alice.user, typed_name="  alice   anders ")
    plan.refresh_from_db()
    assert plan.client_signed_name == "alice anders"
    assert plan.client_signed_at is not None


def test_bob_cannot_sign_alices_plan(alice, bob):
    plan = TreatmentPlanFactory(client=alice)
    with pytest.raises(ValidationError, match="their own plan"):
        treatment_plan_client_sign(plan=plan, actor=bob.user, typed_name="Bob Brown")
    plan.refresh_from_db()
    assert plan.client_signed_at is None


def test_a_draft_cannot_be_signed_by_the_client(alice):
    plan = TreatmentPlanFactory(client=alice, status="draft")
    with pytest.raises(ValidationError, match="Only the active plan"):
        treatment_plan_client_sign(plan=plan, actor=alice.user, typed_name="Alice Anders")


class ClientSignatureInputTests(TestCase):
    @settings(max_examples=40)
    @given(typed=st.text(max_size=250))
    def test_any_typed_name_either_signs_or_says_why(self, typed):
        client = ClientFactory(legal_first_name="Alice", legal_last_name="Anders")
        plan = TreatmentPlanFactory(client=client)
        try:
            treatment_plan_client_sign(plan=plan, actor=client.user, typed_name=typed)
        except ValidationError as error:
            refused = error.message_dict
        else:
            refused = None
        plan.refresh_from_db()
        if refused:
            assert "typed_name" in refused
            assert plan.client_signed_at is None
        else:
            assert " ".join(typed.split()).casefold() == "alice anders"
            assert plan.client_signed_at is not None


def test_a_review_records_progress_and_moves_the_next_review(alice, clinician):
    plan = TreatmentPlanFactory(client=alice)
    objective = Objective.objects.get(goal__problem__plan=plan)
    today = timezone.localdate()
    plan_review_record(
        plan=plan,
        actor=clinician,
        reviewed_on=today,
        summary="Attending well",
        progress={objective.pk: (ObjectiveStatus.IN_PROGRESS, "7 of 9 hours")},
    )
    plan.refresh_from_db()
    objective.refresh_from_db()
    assert objective.status == ObjectiveStatus.IN_PROGRESS
    assert plan.next_review_due == today + timedelta(days=30)
    assert plan.reviews.get().progress.get().note == "7 of 9 hours"


def test_a_review_may_start_a_new_version(alice, clinician):
    plan = TreatmentPlanFactory(client=alice)
    objective = Objective.objects.get(goal__problem__plan=plan)
    plan_review_record(
        plan=plan,
        actor=clinician,
        reviewed_on=timezone.localdate(),
        summary="Add family work",
        progress={objective.pk: (ObjectiveStatus.ACHIEVED, "")},
        revise=True,
    )
    assert alice.treatment_plans.filter(status="draft", version=2).exists()


def test_a_review_missing_an_objective_changes_nothing(alice, clinician):
    plan = TreatmentPlanFactory(client=alice)
    due = plan.next_review_due
    with pytest.raises(ValidationError, match="every objective"):
        plan_review_record(
            plan=plan,
            actor=clinician,
            reviewed_on=timezone.localdate(),
            summary="x",
            progress={},
        )
    plan.refresh_from_db()
    assert plan.next_review_due == due
    assert not plan.reviews.exists()


def test_overdue_reviews_are_listed_for_the_primary_clinician(
    alice, bob, clinician, second_clinician
):
    overdue = TreatmentPlanFactory(client=alice)
    TreatmentPlanFactory(client=bob)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert set(plan_reviews_overdue(clinician=clinician)) == {
            overdue,
            bob.treatment_plans.get(),
        }
        assert not plan_reviews_overdue(clinician=second_clinician).exists()
    assert not plan_reviews_overdue(clinician=clinician).exists()


# --- Consents and disclosures ------------------------------------------------------------------


def test_a_disclosure_under_a_valid_consent_is_logged(alice, clinician):
    consent = ConsentFactory(client=alice)
    disclosure = disclosure_record(consent=consent, information="treatment_plan", actor=clinician)
    assert disclosure.recipient == consent.recipient
    assert list(alice.disclosures.all()) == [disclosure]


def test_an_expired_consent_discloses_nothing(alice, clinician):
    consent = ConsentFactory(client=alice)
    with (
        time_machine.travel(timezone.now() + timedelta(days=400)),
        pytest.raises(ValidationError, match="expired, revoked"),
    ):
        disclosure_record(consent=consent, information="summary", actor=clinician)
    assert not Disclosure.objects.exists()


def test_a_revoked_consent_discloses_nothing(alice, clinician):
    consent = ConsentFactory(client=alice)
    consent_revoke(consent=consent, revoked_on=timezone.localdate(), note="Client asked")
    with pytest.raises(ValidationError, match="expired, revoked"):
        disclosure_record(consent=consent, information="summary", actor=clinician)
    assert not Disclosure.objects.exists()


def test_a_consent_discloses_only_what_it_covers(alice, clinician):
    consent = ConsentFactory(client=alice, information=["summary"])
    with pytest.raises(ValidationError, match="does not cover"):
        disclosure_record(consent=consent, information="diagnoses", actor=clinician)
    assert not Disclosure.objects.exists()


class ConsentInputTests(TestCase):
    @settings(max_examples=40)
    @given(
        recipient=st.text(max_size=210),
        signed=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
        days=st.integers(min_value=-400, max_value=4000),
        information=st.lists(st.sampled_from(["summary", "diagnoses", "treatment_plan", "x"])),
    )
    def test_any_consent_either_is_recorded_valid_or_says_why(
        self, recipient, signed, days, information
    ):
        client = ClientFactory()
        try:
            consent = consent_create(
                client=client,
                recipient=recipient,
                purpose="Coordination of care",
                information=information,
                signed_on=signed,
                expires_on=signed + timedelta(days=days),
                actor=client.primary_clinician,
            )
        except ValidationError as error:
            refused = error.messages
        else:
            refused = None
        if refused:
            assert not Consent.objects.exists()
        else:
            assert consent.signed_on <= timezone.localdate()
            assert consent.expires_on > consent.signed_on
            assert consent.information
            assert set(consent.information) <= {"summary", "diagnoses", "treatment_plan"}


# --- Discharge ---------------------------------------------------------------------------------


def discharge(client, **overrides):
    return client_discharge(
        **{
            "client": client,
            "discharge_date": timezone.localdate(),
            "reason": Discharge.Reason.COMPLETED,
            "summary": "Completed 12 weeks; stepping down.",
            "actor": client.primary_clinician,
            "step_down_level": "1",
            "aftercare": ["alumni", "mutual_help"],
            **overrides,
        }
    )


def test_discharging_closes_the_level_of_care_and_the_record(alice):
    discharge(alice)
    alice.refresh_from_db()
    assert alice.status == Client.Status.DISCHARGED
    assert alice.discharge_date == timezone.localdate()
    assert not alice.levels_of_care.filter(end_date__isnull=True).exists()
    assert alice.discharge.aftercare == ["alumni", "mutual_help"]


def test_discharge_sends_client_discharged_with_the_client_and_date(alice):
    receiver = mock.Mock()
    client_discharged.connect(receiver)
    try:
        discharge(alice)
    finally:
        client_discharged.disconnect(receiver)
    receiver.assert_called_once()
    kwargs = receiver.call_args.kwargs
    assert kwargs["client"] == alice
    assert kwargs["discharge_date"] == timezone.localdate()
    assert kwargs["discharged_by"] == alice.primary_clinician
    assert kwargs["sender"] is Client


def test_a_receiver_that_raises_rolls_the_discharge_back(alice):
    def refuse(**kwargs):
        raise RuntimeError("enrollments could not be ended")

    client_discharged.connect(refuse)
    try:
        with pytest.raises(RuntimeError):
            discharge(alice)
    finally:
        client_discharged.disconnect(refuse)
    alice.refresh_from_db()
    assert alice.status == Client.Status.ACTIVE
    assert not Discharge.objects.exists()
    assert alice.levels_of_care.filter(end_date__isnull=True).exists()


def test_discharge_before_admission_is_refused(alice):
    with pytest.raises(ValidationError, match="before admission"):
        discharge(alice, discharge_date=alice.admission_date - timedelta(days=1))
    alice.refresh_from_db()
    assert alice.status == Client.Status.ACTIVE


def test_a_referred_client_cannot_be_discharged(clinician):
    client = ClientFactory(status="referred", primary_clinician=clinician)
    with pytest.raises(ValidationError, match="Only an admitted"):
        discharge(client)


class DischargeInputTests(TestCase):
    @settings(max_examples=30)
    @given(
        day=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
        reason=st.sampled_from([*Discharge.Reason.values, "vanished"]),
        summary=st.text(max_size=50),
    )
    def test_any_discharge_either_is_recorded_or_changes_nothing(self, day, reason, summary):
        client = ClientFactory(primary_clinician=UserFactory())
        try:
            discharge(client, discharge_date=day, reason=reason, summary=summary)
        except ValidationError as error:
            refused = error.messages
        else:
            refused = None
        client.refresh_from_db()
        if refused:
            assert client.status == Client.Status.ACTIVE
            assert not Discharge.objects.exists()
        else:
            assert client.status == Client.Status.DISCHARGED
            assert client.admission_date <= day <= timezone.localdate()
