"""Seed the demo clinic (idempotent): the clients' stories (demo.story) told in dependency order,
staff, clients, rosters, the calendar and its history, the weeks closed, discharges, drug screens,
the sessions ahead, then this week's hours and reminders."""

from base64 import b32encode
from binascii import unhexlify

from django.core.management.base import BaseCommand
from django.db import transaction
from faker import Faker

from clients.models import Client
from demo.authorizations import seed_authorizations
from demo.clients import seed_clients, seed_discharges
from demo.groups import seed_groups
from demo.history import seed_attendance_history, seed_calendar, seed_documentation
from demo.hours import seed_past_weeks, seed_this_week
from demo.measures import seed_measures
from demo.people import DEMO_PASSWORD, DEMO_TOTP_KEY, seed_staff
from demo.screens import seed_drug_screens
from demo.sessions import seed_sessions
from scheduling.models import ProgressNote


class Command(BaseCommand):
    help = "Create a demo clinic with Faker data (never real people). Safe to run again."

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        fake = Faker("en_US")
        Faker.seed(2026)
        admin, clinicians = seed_staff(fake)
        clients = seed_clients(fake, clinicians)
        seed_groups(clinicians, clients)
        seed_calendar(admin)
        seed_attendance_history(fake, clients)
        seed_documentation(fake, clients)
        seed_past_weeks()
        seed_discharges(clients)
        clients = list(
            Client.objects.filter(pk__in=[c.pk for c in clients])
            .select_related("track", "user", "primary_clinician")
            .order_by("pk")
        )
        seed_drug_screens(clients)
        seed_sessions(clinicians, clients)
        seed_this_week(clients)
        seed_measures(clients)
        seed_authorizations(clients, admin=admin)
        notes = ProgressNote.objects.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo clinic ready: {len(clients)} clients, 12 weeks of attendance, {notes} notes."
            )
        )
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD!r} for all):")
        self.stdout.write(f"  admin:     {admin.username}")
        self.stdout.write(f"  clinician: {', '.join(c.username for c in clinicians)}")
        self.stdout.write(f"  client:    client1 ... client{len(clients)}")
        self.stdout.write(
            "Staff then enter a code: `make totp USER=admin` prints it, or add the secret "
            f"{b32encode(unhexlify(DEMO_TOTP_KEY)).decode()} to an authenticator app."
        )
