"""Opening one object of the client record for the person asking, and recording the read.

Each helper answers "may this user open this?" and returns the object, or raises Http404 when the
object does not exist or lies outside the user's reach, so nobody learns that it exists. The role
is checked before, by the view's decorator from `iop.access` (a wrong role is a 403). The reach
itself is one rule, `Client.objects.within_reach_of` (through `selectors.client_list`): admins
every client, clinicians the clients they care for or hold an emergency grant for, a client their
own record; a plan or consent is reached through its client. A staff member's access is a chart
read (`iop.services.chart_read_record`) with its `purpose`, recorded here, so no view can show
clinical data without it. A client opening their own record is not an access to account for.
"""

from typing import TypeVar

from django.http import Http404
from django.shortcuts import get_object_or_404

from iop.http import AuthedRequest
from iop.models import User
from iop.services import chart_read_record

from . import selectors
from .models import (
    Authorization,
    CheckIn,
    Client,
    ClinicalAlert,
    Consent,
    DrugScreen,
    Payer,
    ProgramTrack,
    TreatmentPlan,
)

Opened = TypeVar(
    "Opened", Authorization, Client, ClinicalAlert, Consent, DrugScreen, TreatmentPlan, CheckIn
)


def _read(request: AuthedRequest, opened: Opened, client_id: int, purpose: str) -> Opened:
    """Record the read only once the whole object was found: a 404 reads nothing."""
    chart_read_record(request=request, client_id=client_id, what=purpose)
    return opened


def _reachable(request: AuthedRequest, pk: int) -> Client:
    return _found(selectors.client_reachable_get(user=request.user, pk=pk))


def _found(client: Client | None) -> Client:
    if client is None:
        raise Http404("No client found.")
    return client


def access_client(*, request: AuthedRequest, pk: int, purpose: str) -> Client:
    client = _reachable(request, pk)
    return _read(request, client, client.pk, purpose)


def access_client_chart(*, request: AuthedRequest, pk: int, purpose: str) -> Client:
    """The client with everything the chart shows loaded, for the chart."""
    client = _found(selectors.client_chart_get(user=request.user, pk=pk))
    return _read(request, client, client.pk, purpose)


def access_own_client(*, user: User) -> Client:
    """The record of the client logged in to the portal; a login without one finds nothing."""
    return _found(selectors.own_client_get(user=user))


def access_plan(*, request: AuthedRequest, client_pk: int, pk: int, purpose: str) -> TreatmentPlan:
    """Plan `pk` of client `client_pk`, with its whole tree."""
    client = _reachable(request, client_pk)
    return _read(
        request, get_object_or_404(selectors.plan_list(client=client), pk=pk), client.pk, purpose
    )


def access_own_plan(*, user: User, pk: int) -> TreatmentPlan:
    """Plan `pk` of the client logged in to the portal, with its whole tree. A draft is the
    clinician's work in progress: the client sees a plan once it was signed."""
    client = access_own_client(user=user)
    plans = selectors.plan_list(client=client).exclude(status=TreatmentPlan.Status.DRAFT)
    return get_object_or_404(plans, pk=pk)


def access_consent(*, request: AuthedRequest, client_pk: int, pk: int, purpose: str) -> Consent:
    client = _reachable(request, client_pk)
    return _read(
        request, get_object_or_404(selectors.consent_list(client=client), pk=pk), client.pk, purpose
    )


def access_authorization(
    *, request: AuthedRequest, client_pk: int, pk: int, purpose: str
) -> Authorization:
    client = _reachable(request, client_pk)
    return _read(
        request,
        get_object_or_404(selectors.authorization_list(client=client), pk=pk),
        client.pk,
        purpose,
    )


def access_client_to_export(*, request: AuthedRequest, pk: int) -> Client:
    """A client whose records go into a printable page or a CSV file: reached as any other, but
    recorded by `iop.exports` as one export rather than here as a read."""
    return _reachable(request, pk)


def access_client_to_disclose(*, request: AuthedRequest, pk: int) -> Client:
    """The client, with everything the chart shows, for printing part of the record under a
    consent. Opening the form is a read of the chart, recorded here; the printed page a POST
    answers is a disclosure, recorded by `iop.exports` as one export and not also as a read (a
    refused POST shows the form again, whose read was recorded when it was opened)."""
    client = _found(selectors.client_chart_get(user=request.user, pk=pk))
    if request.method == "POST":
        return client
    return _read(request, client, client.pk, "print or export under a consent")


def access_checkin(*, request: AuthedRequest, client_pk: int, pk: int, purpose: str) -> CheckIn:
    """Check-in `pk` of client `client_pk`, with its answers: a chart read."""
    client = _reachable(request, client_pk)
    return _read(
        request, get_object_or_404(selectors.checkin_list(client=client), pk=pk), client.pk, purpose
    )


def access_own_checkin(*, user: User, pk: int) -> CheckIn:
    """Check-in `pk` of the client logged in to the portal; another client's is not found."""
    client = access_own_client(user=user)
    return get_object_or_404(selectors.checkin_list(client=client), pk=pk)


def access_clinical_alert(
    *, request: AuthedRequest, client_pk: int, pk: int, purpose: str
) -> ClinicalAlert:
    """Alert `pk` of client `client_pk`, whose follow-up is documented by a clinician in reach."""
    client = _reachable(request, client_pk)
    alerts = selectors.clinical_alert_list(client=client)
    return _read(request, get_object_or_404(alerts, pk=pk), client.pk, purpose)


def access_drug_screen(
    *, request: AuthedRequest, client_pk: int, pk: int, purpose: str
) -> DrugScreen:
    client = _reachable(request, client_pk)
    screens = selectors.drug_screen_list(client=client).select_related("client")
    return _read(request, get_object_or_404(screens, pk=pk), client.pk, purpose)


def access_payer(*, user: User, pk: int) -> Payer:
    """A payer, for an admin (clinic set-up; it holds no client data)."""
    payers = selectors.payer_list()
    return get_object_or_404(payers if user.is_admin else payers.none(), pk=pk)


def access_track(*, user: User, pk: int) -> ProgramTrack:
    """A program track, for an admin (it is their set-up; it holds no client data)."""
    tracks = selectors.track_list()
    return get_object_or_404(tracks if user.is_admin else tracks.none(), pk=pk)
