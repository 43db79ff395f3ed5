from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .audit import (
    CLIENT_ROW,
    AuditLine,
    audit_client_labels,
    change_lines,
    entry_client_id,
    named_client_ids,
    read_lines,
    record_event_fields,
    record_events,
    related_keys,
)
from .clock import day_bounds
from .models import ChartRead, Role, User, WorkerHeartbeat
from .pagination import MAX_COUNTED, StatementPaginator
from .statements import Statement

# Beat runs the heartbeat every minute; three missed beats mean no worker is taking tasks.
HEARTBEAT_STALE_AFTER = timedelta(minutes=3)


@dataclass(frozen=True)
class AuditFilters:
    """What the audit log is narrowed to: clients (None: any), who, what kind of act (`ACTIONS`),
    and clinic days."""

    client_ids: list[int] | None = None
    user: User | None = None
    action: str = ""
    since: date | None = None
    until: date | None = None


READ_ACTIONS = {"read": ChartRead.Action.READ, "exported": ChartRead.Action.EXPORT}
CHANGE_ACTIONS = {
    "created": LogEntry.Action.CREATE,
    "changed": LogEntry.Action.UPDATE,
    "deleted": LogEntry.Action.DELETE,
}


def change_actions() -> list[str]:
    """The acts record changes can be narrowed to: created, changed, deleted, and those the apps
    registered (signed, voided, revoked...)."""
    return [*CHANGE_ACTIONS, *record_events()]


def _on_days(rows: QuerySet, field: str, filters: AuditFilters) -> QuerySet:
    """Clinic days as the moments that bound them, so the timestamp's index answers."""
    if filters.since:
        rows = rows.filter(**{f"{field}__gte": day_bounds(filters.since)[0]})
    if filters.until:
        rows = rows.filter(**{f"{field}__lt": day_bounds(filters.until)[1]})
    return rows


def chart_read_list(*, filters: AuditFilters = AuditFilters()) -> QuerySet[ChartRead]:
    """The recorded page views and exports that showed client records, newest first."""
    reads = ChartRead.objects.select_related("user").order_by("-at")
    if filters.client_ids is not None:
        reads = reads.filter(client_ids__overlap=filters.client_ids)
    if filters.user:
        reads = reads.filter(user=filters.user)
    if filters.action:
        reads = reads.filter(action=READ_ACTIONS.get(filters.action, "none"))
    return _on_days(reads, "at", filters)


_CHART_READS: Statement[ChartRead] = Statement(chart_read_list)


def chart_read_paginator(*, per_page: int) -> StatementPaginator:
    """Every chart read (`chart_read_list` unfiltered) by pages, counted up to MAX_COUNTED, each
    page and the count compiled once: the audit log of reads as it opens."""
    return StatementPaginator(_CHART_READS, {}, {}, per_page, cap=MAX_COUNTED)


def record_change_list(*, filters: AuditFilters = AuditFilters()) -> QuerySet[LogEntry]:
    """Every audited change of a record (django-auditlog), newest first."""
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp")
    if filters.client_ids is not None:
        # Matches the index on (additional_data -> 'client_id', timestamp).
        entries = entries.filter(additional_data__client_id__in=filters.client_ids)
    if filters.user:
        entries = entries.filter(actor=filters.user)
    if filters.action in CHANGE_ACTIONS:
        entries = entries.filter(action=CHANGE_ACTIONS[filters.action])
    elif filters.action:
        entries = entries.filter(_event_filter(filters.action))
    return _on_days(entries, "timestamp", filters)


def _event_filter(event: str) -> Q:
    """Entries where a field that means `event` went from empty to filled; none for an unknown."""
    fields = record_event_fields(event)
    types = ContentType.objects.get_for_models(*fields)
    matches = Q(pk__in=[])
    for model, names in fields.items():
        for name in names:
            emptied = Q(**{f"changes__{name}__0": "None"})
            matches |= (
                Q(content_type=types[model]) & emptied & ~Q(**{f"changes__{name}__1": "None"})
            )
    return matches


def audit_lines(
    *,
    reads: Iterable[ChartRead] = (),
    entries: Iterable[LogEntry] = (),
    focus: int | None = None,
) -> list[AuditLine]:
    """Reads and changes in words, newest first, in a fixed number of queries: the clients named
    in one, and the people the changes name (a primary clinician, who signed) in one. With `focus`
    (a client's own report), no other client is named."""
    reads, entries = list(reads), list(entries)
    client_ids = {pk for read in reads for pk in named_client_ids(read, focus)}
    client_ids |= {pk for entry in entries if (pk := entry_client_id(entry))}
    labels = audit_client_labels({focus} if focus is not None else client_ids)
    people = related_keys(entries).get(User, set())
    related: dict[tuple[type, str], str] = {
        (User, str(person.pk)): str(person)
        for person in User.objects.filter(pk__in=[key for key in people if key.isdigit()])
    }
    related |= {(CLIENT_ROW, str(pk)): label for pk, label in labels.items()}
    lines = read_lines(reads, labels, focus) + change_lines(entries, labels, related)
    return sorted(lines, key=lambda line: line.at, reverse=True)


def chart_read_client_labels(*, pk: int) -> list[tuple[int, str]]:
    """Every client one recorded read or export showed, as (id, label), in the read's order."""
    read = get_object_or_404(ChartRead, pk=pk)
    labels = audit_client_labels(set(read.client_ids))
    return [
        (client_id, labels.get(client_id, f"client #{client_id}")) for client_id in read.client_ids
    ]


def worker_heartbeat_latest() -> WorkerHeartbeat | None:
    return WorkerHeartbeat.objects.order_by("-seen_at").first()


def worker_is_alive() -> bool:
    heartbeat = worker_heartbeat_latest()
    return heartbeat is not None and timezone.now() - heartbeat.seen_at < HEARTBEAT_STALE_AFTER


def database_answers() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def broker_answers() -> None:
    from .celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def staff_list() -> QuerySet[User]:
    """Admins and clinicians, active ones first."""
    return User.objects.staff().order_by("-is_active", "last_name", "first_name")


def admin_email_list() -> list[str]:
    """Where mail for the clinic's admins goes: the active admins that have an address."""
    admins = User.objects.filter(role=Role.ADMIN, is_active=True).exclude(email="")
    return list(admins.values_list("email", flat=True))


def staff_get(*, pk: int) -> User:
    """One admin or clinician, or 404: a client's login is not managed from the staff page."""
    return get_object_or_404(staff_list(), pk=pk)
