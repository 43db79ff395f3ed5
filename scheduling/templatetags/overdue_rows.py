"""The rows of the overdue lists (Today's and the overdue page's), written in Python: the overdue
page's hundred rows, each a link and four or five values through the template engine, were more
than half of its rendering. Every value is escaped as the engine escapes it."""

from collections.abc import Iterable
from html import escape

from django import template
from django.utils.safestring import SafeString

from iop.html import joined_rows
from iop.templatetags.row_dates import weekday_time
from iop.templatetags.row_links import row_url
from scheduling.selectors.attendance import OverdueNote, OverdueSession

register = template.Library()


@register.simple_tag
def overdue_note_rows(notes: Iterable[OverdueNote], show_clinician: bool) -> SafeString:
    """`{% overdue_note_rows overdue_notes show_clinician %}`: a row per unsigned note (the client
    linking to the note, the session, when, and whose in an admin's list)."""
    return joined_rows(
        f'<tr><td><a href="{escape(row_url("scheduling:note", row.session.pk, row.client_id))}">'
        f"{escape(row.client_name)}</a></td><td>{escape(row.session.name)}</td>"
        f"{_when_and_whose(row.session, show_clinician)}</tr>"
        for row in notes
    )


@register.simple_tag
def missing_attendance_rows(sessions: Iterable[OverdueSession], show_clinician: bool) -> SafeString:
    """`{% missing_attendance_rows missing_attendance show_clinician %}`: a row per session held
    without attendance (the session linking to its page, when, and whose in an admin's list)."""
    return joined_rows(
        f'<tr><td><a href="{escape(row_url("scheduling:session-detail", session.pk))}">'
        f"{escape(session.name)}</a></td>{_when_and_whose(session, show_clinician)}</tr>"
        for session in sessions
    )


def _when_and_whose(session: OverdueSession, show_clinician: bool) -> str:
    when = f'<td class="text-nowrap">{escape(weekday_time(session.starts_at))}</td>'
    return f"{when}<td>{escape(session.clinician_name)}</td>" if show_clinician else when
