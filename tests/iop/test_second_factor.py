"""Staff two-factor: who is asked, enrolment, codes, recovery codes, the lockout, password reset;
and Django's admin site, the superuser's only, with clinical records read-only."""

from unittest import mock

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import override_settings
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from iop.models import Role, User
from iop.services import RECOVERY_CODE_COUNT, recovery_codes_create, user_create
from tests.factories import PASSWORD, UserFactory
from tests.helpers import authenticator, totp_code

VERIFY, ENROL = reverse("second-factor-verify"), reverse("second-factor-enrol")


def log_in(client, user, password=PASSWORD, **request):
    return client.post(
        reverse("login"), {"username": user.username, "password": password}, **request
    )


def give_code(client, code):
    return client.post(VERIFY, {"code": code})


@pytest.mark.parametrize(
    ("role", "home", "has_authenticator", "sent_to"),
    [
        (Role.ADMIN, "iop:dashboard", True, VERIFY),
        (Role.ADMIN, "iop:dashboard", False, ENROL),
        (Role.CLINICIAN, "scheduling:today", True, VERIFY),
        (Role.CLINICIAN, "scheduling:today", False, ENROL),
    ],
)
def test_staff_reach_no_page_before_their_second_factor(
    unverified_client, db, role, home, has_authenticator, sent_to
):
    user = UserFactory(role=role)
    if has_authenticator:
        authenticator(user)
    log_in(unverified_client, user)
    for url in (reverse(home), reverse("clients:list"), reverse("password_change")):
        response = unverified_client.get(url)
        assert response.status_code == 302, url
        assert response.url == f"{sent_to}?next={url}"


def test_clients_are_never_asked(unverified_client, alice):
    log_in(unverified_client, alice.user)
    assert unverified_client.get(reverse("scheduling:my-schedule")).status_code == 200
    assert unverified_client.get(VERIFY).status_code == 403
    assert unverified_client.get(ENROL).status_code == 403


@override_settings(OTP_REQUIRED_FOR_CLINICIANS=False)
def test_the_setting_relaxes_it_for_clinicians_only(unverified_client, clinician, admin):
    log_in(unverified_client, clinician)
    assert unverified_client.get(reverse("scheduling:today")).status_code == 200
    unverified_client.logout()
    log_in(unverified_client, admin)
    assert unverified_client.get(reverse("iop:dashboard")).url.startswith(ENROL)


def test_pages_open_to_anyone_stay_open_before_the_code(unverified_client, clinician):
    authenticator(clinician)
    log_in(unverified_client, clinician)
    assert unverified_client.get(reverse("healthz")).status_code in (200, 503)
    assert unverified_client.get(reverse("password_reset")).status_code == 200
    assert unverified_client.get(VERIFY).status_code == 200
    response = unverified_client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in unverified_client.session


def test_the_right_code_opens_the_pages_and_cannot_be_used_twice(unverified_client, clinician):
    device = authenticator(clinician)
    code = totp_code(device)
    log_in(unverified_client, clinician)
    response = unverified_client.post(VERIFY, {"code": code, "next": reverse("clients:caseload")})
    assert response.url == reverse("clients:caseload")
    assert unverified_client.get(reverse("clients:caseload")).status_code == 200
    unverified_client.post(reverse("logout"))
    log_in(unverified_client, clinician)
    response = give_code(unverified_client, code)
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert unverified_client.get(reverse("clients:caseload")).url.startswith(VERIFY)


def test_a_wrong_code_is_refused(unverified_client, clinician):
    device = authenticator(clinician)
    log_in(unverified_client, clinician)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"
    response = give_code(unverified_client, wrong)
    assert "That code is not right" in response.content.decode()
    assert unverified_client.get(reverse("scheduling:today")).url.startswith(VERIFY)


def test_the_next_page_must_be_ours(unverified_client, clinician):
    log_in(unverified_client, clinician)
    response = unverified_client.post(
        VERIFY, {"code": totp_code(authenticator(clinician)), "next": "https://evil.example/"}
    )
    assert response.url == reverse("home")


def test_a_recovery_code_works_once(unverified_client, clinician):
    authenticator(clinician)
    codes = recovery_codes_create(actor=clinician)
    assert len(set(codes)) == RECOVERY_CODE_COUNT
    log_in(unverified_client, clinician)
    assert give_code(unverified_client, codes[3].upper()).url == reverse("home")
    assert unverified_client.get(reverse("scheduling:today")).status_code == 200
    unverified_client.post(reverse("logout"))
    log_in(unverified_client, clinician)
    assert give_code(unverified_client, codes[3]).status_code == 200  # refused: used up
    assert unverified_client.get(reverse("scheduling:today")).url.startswith(VERIFY)
    assert StaticToken.objects.filter(device__user=clinician).count() == RECOVERY_CODE_COUNT - 1


