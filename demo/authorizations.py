"""Demo payers and authorizations. Every admitted client has an H0015 authorization from their
admission for twelve weeks, except that: clients 3 and 7 have two units left at their current
rate (utilization review due this week), and client 12's authorization started a week after
admission, so their first week's attended days are flagged as unauthorized. Client 1's twelve
weeks end within the week. Idempotent: a client who already has an authorization is left alone."""

from datetime import date, timedelta

from django.db import transaction

from clients.models import Authorization, Client, Payer
from clients.services.authorizations import authorization_create, payer_create
from iop.clock import today
from iop.models import User
from scheduling.selectors.authorizations import authorization_usage_list
from scheduling.services.authorizations import utilization_reviews_update

from .story import story_of

PAYERS = {
    "Keystone Health Plan": {"H0015": 180},
    "State Medicaid": {"H0015": 180, "S9480": 180},
}
RUNNING_OUT = {3, 7}
LATE_START = {12}
UNITS = 48  # twelve weeks of four days


def _payer(name: str, admin: User) -> Payer:
    return Payer.objects.filter(name=name).first() or payer_create(
        name=name, unit_rules=PAYERS[name], actor=admin
    )


def _units_used_from(client: Client, payer: Payer, first_day: date, last_day: date) -> int:
    """Units the client has used since `first_day`: counted by a trial authorization that is
    rolled back, so the demo counts them by the product's own rule."""
    savepoint = transaction.savepoint()
    trial = authorization_create(
        client=client, payer=payer, number="TRIAL", service_code="H0015", units_authorized=366,
        first_day=first_day, last_day=last_day, actor=client.primary_clinician,
    )  # fmt: skip
    used = authorization_usage_list(authorizations=[trial])[0].units_used
    transaction.savepoint_rollback(savepoint)
    return used


def seed_authorizations(clients: list[Client], *, admin: User) -> None:
    payers = [_payer(name, admin) for name in PAYERS]
    covered = set(Authorization.objects.values_list("client_id", flat=True))
    for client in clients:
        story = story_of(client)
        if story is None or client.admission_date is None or client.pk in covered:
            continue
        payer = payers[story.number % len(payers)]
        first_day = client.admission_date
        if story.number in LATE_START:
            first_day += timedelta(days=7)
        last_day = client.admission_date + timedelta(weeks=12, days=-1)
        units = UNITS
        if story.number in RUNNING_OUT:
            units = _units_used_from(client, payer, first_day, last_day) + 2
        authorization_create(
            client=client,
            payer=payer,
            number=f"{payer.name[:2].upper()}{client.mrn[-5:]}{story.number:02d}",
            service_code="H0015",
            units_authorized=units,
            first_day=min(first_day, today()),
            last_day=last_day,
            actor=client.primary_clinician,
        )
    utilization_reviews_update()
