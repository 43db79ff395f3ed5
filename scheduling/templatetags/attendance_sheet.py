"""The attendance sheet's rows, and the badge of attendance no authorization covers, written in
Python: a group's fifteen rows, each a name, two labelled inputs, their errors and a note link
through the template engine, were a third of the session page's rendering. Every value is escaped
as the engine escapes it."""

from datetime import datetime
from html import escape

from django import template
from django.forms import BoundField
from django.utils import timezone
from django.utils.safestring import SafeString

from iop.html import joined_rows
from iop.templatetags.row_links import row_url
from scheduling.forms.documentation import AttendanceSheetForm
from scheduling.models import Session
from scheduling.selectors.attendance import RosterRow

register = template.Library()


@register.simple_tag
def attendance_sheet_rows(sheet: AttendanceSheetForm, session: Session) -> SafeString:
    """`{% attendance_sheet_rows sheet session %}`: a row per client on the sheet (name and
    badges, status, minutes, and the note of a client who attended)."""
    return joined_rows(_row(row, status, minutes, session) for row, status, minutes in sheet.rows)


def _row(row: RosterRow, status: BoundField, minutes: BoundField, session: Session) -> str:
    # The inputs are the form's own widgets, which escape their values.
    name = escape(row.client.display_name)
    is_drop_in: bool = row.client.is_drop_in  # type: ignore[attr-defined]  # the roster's column
    drop_in = ' <span class="badge text-bg-info">Drop-in</span>' if is_drop_in else ""
    unauthorized = (
        no_authorization_badge(row.client.pk, session.starts_at) if row.unauthorized else ""
    )
    flagged = ' class="table-danger"' if status.errors or minutes.errors else ""
    return (
        f'<tr{flagged}><th scope="row" class="fw-normal">{name}{drop_in}{unauthorized}'
        f"{_errors(status)}</th>"
        f'<td><label class="visually-hidden" for="{escape(status.id_for_label)}">Status of '
        f"{name}</label>{status}</td>"
        f'<td><label class="visually-hidden" for="{escape(minutes.id_for_label)}">Minutes '
        f"{name} attended</label>{minutes}{_errors(minutes)}</td>"
        f"<td>{_note(row, session, name)}</td></tr>"
    )


def _errors(field: BoundField) -> str:
    return "".join(
        f'<div class="small text-danger">{escape(str(error))}</div>' for error in field.errors
    )


def _note(row: RosterRow, session: Session, name: str) -> str:
    if not row.attended:
        return '<span class="text-muted small">—</span>'
    url = escape(row_url("scheduling:note", session.pk, row.client.pk))
    if row.note is None:
        return f'<a href="{url}" aria-label="Write note for {name}">Write note</a>'
    if row.note.is_signed:
        return f'<a class="link-success" href="{url}">Signed</a>'
    return f'<a href="{url}">Draft</a>'


@register.simple_tag
def no_authorization_badge(client_id: int, attended_at: datetime) -> SafeString:
    """`{% no_authorization_badge client_id session.starts_at %}`: a client attended on a day no
    payer authorization covers; the badge opens their authorizations."""
    url = escape(row_url("clients:chart", client_id))
    local = timezone.localtime(attended_at)
    return SafeString(  # nosec B703  # its one value, the URL, escaped
        f' <a class="badge text-bg-warning text-decoration-none" '
        f'href="{url}#chart-authorizations" title="Attended on {local:%b} {local.day}, '
        f"{local.year}, a day no payer authorization covers: it cannot be billed. Open the "
        f"client's authorizations.\">No authorization</a>"
    )
