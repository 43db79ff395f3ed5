"""factory_boy factories. Clinical rows are created through the services, as the app does."""

import factory
from faker import Faker

from clients.models import Client, ProgramTrack
from clients.services import client_admit, client_create
from iop.models import Role, User
from iop.services import user_create

fake = Faker()
PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    role = Role.CLINICIAN

    @classmethod
    def _create(cls, model_class, **kwargs):
        return user_create(password=PASSWORD, **kwargs)


class ProgramTrackFactory(factory.django.DjangoModelFactory):
    """The adult track as the migration creates it. Transactional tests (live server, Celery worker)
    flush migration data, so factories get-or-create it rather than assume it is there."""

    class Meta:
        model = ProgramTrack
        django_get_or_create = ("code",)

    code = "adult"
    name = "Adult IOP"
    weekly_minimum_minutes = 540
    weekly_maximum_minutes = 1140
    minimum_treatment_days = 3


class ClientFactory(factory.django.DjangoModelFactory):
    """An active adult client with a portal login; status="referred" gives one not admitted."""

    class Meta:
        model = Client

    legal_first_name = factory.Faker("first_name")
    legal_last_name = factory.Faker("last_name")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=19, maximum_age=70)
    track = factory.SubFactory(ProgramTrackFactory)
    primary_clinician = factory.SubFactory(UserFactory, role=Role.CLINICIAN)
    user = factory.SubFactory(UserFactory, role=Role.CLIENT)
    status = Client.Status.ACTIVE
    admission_date = factory.Faker("date_between", start_date="-30d", end_date="-7d")

    @classmethod
    def _create(cls, model_class, *, status, admission_date, **kwargs):
        client = client_create(**kwargs)
        if status == Client.Status.ACTIVE:
            client_admit(client=client, admission_date=admission_date)
        return client
