"""Reads for attendance and documentation: which sessions a person may see and document, a
session's roster, how long its attendance may run, Today, and what is overdue."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    Expression,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients.models import Client, TreatmentPlan
from clients.selectors import plan_reviews_overdue
from iop.clock import day_bounds
from iop.clock import today as clinic_today
from iop.models import Role, User
from iop.statements import Slot, Statement, ids_in, role_user
from scheduling.models import (
    ATTENDED_STATUSES,
    Attendance,
    DropIn,
    ProgressNote,
    Session,
    SessionClient,
    SessionLog,
)
from scheduling.selectors.authorizations import unauthorized_days_list
from scheduling.selectors.sessions import (
    CLINICIAN_NAME_FIELDS,
    SESSION_NAME_FIELDS,
    session_is_led_by,
)

# An attended session's note is overdue this long after the session ends.
NOTE_DUE_AFTER = timedelta(hours=24)


def session_is_visible_to(*, user: User, via: str = "") -> Q:
    """Admins see every session; clinicians the sessions they lead or co-facilitate; clients none
    (their schedule is another page). `via` is the path to the session from another model."""
    if user.is_admin:
        return Q()
    if user.is_clinician:
        return session_is_led_by(user=user, via=via)
    return Q(**{f"{via}pk__in": []})


def session_list(*, user: User) -> QuerySet[Session]:
    """The sessions `user` may see (session_is_visible_to). Each list selects the tables it
    shows, no more: every table joined multiplies the planner's work on these partially indexed
    queries (seven tables took 40 ms to plan a 1 ms query, four 3 ms)."""
    return Session.objects.filter(session_is_visible_to(user=user))


def session_get(*, user: User, pk: int) -> Session:
    """One session `user` may see, with what every session page shows, and `documentable`:
    whether the user documents it (`session_is_documentable_by`), asked in the same query. An
    individual session's client and a series are read when there is one: PostgreSQL took 3.8 ms
    to plan the join of seven tables for one row, 1.1 ms for five."""
    rows = _SESSION.run({"role": user.role}, user=user.pk, session=pk)
    if not rows:
        raise Session.DoesNotExist
    return rows[0]


def _session(role: str) -> QuerySet[Session]:
    user = role_user(role)
    return (
        session_list(user=user)
        .select_related("group", "room", "clinician", "log")
        .annotate(documentable=session_documentable(user=user))
        .filter(pk=Slot("session"))
    )


_SESSION: Statement[Session] = Statement(_session)


def session_is_documentable_by(*, session: Session, user: User) -> bool:
    """Only the clinicians who run a session take its attendance and write its notes: an admin
    sees the session but does not document it."""
    return (
        user.is_clinician
        and Session.objects.filter(session_is_led_by(user=user), pk=session.pk).exists()
    )


def session_documentable(*, user: User) -> Expression:
    """`session_is_documentable_by` as a column of a query of sessions, so a page or a save that
    reads the session anyway is not one query more."""
    if not user.is_clinician:
        return Value(False)
    return ExpressionWrapper(session_is_led_by(user=user), output_field=BooleanField())


def roster_client_list(*, session: Session) -> QuerySet[Client]:
    """Who belongs on the session's attendance sheet: the session's clients (`SessionClient`: the
    group's roster on its date, or an individual session's client), its drop-ins, and anyone
    already recorded (so a row never vanishes when an enrollment is back-dated)."""
    return _roster_clients(session.pk)


def _roster_clients(session_id: int | Slot) -> QuerySet[Client]:
    on_session = SessionClient.objects.filter(session_id=session_id)
    dropped_in = DropIn.objects.filter(session_id=session_id)
    recorded = Attendance.objects.filter(session_id=session_id)
    # One list of ids, then the clients by key: three EXISTS joined by OR were tested against
    # every client of the clinic (11,000 at the bench's scale 1, 75 ms; now 1 ms).
    on_sheet = on_session.values("client_id").union(
        dropped_in.values("client_id"), recorded.values("client_id")
    )
    return Client.objects.filter(pk__in=on_sheet).annotate(
        is_drop_in=Exists(dropped_in.filter(client=OuterRef("pk")))
        & ~Exists(on_session.filter(client=OuterRef("pk")))
    )


def drop_in_candidate_list(*, session: Session, exclude_ids: list[int], limit: int) -> list[Client]:
    """What the drop-in menu offers before a search: the first `limit` of the active caseload of
    the session's clinician (never the whole clinic), less `exclude_ids` (those on the sheet)."""
    return _DROP_IN_CANDIDATES.run(
        {"limit": limit}, clinician=session.clinician_id, exclude=exclude_ids
    )


