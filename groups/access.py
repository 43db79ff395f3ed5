"""Opening one group or enrollment for the person asking.

As in `clients.access`: each helper returns the object, or raises Http404 when it does not exist
or lies outside the user's reach. Groups and rosters are the admins' to manage; the views' role
decorator (`iop.access.admin_required`) turns anyone else away with a 403 first, and these helpers
reach nothing for them, so they are safe on their own.
"""

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404

from iop.models import User

from . import selectors
from .models import Enrollment, Group, Room

Row = TypeVar("Row", bound=Model)


def _managed_by(user: User, rows: QuerySet[Row]) -> QuerySet[Row]:
    return rows if user.is_admin else rows.none()


def access_group(*, user: User, pk: int) -> Group:
    return get_object_or_404(
        _managed_by(user, Group.objects.select_related("room", "track")), pk=pk
    )


def access_enrollment(*, user: User, pk: int | str, group: Group | None = None) -> Enrollment:
    """A live enrollment (a voided one no longer changes) with its client and group; one of
    `group`'s when given."""
    enrollments = Enrollment.objects.live().select_related("client", "group")
    if group is not None:
        enrollments = enrollments.filter(group=group)
    return get_object_or_404(_managed_by(user, enrollments), pk=pk)


def access_room(*, user: User, pk: int) -> Room:
    return get_object_or_404(_managed_by(user, selectors.room_list()), pk=pk)
