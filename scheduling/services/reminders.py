"""Reminders as an outbox: `reminders_plan` keeps one row per (session, client, kind,
channel) in step with the sessions table, `reminders_send_due` claims due rows in batches with SKIP
LOCKED, sends them and marks them in the batch's transaction. Messages say "Appointment" with a time
and place, nothing more.

Exactly once: rows are locked, sent and marked sent in one transaction, so a killed worker leaves
its batch pending for the next scan. The one gap is a crash after a provider accepted a message and
before the commit; each message carries a key derived from its row (email's Message-ID, the SMS
backend's `reference`), which the providers deduplicate.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from clients.models import Client
from scheduling.models import (
    MAX_LEAD_MINUTES,
    Reminder,
    ReminderChannel,
    ReminderKind,
    ReminderLeadTimes,
    ReminderPreference,
    Session,
)
from scheduling.selectors.reminders import due_reminder_list, reminder_lead_times_get
from scheduling.session_clients import session_clients_in_span_sql
from scheduling.sms import sms_backend

PLANNING_HORIZON = timedelta(minutes=MAX_LEAD_MINUTES + 24 * 60)
# Cancellation notices go out for closure-cancelled sessions this far ahead: beyond the four
# materialized weeks and the booking horizon, nothing is on the calendar yet.
NOTICE_HORIZON = timedelta(days=35)
# A reminder whose due time passed this long ago when its session appears is not created (a session
# booked three hours ahead gets no day-before reminder).
LATE_CREATION_GRACE = timedelta(minutes=15)
MAX_ATTEMPTS = 5
ERROR_LENGTH = 300

# The (session, client, kind, channel) rows that should exist for scheduled sessions in the window,
# computed once per run into a temporary table with its statistics: as a CTE in each statement the
# planner guessed a handful of rows and compared every pending reminder with it row by row.
_WINDOW_CLIENTS_SQL = session_clients_in_span_sql(
    start="%(window_start)s", end="%(window_end)s", tz="%(tz)s", sessions="s.status = 'scheduled'"
)
_CLOSURE_CANCELLED_CLIENTS_SQL = session_clients_in_span_sql(
    start="%(now)s",
    end="%(notice_window_end)s",
    tz="%(tz)s",
    sessions="s.status = 'cancelled' AND s.closure_id IS NOT NULL",
)
_WANTED_SQL = f"""
    DROP TABLE IF EXISTS reminder_wanted;
    CREATE TEMP TABLE reminder_wanted ON COMMIT DROP AS
    WITH pairs AS ({_WINDOW_CLIENTS_SQL}),
    kinds(kind, lead_minutes) AS (
        VALUES ('day_before', %(day_before)s::int), ('hours_before', %(hours_before)s::int)
    ),
    channels(channel) AS (VALUES ('email'), ('sms')),
    wanted AS (
        SELECT p.session_id, p.client_id, k.kind, ch.channel,
               p.starts_at - make_interval(mins => k.lead_minutes) AS due_at
        FROM pairs p
        JOIN clients_client c ON c.id = p.client_id AND c.status = 'active'
        JOIN scheduling_reminderpreference pref ON pref.client_id = c.id
        CROSS JOIN kinds k
        CROSS JOIN channels ch
        WHERE p.starts_at > %(now)s
          AND ((ch.channel = 'email' AND pref.email_opt_in AND c.email <> '')
               OR (ch.channel = 'sms' AND pref.sms_opt_in AND c.phone <> ''))
    ),
    -- A session ahead that a clinic closure cancelled: one notice per client and channel, due
    -- when the session was cancelled (the closure was entered, or the occurrence materialized).
    notices AS (
        SELECT sc.session_id, sc.client_id, 'cancellation' AS kind, ch.channel,
               GREATEST(cl.created_at, s.created_at) AS due_at
        FROM ({_CLOSURE_CANCELLED_CLIENTS_SQL}) sc
        JOIN scheduling_session s ON s.id = sc.session_id
        JOIN scheduling_clinicclosure cl ON cl.id = s.closure_id
        JOIN clients_client c ON c.id = sc.client_id AND c.status = 'active'
        JOIN scheduling_reminderpreference pref ON pref.client_id = c.id
        CROSS JOIN channels ch
        WHERE sc.starts_at > %(now)s
          AND ((ch.channel = 'email' AND pref.email_opt_in AND c.email <> '')
               OR (ch.channel = 'sms' AND pref.sms_opt_in AND c.phone <> ''))
    )
    SELECT * FROM wanted
    UNION ALL
    SELECT * FROM notices;
    CREATE UNIQUE INDEX ON reminder_wanted (session_id, client_id, kind, channel);
    ANALYZE reminder_wanted;
