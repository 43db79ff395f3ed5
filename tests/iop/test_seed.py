from django.core.management import call_command

from clients.models import Client
from iop.models import Role, User


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
