"""The client list's rows, written in Python: 25 clients, each eight values and a link through the
template engine, were the larger part of the page's time. Every value is escaped as the engine
escapes it."""

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
    return joined_rows(_client_row(client) for client in clients)


def _client_row(client: Client) -> str:
    pronouns = (
        f' <span class="text-muted small">({escape(client.pronouns)})</span>'
        if client.pronouns
        else ""
    )
    admitted = month_day_year(client.admission_date) if client.admission_date else "—"
    return (
        f'<tr><td><a href="{escape(row_url("clients:chart", client.pk))}">'
        f"{escape(client.display_name)}</a>{pronouns}</td>"
        f"<td>{escape(client.mrn)}</td><td>{month_day_year(client.date_of_birth)}</td>"
        f"<td>{escape(str(client.track))}</td><td>{escape(client.get_status_display())}</td>"
        f"<td>{escape(str(client.primary_clinician))}</td><td>{admitted}</td></tr>"
    )
