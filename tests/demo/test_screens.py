"""The demo's drug screens: a screen a week for every client in the program over the chart's
weeks, expected positives for the clients on buprenorphine, and one unexpected positive (the
struggling client's cocaine last week) whose alert waits on top of their clinician's Today."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, ClinicalAlert, DrugScreen, DrugScreenResult, ScreenResult
from iop.clock import week_start_of
from tests.demo import THURSDAY_EVENING


@pytest.fixture
def demo(seeded_on_a_thursday_evening, db):
    with time_machine.travel(THURSDAY_EVENING, tick=False):
        yield


def test_every_client_in_the_program_gives_a_screen_a_week(demo):
    today = timezone.localdate()
    admitted = Client.objects.filter(admission_date__isnull=False)
    assert admitted.count() == 17
    for client in admitted:
        days = list(client.drug_screens.values_list("collected_on", flat=True))
        last = min(today, client.discharge_date or today)
        weeks = (week_start_of(last) - week_start_of(client.admission_date)).days // 7 + 1
        assert len(days) >= weeks - 1, client.mrn  # this week's Wednesday may precede admission
        assert len({week_start_of(day) for day in days}) == len(days), client.mrn
        assert all(client.admission_date <= day <= last for day in days), client.mrn
    assert not DrugScreen.objects.filter(
        collected_on__lt=week_start_of(today) - timedelta(weeks=11)
    ).exists()


def test_clients_on_buprenorphine_test_positive_for_it_as_expected(demo):
    on_buprenorphine = Client.objects.filter(medications__name__icontains="buprenorphine")
    assert on_buprenorphine.count() >= 2
    for client in on_buprenorphine:
        results = DrugScreenResult.objects.filter(screen__client=client, substance="buprenorphine")
        assert results.exists()
        assert set(results.values_list("result", flat=True)) == {ScreenResult.EXPECTED}
    others = DrugScreenResult.objects.exclude(screen__client__in=on_buprenorphine)
    assert not others.filter(result=ScreenResult.EXPECTED).exists()


def test_one_unexpected_positive_waits_for_its_follow_up_on_top_of_today(demo, client):
    (positive,) = DrugScreenResult.objects.filter(result=ScreenResult.POSITIVE).select_related(
        "screen__client__user", "screen__client__primary_clinician"
    )
    screen = positive.screen
    struggling = screen.client
    assert (struggling.user.username, positive.substance) == ("client6", "cocaine")
    last_week = week_start_of(timezone.localdate()) - timedelta(weeks=1)
    assert week_start_of(screen.collected_on) == last_week
    alert = ClinicalAlert.objects.get(kind=ClinicalAlert.Kind.UNEXPECTED_POSITIVE_SCREEN)
    assert (alert.client, alert.source, alert.is_open) == (struggling, screen, True)
    assert timezone.localdate(alert.opened_at) == screen.collected_on
    client.force_login(struggling.primary_clinician)
    page = client.get(reverse("scheduling:today")).content.decode()
    assert page.index("Unexpected positive drug screen") < page.index("<table")
    assert struggling.display_name in page
