"""How a week's hours read in a list: one colour for each status, on every page that shows one,
and the rows of the weekly-hours report and of a caseload's hours written in Python (fifty rows of
nine values each through the template engine were most of the report's rendering). Every value is
escaped as the engine escapes it."""

from collections.abc import Iterable
from html import escape

from django import template
from django.utils.safestring import SafeString

from iop.hours import hours
from iop.html import joined_rows
from iop.templatetags.row_links import row_url
from scheduling.models import ComplianceStatus, WeeklyCompliance
from scheduling.selectors.compliance import HoursOverview
from scheduling.templatetags.hours_chart import hours_chart

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
    return joined_rows(_report_row(row) for row in rows)


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


@register.simple_tag
def caseload_hours_rows(overviews: Iterable[HoursOverview]) -> SafeString:
    """`{% caseload_hours_rows overviews %}`: a row per client of a caseload's hours (this week's
    hours and days toward the minimum, its status, and the last 12 weeks' chart)."""
    return joined_rows(_caseload_row(overview) for overview in overviews)


def _caseload_row(overview: HoursOverview) -> str:
    row = overview.current
    url = escape(row_url("clients:chart", overview.client.pk))
    percent = int(overview.percent)
    return (
        f'<tr><td><a href="{url}">{escape(overview.client.display_name)}</a></td>'
        f"<td>{_attended(row)}</td>"
        '<td><div class="progress" role="progressbar" aria-label="Hours toward the minimum"'
        f' aria-valuenow="{percent}" aria-valuemin="0" aria-valuemax="100" style="height: .75rem">'
        f'<div class="progress-bar bg-success" style="width: {percent}%"></div></div></td>'
        f"<td>{f'{int(row.treatment_days)} of {int(row.required_days)}' if row else ''}</td>"
        f"<td>{_status(row)}</td>"
        f'<td style="width: 8rem">{hours_chart(overview, 24)}</td></tr>'
    )


def _attended(row: WeeklyCompliance | None) -> str:
    if row is None:
        return '<span class="text-muted">not computed yet</span>'
    scheduled = (
        f' <span class="small text-muted">(+{hours(row.scheduled_minutes)} scheduled)</span>'
        if row.scheduled_minutes
        else ""
    )
    return f"{hours(row.attended_minutes)} of {hours(row.required_minutes)} h{scheduled}"


def _status(row: WeeklyCompliance | None) -> str:
    if row is None:
        return ""
    return (
        f'<span class="badge {status_badge(row.status)}">{escape(row.get_status_display())}</span>'
    )
