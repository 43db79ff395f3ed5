"""The client's reminder preferences and the admins' lead times and failed deliveries, through the
pages: bad input gets a clear field error and changes nothing."""

from datetime import time

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.models import Reminder, ReminderLeadTimes, ReminderPreference
from tests.factories import ClientFactory, ReminderPreferenceFactory, SessionFactory


@pytest.fixture
def reachable(clinician):
    return ClientFactory(primary_clinician=clinician, email="pat@example.org", phone="+15555550111")


def test_a_client_opts_in_with_quiet_hours(client, reachable):
    client.force_login(reachable.user)
    response = client.post(
        reverse("scheduling:reminder-preferences"),
        {"sms_opt_in": "on", "quiet_start": "21:00", "quiet_end": "08:00"},
    )
    assert response.status_code == 302
    preference = ReminderPreference.objects.get(client=reachable)
    assert (preference.email_opt_in, preference.sms_opt_in) == (False, True)
    assert (preference.quiet_start, preference.quiet_end) == (time(21), time(8))


def test_half_quiet_hours_get_a_field_error_and_nothing_is_saved(client, reachable):
    client.force_login(reachable.user)
    response = client.post(reverse("scheduling:reminder-preferences"), {"quiet_start": "21:00"})
    assert response.status_code == 200
    assert "quiet_end" in response.context["form"].errors
    assert not ReminderPreference.objects.exists()


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    quiet_start=st.text(max_size=8),
    quiet_end=st.one_of(st.just("08:00"), st.text(max_size=8)),
    sms=st.booleans(),
)
def test_any_quiet_hours_text_answers_with_a_page_never_a_500(
    client, reachable, quiet_start, quiet_end, sms
):
    client.force_login(reachable.user)
    data = {
        "quiet_start": quiet_start,
        "quiet_end": quiet_end,
        **({"sms_opt_in": "on"} if sms else {}),
    }
    response = client.post(reverse("scheduling:reminder-preferences"), data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert response.context["form"].errors
    ReminderPreference.objects.all().delete()


def test_an_admin_changes_lead_times(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("scheduling:reminder-settings"),
        {"day_before_minutes": 1800, "hours_before_minutes": 90},
    )
    assert response.status_code == 302
    assert ReminderLeadTimes.objects.get().hours_before_minutes == 90


@pytest.mark.parametrize(
    ("day_before", "hours_before"), [(-5, 120), (20000, 120), (1440, 0), ("soon", 60)]
)
def test_lead_times_out_of_range_get_a_field_error(client, admin, day_before, hours_before):
    client.force_login(admin)
    response = client.post(
        reverse("scheduling:reminder-settings"),
        {"day_before_minutes": day_before, "hours_before_minutes": hours_before},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not ReminderLeadTimes.objects.exists()


def test_failed_reminders_show_on_the_admin_dashboard_card(client, admin):
    preference = ReminderPreferenceFactory()
    Reminder.objects.create(
        session=SessionFactory(), client=preference.client, kind="day_before", channel="sms",
        due_at=preference.updated_at, status="failed", attempts=5, last_error="ConnectionError: down",
    )  # fmt: skip
    client.force_login(admin)
    card = client.get(reverse("scheduling:reminder-health"))
    assert ">1<" in card.content.decode().replace(" ", "").replace("\n", "")
    page = client.get(reverse("scheduling:reminder-settings"))
    assert "ConnectionError: down" in page.content.decode()
    assert (
        'hx-get="/schedule/reminders/health/"'
        in client.get(reverse("iop:dashboard")).content.decode()
    )