_DROP_IN_CANDIDATES: Statement[Client] = Statement(
    lambda limit: (
        Client.objects.filter(status=Client.Status.ACTIVE, primary_clinician_id=Slot("clinician"))
        .exclude(ids_in("pk", "exclude"))
        .only(*Client.LABEL_FIELDS)
        .order_by("legal_last_name", "legal_first_name", "pk")[:limit]
    )
)


@dataclass(frozen=True)
class RosterRow:
    client: Client
    attendance: Attendance | None
    note: ProgressNote | None
    # Attended on a day no live authorization covers: attendance the clinic cannot bill.
    unauthorized: bool = False

    @property
    def attended(self) -> bool:
        return self.attendance is not None and self.attendance.status in ATTENDED_STATUSES


def roster_row_list(*, session: Session) -> list[RosterRow]:
    """The attendance sheet in four queries, whatever the roster's size: who attended on a day no
    authorization covers is asked of `unauthorized_days_list` for the whole sheet at once."""
    attendance = {row.client_id: row for row in _SESSION_ATTENDANCE.run(session=session.pk)}
    notes = {note.client_id: note for note in _SESSION_NOTES.run(session=session.pk)}
    attended = [pk for pk, row in attendance.items() if row.status in ATTENDED_STATUSES]
    day = timezone.localdate(session.starts_at)
    unauthorized = unauthorized_days_list(client_ids=attended, first_day=day, last_day=day)
    return [
        RosterRow(
            client=client,
            attendance=attendance.get(client.pk),
            note=notes.get(client.pk),
            unauthorized=client.pk in unauthorized,
        )
        for client in _ROSTER_CLIENTS.run(session=session.pk)
    ]


# The sheet reads what its rows show (a client's name, their status and minutes, whether their
# note is signed), not every column of each row.
_SESSION_ATTENDANCE: Statement[Attendance] = Statement(
    lambda: Attendance.objects.filter(session_id=Slot("session")).only(
        "client_id", "status", "minutes_attended"
    )
)
_SESSION_NOTES: Statement[ProgressNote] = Statement(
    lambda: ProgressNote.objects.filter(session_id=Slot("session")).only("client_id", "signed_at")
)
_ROSTER_CLIENTS: Statement[Client] = Statement(
    lambda: _roster_clients(Slot("session")).only(*Client.DISPLAY_NAME_FIELDS)
)


def session_log_get(*, session: Session) -> SessionLog:
    """The session's log, or an unsaved empty one (version 0) before anything was recorded."""
    try:
        return session.log
    except SessionLog.DoesNotExist:
        return SessionLog(session=session)


