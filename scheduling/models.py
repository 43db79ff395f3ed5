from datetime import date, timedelta

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import ExpressionWrapper, F, Q
from django.utils import timezone

from clients.models import Authorization, CheckIn, Client, Objective
from groups.models import (
    Group,
    Room,
    join_link_constraints,
    join_link_field,
    meets_by_video,
    place_text,
)
from iop.dates import NO_NUL, plausible_dates, validate_clinic_date
from iop.history import final_once, keep_rows
from iop.hours import hours

CLINIC_DATE = [validate_clinic_date]


class SessionType(models.TextChoices):
    GROUP = "group", "Group"
    INDIVIDUAL = "individual", "Individual therapy"
    FAMILY = "family", "Family therapy"
    CASE_MANAGEMENT = "case_management", "Case management"
    MEDICATION_MANAGEMENT = "medication_management", "Medication management"
    INTAKE_ASSESSMENT = "intake_assessment", "Intake assessment"


# What a session type is called (its field's `get_session_type_display`).
_SESSION_TYPE_LABELS = dict(SessionType.choices)

MAX_CLOSURE_DAYS = 31


class ClinicClosure(models.Model):
    """Days the clinic is closed (a holiday, a snow day, staff training): no session runs on them,
    and the weekly requirement of a week that holds them is lowered by the sessions they cancel.
    Never deleted: a closure entered by mistake is withdrawn, with who and why."""

    first_day = models.DateField(validators=CLINIC_DATE)
    last_day = models.DateField(validators=CLINIC_DATE)
    label = models.CharField(
        max_length=100, validators=NO_NUL, help_text='What staff see, e.g. "Thanksgiving".'
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="closures_created"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="closures_withdrawn",
    )
    withdraw_reason = models.CharField(max_length=200, blank=True, validators=NO_NUL)

    class Meta:
        ordering = ["first_day"]
        indexes = [
            models.Index(
                fields=["first_day", "last_day"],
                condition=Q(withdrawn_at__isnull=True),
                name="closure_in_force_days",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=F("first_day"))
                & Q(last_day__lt=F("first_day") + timedelta(days=MAX_CLOSURE_DAYS)),
                name="closure_days_in_order_and_span",
            ),
            models.CheckConstraint(condition=~Q(label=""), name="closure_has_label"),
            models.CheckConstraint(
                condition=Q(
                    withdrawn_at__isnull=True, withdrawn_by__isnull=True, withdraw_reason=""
                )
                | (
                    Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False)
                    & ~Q(withdraw_reason="")
                ),
                name="closure_withdrawal_has_who_and_why",
            ),
            plausible_dates("closure_days_plausible", "first_day", "last_day"),
        ]
        triggers = [keep_rows("closure_keep_rows")]

    def __str__(self) -> str:
        return f"{self.label} ({self.first_day:%Y-%m-%d} to {self.last_day:%Y-%m-%d})"

    @property
    def day_count(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def cancel_reason(self) -> str:
        """What the sessions it cancels say."""
        return f"Clinic closed: {self.label}"[:200]


class SessionSeries(models.Model):
    """Individual sessions booked together, weekly or every two weeks at one local time, from the
    first session's date until a date no later than the client's expected end of the program.
    Each session links here, so the rest of a series is moved or cancelled in one action."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        BIWEEKLY = "biweekly", "Every two weeks"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="session_series")
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    first_date = models.DateField(validators=CLINIC_DATE)
    until = models.DateField(validators=CLINIC_DATE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(until__gte=F("first_date")), name="session_series_until_after_first"
            ),
            models.CheckConstraint(
                condition=Q(frequency__in=["weekly", "biweekly"]),
                name="session_series_frequency_valid",
            ),
            plausible_dates("session_series_dates_plausible", "first_date", "until"),
        ]
        triggers = [keep_rows("session_series_never_deleted")]

    def __str__(self) -> str:
        return f"{self.get_frequency_display()} until {self.until:%Y-%m-%d}"

    @property
    def step_days(self) -> int:
        return 14 if self.frequency == self.Frequency.BIWEEKLY else 7

    def dates(self) -> list[date]:
        """Every date it meets on, from the first to `until`, clinic closures included."""
        return [
            self.first_date + timedelta(days=days)
            for days in range(0, (self.until - self.first_date).days + 1, self.step_days)
        ]


class Session(models.Model):
    """One meeting on the calendar: a group occurrence (group set) or an individual session (client
    set). Times are stored in UTC; group occurrences come from the group's local weekly pattern."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"

    session_type = models.CharField(max_length=32, choices=SessionType.choices)
    group = models.ForeignKey(
        Group, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions"
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, null=True, blank=True, related_name="individual_sessions"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sessions_led"
    )
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions"
    )
    is_telehealth = models.BooleanField(default=False)
    # An individual session's own link; a group session is joined by its group's link.
    join_link = join_link_field()
    series = models.ForeignKey(
        SessionSeries, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions"
    )
    starts_at = models.DateTimeField(db_index=True, validators=CLINIC_DATE)
    ends_at = models.DateTimeField(validators=CLINIC_DATE)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    cancel_reason = models.CharField(max_length=200, blank=True, validators=NO_NUL)
    reschedule_reason = models.CharField(
        max_length=200,
        blank=True,
        validators=NO_NUL,
        help_text="Why the session was last moved, if it was.",
    )
    counts_toward_hours = models.BooleanField(default=True)
    closure = models.ForeignKey(
        ClinicClosure,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cancelled_sessions",
        help_text="The clinic closure that cancelled it, if one did.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Kept by the database (a trigger on attendance): whether any attendance was recorded. Lets a
    # partial index hold only the sessions still waiting for it, however long the history.
    attendance_taken = models.BooleanField(db_default=False, editable=False)
    # Kept by the database (triggers on attendance, which notes' signing updates): whether any
    # attended client's note is unsigned (`Attendance.note_open`). Its partial indexes hold only
    # the sessions with open notes, by clinician and by group, so a clinician's overdue notes are
    # found among their open sessions, not among every session they ever ran.
    notes_open = models.BooleanField(db_default=False, editable=False)

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            # By start, the order the overdue lists read it in: the walk stops at the first 50.
            # With what the clinic-wide counts test and group by, they read the index alone
            # (without, at scale 0.1 the planner chose to scan every session instead).
            models.Index(
                fields=["starts_at"],
                include=["ends_at", "clinician", "id"],
                condition=Q(attendance_taken=False, status="scheduled"),
                name="session_attendance_open_start",
            ),
            # A clinician's sessions still waiting for attendance (those ahead, and the few past
            # ones), by clinician and by group: not every session they ever ran.
            models.Index(
                fields=["clinician", "starts_at"],
                condition=Q(attendance_taken=False, status="scheduled"),
                name="session_attendance_open_by",
            ),
            models.Index(
                fields=["group", "starts_at"],
                condition=Q(attendance_taken=False, status="scheduled"),
                name="session_attendance_open_grp",
            ),
            # The clinic's open notes are counted from this index and the attendance's alone,
            # hashed together: no session or attendance row is read (at scale 1 those reads were
            # 9,300 of the count's 19,600 buffers; the signed-note test was the rest). A
            # clinician's are read from it too, tested by clinician or group without a session
            # row (1,461 buffers for Today's oldest at scale 1 when the group was read, 205 now).
            models.Index(
                fields=["starts_at"],
                include=["ends_at", "status", "clinician", "group", "id"],
                condition=Q(notes_open=True),
                name="session_notes_open_start",
            ),
            models.Index(
                fields=["clinician", "starts_at"],
                condition=Q(notes_open=True),
                name="session_notes_open_clinician",
            ),
            models.Index(
                fields=["group", "starts_at"],
                condition=Q(notes_open=True),
                name="session_notes_open_group",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(session_type="group", group__isnull=False, client__isnull=True)
                | (~Q(session_type="group") & Q(group__isnull=True, client__isnull=False)),
                name="session_group_or_individual",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                name="session_cancel_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(closure__isnull=True) | Q(status="cancelled"),
                name="session_closure_cancels",
            ),
            models.CheckConstraint(
                condition=Q(series__isnull=True) | Q(group__isnull=True),
                name="session_series_individual_only",
            ),
            *join_link_constraints("session"),
            models.CheckConstraint(
                condition=Q(join_link="") | Q(group__isnull=True),
                name="session_join_link_individual_only",
            ),
            models.UniqueConstraint(
                fields=["group", "starts_at"],
                condition=Q(group__isnull=False),
                name="session_unique_group_start",
            ),
            plausible_dates("session_times_plausible", moments=("starts_at", "ends_at")),
        ]

    def __str__(self) -> str:
        return f"{self.get_session_type_display()} at {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def name(self) -> str:
        """What staff pages call it: its title, and an individual session's client."""
        return self.name_of(
            session_type=self.session_type,
            group_name=self.group.name if self.group is not None else None,
            client_name=self.client.display_name if self.client is not None else None,
        )

    @property
    def hours_text(self) -> str:
        """Its start and end in the clinic's time ("9:00 AM", an en dash, "12:00 PM"), as the day
        and week lists show them (a template filter per time was a tenth of the clinician's
        week)."""
        starts, ends = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        return f"{starts:%-I:%M %p}\N{EN DASH}{ends:%-I:%M %p}"

    @property
    def length_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def title(self) -> str:
        """What a calendar calls it: the group's name, or the kind of individual session."""
        group_name = self.group.name if self.group is not None else None
        return self.name_of(session_type=self.session_type, group_name=group_name, client_name=None)

    @staticmethod
    def name_of(*, session_type: str, group_name: str | None, client_name: str | None) -> str:
        """`name` of the values it is made of (`group_name` None for an individual session, and
        `client_name` None for a group's), for rows read without a Session."""
        title = (
            group_name
            if group_name is not None
            else _SESSION_TYPE_LABELS.get(session_type, session_type)
        )
        return title if client_name is None else f"{title}: {client_name}"

    @property
    def place(self) -> str:
        """Where it meets, by the groups app's one rule ("Telehealth", or the room)."""
        return place_text(room=self.room, is_telehealth=self.is_telehealth)

    @property
    def by_video(self) -> bool:
        return meets_by_video(room=self.room, is_telehealth=self.is_telehealth)

    @property
    def video_join_link(self) -> str:
        """Where to join it by video: the group's link for a group session, else its own. Only
        the portal schedule and the clinician's Today show it (never a reminder or a feed)."""
        if not self.by_video:
            return ""
        return self.group.join_link if self.group is not None else self.join_link