"""  # nosec B608  # this module's SQL; every value is a parameter

# DO NOTHING, not DO UPDATE: an upsert would lock every existing row, and the senders' SKIP LOCKED
# would pass over them until planning commits.
_INSERT_NEW_SQL = """
    INSERT INTO scheduling_reminder
        (session_id, client_id, kind, channel, due_at, status, attempts, last_error, created_at)
    SELECT session_id, client_id, kind, channel, due_at, 'pending', 0, '', %(now)s
    FROM reminder_wanted
    -- A notice is sent however late it is planned, as long as the session is still ahead.
    WHERE due_at > %(creation_cutoff)s OR kind = 'cancellation'
    ON CONFLICT (session_id, client_id, kind, channel) WHERE session_id IS NOT NULL DO NOTHING
"""

_REVIVE_SQL = """
    UPDATE scheduling_reminder r
    SET status = 'pending', due_at = w.due_at, attempts = 0, last_error = ''
    FROM reminder_wanted w
    WHERE r.session_id = w.session_id AND r.client_id = w.client_id
      AND r.kind = w.kind AND r.channel = w.channel
      AND r.status = 'cancelled' AND (w.due_at > %(creation_cutoff)s OR w.kind = 'cancellation')
"""

_MOVE_SQL = """
    UPDATE scheduling_reminder r SET due_at = w.due_at
    FROM reminder_wanted w
    WHERE r.session_id = w.session_id AND r.client_id = w.client_id
      AND r.kind = w.kind AND r.channel = w.channel
      AND r.status = 'pending' AND r.attempts = 0 AND r.due_at <> w.due_at
"""

_CANCEL_SQL = """
    UPDATE scheduling_reminder r SET status = 'cancelled'
    FROM scheduling_session s
    WHERE r.session_id = s.id AND r.status = 'pending' AND s.starts_at > %(now)s
      AND NOT EXISTS (
        SELECT 1 FROM reminder_wanted w
        WHERE w.session_id = r.session_id AND w.client_id = r.client_id
          AND w.kind = r.kind AND w.channel = r.channel
      )
"""


# A check-in's reminder: one per opted-in channel for each open check-in due in the last few days,
# sent at CHECK_IN_REMINDER_AT clinic time on its due day (at once if that has passed); pending ones
# of check-ins since submitted are cancelled. The message names nothing: "You have a check-in to
# complete".
CHECK_IN_REMINDER_AT = "10:00"
CHECK_IN_REMINDER_DAYS = 2

_CHECK_IN_INSERT_SQL = """
    INSERT INTO scheduling_reminder
        (check_in_id, client_id, kind, channel, due_at, status, attempts, last_error, created_at)
    SELECT ci.id, ci.client_id, 'check_in', ch.channel,
           GREATEST(%(now)s, (ci.due_on + %(at)s::time) AT TIME ZONE %(zone)s),
           'pending', 0, '', %(now)s
    FROM clients_checkin ci
    JOIN clients_client c ON c.id = ci.client_id AND c.status = 'active'
    JOIN scheduling_reminderpreference pref ON pref.client_id = c.id
    CROSS JOIN (VALUES ('email'), ('sms')) AS ch(channel)
    WHERE ci.submitted_at IS NULL
      AND ci.due_on BETWEEN %(today)s - %(days)s AND %(today)s
      AND ((ch.channel = 'email' AND pref.email_opt_in AND c.email <> '')
           OR (ch.channel = 'sms' AND pref.sms_opt_in AND c.phone <> ''))
    ON CONFLICT (check_in_id, channel) WHERE check_in_id IS NOT NULL DO NOTHING
