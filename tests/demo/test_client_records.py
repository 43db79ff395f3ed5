"""The demo clinic's client records: every part of the record has something to show."""

import pytest

from clients.models import Client, Consent, Disclosure, Intake, TreatmentPlan
from clients.selectors import plan_comparison, plan_list
from groups.models import Group


@pytest.fixture
def demo(seeded_now, db):
    """The module's demo clinic, each test's changes rolled back."""


def test_the_demo_clinic_shows_the_whole_client_record(demo):
    active = Client.objects.filter(status=Client.Status.ACTIVE)
    assert all(client.levels_of_care.filter(end_date__isnull=True).exists() for client in active)
    assert Intake.objects.filter(completed_at__isnull=True).count() == 1
    assert TreatmentPlan.objects.filter(status="active", client_signed_at__isnull=False).exists()
    assert TreatmentPlan.objects.filter(status="active", client_signed_at__isnull=True).exists()
    assert Consent.objects.exists()
    assert Disclosure.objects.exists()
    assert (
        Client.objects.filter(status=Client.Status.DISCHARGED, discharge__isnull=False).count() == 2
    )


def test_the_demo_clinic_has_a_revised_plan_whose_versions_differ(demo):
    revised = TreatmentPlan.objects.get(status="active", revises__isnull=False)
    assert revised.revises.status == "superseded"
    comparison = plan_comparison(
        plan=plan_list(client=revised.client).get(pk=revised.pk), against_pk=None
    )
    assert comparison.counts["added"]
    assert comparison.counts["removed"]
    assert comparison.counts["changed"]


def test_the_demo_clinic_has_a_telehealth_group_with_a_join_link(demo):
    group = Group.objects.get(is_telehealth=True, join_link__startswith="https://")
    assert group.enrollments.exists()