class SessionClient(models.Model):
    """The clients of each session, as a database view (`scheduling/session_clients.py` defines
    it): a group session's clients are those whose enrollment in its group covers the session's
    local date, an individual session's client is its own. Pages, jobs and the weekly recompute all
    read this one definition. Drop-ins are not on it: they come with their attendance."""

    pk = models.CompositePrimaryKey("session_id", "client_id")
    session = models.ForeignKey(
        Session, on_delete=models.DO_NOTHING, related_name="client_links", db_constraint=False
    )
    client = models.ForeignKey(
        Client, on_delete=models.DO_NOTHING, related_name="session_links", db_constraint=False
    )
    starts_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "scheduling_sessionclient"

    def __str__(self) -> str:
        return f"Client {self.client_id} on session {self.session_id}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "Present"
    LATE = "late", "Late"
    LEFT_EARLY = "left_early", "Left early"
    ABSENT = "absent", "Absent"
    EXCUSED = "excused", "Excused absence"
    CANCELLED_BY_CLINIC = "cancelled_by_clinic", "Cancelled by clinic"


ATTENDED_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY)

# The attendance that counts toward a client's hours (weekly compliance) and a payer's units, as
# SQL over `scheduling_attendance a` joined to its `scheduling_session s`: one rule for both.
COUNTED_ATTENDANCE_SQL = "a.minutes_attended > 0 AND s.counts_toward_hours"


