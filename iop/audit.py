"""The audit trail in words, for a privacy officer: "Dana Lee signed the progress note of Alice
Smith (M001234) for the group session of Mon Nov 23, from 10.1.2.3".

`iop` cannot import the apps above it, so each app tells this registry, in its
`AppConfig.ready`, how its rows and reads are described:

- `audit_register(Model, record=..., client=..., events=...)` registers a model with
  django-auditlog and says what a row is in words ("the progress note of {client} for the group
  session of Mon Nov 23") and whose record it is. Both are worked out when the change is logged
  and kept in the entry's `additional_data`, so a page of entries reads them without a query, and
  the client's id is indexed for the filter by client. `events` names the fields whose filling is
  an act of its own: `{"signed_at": "signed"}`.
- `audit_reads_register({...})` words the purposes that access helpers record ("chart": "the chart
  of {client}").
- `audit_clients_register(labels=..., search=...)`: the `clients` app says how a client is named
  ("Alice Smith (M001234)", one query for a page) and found (by MRN or name).

`{client}` in a phrase is replaced by the client's label when the entry is shown.
"""

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import Truncator, get_text_list

from .models import ChartRead, User

CLIENT = "{client}"
# The key of a client's label among the related rows named in an entry's changes.
CLIENT_ROW = Model
# A sentence names this many clients; the rest are counted ("and 47 more") and listed below it.
CLIENTS_NAMED = 3
# A long text (a note's paragraphs) is shown this far in the list; the record itself has it all.
VALUE_SHOWN = 200


@dataclass(frozen=True)
class RecordKind:
    record: Callable[[Any], str]
    client: Callable[[Any], int | None]
    events: Mapping[str, str]
    created: str


_record_kinds: dict[type[Model], RecordKind] = {}
_read_phrases: dict[str, str] = {"audit log": f"the audit log, which named {CLIENT}"}


@dataclass
class _ClientDirectory:
    labels: Callable[[set[int]], dict[int, str]] = lambda ids: {}
    search: Callable[[str, User], list[int]] = lambda text, user: []


_clients = _ClientDirectory()


def audit_register(
    model: type[Model],
    *,
    record: Callable[[Any], str],
    client: Callable[[Any], int | None],
    events: Mapping[str, str] | None = None,
    created: str = "created",
    m2m_fields: Iterable[str] = (),
    exclude_fields: Iterable[str] = (),
) -> None:
    """Audit every change of `model` (django-auditlog), described in words.

    `record(row)` is the row as a privacy officer would name it, with `{client}` where the client's
    name goes; `client(row)` is the client's id (None for rows of no one client, such as a group).
    Both run when the change is logged. `created` is the verb of a new row ("registered")."""
    _record_kinds[model] = RecordKind(record, client, dict(events or {}), created)
    # django-auditlog stores what `get_additional_data()` returns with each entry.
    model.get_additional_data = _additional_data  # type: ignore[attr-defined]
    auditlog.register(model, m2m_fields=set(m2m_fields), exclude_fields=list(exclude_fields))


def _additional_data(row: Model) -> dict[str, Any]:
    kind = _record_kinds[type(row)]
    return {"client_id": kind.client(row), "record": kind.record(row)}


def audit_reads_register(phrases: Mapping[str, str]) -> None:
    """How reads recorded with these purposes (`ChartRead.what`) are said: "the chart of
    {client}"."""
    _read_phrases.update(phrases)


def audit_clients_register(
    *,
    labels: Callable[[set[int]], dict[int, str]],
    search: Callable[[str, User], list[int]],
) -> None:
    """How clients are named (all of a page's in one query) and found for the filter (the ids of
    the clients within the user's reach matching an MRN or a name)."""
    _clients.labels = labels
    _clients.search = search


def audit_client_search(*, text: str, user: User) -> list[int]:
    return _clients.search(text, user)


def audit_client_labels(ids: set[int]) -> dict[int, str]:
    return _clients.labels(ids) if ids else {}


def record_event_fields(event: str) -> dict[type[Model], list[str]]:
    """For each model with `event`, the fields whose filling is that event."""
    return {
        model: [name for name, verb in kind.events.items() if verb == event]
        for model, kind in _record_kinds.items()
        if event in kind.events.values()
    }


