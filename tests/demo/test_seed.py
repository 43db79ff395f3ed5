from django.core.management import call_command

from clients.models import Client
from groups.models import Enrollment, Group
from iop.models import Role, User
from scheduling.models import Session


def test_seed_demo_creates_a_clinic_and_a_second_run_reuses_it(db):
    call_command("seed_demo")
    counts = (User.objects.count(), Client.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Client.objects.count()) == counts
    assert User.objects.filter(role=Role.ADMIN).count() == 1
    assert User.objects.filter(role=Role.CLINICIAN).count() == 3
    assert Client.objects.count() == 20
    assert Client.objects.filter(status=Client.Status.ACTIVE).count() == 15
    assert Client.objects.filter(status=Client.Status.DISCHARGED).count() == 2
    assert Client.objects.filter(track__code="adolescent").count() == 4


def test_seed_demo_fills_rosters_and_calendars_once(db):
    call_command("seed_demo")
    counts = (Group.objects.count(), Enrollment.objects.count(), Session.objects.count())
    call_command("seed_demo")
    assert (Group.objects.count(), Enrollment.objects.count(), Session.objects.count()) == counts
    assert counts[0] == 5
    assert counts[1] >= 15  # every active client is on at least one roster
    # A weekly series for every active client: three sessions, fewer when the planned length of
    # their program ends sooner (a series stops at its expected end).
    per_client = [
        Session.objects.filter(client=client).count()
        for client in Client.objects.filter(status="active")
    ]
    assert len(per_client) == 15
    assert all(1 <= count <= 3 for count in per_client), per_client
    assert per_client.count(3) >= 10