class Attendance(models.Model):
    """Whether and how long a client attended a session. `session_minutes` copies the session's
    length so the database itself can refuse minutes longer than the session."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="attendance")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="attendance")
    status = models.CharField(max_length=24, choices=AttendanceStatus.choices)
    minutes_attended = models.PositiveSmallIntegerField(default=0)
    session_minutes = models.PositiveSmallIntegerField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)
    # Kept exactly by the database: whether the client's note for the session is signed. A note
    # is signed once and for good (never changed or deleted after), so the notes' triggers set it
    # when one is signed; the attendance's own take it from the notes when a row is recorded, or
    # its session, client or flag is changed (a stale flag saved from memory). The overdue lists
    # trust it: its partial index holds exactly the open documentation work.
    note_signed = models.BooleanField(db_default=False, editable=False)
    # Attended and the note not signed: the open documentation work, as one column. Its own
    # statistics tell the planner how few rows the partial index holds (a predicate on the two
    # columns above was estimated as if they were independent: twenty times the rows, so it
    # scanned the whole table instead).
    note_open = models.GeneratedField(
        expression=ExpressionWrapper(
            Q(status__in=[s.value for s in ATTENDED_STATUSES], note_signed=False),
            output_field=models.BooleanField(),
        ),
        output_field=models.BooleanField(),
        db_persist=True,
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["session"],
                include=["client", "id"],
                condition=Q(note_open=True),
                name="attendance_note_open_work",
            ),
            # The weekly recompute reads a week's sessions' attendance from this index alone
            # (minutes by client), instead of hashing the sessions and scanning all attendance.
            models.Index(
                fields=["session"],
                include=["client", "minutes_attended"],
                name="attendance_session_minutes",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "client"], name="attendance_one_per_client_session"
            ),
            models.CheckConstraint(
                condition=Q(minutes_attended__lte=F("session_minutes")),
                name="attendance_minutes_within_session",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ATTENDED_STATUSES], minutes_attended__gt=0)
                | (~Q(status__in=[s.value for s in ATTENDED_STATUSES]) & Q(minutes_attended=0)),
                name="attendance_minutes_match_status",
            ),
        ]
        triggers = [
            keep_rows("attendance_never_deleted"),
            pgtrigger.Trigger(
                name="attendance_marks_session_taken",
                operation=pgtrigger.Insert,
                when=pgtrigger.After,
                level=pgtrigger.Statement,
                referencing=pgtrigger.Referencing(new="new_rows"),
                func="""
                UPDATE scheduling_session s SET attendance_taken = true
                FROM (SELECT DISTINCT session_id FROM new_rows) added
                WHERE s.id = added.session_id AND NOT s.attendance_taken;
                RETURN NULL;
                """,
            ),
            # note_signed as the notes have it. A row recorded after its note was signed: one
            # set-based pass per statement (a lookup per row made a bulk load twenty times slower).
            pgtrigger.Trigger(
                name="attendance_note_signed_on_insert",
                operation=pgtrigger.Insert,
                when=pgtrigger.After,
                level=pgtrigger.Statement,
                referencing=pgtrigger.Referencing(new="new_rows"),
                func="""
                UPDATE scheduling_attendance a SET note_signed = note.id IS NOT NULL
                FROM new_rows added
                LEFT JOIN scheduling_progressnote note
                  ON note.session_id = added.session_id AND note.client_id = added.client_id
                 AND note.signed_at IS NOT NULL
                WHERE a.id = added.id AND a.note_signed <> (note.id IS NOT NULL);
                RETURN NULL;
                """,
            ),
            # A row whose session, client or flag is changed asks the notes again (an ordinary
            # amendment changes none of them, so the function is not even called).
            pgtrigger.Trigger(
                name="attendance_note_signed_on_update",
                operation=pgtrigger.Update,
                when=pgtrigger.Before,
                condition=pgtrigger.AnyChange("session", "client", "note_signed"),
                func="""
                NEW.note_signed := EXISTS (
                    SELECT 1 FROM scheduling_progressnote note
                    WHERE note.session_id = NEW.session_id AND note.client_id = NEW.client_id
                      AND note.signed_at IS NOT NULL
                );
                RETURN NEW;
                """,
            ),
            # Session.notes_open follows its attendance (new rows, amended statuses, and the
            # note_signed flag the triggers set).
            *(
                pgtrigger.Trigger(
                    name=f"attendance_marks_session_notes_{event}",
                    operation=operation,
                    when=pgtrigger.After,
                    level=pgtrigger.Statement,
                    referencing=pgtrigger.Referencing(new="new_rows"),
                    func="""
                    UPDATE scheduling_session s SET notes_open = changed.notes_open
                    FROM (
                        SELECT touched.session_id, EXISTS (
                            SELECT 1 FROM scheduling_attendance a
                            WHERE a.session_id = touched.session_id AND a.note_open
                        ) AS notes_open
                        FROM (SELECT DISTINCT session_id FROM new_rows) touched
                    ) changed
                    WHERE s.id = changed.session_id AND s.notes_open <> changed.notes_open;
                    RETURN NULL;
                    """,
                )
                for event, operation in (("insert", pgtrigger.Insert), ("update", pgtrigger.Update))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.get_status_display()} at {self.session}"


class SessionLog(models.Model):
    """What was documented about a session as a whole: the attendance version (two co-facilitators
    saving at once: the second save sees a newer version and is asked to reload), the shared group
    summary that every client's note builds on, and, for individual sessions, the times actually
    held. Kept beside `Session` so the calendar's own rows stay the calendar's."""

    session = models.OneToOneField(Session, on_delete=models.PROTECT, related_name="log")
    attendance_version = models.PositiveIntegerField(default=0)
    attendance_taken_at = models.DateTimeField(null=True, blank=True)
    topic = models.CharField(max_length=200, blank=True, validators=NO_NUL)
    interventions = models.TextField(
        blank=True, validators=NO_NUL, help_text="Interventions used with the whole group."
    )
    held_starts_at = models.DateTimeField(null=True, blank=True, validators=CLINIC_DATE)
    held_ends_at = models.DateTimeField(null=True, blank=True, validators=CLINIC_DATE)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(held_starts_at__isnull=True, held_ends_at__isnull=True)
                | Q(held_ends_at__gt=F("held_starts_at")),
                name="session_log_held_ends_after_start",
            ),
            plausible_dates(
                "session_log_held_times_plausible", moments=("held_starts_at", "held_ends_at")
            ),
        ]
        triggers = [keep_rows("session_log_never_deleted")]

    def __str__(self) -> str:
        return f"Log of {self.session}"


class DropIn(models.Model):
    """A client who attended a group session without being on its roster that day."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="drop_ins")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="drop_ins")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "client"], name="drop_in_once_per_session")
        ]
        triggers = [keep_rows("drop_in_never_deleted")]

    def __str__(self) -> str:
        return f"{self.client} dropped in to {self.session}"


