"""`|weekday_time` writes what `|date:"D M j, g:i A"` writes, in the clinic's time zone, and
`clock_time` what `|time:"g:i A"` writes."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.template import Context, Template

from iop.templatetags.row_dates import clock_time

# Midnight and noon, single- and double-digit days and hours, both sides of both DST changes.
MOMENTS = [
    datetime(2026, month, day, hour, minute, tzinfo=UTC) + timedelta(minutes=offset)
    for month, day in [(1, 1), (3, 8), (3, 9), (11, 1), (11, 2), (12, 31)]
    for hour, minute in [(0, 0), (4, 59), (5, 0), (12, 30), (17, 5), (23, 59)]
    for offset in (0, 7 * 60)
]


BOTH = Template('{% load row_dates %}{{ moment|weekday_time }}|{{ moment|date:"D M j, g:i A" }}')


@pytest.mark.parametrize("moment", [*MOMENTS, None])
def test_it_writes_what_djangos_date_filter_writes(moment):
    ours, djangos = BOTH.render(Context({"moment": moment})).split("|")
    assert ours == djangos


@pytest.mark.parametrize(
    "at", [time(0, 0), time(0, 5), time(9, 0), time(12, 0), time(13, 5), time(23, 59)]
)
def test_clock_time_writes_what_djangos_time_filter_writes(at):
    assert clock_time(at) == Template('{{ at|time:"g:i A" }}').render(Context({"at": at}))
