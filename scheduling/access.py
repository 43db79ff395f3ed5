"""One object for one person, or 404: how a scheduling view gets what a URL names.

Each helper scopes the lookup to what the user may see (through the selectors), so an object
outside the user's reach answers exactly like one that does not exist, and nobody learns which.
A client's data is reached within the one rule of reach (`clients.selectors.client_list`), and
the helpers that show it record the read (`iop.services.chart_read_record`) with its purpose.
Views call these rather than `get_object_or_404` on a bare queryset."""

from django.http import Http404

from clients.models import Client
from clients.selectors import client_list
from iop.http import AuthedRequest
from iop.models import User
from iop.services import chart_read_record, chart_reads_record
from scheduling.feed_tokens import token_hash
from scheduling.models import (
    CalendarFeed,
    ClinicClosure,
    ComplianceAlert,
    ProgressNote,
    Session,
)
from scheduling.selectors.attendance import (
    RosterRow,
    roster_client_list,
    roster_row_list,
    session_get,
    session_list,
)
from scheduling.selectors.closures import closure_in_force_list


def access_session(*, user: User, pk: int) -> Session:
    """A session the user may see: admins any, clinicians the ones they lead or co-facilitate."""
    try:
        return session_get(user=user, pk=pk)
    except Session.DoesNotExist:
        raise Http404("No such session.") from None


def access_session_roster(
    *, request: AuthedRequest, session: Session, purpose: str
) -> list[RosterRow]:
    """The attendance sheet of a session reached with `access_session`: one read naming every client on it."""
    roster = roster_row_list(session=session)
    chart_reads_record(request=request, client_ids=[row.client.pk for row in roster], what=purpose)
    return roster


def access_roster_client(
    *, request: AuthedRequest, session: Session, pk: int, purpose: str
) -> Client:
    """A client on the session's attendance sheet (reach the session with `access_session`) and
    within the user's reach."""
    reachable = roster_client_list(session=session).filter(
        pk__in=client_list(user=request.user, among=[pk]).values("pk")
    )
    try:
        client = reachable.get(pk=pk)
    except Client.DoesNotExist:
        raise Http404("No such client in this session.") from None
    chart_read_record(request=request, client_id=client.pk, what=purpose)
    return client


def access_note(*, user: User, pk: int) -> ProgressNote:
    """A progress note of a session the user may see."""
    notes = ProgressNote.objects.filter(session__in=session_list(user=user).values("pk"))
    try:
        return notes.get(pk=pk)
    except ProgressNote.DoesNotExist:
        raise Http404("No such note.") from None


def access_alert(*, request: AuthedRequest, pk: int, purpose: str) -> ComplianceAlert:
    """An alert the user may act on: admins any, clinicians their caseload's (resolving an alert
    is the primary clinician's duty, narrower than reach)."""
    alerts = ComplianceAlert.objects.select_related("client", "client__track")
    if not request.user.is_admin:
        alerts = alerts.filter(client__primary_clinician=request.user)
    try:
        alert = alerts.get(pk=pk)
    except ComplianceAlert.DoesNotExist:
        raise Http404("No such alert.") from None
    chart_read_record(request=request, client_id=alert.client_id, what=purpose)
    return alert


def access_clinician(*, pk: int) -> User:
    """A clinician who can be given work (an admin picks whose week to see); a deactivated
    account is not offered, so it is not found either."""
    try:
        return User.objects.clinicians().get(pk=pk)
    except User.DoesNotExist:
        raise Http404("No such clinician.") from None


def access_calendar_feed(*, token: str) -> CalendarFeed:
    """The live feed a token opens, with its owner; an unknown or revoked token, or a deactivated
    owner, opens nothing."""
    try:
        return CalendarFeed.objects.select_related("user").get(
            token_hash=token_hash(token), revoked_at__isnull=True, user__is_active=True
        )
    except CalendarFeed.DoesNotExist:
        raise Http404("No such calendar.") from None


def access_closure(*, pk: int) -> ClinicClosure:
    """A closure in force (admins only reach the page): a withdrawn one is history."""
    try:
        return closure_in_force_list().get(pk=pk)
    except ClinicClosure.DoesNotExist:
        raise Http404("No such closure.") from None