class AttendanceAmendment(models.Model):
    """A change to the attendance of a session whose notes are already signed: who, when, why, and
    each changed row before and after. Append-only (a database trigger refuses UPDATE and DELETE)."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="amendments")
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    amended_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(validators=NO_NUL)
    changes = models.JSONField(
        help_text="Client id -> {'before': [status, minutes] or None, 'after': [status, minutes]}."
    )

    class Meta:
        ordering = ["amended_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="amendment_has_reason"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="amendment_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"Attendance amendment of {self.session}"


NOTE_SIGNED_MARKS_ATTENDANCE = """
                UPDATE scheduling_attendance a SET note_signed = true
                FROM new_rows note
                WHERE a.session_id = note.session_id AND a.client_id = note.client_id
                  AND note.signed_at IS NOT NULL AND NOT a.note_signed;
                RETURN NULL;
                """


class ProgressNote(models.Model):
    """One client's DAP note for one attended session. A group session's note also carries the
    group summary (topic, interventions), copied from the session's log when the note is signed so
    the signed note reads exactly as it was signed. Signed means locked: a database trigger refuses
    any UPDATE or DELETE of a signed row; corrections are addenda."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="notes")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="progress_notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notes_written"
    )
    data = models.TextField(
        blank=True,
        validators=NO_NUL,
        help_text="What was observed and said: objective and subjective.",
    )
    assessment = models.TextField(
        blank=True, validators=NO_NUL, help_text="Your clinical interpretation: progress, risk."
    )
    plan = models.TextField(
        blank=True, validators=NO_NUL, help_text="Next steps, homework, referrals."
    )
    group_topic = models.CharField(max_length=200, blank=True, validators=NO_NUL)
    group_interventions = models.TextField(blank=True, validators=NO_NUL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    objectives = models.ManyToManyField(
        Objective,
        through="NoteObjective",
        blank=True,
        related_name="progress_notes",
        help_text="The treatment plan objectives this session addressed.",
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "client"], name="note_one_per_client_session"
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True, signed_by__isnull=True)
                | Q(signed_at__isnull=False, signed_by=F("author")),
                name="note_signed_by_author_with_time",
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True)
                | (~Q(data="") & ~Q(assessment="") & ~Q(plan="")),
                name="note_signed_is_complete",
            ),
        ]
        triggers = [
            final_once(
                "note_locked_once_signed",
                "signed_at",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
            # A draft is part of the record too: it is finished and signed, never removed.
            keep_rows("note_never_deleted"),
            # Attendance.note_signed follows the notes: a note inserted signed or signed later
            # (Postgres allows one event per trigger with a transition table, hence two).
            *(
                pgtrigger.Trigger(
                    name=f"note_signed_marks_attendance_{event}",
                    operation=operation,
                    when=pgtrigger.After,
                    level=pgtrigger.Statement,
                    referencing=pgtrigger.Referencing(new="new_rows"),
                    func=NOTE_SIGNED_MARKS_ATTENDANCE,
                )
                for event, operation in (("insert", pgtrigger.Insert), ("update", pgtrigger.Update))
            ),
        ]

    def __str__(self) -> str:
        return f"Note for {self.client} at {self.session}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class NoteAddendum(models.Model):
    """A signed correction or addition to a signed note; signed when added, never changed."""

    note = models.ForeignKey(ProgressNote, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(validators=NO_NUL)
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["signed_at"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="addendum_has_text")]
        triggers = [
            pgtrigger.Protect(
                name="addendum_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"Addendum to {self.note}"


class NoteObjective(models.Model):
    """A note addressed a treatment plan objective. Part of the note, so locked with it: a database
    trigger refuses adding, changing or removing a signed note's links, and refuses linking an
    objective that is not on the note's client's active plan."""

    note = models.ForeignKey(ProgressNote, on_delete=models.CASCADE, related_name="+")
    objective = models.ForeignKey(Objective, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["note", "objective"], name="note_objective_once")
        ]
        triggers = [
            pgtrigger.Trigger(
                name="note_objective_locked_with_note",
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                when=pgtrigger.Before,
                func="""
                IF TG_OP <> 'INSERT' AND EXISTS (
                    SELECT 1 FROM scheduling_progressnote
                    WHERE id = OLD.note_id AND signed_at IS NOT NULL
                ) THEN
                    RAISE EXCEPTION 'note_objective_locked_with_note: note % is signed', OLD.note_id
                        USING ERRCODE = 'raise_exception';
                END IF;
                IF TG_OP = 'DELETE' THEN
                    RETURN OLD;
                END IF;
                IF EXISTS (
                    SELECT 1 FROM scheduling_progressnote
                    WHERE id = NEW.note_id AND signed_at IS NOT NULL
                ) THEN
                    RAISE EXCEPTION 'note_objective_locked_with_note: note % is signed', NEW.note_id
                        USING ERRCODE = 'raise_exception';
                END IF;
                IF NOT EXISTS (
                    SELECT 1 FROM scheduling_progressnote note
                    JOIN clients_treatmentplan plan ON plan.client_id = note.client_id
                    JOIN clients_problem problem ON problem.plan_id = plan.id
                    JOIN clients_goal goal ON goal.problem_id = problem.id
                    JOIN clients_objective objective ON objective.goal_id = goal.id
                    WHERE note.id = NEW.note_id AND objective.id = NEW.objective_id
                      AND plan.status = 'active'
                ) THEN
                    RAISE EXCEPTION 'note_objective_of_active_plan: objective % of note %',
                        NEW.objective_id, NEW.note_id USING ERRCODE = 'check_violation';
                END IF;
                RETURN NEW;
                """,
            )
        ]

    def __str__(self) -> str:
        return f"{self.note} addressed {self.objective}"


class CalendarFeed(models.Model):
    """A person's iCal subscription. Only the SHA-256 of the token is stored, so the database alone
    cannot open a feed; revoking sets revoked_at and the URL answers 404 from then on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="calendar_feed_one_live_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"


# Reminders and weekly-hours compliance.

MAX_LEAD_MINUTES = 7 * 24 * 60


class ReminderKind(models.TextChoices):
    DAY_BEFORE = "day_before", "A day before"
    HOURS_BEFORE = "hours_before", "Hours before"
    HOURS_NUDGE = "hours_nudge", "Weekly hours nudge"
    CHECK_IN = "check_in", "Check-in to complete"
    CANCELLATION = "cancellation", "Cancellation notice"


SESSION_REMINDER_KINDS = (ReminderKind.DAY_BEFORE, ReminderKind.HOURS_BEFORE)
# What the outbox may say about one session: its reminders, or that it is cancelled.
SESSION_MESSAGE_KINDS = (*SESSION_REMINDER_KINDS, ReminderKind.CANCELLATION)


class ReminderChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message (SMS)"


class ReminderLeadTimes(models.Model):
    """How long before a session each reminder kind is due; one row, edited by admins. Without the
    row the defaults below apply (a day and two hours)."""

    day_before_minutes = models.PositiveIntegerField(default=24 * 60)
    hours_before_minutes = models.PositiveIntegerField(default=2 * 60)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(day_before_minutes__gt=0, day_before_minutes__lte=MAX_LEAD_MINUTES)
                & Q(hours_before_minutes__gt=0, hours_before_minutes__lte=MAX_LEAD_MINUTES),
                name="reminder_lead_times_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day_before_minutes} and {self.hours_before_minutes} minutes before"


class ReminderPreference(models.Model):
    """A client's reminder choices. Reminders are opt-in per channel; quiet hours (clinic time)
    hold text messages back until they end (a span may cross midnight, e.g. 21:00-08:00)."""

    client = models.OneToOneField(
        Client, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    email_opt_in = models.BooleanField("Email reminders", default=False)
    sms_opt_in = models.BooleanField("Text message reminders", default=False)
    quiet_start = models.TimeField("Quiet hours start", null=True, blank=True)
    quiet_end = models.TimeField("Quiet hours end", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(quiet_start__isnull=True, quiet_end__isnull=True)
                | (
                    Q(quiet_start__isnull=False, quiet_end__isnull=False)
                    & ~Q(quiet_start=F("quiet_end"))
                ),
                name="reminder_quiet_hours_both_and_distinct",
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder preference of client {self.client_id}"


class Reminder(models.Model):
    """The outbox: one row per (session, client, kind, channel), for a weekly-hours nudge per
    (client, week, channel), for a check-in to complete per (check-in, channel). Beat claims due rows with SKIP LOCKED; the row's status is the truth,
    so a lost broker message or a killed worker loses nothing and sends nothing twice."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    nudge_week = models.DateField(null=True, blank=True, help_text="Monday of a nudge's week.")
    check_in = models.ForeignKey(
        CheckIn, on_delete=models.PROTECT, null=True, blank=True, related_name="reminders"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    channel = models.CharField(max_length=8, choices=ReminderChannel.choices)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at"]
        indexes = [
            # In the senders' claim order (due_at, then id): reminders of one session share a due
            # time, and an index on due_at alone left each claim sorting them all.
            models.Index(
                fields=["due_at", "id"],
                condition=Q(status="pending"),
                name="reminder_pending_due_id",
            ),
            models.Index(fields=["due_at"], condition=Q(status="failed"), name="reminder_failed"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "client", "kind", "channel"],
                condition=Q(session__isnull=False),
                name="reminder_one_per_session_client_kind_channel",
            ),
            models.UniqueConstraint(
                fields=["client", "nudge_week", "channel"],
                condition=Q(nudge_week__isnull=False),
                name="reminder_one_nudge_per_client_week_channel",
            ),
            models.UniqueConstraint(
                fields=["check_in", "channel"],
                condition=Q(check_in__isnull=False),
                name="reminder_one_per_check_in_channel",
            ),
            models.CheckConstraint(
                condition=Q(
                    session__isnull=False,
                    nudge_week__isnull=True,
                    check_in__isnull=True,
                    kind__in=[k.value for k in SESSION_MESSAGE_KINDS],
                )
                | Q(
                    session__isnull=True,
                    nudge_week__isnull=False,
                    check_in__isnull=True,
                    kind=ReminderKind.HOURS_NUDGE,
                )
                | Q(
                    session__isnull=True,
                    nudge_week__isnull=True,
                    check_in__isnull=False,
                    kind=ReminderKind.CHECK_IN,
                ),
                name="reminder_session_nudge_or_check_in",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="reminder_sent_has_time",
            ),
            plausible_dates("reminder_nudge_week_plausible", "nudge_week"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_channel_display()} due {self.due_at:%Y-%m-%d %H:%M}"


class ComplianceStatus(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    MET = "met", "Met"
    SHORT = "short", "Short"
    EXCUSED = "excused", "Excused"
    OVER_MAX = "over_max", "Over maximum"
    # The week of the discharge, below its prorated minimum: nothing left to act on.
    DISCHARGED = "discharged", "Discharged"


class WeeklyCompliance(models.Model):
    """A client's hours for one clinic week (Monday to Sunday, local), written set-based for all
    clients at once by `scheduling.services.compliance.compliance_recompute`."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="weekly_compliance")
    week_start = models.DateField(help_text="Monday of the week, clinic time.")
    attended_minutes = models.PositiveIntegerField(default=0)
    scheduled_minutes = models.PositiveIntegerField(
        default=0, help_text="Sessions still ahead or awaiting attendance."
    )
    treatment_days = models.PositiveSmallIntegerField(default=0)
    possible_days = models.PositiveSmallIntegerField(default=0)
    enrolled_days = models.PositiveSmallIntegerField(default=7)
    closed_days = models.PositiveSmallIntegerField(
        default=0,
        help_text="Enrolled days the clinic was closed (calendar days). The requirement loses the "
        "share of the client's session time on them, or a seventh a day if they had none.",
    )
    required_minutes = models.PositiveIntegerField(
        help_text="Track minimum prorated by days in the program and sessions lost to closures."
    )
    required_days = models.PositiveSmallIntegerField()
    maximum_minutes = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=ComplianceStatus.choices)
    is_final = models.BooleanField(default=False)
    # When the figures last changed: a recompute that finds them unchanged writes nothing.
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-week_start", "client"]
        # The weekly report and the jobs read one week of every client.
        indexes = [
            models.Index(fields=["week_start", "status"], name="compliance_week_status"),
            # The weeks not final yet (the hourly job's), not a scan of every week's rows.
            models.Index(
                fields=["week_start"], condition=Q(is_final=False), name="compliance_open_week"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "week_start"], name="compliance_one_per_client_week"
            ),
            models.CheckConstraint(
                condition=Q(week_start__week_day=2), name="compliance_week_starts_monday"
            ),
            models.CheckConstraint(
                condition=Q(enrolled_days__gte=1, enrolled_days__lte=7),
                name="compliance_enrolled_days_in_week",
            ),
            models.CheckConstraint(
                condition=Q(closed_days__lte=F("enrolled_days")),
                name="compliance_closed_days_within_enrolled",
            ),
            plausible_dates("compliance_week_plausible", "week_start"),
        ]

    def __str__(self) -> str:
        return f"Client {self.client_id} week of {self.week_start}: {self.get_status_display()}"


class ComplianceAlert(models.Model):
    """Something about a client's week a person must act on. There is at most one open alert per
    client and week: its level rises (at risk, then short, then a second short week in a row, which
    escalates to the admins as a level-of-care review) and its figures follow every recompute of the
    week; it resolves itself when the week no longer calls for it. Alerts are derived by
    `scheduling.services.compliance`; people only resolve them."""

    class Kind(models.TextChoices):
        AT_RISK = "at_risk", "At risk this week"
        SHORT = "short", "Short week"
        OVER_MAX = "over_max", "Over the weekly maximum"
        LEVEL_OF_CARE_REVIEW = "level_of_care_review", "Two short weeks: level-of-care review"

    class Reason(models.TextChoices):
        ILLNESS = "illness", "Illness"
        TRANSPORTATION = "transportation", "Transportation"
        CHILDCARE = "childcare", "Childcare or family"
        WORK_SCHOOL = "work_school", "Work or school conflict"
        STEP_DOWN = "step_down", "Step-down planned"
        HIGHER_LEVEL = "higher_level", "Higher level of care planned"
        CLINIC_CLOSURE = "clinic_closure", "Clinic closure"
        OTHER = "other", "Other"
        # Set by the system when the alert resolves itself.
        HOURS_MET = "hours_met", "Resolved by itself: the week is no longer short"
        DISCHARGED = "discharged", "Resolved by itself: the client was discharged"
        NOT_ENROLLED = (
            "not_enrolled",
            "Resolved by itself: the client was not in the program that week",
        )

    # Reasons a person may choose; the others are the system's.
    PERSON_REASONS = (
        Reason.ILLNESS,
        Reason.TRANSPORTATION,
        Reason.CHILDCARE,
        Reason.WORK_SCHOOL,
        Reason.STEP_DOWN,
        Reason.HIGHER_LEVEL,
        Reason.CLINIC_CLOSURE,
        Reason.OTHER,
    )
    # How serious each kind is: an open alert moves to the desired kind; a new alert opens for a
    # week a person already resolved only when it is more serious than what they resolved.
    LEVELS = {Kind.AT_RISK: 1, Kind.SHORT: 2, Kind.OVER_MAX: 2, Kind.LEVEL_OF_CARE_REVIEW: 3}

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="compliance_alerts")
    week_start = models.DateField()
    kind = models.CharField(max_length=24, choices=Kind.choices)
    for_admins = models.BooleanField(
        default=False, help_text="Escalated: shown to admins as well as the primary clinician."
    )
    # The week's figures, kept equal to its WeeklyCompliance row while the alert is open.
    attended_minutes = models.PositiveIntegerField(default=0)
    scheduled_minutes = models.PositiveIntegerField(default=0)
    required_minutes = models.PositiveIntegerField(default=0)
    treatment_days = models.PositiveSmallIntegerField(default=0)
    required_days = models.PositiveSmallIntegerField(default=0)
    detail = models.TextField(
        blank=True, validators=NO_NUL, help_text="Sessions that would close an at-risk gap."
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=24, choices=Reason.choices, blank=True)
    plan = models.TextField(blank=True, validators=NO_NUL)
    excused = models.BooleanField(default=False)

    class Meta:
        ordering = ["-week_start", "client"]
        indexes = [
            models.Index(
                fields=["week_start"],
                condition=Q(resolved_at__isnull=True),
                name="compliance_alert_open_week",
            ),
            # The excused weeks (the recompute asks of every client-week), not every alert.
            models.Index(
                fields=["client", "week_start"],
                condition=Q(excused=True),
                name="compliance_alert_excused",
            ),
            # The open alerts in the order the alerts page lists them (escalations, then the
            # latest weeks): a page is the first entries, joined to their clients, not a sort of
            # every open alert joined to every client; the counts by kind read it alone.
            models.Index(
                fields=["-for_admins", "-week_start"],
                include=["kind"],
                condition=Q(resolved_at__isnull=True),
                name="compliance_alert_open_order",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "week_start"],
                condition=Q(resolved_at__isnull=True),
                name="compliance_alert_one_open_per_week",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True)
                | (Q(resolved_by__isnull=False) & ~Q(reason=""))
                | Q(
                    resolved_by__isnull=True, reason__in=["hours_met", "discharged", "not_enrolled"]
                ),
                name="compliance_alert_resolution_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(excused=False) | Q(resolved_at__isnull=False),
                name="compliance_alert_excuse_is_a_resolution",
            ),
            models.CheckConstraint(
                condition=Q(kind="level_of_care_review", for_admins=True)
                | (~Q(kind="level_of_care_review") & Q(for_admins=False)),
                name="compliance_alert_escalation_is_for_admins",
            ),
            plausible_dates("compliance_alert_week_plausible", "week_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for client {self.client_id}, week of {self.week_start}"

    @property
    def summary(self) -> str:
        """The week's figures in words, as the alert shows them."""
        figures = (
            f"Attended {hours(self.attended_minutes)} of {hours(self.required_minutes)} hours "
            f"on {self.treatment_days} of {self.required_days} days."
        )
        if self.kind == self.Kind.LEVEL_OF_CARE_REVIEW:
            return f"Second short week in a row. {figures}"
        return figures

    @property
    def resolved_itself(self) -> bool:
        return self.resolved_at is not None and self.resolved_by_id is None

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class UtilizationReview(models.Model):
    """An authorization due for utilization review: it ends, or runs out at the client's current
    rate, within `REVIEW_DAYS`, and no later authorization of its code is recorded yet. The
    primary clinician's alert, beside the weekly-hours alerts. Derived by the daily job
    (`scheduling.services.authorizations.utilization_reviews_update`): at most one open per
    authorization, its figures follow each run, and it resolves itself (saying why) once renewed,
    ended or voided."""

    class Resolution(models.TextChoices):
        RENEWED = "renewed", "A later authorization was recorded"
        ENDED = "ended", "The authorization ended"
        VOIDED = "voided", "The authorization was voided"
        NOT_DUE = "not_due", "No longer due (the rate or the dates changed)"
        DISCHARGED = "discharged", "The client was discharged"

    authorization = models.ForeignKey(
        Authorization, on_delete=models.PROTECT, related_name="utilization_reviews"
    )
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="utilization_reviews")
    reason = models.CharField(max_length=80, help_text="Why the review is due, in words.")
    units_left = models.PositiveSmallIntegerField()
    projected_run_out = models.DateField(null=True, blank=True)
    review_by = models.DateField(
        help_text="The earlier of the last covered day and the projected run-out: when care "
        "stops being paid. The most urgent first."
    )
    opened_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=12, choices=Resolution.choices, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            # Its partial index is also how the card and the lists read the open reviews (a few
            # hundred), without the years of resolved ones.
            models.UniqueConstraint(
                fields=["authorization"],
                condition=Q(resolved_at__isnull=True),
                name="utilization_review_one_open_per_authorization",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolution="")
                | Q(resolved_at__isnull=False) & ~Q(resolution=""),
                name="utilization_review_resolution_has_reason",
            ),
            plausible_dates(
                "utilization_review_run_out_plausible", "projected_run_out", "review_by"
            ),
        ]

    def __str__(self) -> str:
        return f"Utilization review of authorization {self.authorization_id}: {self.reason}"


class UnauthorizedAttendance(models.Model):
    """An active client's days of the last four weeks on which they attended (counted attendance)
    and no live authorization covers: attendance the clinic cannot bill. Derived state, one row a
    client who has such days, rewritten per client by
    `scheduling.services.authorizations.unauthorized_attendance_recompute` after every change it
    depends on (attendance, authorizations, admission and discharge) and for every client by the
    daily utilization review. The rule is `UNAUTHORIZED_SQL`, the one the chart and the attendance
    sheet run live. Days that have left the window since are ignored by the reads until the next
    recompute drops them."""

    client = models.OneToOneField(
        Client,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="unauthorized_attendance",
    )
    days = ArrayField(models.DateField(), help_text="In order, each once.")
    last_day = models.DateField(help_text="The latest of `days`: the row is in the window.")

    class Meta:
        # The review card counts the clients whose latest day is in the window.
        indexes = [models.Index(fields=["last_day"], name="unauthorized_last_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(days__len__gt=0), name="unauthorized_attendance_has_days"
            ),
        ]

    def __str__(self) -> str:
        return f"Client {self.client_id} attended without an authorization until {self.last_day}"


class RosterReach(models.Model):
    """Who has been on whose sessions, for the reach rule (`Client.objects.within_reach_of`): the
    latest start of a scheduled session with the client on its roster (its clients, drop-ins, or
    anyone recorded on it), one row per clinician who ran such a session and one per group that
    met. Derived state, kept by statement triggers on sessions, enrollments, drop-ins and
    attendance (`scheduling.roster_reach`): the rule compares it with the client's admission
    instead of reading every roster of the years. Never written by the application."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="roster_reach")
    # Led by the clinician or the group (the unique constraints), which is how the rule looks.
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        db_index=False,
        related_name="+",
    )
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, null=True, db_index=False, related_name="+"
    )
    last_starts_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(clinician__isnull=False, group__isnull=True)
                | Q(clinician__isnull=True, group__isnull=False),
                name="roster_reach_clinician_or_group",
            ),
            models.UniqueConstraint(
                fields=["clinician", "client"],
                include=["last_starts_at"],
                condition=Q(clinician__isnull=False),
                name="roster_reach_by_clinician",
            ),
            models.UniqueConstraint(
                fields=["group", "client"],
                include=["last_starts_at"],
                condition=Q(group__isnull=False),
                name="roster_reach_by_group",
            ),
        ]

    def __str__(self) -> str:
        runner = f"clinician {self.clinician_id}" if self.clinician_id else f"group {self.group_id}"
        return f"Client {self.client_id} on a session of {runner} until {self.last_starts_at}"
