"""Seed a demo clinic (idempotent). Lives in `scheduling`, the top app, so it may call every app's
demo module in dependency order."""

from django.core.management.base import BaseCommand
from django.db import transaction
from faker import Faker

from clients.demo import seed_clients
from groups.demo import seed_groups
from iop.demo import DEMO_PASSWORD, seed_staff
from scheduling.demo import seed_sessions
from scheduling.demo_documentation import seed_documentation
from scheduling.demo_hours import seed_hours_and_reminders
from scheduling.models import ProgressNote


class Command(BaseCommand):
    help = "Create a demo clinic with Faker data (never real people). Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options):
        fake = Faker("en_US")
        Faker.seed(2026)
        admin, clinicians = seed_staff(fake)
        clients = seed_clients(fake, clinicians)
        seed_groups(clinicians, clients)
        seed_sessions(clinicians, clients)
        seed_documentation(fake, clinicians, clients)
        seed_hours_and_reminders(fake, clients)
        notes = ProgressNote.objects.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo clinic ready: {len(clients)} clients, 12 weeks of attendance, {notes} notes."
            )
        )
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD!r} for all):")
        self.stdout.write(f"  admin:     {admin.username}")
        self.stdout.write(f"  clinician: {', '.join(c.username for c in clinicians)}")
        self.stdout.write(f"  client:    {clients[0].user.username} ... client{len(clients)}")
