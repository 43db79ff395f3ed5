from django.db.models import QuerySet
from django.http import Http404

from iop.models import User

from .models import Client


def clients_visible_to(user: User) -> QuerySet[Client]:
    """Staff see every client of the program; a client sees only their own record."""
    clients = Client.objects.select_related("track", "primary_clinician")
    if user.is_clinic_staff:
        return clients
    return clients.filter(user=user)


def client_for_user(user: User, pk: int) -> Client:
    """The client `pk` if `user` may see it; 404 otherwise, so nobody learns that it exists."""
    try:
        return clients_visible_to(user).get(pk=pk)
    except Client.DoesNotExist:
        raise Http404("No such client.") from None


def caseload(clinician: User) -> QuerySet[Client]:
    return (
        Client.objects.filter(primary_clinician=clinician)
        .exclude(status=Client.Status.DISCHARGED)
        .select_related("track")
    )


def own_client_record(user: User) -> Client:
    try:
        return Client.objects.select_related("track", "primary_clinician").get(user=user)
    except Client.DoesNotExist:
        raise Http404("This login is not linked to a client record.") from None
