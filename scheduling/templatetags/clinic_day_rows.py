"""The clinic day's rows, written in Python: a day's forty sessions, each six values through the
template engine, made the page grow with the clinic's size (four sessions a day at a tenth of the
bench's clinic). Every value is escaped as the engine escapes it."""

from collections.abc import Iterable
from html import escape

from django import template
from django.utils.safestring import SafeString

from iop.html import joined_rows
from scheduling.models import Session

register = template.Library()


@register.simple_tag
def clinic_day_rows(sessions: Iterable[Session]) -> SafeString:
    """`{% clinic_day_rows page %}`: a row per session (its time, name, clinician, place, clients
    on its roster and status; a cancelled one muted, with the reason)."""
    return joined_rows(
        f"<tr{_MUTED if session.status == Session.Status.CANCELLED else ''}>"
        f"<td>{escape(session.hours_text)}</td><td>{escape(session.name)}</td>"
        f"<td>{escape(str(session.clinician))}</td><td>{escape(session.place)}</td>"
        f"<td>{session.roster_count:d}</td>"  # type: ignore[attr-defined]  # the list's count
        f"<td>{escape(_status(session))}</td></tr>"
        for session in sessions
    )


_MUTED = ' class="text-muted"'


def _status(session: Session) -> str:
    status = session.get_status_display()
    return f"{status}: {session.cancel_reason}" if session.cancel_reason else status
