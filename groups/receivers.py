"""Reactions of the group catalogue to the client record (connected in GroupsConfig.ready)."""

from datetime import date

from clients.models import Client

from .services import enrollments_end_for_client


def end_enrollments_on_discharge(*, client: Client, discharge_date: date, **kwargs: object) -> None:
    """A discharged client leaves every roster on the discharge date."""
    enrollments_end_for_client(client=client, end_date=discharge_date)
