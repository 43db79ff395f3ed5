"""Demo clients for `manage.py seed_demo`: twenty Faker people, never real ones."""

from datetime import timedelta

from django.utils import timezone
from faker import Faker

from iop.demo import DEMO_PASSWORD
from iop.models import Role, User
from iop.services import user_create

from .models import Client, ProgramTrack
from .services import client_admit, client_create

DEMO_CLIENTS = 20
ADOLESCENT_EVERY = 5  # one client in five is on the adolescent track


def seed_clients(fake: Faker, clinicians: list[User]) -> list[Client]:
    adult = ProgramTrack.objects.get(code="adult")
    adolescent = ProgramTrack.objects.get(code="adolescent")
    today = timezone.localdate()
    clients = []
    for number in range(1, DEMO_CLIENTS + 1):
        username = f"client{number}"
        existing = Client.objects.filter(user__username=username).first()
        if existing:
            clients.append(existing)
            continue
        is_adolescent = number % ADOLESCENT_EVERY == 0
        first, last = fake.first_name(), fake.last_name()
        login = user_create(
            username=username,
            role=Role.CLIENT,
            first_name=first,
            last_name=last,
            email=f"{username}@example.org",
            password=DEMO_PASSWORD,
        )
        client = client_create(
            legal_first_name=first,
            legal_last_name=last,
            date_of_birth=fake.date_of_birth(
                minimum_age=14 if is_adolescent else 19, maximum_age=17 if is_adolescent else 64
            ),
            track=adolescent if is_adolescent else adult,
            primary_clinician=clinicians[number % len(clinicians)],
            email=login.email,
            phone=fake.numerify("555-###-####"),
            user=login,
        )
        # Most are mid-program; the last few are still referred, awaiting intake.
        if number <= DEMO_CLIENTS - 3:
            client_admit(
                client=client, admission_date=today - timedelta(days=fake.random_int(3, 60))
            )
        clients.append(client)
    return clients
