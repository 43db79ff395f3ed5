"""The rows of the client list and of a clinician's caseload, written in Python: 25 to 50
clients, each half a dozen values and a link through the template engine, were the larger part
of those pages' time. Every value is escaped as the engine escapes it."""

from collections.abc import Iterable
from html import escape

from django import template
from django.utils.safestring import SafeString

from clients.models import Client
from iop.html import joined_rows
from iop.templatetags.row_dates import month_day_year
from iop.templatetags.row_links import row_url

register = template.Library()


@register.simple_tag
def client_rows(clients: Iterable[Client]) -> SafeString:
    """`{% client_rows page %}`: a row per client (the name linking to the chart, with pronouns;
    MRN, date of birth, track, status, primary clinician and admission date, "—" before it)."""
    return joined_rows(
        _row(
            _name(client),
            escape(client.mrn),
            month_day_year(client.date_of_birth),
            escape(str(client.track)),
            escape(client.get_status_display()),
            escape(str(client.primary_clinician)),
            _admitted(client),
        )
        for client in clients
    )


@register.simple_tag
def caseload_rows(clients: Iterable[Client]) -> SafeString:
    """`{% caseload_rows clients %}`: a row per client of a clinician's own caseload, as the
    client list writes it without the date of birth and the clinician (theirs)."""
    return joined_rows(
        _row(
            _name(client),
            escape(client.mrn),
            escape(str(client.track)),
            escape(client.get_status_display()),
            _admitted(client),
        )
        for client in clients
    )


def _row(*cells: str) -> str:
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def _name(client: Client) -> str:
    """The client's name linking to the chart, with their pronouns."""
    pronouns = (
        f' <span class="text-muted small">({escape(client.pronouns)})</span>'
        if client.pronouns
        else ""
    )
    chart = escape(row_url("clients:chart", client.pk))
    return f'<a href="{chart}">{escape(client.display_name)}</a>{pronouns}'


def _admitted(client: Client) -> str:
    return month_day_year(client.admission_date) if client.admission_date else "—"
