"""The closure calendar's month grid: this month and the next two as the clinic's weeks (Monday to
Sunday), each closed day named and pointing at its closure, today marked; other months by
`?month=YYYY-MM`, anything else showing this month; the same queries for few or many closures."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from iop.clock import local_datetime
from scheduling.services.closures import clinic_closure_create, clinic_closure_withdraw

TODAY = date(2026, 11, 17)  # a Tuesday
URL = reverse("scheduling:closures")


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(local_datetime(TODAY, time(10)), tick=False):
        yield


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def close(admin, first_day, last_day=None, label="Staff training"):
    return clinic_closure_create(
        first_day=first_day, last_day=last_day or first_day, label=label, actor=admin
    )


def grid_days(response):
    """{month's first day: {day: its CalendarDay}} for the days of each month shown."""
    return {
        month.first: {day.day: day for week in month.weeks for day in week if day.in_month}
        for month in response.context["calendar"].months
    }


def test_the_calendar_shows_this_month_and_the_next_two_in_mondays_weeks(admin_client, admin):
    thanksgiving = close(admin, date(2026, 11, 26), date(2026, 11, 27), label="Thanksgiving")
    christmas = close(admin, date(2026, 12, 24), date(2026, 12, 25), label="Christmas")

    response = admin_client.get(URL)

    months = response.context["calendar"].months
    assert [month.first for month in months] == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
    ]
    # November 2026 starts on a Sunday: its first week is Mon Oct 26 to Sun Nov 1.
    assert [day.day for day in months[0].weeks[0]] == [
        date(2026, 10, 26) + timedelta(days=n) for n in range(7)
    ]
    days = grid_days(response)
    assert days[date(2026, 11, 1)][TODAY].is_today
    assert days[date(2026, 11, 1)][date(2026, 11, 27)].closure == thanksgiving
    assert days[date(2026, 12, 1)][date(2026, 12, 25)].closure == christmas
    assert days[date(2026, 12, 1)][date(2026, 12, 26)].closure is None
    assert days[date(2026, 11, 1)][date(2026, 11, 21)].is_weekend
    page = response.content.decode()
    assert '<caption class="caption-top text-body fw-semibold" id="month-2026-11">' in page
    assert '<abbr title="Monday">Mon</abbr>' in page
    assert 'aria-current="date"' in page
    assert f'href="#closure-{thanksgiving.pk}"' in page
    assert f'id="closure-{thanksgiving.pk}"' in page
    assert "Closed: </span>Christmas</a>" in page
    assert "&larr; Aug \N{EN DASH} Oct 2026</a>" in page
    assert "Feb \N{EN DASH} Apr 2027 &rarr;</a>" in page


def test_a_withdrawn_closure_is_not_on_the_calendar(admin_client, admin):
    closure = close(admin, date(2026, 12, 3), label="Snow day")
    clinic_closure_withdraw(closure=closure, actor=admin, reason="Entered by mistake")
    days = grid_days(admin_client.get(URL))
    assert days[date(2026, 12, 1)][date(2026, 12, 3)].closure is None


def test_other_months_are_reached_by_previous_and_next_links(admin_client, admin):
    """A closure months ago is on the grid without a link: the lists below stop at 90 days."""
    old = close(admin, date(2026, 7, 3), label="Independence Day (observed)")

    response = admin_client.get(URL, {"month": "2026-07"})

    calendar = response.context["calendar"]
    assert [month.first for month in calendar.months] == [
        date(2026, 7, 1),
        date(2026, 8, 1),
        date(2026, 9, 1),
    ]
    assert (calendar.previous_month, calendar.next_month) == (date(2026, 4, 1), date(2026, 10, 1))
    page = response.content.decode()
    assert 'href="?month=2026-04"' in page
    assert 'href="?month=2026-10"' in page
    assert grid_days(response)[date(2026, 7, 1)][date(2026, 7, 3)].closure == old
    assert f'href="#closure-{old.pk}"' not in page
    assert "Closed: </span>Independence Day (observed)</span>" in page
    later = admin_client.get(URL, {"month": "2026-08"}).content.decode()
    assert "Nov 2026 \N{EN DASH} Jan 2027 &rarr;</a>" in later


def test_no_next_link_past_the_last_date_the_clinic_may_plan(admin_client):
    """Clinic dates run 18 months ahead: May 2028 at most, so the page from Mar 2028 ends it."""
    calendar = admin_client.get(URL, {"month": "2028-03"}).context["calendar"]
    assert calendar.months[-1].first == date(2028, 5, 1)
    assert calendar.next_month is None


@pytest.mark.parametrize(
    "month", ["", "garbage", "2026-13", "2026-1-1", "1899-01", "9999-12", "2026-11\x00", "-1"]
)
def test_a_bad_month_shows_this_month(admin_client, month):
    response = admin_client.get(URL, {"month": month})
    assert response.status_code == 200
    assert response.context["calendar"].months[0].first == date(2026, 11, 1)


def test_the_calendar_takes_the_same_queries_for_two_or_twelve_closures(admin_client, admin):
    def queries_with(first_days):
        for n, first in enumerate(first_days):
            close(admin, first, first + timedelta(days=n % 2), label=f"Closure {first}")
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(URL)
        shown = sum(len(month.closed_days) for month in response.context["calendar"].months)
        return len(captured), shown

    wednesdays = [date(2026, 11, 18) + timedelta(weeks=n) for n in range(2)]
    few, few_days = queries_with(wednesdays)
    fridays = [date(2026, 11, 20) + timedelta(weeks=n) for n in range(10)]
    many, many_days = queries_with(fridays)
    assert (few_days, many_days) == (3, 18)
    assert few == many
