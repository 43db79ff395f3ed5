"""How a week's hours read in a list: one colour for each status, on every page that shows one,
and the weekly-hours report's rows written in Python (fifty rows of nine values each through the
template engine were most of its rendering). Every value is escaped as the engine escapes it."""

from collections.abc import Iterable
from html import escape

from django import template
from django.utils.safestring import SafeString

from iop.hours import hours
from iop.templatetags.row_links import row_url
from scheduling.models import ComplianceStatus, WeeklyCompliance

register = template.Library()

_BADGES: dict[str, str] = {
    ComplianceStatus.MET: "text-bg-success",
    ComplianceStatus.ON_TRACK: "text-bg-success",
    ComplianceStatus.AT_RISK: "text-bg-warning",
    ComplianceStatus.OVER_MAX: "text-bg-warning",
    ComplianceStatus.SHORT: "text-bg-danger",
}


@register.filter
def status_badge(status: str) -> str:
    """`{{ row.status|status_badge }}`: the Bootstrap colour of a week's status badge."""
    return _BADGES.get(status, "text-bg-secondary")


@register.simple_tag
def weekly_report_rows(rows: Iterable[WeeklyCompliance]) -> SafeString:
    """`{% weekly_report_rows rows %}`: a row per client-week of the weekly-hours report."""
    return SafeString("".join(_report_row(row) for row in rows))  # nosec B703  # escaped


def _report_row(row: WeeklyCompliance) -> str:
    client = row.client
    days = int(row.enrolled_days)
    partial = (
        f' <small class="text-muted" title="Partial week: {days} days enrolled">({days} d)</small>'
        if days < 7
        else ""
    )
    final = ' <small class="text-muted">final</small>' if row.is_final else ""
    return (
        f'<tr><td><a href="{escape(row_url("scheduling:client-hours", row.client_id))}">'
        f'{escape(client.display_name)}</a> <small class="text-muted">{escape(client.mrn)}</small>'
        f"</td><td>{escape(str(client.primary_clinician))}</td><td>{escape(str(client.track))}</td>"
        f'<td class="text-end">{hours(row.attended_minutes)} h</td>'
        f'<td class="text-end">{hours(row.scheduled_minutes)} h</td>'
        f'<td class="text-end">{hours(row.required_minutes)} h{partial}</td>'
        f'<td class="text-end">{int(row.treatment_days)}/{int(row.required_days)}</td>'
        f'<td><span class="badge {status_badge(row.status)}">'
        f"{escape(row.get_status_display())}</span>{final}</td></tr>"
    )
