"""Reads for attendance and documentation: which sessions a person may see, a session's roster,
Today, and what is overdue."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from clients.models import Client
from groups.models import Group
from iop.clock import day_bounds
from iop.models import User
from scheduling.models import (
    ATTENDED_STATUSES,
    Attendance,
    DropIn,
    ProgressNote,
    Session,
    SessionClient,
    SessionLog,
)

# An attended session's note is overdue this long after the session ends.
NOTE_DUE_AFTER = timedelta(hours=24)


def led_by(user: User) -> Q:
    """Sessions `user` leads or co-facilitates."""
    facilitated = Group.facilitators.through.objects.filter(user_id=user.pk).values("group_id")
    return Q(clinician_id=user.pk) | Q(group_id__in=facilitated)


def sessions_visible_to(user: User) -> QuerySet[Session]:
    """Admins see every session; clinicians the sessions they lead or co-facilitate; clients none
    (their schedule is another page)."""
    sessions = Session.objects.select_related("group", "client", "room", "clinician", "log")
    if user.is_admin:
        return sessions
    if user.is_clinician:
        return sessions.filter(led_by(user))
    return sessions.none()


def session_for_user(user: User, pk: int) -> Session:
    try:
        return sessions_visible_to(user).get(pk=pk)
    except Session.DoesNotExist:
        raise Http404("No such session.") from None


def may_document(user: User, session: Session) -> bool:
    """Only the clinicians who run a session take its attendance and write its notes."""
    return user.is_clinician and Session.objects.filter(led_by(user), pk=session.pk).exists()


def roster_clients(session: Session) -> QuerySet[Client]:
    """Who belongs on the session's attendance sheet: the session's clients (`SessionClient`: the
    group's roster on its date, or an individual session's client), its drop-ins, and anyone
    already recorded (so a row never vanishes when an enrollment is back-dated)."""
    on_session = SessionClient.objects.filter(session_id=session.pk, client=OuterRef("pk"))
    dropped_in = DropIn.objects.filter(session_id=session.pk, client=OuterRef("pk"))
    recorded = Attendance.objects.filter(session_id=session.pk, client=OuterRef("pk"))
    return Client.objects.filter(
        Exists(on_session) | Exists(dropped_in) | Exists(recorded)
    ).annotate(is_drop_in=Exists(dropped_in) & ~Exists(on_session))


def drop_in_candidates(session: Session) -> QuerySet[Client]:
    """What the drop-in menu offers before a search: the active caseload of the session's
    clinician (never the whole clinic)."""
    return Client.objects.filter(
        status=Client.Status.ACTIVE, primary_clinician_id=session.clinician_id
    ).order_by("legal_last_name", "legal_first_name", "pk")


@dataclass(frozen=True)
class RosterRow:
    client: Client
    attendance: Attendance | None
    note: ProgressNote | None

    @property
    def attended(self) -> bool:
        return self.attendance is not None and self.attendance.status in ATTENDED_STATUSES


def session_roster(session: Session) -> list[RosterRow]:
    """The attendance sheet in three queries, whatever the roster's size."""
    attendance = {row.client_id: row for row in Attendance.objects.filter(session_id=session.pk)}
    notes = {note.client_id: note for note in ProgressNote.objects.filter(session_id=session.pk)}
    return [
        RosterRow(client=client, attendance=attendance.get(client.pk), note=notes.get(client.pk))
        for client in roster_clients(session)
    ]


def session_log(session: Session) -> SessionLog:
    """The session's log, or an unsaved empty one (version 0) before anything was recorded."""
    try:
        return session.log
    except SessionLog.DoesNotExist:
        return SessionLog(session=session)


def _count(queryset: QuerySet, by: str) -> Coalesce:
    """A correlated COUNT(*) subquery over `queryset` (filtered on OuterRef `by`), 0 when empty."""
    counted = queryset.order_by().values(by).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def todays_sessions(user: User, day: date) -> QuerySet[Session]:
    """`user`'s sessions on the local date `day` with roster size, attendance taken or not, and how
    many attended clients still lack a signed note: one query."""
    start, end = day_bounds(day)
    attendance = Attendance.objects.filter(session_id=OuterRef("pk"))
    return (
        sessions_visible_to(user)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .annotate(
            enrolled_count=_count(
                SessionClient.objects.filter(session_id=OuterRef("pk")), "session_id"
            ),
            drop_in_count=_count(DropIn.objects.filter(session_id=OuterRef("pk")), "session_id"),
            attendance_count=_count(attendance, "session_id"),
            attended_count=_count(attendance.filter(status__in=ATTENDED_STATUSES), "session_id"),
            signed_note_count=_count(
                ProgressNote.objects.filter(session_id=OuterRef("pk"), signed_at__isnull=False),
                "session_id",
            ),
        )
        .annotate(unsigned_note_count=F("attended_count") - F("signed_note_count"))
    )


def overdue_notes(user: User, now: datetime) -> QuerySet[Attendance]:
    """Attended clients whose note is still unsigned 24 hours after the session ended: all of them
    for an admin, those of a clinician's sessions for a clinician."""
    signed = ProgressNote.objects.filter(
        session_id=OuterRef("session_id"), client_id=OuterRef("client_id"), signed_at__isnull=False
    )
    return (
        Attendance.objects.filter(
            session__in=sessions_visible_to(user).values("pk"),
            # The open work's partial index: the flag narrows, the signed-note test decides.
            note_signed=False,
            status__in=ATTENDED_STATUSES,
            session__status=Session.Status.SCHEDULED,
            session__ends_at__lte=now - NOTE_DUE_AFTER,
        )
        .exclude(Exists(signed))
        .select_related("client", "session__group", "session__client", "session__clinician")
        .order_by("session__starts_at", "client__legal_last_name")
    )


def sessions_missing_attendance(user: User, now: datetime) -> QuerySet[Session]:
    """Sessions that have ended with no attendance recorded."""
    return (
        sessions_visible_to(user)
        # The open work's partial index: the flag narrows, the attendance test decides.
        .filter(attendance_taken=False, status=Session.Status.SCHEDULED, ends_at__lte=now)
        .exclude(Exists(Attendance.objects.filter(session_id=OuterRef("pk"))))
        .order_by("starts_at")
    )
