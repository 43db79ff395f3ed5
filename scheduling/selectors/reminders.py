"""Reads for reminders: lead times, due rows, the admin's view of the outbox."""

from datetime import datetime, time

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from clients.models import Client
from scheduling.models import Reminder, ReminderChannel, ReminderLeadTimes, ReminderPreference


def reminder_lead_times_get() -> ReminderLeadTimes:
    """The admins' lead times, or the defaults (unsaved) while nobody has changed them."""
    return ReminderLeadTimes.objects.order_by("pk").first() or ReminderLeadTimes()


def reminder_preference_get(*, client: Client) -> ReminderPreference:
    """The client's saved preference, or an unsaved one with everything off (opt-in)."""
    return ReminderPreference.objects.filter(client=client).first() or ReminderPreference(
        client=client
    )


def _in_quiet_hours(local_time_of_day: time) -> Q:
    """Rows whose client's quiet hours contain this local time; spans may cross midnight."""
    prefix = "client__reminder_preference__"
    same_day = Q(
        **{
            f"{prefix}quiet_start__lt": F(f"{prefix}quiet_end"),
            f"{prefix}quiet_start__lte": local_time_of_day,
            f"{prefix}quiet_end__gt": local_time_of_day,
        }
    )
    across_midnight = Q(**{f"{prefix}quiet_start__gt": F(f"{prefix}quiet_end")}) & (
        Q(**{f"{prefix}quiet_start__lte": local_time_of_day})
        | Q(**{f"{prefix}quiet_end__gt": local_time_of_day})
    )
    return same_day | across_midnight


def due_reminder_list(*, now: datetime) -> QuerySet[Reminder]:
    """Pending rows due at `now`, oldest first; text messages wait while the client's quiet hours
    last (they go out when the quiet hours end)."""
    local_time_of_day = timezone.localtime(now).time()
    return (
        Reminder.objects.filter(status=Reminder.Status.PENDING, due_at__lte=now)
        .exclude(Q(channel=ReminderChannel.SMS) & _in_quiet_hours(local_time_of_day))
        .order_by("due_at", "pk")
    )


def failed_reminder_count() -> int:
    """The dashboard's card: through a partial index, not a count of every reminder ever sent."""
    return Reminder.objects.filter(status=Reminder.Status.FAILED).count()


def reminder_counts_by_status() -> dict[str, int]:
    """How many outbox rows are in each status, for the admins' reminder health."""
    rows = Reminder.objects.values("status").annotate(count=Count("pk"))
    return {row["status"]: row["count"] for row in rows}


def failed_reminder_list() -> QuerySet[Reminder]:
    """Reminders that gave up, newest first: what an admin looks into."""
    return (
        Reminder.objects.filter(status=Reminder.Status.FAILED)
        .select_related("client", "session")
        .order_by("-due_at")
    )