def record_events() -> list[str]:
    return sorted({verb for kind in _record_kinds.values() for verb in kind.events.values()})


# --- Entries in words --------------------------------------------------------------------------


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class AuditLine:
    """One entry as the officer reads it."""

    at: datetime
    who: str
    sentence: str
    where: str
    kind: str  # "read", "exported" or the change's verb
    client_ids: list[int]  # the clients the line names
    clients: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    path: str = ""
    # A read of more clients than the sentence names: how many more, listed on demand by the read.
    more_clients: int = 0
    read_id: int | None = None


def named_client_ids(read: ChartRead, focus: int | None = None) -> list[int]:
    """The clients a read's line names: the client of a report (`focus`), or the first few; the
    others are counted ("and 47 more") and listed only when asked for (`iop:audit-read-clients`),
    so a page of reads of whole rosters names 150 clients, not thousands."""
    if focus is not None:
        return [focus]
    return read.client_ids[:CLIENTS_NAMED]


def _clients_text(ids: list[int], labels: dict[int, str], focus: int | None) -> str:
    if focus is not None:  # one client's report names no one else
        others = len(ids) - 1
        return labels[focus] + (f" and {others} other client{pluralize(others)}" if others else "")
    named = [labels.get(pk, f"client #{pk}") for pk in ids[:CLIENTS_NAMED]]
    if len(ids) > CLIENTS_NAMED:
        return f"{', '.join(named)} and {len(ids) - CLIENTS_NAMED} more"
    return str(get_text_list(named, "and"))


def _fill(phrase: str, clients: str) -> str:
    return phrase.replace(CLIENT, clients) if CLIENT in phrase else phrase


def read_lines(
    reads: Iterable[ChartRead], labels: dict[int, str], focus: int | None = None
) -> list[AuditLine]:
    """Chart reads in words; `labels` from `audit_client_labels` for the clients they name
    (`named_client_ids`). With `focus`, a client's own report: the other clients a page showed
    are counted, never named nor listed."""
    lines = []
    for read in reads:
        phrase = _read_phrases.get(read.what, f"the {read.what} of {CLIENT}")
        verb = read.get_action_display()
        named = named_client_ids(read, focus)
        lines.append(
            AuditLine(
                at=timezone.localtime(read.at),
                who=str(read.user),
                sentence=f"{verb} {_fill(phrase, _clients_text(read.client_ids, labels, focus))}",
                where=read.ip_address or "unknown",
                kind=verb,
                client_ids=named,
                clients=[labels.get(pk, f"client #{pk}") for pk in named],
                path=read.path,
                more_clients=0 if focus is not None else len(read.client_ids) - len(named),
                read_id=read.pk,
            )
        )
    return lines


def entry_client_id(entry: LogEntry) -> int | None:
    data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
    client_id = data.get("client_id")
    return client_id if isinstance(client_id, int) else None


def change_lines(
    entries: Iterable[LogEntry], labels: dict[int, str], related: dict[tuple[type, str], str]
) -> list[AuditLine]:
    """Record changes in words; `labels` for their clients, `related` from `related_labels`."""
    lines = []
    for entry in entries:
        model = entry.content_type.model_class()
        kind = _record_kinds.get(model) if model else None
        client_id = entry_client_id(entry)
        data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
        record = data.get("record") or _unregistered_record(entry, model)
        client = labels.get(client_id, f"client #{client_id}") if client_id else "a client"
        changes = _changes(entry, model, related)
        verb = _verb(entry, kind)
        if verb == "changed" and changes:
            fields = get_text_list([change.field for change in changes], "and")
            sentence = f"changed the {fields} of {_fill(record, client)}"
        else:
            sentence = f"{verb} {_fill(record, client)}"
        lines.append(
            AuditLine(
                at=timezone.localtime(entry.timestamp),
                who=str(entry.actor) if entry.actor else "the system",
                sentence=sentence,
                # No actor and no address: a change made outside a web request (a job, a command).
                where=entry.remote_addr or ("unknown" if entry.actor else "not a web request"),
                kind=verb,
                client_ids=[client_id] if client_id else [],
                clients=[client] if client_id else [],
                changes=changes,
            )
        )
    return lines


def _unregistered_record(entry: LogEntry, model: type[Model] | None) -> str:
    """Entries logged before their model was described: its name and the row as it was shown."""
    name = model._meta.verbose_name if model else entry.content_type.model
    return f"the {name} “{entry.object_repr}”"


