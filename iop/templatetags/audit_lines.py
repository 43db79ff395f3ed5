"""The audit log's lines, written in Python: a page of fifty, each two dates, the person, the
sentence and where from through the template engine, were half of the audit log's rendering.
Every value is escaped as the engine escapes it."""

from collections.abc import Iterable
from html import escape

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.text import capfirst

from iop.audit import AuditLine, Change
from iop.html import joined_rows
from iop.templatetags.row_links import row_url

register = template.Library()


@register.simple_tag
def audit_line_rows(lines: Iterable[AuditLine], expanded: bool = False) -> SafeString:
    """`{% audit_line_rows lines expanded %}`: a row per entry (when in the clinic's time, who,
    the sentence with what changed or every client read, and from where); `expanded` opens
    what changed."""
    return joined_rows(
        f'<tr><td class="text-nowrap">{_when(line)}</td><td>{escape(line.who)}</td>'
        f'<td><span class="audit-sentence">{escape(line.sentence)}</span>'
        f'{_details(line, expanded)}</td><td class="text-nowrap">{escape(line.where)}</td></tr>'
        for line in lines
    )


def _when(line: AuditLine) -> str:
    at = timezone.localtime(line.at)
    return f'{at:%a %b} {at.day}, {at.year}<br><span class="text-muted">{at:%H:%M:%S}</span>'


def _details(line: AuditLine, expanded: bool) -> str:
    if not line.changes and not line.more_clients:
        return ""
    opened = " open" if expanded else ""
    loads = (
        f' hx-get="{escape(row_url("iop:audit-read-clients", line.read_id))}"'
        ' hx-trigger="toggle once" hx-target="find ul" hx-swap="outerHTML"'
        if line.more_clients and line.read_id is not None  # only a read names more clients
        else ""
    )
    if line.changes:
        summary = "What changed"
        shown = (
            '<table class="table table-sm table-borderless mb-0"><thead><tr>'
            '<th scope="col">Field</th><th scope="col">Before</th><th scope="col">After</th>'
            f"</tr></thead><tbody>{''.join(map(_change, line.changes))}</tbody></table>"
        )
    else:
        summary = f"All {len(line.clients) + line.more_clients} clients"
        shown = '<ul class="mb-0"><li class="text-muted">Loading…</li></ul>'
    return (
        f'<details class="small mt-1"{opened}{loads}><summary class="text-muted">{summary}'
        f"</summary>{shown}</details>"
    )


def _change(change: Change) -> str:
    return (
        f"<tr><td>{escape(capfirst(change.field))}</td><td>{escape(change.before)}</td>"
        f"<td>{escape(change.after)}</td></tr>"
    )
