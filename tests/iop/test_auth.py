from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from iop import settings as production_settings
from iop.models import Role
from tests.factories import PASSWORD, UserFactory
from tests.helpers import authenticator, totp_code


def log_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def log_in_with_code(client, user):
    """Password, then the code of the user's authenticator app, as staff log in."""
    log_in(client, user.username, PASSWORD)
    return client.post(reverse("second-factor-verify"), {"code": totp_code(authenticator(user))})


def test_passwords_are_hashed_with_argon2(db):
    # The test run hashes with MD5 for speed (tests/settings.py); production's hashers are these.
    with override_settings(PASSWORD_HASHERS=production_settings.PASSWORD_HASHERS):
        clinician = UserFactory(username="clinician", role=Role.CLINICIAN)
        assert identify_hasher(clinician.password).algorithm == "argon2"
        assert clinician.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("role", "home"),
    [
        (Role.ADMIN, "iop:dashboard"),
        (Role.CLINICIAN, "scheduling:today"),
        (Role.CLIENT, "scheduling:my-schedule"),
    ],
)
def test_each_role_lands_on_its_home_page(client, admin, clinician, alice, role, home):
    user = {Role.ADMIN: admin, Role.CLINICIAN: clinician, Role.CLIENT: alice.user}[role]
    device = authenticator(user) if user.is_clinic_staff else None
    response = log_in(client, user.username, PASSWORD)
    assert response.status_code == 302
    if device:  # staff give their code first
        response = client.get(response.url)
        assert response.url == f"{reverse('second-factor-verify')}?next=/"
        response = client.post(response.url, {"code": totp_code(device)})
    response = client.get(response.url)
    assert response.url == reverse(home)
    assert client.get(response.url).status_code == 200


def test_five_failed_logins_lock_the_account(client, clinician):
    for _ in range(5):
        response = log_in(client, clinician.username, "wrong password")
    response = log_in(client, clinician.username, PASSWORD)
    assert response.status_code == 429
    assert b"Too many failed logins" in response.content
    assert "_auth_user_id" not in client.session


def test_a_locked_account_stays_locked_from_another_address(client, clinician):
    for attempt in range(5):
        client.post(
            reverse("login"),
            {"username": clinician.username, "password": "wrong password"},
            REMOTE_ADDR=f"198.51.100.{attempt}",
        )
    response = client.post(
        reverse("login"),
        {"username": clinician.username, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.50",
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_an_address_that_tries_many_accounts_is_locked_out(client, clinician):
    for attempt in range(5):
        client.post(
            reverse("login"),
            {"username": f"guess{attempt}", "password": "wrong password"},
            REMOTE_ADDR="203.0.113.66",
        )
    response = client.post(
        reverse("login"),
        {"username": clinician.username, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.66",
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_four_failed_logins_do_not_lock(client, clinician):
    for _ in range(4):
        log_in(client, clinician.username, "wrong password")
    response = log_in(client, clinician.username, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(clinician.pk)


def test_idle_session_logs_out_after_the_idle_minutes(client, clinician):
    idle = timedelta(minutes=settings.SESSION_IDLE_MINUTES)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        log_in_with_code(client, clinician)
        traveller.shift(idle - timedelta(minutes=1))
        assert client.get(reverse("clients:caseload")).status_code == 200
        # Activity restarts the clock; a full idle period after the last request logs out.
        traveller.shift(idle + timedelta(seconds=1))
        response = client.get(reverse("clients:caseload"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_idle_clock_restarts_at_most_once_a_minute_without_a_write_between(client, clinician):
    from django.contrib.sessions.models import Session as StoredSession

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        log_in_with_code(client, clinician)
        stored = StoredSession.objects.get()
        traveller.shift(timedelta(seconds=30))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("clients:caseload")).status_code == 200
        assert not [
            q
            for q in queries.captured_queries
            if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")
        ]
        assert StoredSession.objects.get().expire_date == stored.expire_date
        traveller.shift(timedelta(seconds=30))
        assert client.get(reverse("clients:caseload")).status_code == 200
        assert StoredSession.objects.get().expire_date == stored.expire_date + timedelta(minutes=1)


def test_password_reset_mails_a_link_that_sets_a_new_password(client, clinician):
    response = client.post(reverse("password_reset"), {"email": clinician.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [clinician.email]
    link = next(line for line in message.body.splitlines() if "/accounts/reset/" in line)
    response = client.get(link.split("testserver")[1], follow=True)
    new_password = "a-brand-new-passphrase-42"
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    clinician.refresh_from_db()
    assert clinician.check_password(new_password)


def test_password_reset_for_an_unknown_address_sends_nothing(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_logout_needs_a_post(client, clinician):
    client.force_login(clinician)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.url == reverse("login")
    assert "_auth_user_id" not in client.session


def test_createsuperuser_makes_an_admin(db, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "boss@example.org", "x-long-password")
    assert user.role == Role.ADMIN


def test_navigation_shows_each_role_its_own_links(client, admin, clinician, alice):
    client.force_login(admin)
    assert b"Audit log" in client.get(reverse("iop:dashboard")).content
    client.force_login(clinician)
    page = client.get(reverse("clients:caseload")).content
    assert b"My caseload" in page
    assert b"Audit log" not in page
    client.force_login(alice.user)
    page = client.get(reverse("clients:portal")).content
    assert b"My program" in page
    assert b"My caseload" not in page