def _verb(entry: LogEntry, kind: RecordKind | None) -> str:
    if entry.action == LogEntry.Action.DELETE:
        return "deleted"
    changes = entry.changes_dict
    for name, event in kind.events.items() if kind else ():
        values = changes.get(name)
        filled = isinstance(values, list) and len(values) == 2
        if filled and _empty(values[0]) and not _empty(values[1]):
            return event
    if entry.action == LogEntry.Action.CREATE:
        return kind.created if kind else "created"
    return "changed"


def _empty(value: Any) -> bool:
    return value in (None, "None", "", "null")


def _changes(
    entry: LogEntry, model: type[Model] | None, related: dict[tuple[type, str], str]
) -> list[Change]:
    """Each changed field by its label, before and after as a person reads them: choice labels,
    the related row's name, dates in clinic time; "(empty)" for nothing."""
    changes = []
    for name, values in entry.changes_dict.items():
        try:
            model_field = model._meta.get_field(name) if model else None
        except FieldDoesNotExist:
            model_field = None
        label = str(getattr(model_field, "verbose_name", name.replace("_", " ")))
        if isinstance(values, dict):  # a many-to-many change: the rows added or removed
            objects = ", ".join(str(obj) for obj in values.get("objects", []))
            operation = {"add": "added", "delete": "removed"}.get(str(values.get("operation")), "")
            changes.append(Change(label, operation, objects))
            continue
        if model_field is not None and _not_shown(model_field):
            continue
        before, after = (_value(model_field, value, related) for value in values)
        if before != after:
            changes.append(Change(label, before, after))
    return changes


def _not_shown(model_field: Any) -> bool:
    """The row's id, the times the save itself sets (the entry's own time says it) and the other
    rows pointing at it (auditlog lists them on creation, empty)."""
    return bool(
        getattr(model_field, "primary_key", False)
        or getattr(model_field, "auto_now", False)
        or getattr(model_field, "auto_now_add", False)
        or not getattr(model_field, "concrete", True)
    )


def _value(model_field: Any, value: Any, related: dict[tuple[type, str], str]) -> str:
    if _empty(value):
        return "(empty)"
    text = str(value)
    if model_field is None:
        return Truncator(text).chars(VALUE_SHOWN)
    if model_field.is_relation and model_field.related_model:
        # People and the client are named; another row by its kind and number (its own record
        # says the rest), so a page costs the same queries whatever rows it mentions.
        key = (CLIENT_ROW if model_field.name == "client" else model_field.related_model, text)
        return related.get(key, f"{model_field.related_model._meta.verbose_name} no. {text}")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(_literal(text, model_field), text))
    base = getattr(model_field, "base_field", None)
    if base is not None and base.choices:  # a list of choices (a consent's information)
        try:
            values = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return text
        labels = dict(base.flatchoices)
        return ", ".join(str(labels.get(value, value)) for value in values)
    internal = model_field.get_internal_type()
    if internal == "DateTimeField" and (moment := parse_datetime(text)):
        moment = moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)
        return f"{timezone.localtime(moment):%a %b %-d %Y, %H:%M}"
    if internal == "DateField" and (day := parse_date(text)):
        return f"{day:%a %b %-d %Y}"
    if internal == "BooleanField":
        return {"True": "yes", "False": "no"}.get(text, text)
    return Truncator(text).chars(VALUE_SHOWN)


def _literal(text: str, model_field: Any) -> Any:
    """A choice's stored value: auditlog keeps values as text, integer choices included."""
    if model_field.get_internal_type() in ("IntegerField", "PositiveSmallIntegerField"):
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return text
    return text


def related_keys(entries: Iterable[LogEntry]) -> dict[type[Model], set[str]]:
    """The related rows the entries' changes name, by model, to be read in one query each."""
    keys: dict[type[Model], set[str]] = {}
    for entry in entries:
        model = entry.content_type.model_class()
        if model is None:
            continue
        for name, values in entry.changes_dict.items():
            try:
                model_field = model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if model_field.is_relation and model_field.related_model and isinstance(values, list):
                keys.setdefault(model_field.related_model, set()).update(
                    str(value) for value in values if not _empty(value)
                )
    return keys
