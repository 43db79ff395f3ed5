"""Opening one object of the client record for the person asking.

Each helper answers "may this user open this?" and returns the object, or raises Http404 when the
object does not exist or lies outside the user's reach, so nobody learns that it exists. The role
is checked before, by the view's decorator from `iop.access` (a wrong role is a 403). The reach
itself is one selector, `selectors.client_list(user=...)`: staff reach every client, a client
only their own record; a plan or consent is reached through its client.
"""

from django.shortcuts import get_object_or_404

from iop.models import User

from . import selectors
from .models import Client, Consent, TreatmentPlan


def access_client(*, user: User, pk: int) -> Client:
    return get_object_or_404(selectors.client_list(user=user), pk=pk)


def access_client_chart(*, user: User, pk: int) -> Client:
    """The client with everything the chart shows loaded, for the chart and printed disclosures."""
    return get_object_or_404(selectors.client_chart_list(user=user), pk=pk)


def access_own_client(*, user: User) -> Client:
    """The record of the client logged in to the portal; a login without one finds nothing."""
    return get_object_or_404(selectors.client_list(user=user), user=user)


def access_plan(*, user: User, client_pk: int, pk: int) -> TreatmentPlan:
    """Plan `pk` of client `client_pk`, with its whole tree."""
    client = access_client(user=user, pk=client_pk)
    return get_object_or_404(selectors.plan_list(client=client), pk=pk)


def access_own_plan(*, user: User, pk: int) -> TreatmentPlan:
    """Plan `pk` of the client logged in to the portal, with its whole tree. A draft is the
    clinician's work in progress: the client sees a plan once it was signed."""
    client = access_own_client(user=user)
    plans = selectors.plan_list(client=client).exclude(status=TreatmentPlan.Status.DRAFT)
    return get_object_or_404(plans, pk=pk)


def access_consent(*, user: User, client_pk: int, pk: int) -> Consent:
    client = access_client(user=user, pk=client_pk)
    return get_object_or_404(selectors.consent_list(client=client), pk=pk)
