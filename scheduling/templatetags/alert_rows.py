"""The rows of the hours alerts list, written in Python: a page of alerts, each a dozen values and
conditions through the template engine, was most of the page's time. Every value is escaped as
the engine escapes it."""

from collections.abc import Iterable
from datetime import datetime
from html import escape

from django import template
from django.utils.safestring import SafeString

from iop.hours import hours
from iop.html import joined_rows
from iop.templatetags.row_dates import month_day_time, month_day_year
from iop.templatetags.row_links import row_url
from scheduling.models import ComplianceAlert

register = template.Library()


@register.simple_tag
def alert_rows(alerts: Iterable[ComplianceAlert], show_clinician: bool) -> SafeString:
    """`{% alert_rows page.object_list user.is_admin %}`: an item per alert (the client, the week,
    the level, the figures, the primary clinician in an admin's list, how it was resolved or the
    button that resolves it)."""
    return joined_rows(_alert_row(alert, show_clinician) for alert in alerts)


def _alert_row(alert: ComplianceAlert, show_clinician: bool) -> str:
    client = alert.client
    if alert.for_admins:
        badge = "text-bg-danger"
    elif alert.kind in (ComplianceAlert.Kind.SHORT, ComplianceAlert.Kind.OVER_MAX):
        badge = "text-bg-warning"
    else:
        badge = "text-bg-info"
    figures = alert.summary
    if alert.is_open and alert.scheduled_minutes:
        figures += f" {hours(alert.scheduled_minutes)} more hours scheduled."
    notes = [alert.detail] if alert.detail else []
    if show_clinician:
        notes.append(f"Primary clinician: {client.primary_clinician}")
    if alert.resolved_at is not None:
        notes.append(_resolution(alert, alert.resolved_at))
    action = (
        '<div><a class="btn btn-sm btn-outline-primary" '
        f'href="{escape(row_url("scheduling:alert-resolve", alert.pk))}">Resolve</a></div>'
        if alert.is_open
        else ""
    )
    return (
        '<div class="list-group-item"><div class="d-flex justify-content-between flex-wrap gap-2">'
        f"<div><strong>{escape(client.display_name)}</strong> "
        f'<small class="text-muted">{escape(client.mrn)} · week of '
        f"{month_day_year(alert.week_start)}</small> "
        f'<span class="badge {badge}">{escape(alert.get_kind_display())}</span>'
        f'<div class="small">{escape(figures)}</div>'
        + "".join(f'<div class="small text-muted">{escape(note)}</div>' for note in notes)
        + f"</div>{action}</div></div>"
    )


def _resolution(alert: ComplianceAlert, resolved_at: datetime) -> str:
    """How a resolved alert was resolved: by itself (why, when), or by whom, when, why, and the
    plan."""
    when = month_day_time(resolved_at)
    if alert.resolved_itself:
        return f"{alert.get_reason_display()}, {when}."
    excused = " (week excused)" if alert.excused else ""
    plan = f" Plan: {alert.plan}" if alert.plan else ""
    return (
        f"Resolved by {alert.resolved_by} on {when}: {alert.get_reason_display()}{excused}.{plan}"
    )