"""

_CHECK_IN_CANCEL_SQL = """
    UPDATE scheduling_reminder r SET status = 'cancelled'
    FROM clients_checkin ci
    WHERE r.check_in_id = ci.id AND r.status = 'pending' AND ci.submitted_at IS NOT NULL
"""


@dataclass(frozen=True)
class PlanResult:
    created: int
    revived: int
    moved: int
    cancelled: int


@transaction.atomic
def reminders_plan(*, now: datetime | None = None) -> PlanResult:
    """Bring the outbox in line with the sessions table, set-based: create the missing rows for
    upcoming scheduled sessions and the cancellation notices of sessions a clinic closure cancelled,
    move the due times of moved sessions (or changed lead times), and cancel the pending rows of
    cancelled (or reopened) sessions, ended enrollments and withdrawn opt-ins. A row cancelled
    earlier comes back if its reason goes away. Check-ins due in the last days get their one
    reminder per channel; those submitted meanwhile are cancelled. Safe to run late or twice."""
    now = now or timezone.now()
    lead_times = reminder_lead_times_get()
    params: dict[str, datetime | int | str] = {
        "now": now,
        "tz": settings.TIME_ZONE,
        "window_start": now,
        "window_end": now + PLANNING_HORIZON,
        "notice_window_end": now + NOTICE_HORIZON,
        "day_before": lead_times.day_before_minutes,
        "hours_before": lead_times.hours_before_minutes,
        "creation_cutoff": now - LATE_CREATION_GRACE,
    }
    counts = []
    check_in_params = {
        "now": now,
        "today": timezone.localdate(now),
        "days": CHECK_IN_REMINDER_DAYS,
        "at": CHECK_IN_REMINDER_AT,
        "zone": settings.TIME_ZONE,
    }
    with connection.cursor() as cursor:
        cursor.execute(_WANTED_SQL, params)
        for sql in (_INSERT_NEW_SQL, _REVIVE_SQL, _MOVE_SQL, _CANCEL_SQL):
            cursor.execute(sql, params)
            counts.append(cursor.rowcount)
        for sql in (_CHECK_IN_INSERT_SQL, _CHECK_IN_CANCEL_SQL):
            cursor.execute(sql, check_in_params)
            counts.append(cursor.rowcount)
    created, revived, moved, cancelled, check_ins_created, check_ins_cancelled = counts
    created += check_ins_created
    cancelled += check_ins_cancelled
    return PlanResult(created=created, revived=revived, moved=moved, cancelled=cancelled)


@dataclass(frozen=True)
class SendResult:
    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0


# Rows claimed and finished in one transaction. A worker killed mid-batch leaves the whole batch
# pending; the rows it had already handed to a provider go out again under the same Message-ID or
# reference, which the providers deduplicate. Small, so that gap stays small.
SEND_BATCH = 50
# What a sent row's save checks (full_clean without the foreign keys, each of which is a query).
_SEND_FIELDS = ["status", "attempts", "last_error", "sent_at", "due_at"]
_NOT_CHECKED = [field.name for field in Reminder._meta.fields if field.name not in _SEND_FIELDS]


def reminders_send_due(*, now: datetime | None = None, limit: int = 1000) -> SendResult:
    """Send due reminders in batches, each claimed and finished in its own transaction, until none
    is due or `limit` rows were handled. Several workers may run this at once: SKIP LOCKED shares
    the rows."""
    outcomes: dict[str, int] = {}
    handled = 0
    while handled < limit:
        batch = reminder_batch_send(
            now=now or timezone.now(), size=min(SEND_BATCH, limit - handled)
        )
        if not batch:
            break
        handled += len(batch)
        for reminder in batch:
            outcome = "retried" if reminder.status == Reminder.Status.PENDING else reminder.status
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return SendResult(**outcomes)


@transaction.atomic
def reminder_batch_send(*, now: datetime, size: int = SEND_BATCH) -> list[Reminder]:
    """Claim up to `size` of the oldest due rows nobody else holds, send each, and record every
    outcome in one statement; [] when no row is due. One reminder's failure is its own: it is
    retried later, the others are sent."""
    batch = list(
        due_reminder_list(now=now)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("client", "session__room", "check_in")[:size]
    )
    if not batch:
        return []
    hours_before = timedelta(minutes=reminder_lead_times_get().hours_before_minutes)
    outbox = _Outbox()
    try:
        for reminder in batch:
            _send(reminder, now=now, hours_before=hours_before, outbox=outbox)
    finally:
        outbox.close()
    Reminder.objects.bulk_update(batch, _SEND_FIELDS)
    return batch


def _send(reminder: Reminder, *, now: datetime, hours_before: timedelta, outbox: "_Outbox") -> None:
    """Send one claimed row, or skip or cancel it, and set its outcome (not saved)."""
    reason_not_to_send = _reason_not_to_send(reminder, now, hours_before)
    if reason_not_to_send:
        status, reminder.last_error = reason_not_to_send
        reminder.status = status
    else:
        reminder.attempts += 1
        try:
            outbox.deliver(reminder)
        except Exception as error:  # any transport failure is retried, then recorded as failed
            reminder.last_error = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
            retry_at = now + timedelta(minutes=2 ** (reminder.attempts - 1))
            starts_at = reminder.session.starts_at if reminder.session else None
            if reminder.attempts >= MAX_ATTEMPTS or (starts_at and retry_at >= starts_at):
                reminder.status = Reminder.Status.FAILED
            else:
                reminder.due_at = retry_at
        else:
            reminder.status = Reminder.Status.SENT
            reminder.sent_at = now
            reminder.last_error = ""
    # The database holds the keys and invariants; this checks the fields the send changed.
    reminder.full_clean(exclude=_NOT_CHECKED, validate_unique=False, validate_constraints=False)


def _reason_not_to_send(
    reminder: Reminder, now: datetime, hours_before: timedelta
) -> tuple[str, str] | None:
    session, client = reminder.session, reminder.client
    if session is not None:
        # A notice says the session is cancelled: it goes only while that is still true.
        cancelled = session.status == Session.Status.CANCELLED
        if cancelled != (reminder.kind == ReminderKind.CANCELLATION):
            return Reminder.Status.CANCELLED, ""
        if session.starts_at <= now:
            return Reminder.Status.SKIPPED, "The appointment had started."
        if reminder.kind == ReminderKind.DAY_BEFORE and session.starts_at - hours_before <= now:
            return Reminder.Status.SKIPPED, "The later reminder was already due."
    elif reminder.nudge_week is not None and timezone.localdate(
        now
    ) > reminder.nudge_week + timedelta(days=6):
        return Reminder.Status.SKIPPED, "The week was over."
    elif reminder.check_in is not None and reminder.check_in.is_submitted:
        return Reminder.Status.CANCELLED, ""
    if client.status != Client.Status.ACTIVE:
        return Reminder.Status.CANCELLED, ""
    if reminder.channel == ReminderChannel.EMAIL and not client.email:
        return Reminder.Status.SKIPPED, "No email address."
    if reminder.channel == ReminderChannel.SMS and not client.phone:
        return Reminder.Status.SKIPPED, "No phone number."
    return None


def _message_context(reminder: Reminder) -> dict[str, object]:
    context: dict[str, object] = {"signature": settings.MESSAGE_SIGNATURE}
    session = reminder.session
    if session is not None:
        # The rule of `Session.place`, in a message's words; a room's location is its directions.
        if session.by_video or session.room is None:
            place = "by video"
        else:
            place = f"at {session.room.location or session.room.name}"
        context.update(starts_at=timezone.localtime(session.starts_at), place=place)
    return context


class _Outbox:
    """A batch's senders: one mail connection and one SMS backend for all its messages, and each
    text rendered once per kind and session (a message names nothing but the session's time and
    place; a check-in reminder or a nudge names nothing at all)."""

    def __init__(self) -> None:
        self.mail = get_connection()
        self.sms = sms_backend()
        self.texts: dict[tuple[str, int | None], str] = {}

    def _text(self, reminder: Reminder, template: str) -> str:
        key = (template, reminder.session_id)  # the template names the kind
        if key not in self.texts:
            self.texts[key] = render_to_string(template, _message_context(reminder))
        return self.texts[key]

    def deliver(self, reminder: Reminder) -> None:
        template = {
            ReminderKind.CANCELLATION: "appointment_cancelled",
            ReminderKind.HOURS_NUDGE: "schedule_nudge",
            ReminderKind.CHECK_IN: "check_in",
        }.get(ReminderKind(reminder.kind), "appointment")
        reference = f"reminder-{reminder.pk}"
        if reminder.channel == ReminderChannel.SMS:
            body = self._text(reminder, f"emails/{template}_sms.txt").strip()
            self.sms.send(to=reminder.client.phone, body=body, reference=reference)
            return
        subject = self._text(reminder, f"emails/{template}_subject.txt").strip()
        domain = settings.DEFAULT_FROM_EMAIL.split("@")[-1].strip("<> ")
        message = EmailMultiAlternatives(
            subject=" ".join(subject.split()),
            body=self._text(reminder, f"emails/{template}.txt"),
            to=[reminder.client.email],
            headers={"Message-ID": f"<{reference}@{domain}>"},
            connection=self.mail,
        )
        message.attach_alternative(self._text(reminder, f"emails/{template}.html"), "text/html")
        # Opened by the first message and kept (a no-op once open); a failure here is that
        # message's, retried like any other, and the next message tries again.
        self.mail.open()
        message.send()

    def close(self) -> None:
        self.mail.close()


@transaction.atomic
def reminder_lead_times_update(
    *, day_before_minutes: int, hours_before_minutes: int
) -> ReminderLeadTimes:
    """Change the lead times; pending reminders move to the new due times at once."""
    errors = {}
    for field, value in (
        ("day_before_minutes", day_before_minutes),
        ("hours_before_minutes", hours_before_minutes),
    ):
        if not 0 < value <= MAX_LEAD_MINUTES:
            errors[field] = "Lead time must be more than 0 minutes and at most 7 days (10080)."
    if not errors and hours_before_minutes >= day_before_minutes:
        errors["hours_before_minutes"] = "The later reminder must come after the first one."
    if errors:
        raise ValidationError(errors)
    lead_times = reminder_lead_times_get()
    lead_times.day_before_minutes = day_before_minutes
    lead_times.hours_before_minutes = hours_before_minutes
    lead_times.full_clean()
    lead_times.save()
    reminders_plan()
    return lead_times


@transaction.atomic
def reminder_preference_update(
    *,
    client: Client,
    email_opt_in: bool,
    sms_opt_in: bool,
    quiet_start: time | None,
    quiet_end: time | None,
) -> ReminderPreference:
    """Save the client's choices; withdrawn channels stop at once, new ones start with the next
    planning run (every minute)."""
    errors = {}
    if (quiet_start is None) != (quiet_end is None):
        field = "quiet_end" if quiet_end is None else "quiet_start"
        errors[field] = "Give both the start and the end of quiet hours, or neither."
    elif quiet_start is not None and quiet_start == quiet_end:
        errors["quiet_end"] = "Quiet hours must end at a different time than they start."
    if email_opt_in and not client.email:
        errors["email_opt_in"] = "There is no email address on file; ask your counselor to add one."
    if sms_opt_in and not client.phone:
        errors["sms_opt_in"] = "There is no phone number on file; ask your counselor to add one."
    if errors:
        raise ValidationError(errors)
    preference, _ = ReminderPreference.objects.select_for_update().get_or_create(client=client)
    preference.email_opt_in = email_opt_in
    preference.sms_opt_in = sms_opt_in
    preference.quiet_start = quiet_start
    preference.quiet_end = quiet_end
    preference.full_clean()
    preference.save()
    withdrawn = [
        channel
        for channel, opted_in in (
            (ReminderChannel.EMAIL, email_opt_in),
            (ReminderChannel.SMS, sms_opt_in),
        )
        if not opted_in
    ]
    Reminder.objects.filter(
        client=client, channel__in=withdrawn, status=Reminder.Status.PENDING
    ).update(status=Reminder.Status.CANCELLED)
    return preference
