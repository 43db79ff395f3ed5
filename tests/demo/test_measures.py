"""The demo's check-ins tell its story: baselines at admission, scores on schedule, most clients
improving, the struggling client not, and one urgent alert open."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from clients import measures
from clients.models import CheckIn, Client, ClinicalAlert
from clients.selectors import checkin_overdue_list, measure_trend_list
from tests.demo import THURSDAY_EVENING

CLINIC = ZoneInfo(settings.TIME_ZONE)


@pytest.fixture
def demo(seeded_on_a_thursday_evening, db):
    with time_machine.travel(THURSDAY_EVENING, tick=False):
        yield


def _client(number: int) -> Client:
    return Client.objects.get(user__username=f"client{number}")


def test_every_admitted_client_has_a_baseline_of_each_instrument_on_admission_day(demo):
    admitted = Client.objects.filter(admission_date__isnull=False)
    assert admitted.count() == 17
    for client in admitted:
        baselines = CheckIn.objects.filter(client=client, occasion="admission")
        assert set(baselines.values_list("instrument__code", flat=True)) == {
            "phq-9",
            "gad-7",
            "bam",
        }
        assert set(baselines.values_list("due_on", flat=True)) == {client.admission_date}


def test_scores_follow_the_schedule_and_are_what_the_answers_score(demo):
    client = _client(1)  # admitted eleven weeks ago, in the program since
    submitted = CheckIn.objects.filter(client=client, submitted_at__isnull=False)
    assert submitted.filter(instrument__code="bam").count() == 12  # admission, then weekly
    assert submitted.filter(instrument__code="phq-9").count() == 6  # admission, every two weeks
    for check_in in CheckIn.objects.filter(submitted_at__isnull=False).select_related("version"):
        assert check_in.scores == measures.score(check_in.version.definition, check_in.answers)


def test_most_clients_improve_and_the_struggling_client_does_not(demo):
    responders, long_enough = 0, 0
    for client in Client.objects.filter(
        admission_date__lte=THURSDAY_EVENING.date() - timedelta(weeks=6)
    ):
        (phq,) = [t for t in measure_trend_list(client=client) if t.instrument.code == "phq-9"]
        long_enough += 1
        responders += bool(phq.response)
        if client.user.username == "client6":
            assert not phq.response
            assert phq.latest.score >= phq.baseline.score - 2
    assert long_enough >= 8
    assert (
        responders >= long_enough - 2
    )  # all but the struggling client and perhaps the one who left


def test_one_urgent_alert_is_open_for_the_struggling_clients_latest_phq_9(demo):
    (alert,) = ClinicalAlert.objects.filter(
        followed_up_at__isnull=True, kind=ClinicalAlert.Kind.SELF_HARM_RISK
    )
    assert alert.urgent
    assert alert.kind == ClinicalAlert.Kind.SELF_HARM_RISK
    assert alert.client == _client(6)
    latest = CheckIn.objects.filter(client=alert.client, instrument__code="phq-9").latest("due_on")
    assert alert.source == latest
    assert latest.answers["9"] == 1


def test_the_struggling_clients_latest_bam_is_overdue_on_their_clinicians_today(demo):
    client = _client(6)
    overdue = checkin_overdue_list(clinician=client.primary_clinician)
    assert [(c.client, c.instrument.code) for c in overdue if c.client == client] == [
        (client, "bam")
    ]
