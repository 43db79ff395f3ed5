"""Reactions of the group catalogue to the client record (connected in GroupsConfig.ready)."""

from datetime import date

from clients.models import Client
from iop.models import User

from .services import enrollments_end_for_client


def end_enrollments_on_discharge(
    *, client: Client, discharge_date: date, discharged_by: User, **kwargs: object
) -> None:
    """A discharged client leaves every roster on the discharge date; an enrollment that had not
    started yet is voided in the name of whoever recorded the discharge."""
    enrollments_end_for_client(client=client, end_date=discharge_date, actor=discharged_by)