def test_new_recovery_codes_replace_the_old_ones(client, clinician):
    old = recovery_codes_create(actor=clinician)
    client.force_login(clinician)
    response = client.post(reverse("recovery-codes-create"))
    new = response.context["codes"]
    assert len(new) == RECOVERY_CODE_COUNT
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)
    assert not set(old) & set(new)


def test_enrolment_shows_a_qr_code_and_the_secret_and_confirms_with_a_code(
    unverified_client, clinician
):
    log_in(unverified_client, clinician)
    response = unverified_client.get(ENROL)
    page = response.content.decode()
    assert "<svg" in page
    assert "<path" in page
    assert "<style" not in page
    assert "<img" not in page
    key = unverified_client.session["second_factor_pending_key"]
    secret = response.context["secret"]
    assert secret in page
    assert TOTPDevice.objects.filter(user=clinician).count() == 0  # nothing until confirmed

    wrong = give_enrolment_code(unverified_client, key, offset=3)
    assert "not the code the app shows" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=clinician).exists()

    response = give_enrolment_code(unverified_client, key)
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == RECOVERY_CODE_COUNT
    assert all(code in response.content.decode() for code in codes)
    device = TOTPDevice.objects.get(user=clinician, confirmed=True)
    assert device.key == key
    assert unverified_client.get(reverse("scheduling:today")).status_code == 200


def give_enrolment_code(client, key, offset=0):
    """Post the code an app holding `key` shows, `offset` steps away from now."""
    totp = TOTP(bytes.fromhex(key))
    totp.time += offset * totp.step
    return client.post(ENROL, {"code": f"{totp.token():06d}"})


def test_replacing_the_authenticator_needs_the_current_one(unverified_client, clinician):
    authenticator(clinician)
    log_in(unverified_client, clinician)
    assert unverified_client.get(ENROL).url == VERIFY


def test_failed_codes_lock_the_account(unverified_client, clinician):
    """Five wrong codes count as five failed logins: the session ends and even the right password
    (and code) is refused from then on, from any address."""
    device = authenticator(clinician)
    log_in(unverified_client, clinician)
    for _ in range(5):
        response = give_code(unverified_client, "000000")
    assert response.status_code == 429
    assert "_auth_user_id" not in unverified_client.session
    response = log_in(unverified_client, clinician, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429
    assert "_auth_user_id" not in unverified_client.session
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1


def test_a_locked_account_cannot_give_its_code(unverified_client, clinician):
    """Locked while a session waited at the code: the page ends it rather than take a code."""
    device = authenticator(clinician)
    log_in(unverified_client, clinician)
    with mock.patch("iop.views.AxesProxyHandler.is_locked", return_value=True):
        response = give_code(unverified_client, totp_code(device))
    assert response.status_code == 429
    assert "_auth_user_id" not in unverified_client.session


def test_a_password_reset_does_not_bypass_the_second_factor(unverified_client, clinician):
    authenticator(clinician)
    uid = urlsafe_base64_encode(force_bytes(clinician.pk))
    token = default_token_generator.make_token(clinician)
    response = unverified_client.get(
        reverse("password_reset_confirm", args=[uid, token]), follow=True
    )
    new_password = "a-brand-new-passphrase-42"
    response = unverified_client.post(
        response.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert response.url == reverse("password_reset_complete")
    assert unverified_client.get(reverse("scheduling:today")).url.startswith(reverse("login"))
    log_in(unverified_client, clinician, new_password)
    assert unverified_client.get(reverse("scheduling:today")).url.startswith(VERIFY)


def test_clinic_admins_are_not_superusers(db):
    invited = user_create(username="dana", role=Role.ADMIN, email="dana@example.org")
    assert (invited.is_staff, invited.is_superuser) == (False, False)
    boss = User.objects.create_superuser("boss", "boss@example.org", "x-long-password")
    assert (boss.role, boss.is_staff, boss.is_superuser) == (Role.ADMIN, True, True)


def test_a_clinic_admin_cannot_open_djangos_admin(client, admin):
    client.force_login(admin)
    for url in (reverse("admin:index"), reverse("admin:clients_client_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("boss", "boss@example.org", PASSWORD)


def test_the_superuser_sees_clinical_records_read_only(client, superuser, alice):
    client.force_login(superuser)
    assert client.get(reverse("admin:index")).status_code == 200
    listing = client.get(reverse("admin:clients_client_changelist"))
    assert listing.status_code == 200
    assert alice.mrn in listing.content.decode()
    change_url = reverse("admin:clients_client_change", args=[alice.pk])
    page = client.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(change_url, {"legal_last_name": "Changed"}).status_code == 403
    assert client.get(reverse("admin:clients_client_add")).status_code == 403
    assert client.get(reverse("admin:clients_client_delete", args=[alice.pk])).status_code == 403
    alice.refresh_from_db()
    assert alice.legal_last_name == "Anders"


def test_the_superuser_needs_a_second_factor_too(unverified_client, superuser):
    authenticator(superuser)
    log_in(unverified_client, superuser)
    assert unverified_client.get(reverse("admin:index")).url.startswith(VERIFY)
