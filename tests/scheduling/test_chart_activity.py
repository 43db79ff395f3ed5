"""The chart's scheduling panel: upcoming sessions, this week's hours, recent notes."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from iop.models import ChartRead
from scheduling.models import SessionType
from tests import factories


def test_the_chart_loads_its_scheduling_panel(client, clinician, alice):
    client.force_login(clinician)
    page = client.get(reverse("clients:chart", args=[alice.pk])).content.decode()
    assert f'hx-get="{reverse("scheduling:client-activity", args=[alice.pk])}"' in page


def test_the_panel_shows_upcoming_sessions_hours_and_notes(client, clinician, alice):
    upcoming = factories.SessionFactory(
        session_type=SessionType.INDIVIDUAL,
        group=None,
        client=alice,
        clinician=clinician,
        starts_at=timezone.now() + timedelta(days=2),
    )
    note = factories.ProgressNoteFactory(client=alice)
    client.force_login(clinician)
    response = client.get(reverse("scheduling:client-activity", args=[alice.pk]))
    assert list(response.context["upcoming"]) == [upcoming]
    assert list(response.context["notes"]) == [note]
    assert b"Hours this week" in response.content
    assert ChartRead.objects.filter(
        client_ids__contains=[alice.pk], what="sessions, hours and notes"
    ).exists()


def test_the_panel_is_for_staff_only(client, alice, bob):
    client.force_login(bob.user)
    assert client.get(reverse("scheduling:client-activity", args=[alice.pk])).status_code == 403


def test_the_panel_keeps_a_constant_number_of_queries(
    client, clinician, alice, django_assert_max_num_queries
):
    client.force_login(clinician)
    url = reverse("scheduling:client-activity", args=[alice.pk])
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for day in range(1, 10):
        factories.SessionFactory(
            session_type=SessionType.INDIVIDUAL,
            group=None,
            client=alice,
            clinician=clinician,
            starts_at=timezone.now() + timedelta(days=day),
        )
        factories.ProgressNoteFactory(client=alice)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