def attendance_length(*, session: Session, log: SessionLog) -> int:
    """The most minutes anyone can attend: the time actually held if recorded, else the schedule."""
    if log.held_starts_at and log.held_ends_at:
        return int((log.held_ends_at - log.held_starts_at).total_seconds() // 60)
    return session.length_minutes


def _count(queryset: QuerySet, by: str) -> Coalesce:
    """A correlated COUNT(*) subquery over `queryset` (filtered on OuterRef `by`), 0 when empty."""
    counted = queryset.order_by().values(by).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def session_day_list(*, user: User, day: date) -> list[Session]:
    """`user`'s sessions on the local date `day` with roster size and how many attended clients
    still lack a signed note (attendance taken or not is the session's own flag): one query."""
    start, end = day_bounds(day)
    return _SESSION_DAY.run({"role": user.role}, user=user.pk, start=start, end=end)


def _session_day(role: str) -> QuerySet[Session]:
    unsigned = Attendance.objects.filter(
        session_id=OuterRef("pk"), status__in=ATTENDED_STATUSES, note_signed=False
    )
    return (
        session_list(user=role_user(role))
        .select_related("group", "client", "room")
        .filter(starts_at__gte=Slot("start"), starts_at__lt=Slot("end"))
        .annotate(
            enrolled_count=_count(
                SessionClient.objects.filter(session_id=OuterRef("pk")), "session_id"
            ),
            drop_in_count=_count(DropIn.objects.filter(session_id=OuterRef("pk")), "session_id"),
            unsigned_note_count=_count(unsigned, "session_id"),
        )
    )


_SESSION_DAY: Statement[Session] = Statement(_session_day)


def overdue_note_list(*, user: User, now: datetime) -> QuerySet[Attendance]:
    """Attended clients whose note is still unsigned 24 hours after the session ended: all of them
    for an admin, those of a clinician's sessions for a clinician (with no related rows: each list
    selects what it shows)."""
    return _notes_due_before(user, now - NOTE_DUE_AFTER)


def _notes_due_before(user: User, due_before: datetime | Slot) -> QuerySet[Attendance]:
    return Attendance.objects.filter(
        session_is_visible_to(user=user, via="session__"),
        # Open work through partial indexes on exact flags: the sessions' flag finds the user's
        # sessions with open notes, the rows' flag (attended, note not signed) decides, so no note
        # is read (probing the notes of every open row was 15,000 buffers).
        session__notes_open=True,
        note_open=True,
        session__status=Session.Status.SCHEDULED,
        session__ends_at__lte=due_before,
    )


def session_missing_attendance_list(*, user: User, now: datetime | Slot) -> QuerySet[Session]:
    """Sessions that have ended with no attendance recorded (with no related rows: each list
    selects what it shows)."""
    return (
        session_list(user=user)
        # The open work's partial index: the flag narrows, the attendance test decides; the
        # start bound keeps the index walk to the past (every upcoming session is in it too).
        .filter(
            attendance_taken=False,
            status=Session.Status.SCHEDULED,
            starts_at__lt=now,
            ends_at__lte=now,
        )
        .exclude(Exists(Attendance.objects.filter(session_id=OuterRef("pk"))))
        .order_by("starts_at")
    )


# What the overdue lists show of a client (the name) and of a session (its name and start, and
# its clinician in an admin's lists: a clinician's are all their own), read as values: rows built
# with every column of five or six tables cost more than reading them, each table joined adds to
# the planning, and the hundred rows of the admin's list as model objects (four or five a row,
# 443 in all) took a fifth of the page.
_CLIENT_NAME = tuple(f"client__{field}" for field in Client.DISPLAY_NAME_FIELDS)
_SESSION_NAME = ("starts_at", *SESSION_NAME_FIELDS)


@dataclass(frozen=True, slots=True)
class OverdueSession:
    """A session on the overdue lists, as they show it."""

    pk: int
    name: str
    starts_at: datetime
    # Its clinician's name, in an admin's lists ("" in a clinician's own).
    clinician_name: str


@dataclass(frozen=True, slots=True)
class OverdueNote:
    """An unsigned note on the overdue lists: its attendance row's key, client and session."""

    pk: int
    client_id: int
    client_name: str
    session: OverdueSession


def _session_shown(user: User) -> tuple[str, ...]:
    """The session fields the overdue lists show `user`."""
    return (*_SESSION_NAME, *CLINICIAN_NAME_FIELDS) if user.is_admin else _SESSION_NAME


def _client_name(row: dict[str, Any], path: str = "") -> str:
    """The display name of the client whose DISPLAY_NAME_FIELDS a row holds under `path`."""
    names = (row[f"{path}client__{field}"] for field in Client.DISPLAY_NAME_FIELDS)
    return Client.display_name_of(*names)


def _overdue_session(row: dict[str, Any], pk: int, path: str = "") -> OverdueSession:
    """The session `pk` of a row of `_session_shown` values (each under `path`, as
    "session__starts_at")."""
    group_name = row[f"{path}group__name"]
    clinician_shown = f"{path}{CLINICIAN_NAME_FIELDS[0]}" in row
    return OverdueSession(
        pk=pk,
        name=Session.name_of(
            session_type=row[f"{path}session_type"],
            group_name=group_name,
            # A session is a group's or a client's.
            client_name=_client_name(row, path) if group_name is None else None,
        ),
        starts_at=row[f"{path}starts_at"],
        clinician_name=(
            User.name_of(*(row[f"{path}{field}"] for field in CLINICIAN_NAME_FIELDS))
            if clinician_shown
            else ""
        ),
    )


# Today and the admin list show this many overdue items; the count says how many there are.
OVERDUE_SHOWN = 50
# Sessions held without attendance are counted up to this many ("1000+").
OVERDUE_COUNTED = 1000


def overdue_documentation_get(
    *, user: User, now: datetime, clinician: User | None = None, shown: int = OVERDUE_SHOWN
) -> dict[str, object]:
    """What is overdue for `user` (of one clinician's sessions, if given), as Today and the overdue
    page show it: the `shown` oldest unsigned notes and sessions without attendance, and how many
    of each there are. Four statements, each compiled once per role and shape."""
    shape = {"role": user.role, "of_clinician": clinician is not None}
    values = {"user": user.pk, "now": now, "clinician": clinician.pk if clinician else None}
    missing = len(_MISSING_COUNTED.run(shape, **values))
    keys = _OVERDUE_NOTE_KEYS.run(
        {**shape, "shown": shown}, **values, due_before=now - NOTE_DUE_AFTER
    )
    notes = _OVERDUE_NOTES_SHOWN.run({"role": user.role}, notes=[pk for pk, _ in keys])
    return {
        "overdue_notes": [
            OverdueNote(
                pk=row["pk"],
                client_id=row["client_id"],
                client_name=_client_name(row),
                session=_overdue_session(row, row["session_id"], "session__"),
            )
            for row in notes
        ],
        "overdue_note_count": keys[0][1] if keys else 0,
        "missing_attendance": [
            _overdue_session(row, row["pk"])
            for row in _MISSING_SHOWN.run({**shape, "shown": shown}, **values)
        ],
        "missing_attendance_count": min(missing, OVERDUE_COUNTED),
        "missing_attendance_capped": missing > OVERDUE_COUNTED,
    }


def _missing(role: str, of_clinician: bool) -> QuerySet[Session]:
    sessions = session_missing_attendance_list(user=role_user(role), now=Slot("now"))
    return sessions.filter(clinician_id=Slot("clinician")) if of_clinician else sessions


# Counted along the open-work index in start order, up to a cap: counted unordered (or up to a
# cap as large as its guess), the planner took the index's upcoming sessions for past ones and
# scanned every session of the clinic. (Their keys, fewer than the cap, are the count.)
_MISSING_COUNTED: Statement[int] = Statement(
    lambda role, of_clinician: _missing(role, of_clinician).values_list("pk", flat=True)[
        : OVERDUE_COUNTED + 1
    ]
)


def _missing_shown(role: str, of_clinician: bool, shown: int) -> QuerySet[Session]:
    return _missing(role, of_clinician).values("pk", *_session_shown(role_user(role)))[:shown]


_MISSING_SHOWN: Statement[dict[str, Any]] = Statement(_missing_shown)


# The oldest notes picked by their keys first, then read with their client and session: the joins
# for every overdue note of the clinic before sorting them cost more than the rest. Read by key
# alone: their filters again planned seven tables (7-27 ms) to fetch rows already found. The exact
# count comes with the keys, from the same pass over the open notes (counted apart, the pass ran
# twice: 2,789 open notes at the bench's scale 1).
def _overdue_note_keys(role: str, of_clinician: bool, shown: int) -> QuerySet:
    notes = _notes_due_before(role_user(role), Slot("due_before"))
    if of_clinician:
        notes = notes.filter(session__clinician_id=Slot("clinician"))
    return (
        notes.order_by("session__starts_at", "session_id", "client_id")
        .annotate(total=Window(Count("*")))
        .values_list("pk", "total")[:shown]
    )


_OVERDUE_NOTE_KEYS: Statement[tuple[int, int]] = Statement(_overdue_note_keys)


def _overdue_notes_shown(role: str) -> QuerySet[Attendance]:
    session_fields = (f"session__{field}" for field in _session_shown(role_user(role)))
    return (
        Attendance.objects.filter(ids_in("pk", "notes"))
        .order_by("session__starts_at", "client__legal_last_name")
        .values("pk", "client_id", *_CLIENT_NAME, "session_id", *session_fields)
    )


_OVERDUE_NOTES_SHOWN: Statement[dict[str, Any]] = Statement(_overdue_notes_shown)


def overdue_plan_review_list(
    *, user: User, clinician: User | None = None, today: date | Slot | None = None
) -> QuerySet[TreatmentPlan]:
    """The overdue plan reviews of the overdue page: a clinician's own caseload's; an admin's of
    one clinician's caseload or all, each with its primary clinician (whose it is: a clinician's
    are all their own, so theirs leave that join out, as their overdue lists do)."""
    if not user.is_admin:
        return plan_reviews_overdue(clinician=user, today=today)
    return plan_reviews_overdue(clinician=clinician, today=today).select_related(
        "client__primary_clinician"
    )


_OVERDUE_PLAN_REVIEWS: Statement[TreatmentPlan] = Statement(
    lambda role, of_clinician: overdue_plan_review_list(
        user=role_user(role),
        clinician=role_user(Role.CLINICIAN, "clinician") if of_clinician else None,
        today=Slot("today"),
    )
)


def overdue_plan_reviews_get(
    *, user: User, clinician: User | None = None, shown: int = OVERDUE_SHOWN
) -> tuple[list[TreatmentPlan], int]:
    """The `shown` most overdue of `overdue_plan_review_list`, and how many there are: two
    statements compiled once."""
    shape = {"role": user.role, "of_clinician": clinician is not None}
    values: dict[str, Any] = {
        "user": user.pk,
        "clinician": clinician and clinician.pk,
        "today": clinic_today(),
    }
    return (
        _OVERDUE_PLAN_REVIEWS.run_page(shape, offset=0, limit=shown, **values),
        _OVERDUE_PLAN_REVIEWS.count(shape, **values),
    )


@dataclass(frozen=True)
class ClinicianOverdue:
    """One clinician's overdue work, as the admin home counts it."""

    clinician: User
    notes: int
    sessions: int
    plan_reviews: int

    @property
    def total(self) -> int:
        return self.notes + self.sessions + self.plan_reviews


def overdue_by_clinician(*, user: User, now: datetime) -> list[ClinicianOverdue]:
    """Per clinician (most overdue first): notes unsigned after 24 hours and sessions without
    attendance of the sessions they lead (among the oldest OVERDUE_COUNTED), and their caseload's
    overdue plan reviews. Four queries, whatever the clinic's size."""
    notes = _counts(overdue_note_list(user=user, now=now), "session__clinician")
    # The oldest OVERDUE_COUNTED, along the ordered index (see overdue_documentation_get).
    missing = session_missing_attendance_list(user=user, now=now).values_list("clinician_id")
    sessions = Counter(clinician_id for (clinician_id,) in missing[:OVERDUE_COUNTED])
    reviews = _counts(
        plan_reviews_overdue(today=timezone.localdate(now)), "client__primary_clinician"
    )
    clinicians = User.objects.in_bulk({*notes, *sessions, *reviews})
    rows = [
        ClinicianOverdue(
            clinician=clinician,
            notes=notes.get(pk, 0),
            sessions=sessions.get(pk, 0),
            plan_reviews=reviews.get(pk, 0),
        )
        for pk, clinician in clinicians.items()
    ]
    return sorted(rows, key=lambda row: (-row.total, str(row.clinician)))


def _counts(queryset: QuerySet, by: str) -> dict[int, int]:
    rows = queryset.order_by().values(by).annotate(n=Count("*"))
    return {row[by]: row["n"] for row in rows}
