"""Reading query parameters. Whatever arrives in a query string (a far year, a non-date, a NUL
byte, 5,000 characters), a view gets a usable value, or its default and a reason to show: never
a server error."""

from datetime import date

import django_filters
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.dateparse import parse_date
from django.utils.formats import date_format

from .dates import validate_clinic_date

MAX_SEARCH_LENGTH = 100


def query_text(request: HttpRequest, name: str, max_length: int = MAX_SEARCH_LENGTH) -> str:
    """A search text: trimmed, at most `max_length` characters, without NUL (which Postgres
    refuses in any query)."""
    return request.GET.get(name, "").replace("\x00", "").strip()[:max_length]


def query_date(request: HttpRequest, name: str, default: date) -> date:
    """The clinic date (iop.dates) in parameter `name`; `default` when it is missing, and also
    when it is not a date or not a plausible clinic date, with a message saying so."""
    value = query_text(request, name, max_length=40)
    if not value:
        return default
    try:
        day = parse_date(value)
    except ValueError:  # shaped like a date but not one, e.g. 2026-02-30
        day = None
    try:
        if day is None:
            raise ValidationError(f"“{value}” is not a date.")
        validate_clinic_date(day)
    except ValidationError as error:
        messages.warning(request, f"{error.messages[0]} Showing {date_format(default)} instead.")
        return default
    return day


def query_filters_given(request: HttpRequest, filterset: type[django_filters.FilterSet]) -> bool:
    """Whether the query string gives any of `filterset`'s filters a value: a list opened as it
    is (no filter) reads through its selectors' compiled statements instead of the filter set."""
    return any(request.GET.get(name) for name in filterset.base_filters)
