import pytest
from django.core import mail
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from iop.models import Role, User
from tests.factories import UserFactory
from tests.helpers import SECOND_FACTOR_QUERIES, StaffVerifiedClient

NEW_CLINICIAN = {
    "first_name": "Dana",
    "last_name": "Diaz",
    "email": "dana@example.org",
    "username": "ddiaz",
    "role": Role.CLINICIAN,
}


def test_admin_adds_a_clinician_who_gets_a_link_to_set_a_password(
    client, admin, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("iop:staff"), NEW_CLINICIAN)
    assert response.status_code == 302
    dana = User.objects.get(username="ddiaz")
    assert (dana.role, dana.is_staff, dana.has_usable_password()) == (Role.CLINICIAN, False, False)
    (message,) = mail.outbox
    assert message.to == ["dana@example.org"]
    link = next(line for line in message.body.splitlines() if "/accounts/reset/" in line)
    response = client.get(link.split("8000")[1], follow=True)
    assert response.context["validlink"]


def test_a_duplicate_user_name_or_email_is_refused_and_nothing_is_sent(client, admin, clinician):
    client.force_login(admin)
    response = client.post(reverse("iop:staff"), {**NEW_CLINICIAN, "username": clinician.username})
    assert (
        "A user with that username already exists." in response.context["form"].errors["username"]
    )
    response = client.post(
        reverse("iop:staff"), {**NEW_CLINICIAN, "email": clinician.email.upper()}
    )
    assert "Another account already uses this address." in response.context["form"].errors["email"]
    assert not User.objects.filter(first_name="Dana").exists()
    assert mail.outbox == []


def test_the_staff_form_cannot_create_a_client_login(client, admin):
    client.force_login(admin)
    response = client.post(reverse("iop:staff"), {**NEW_CLINICIAN, "role": Role.CLIENT})
    assert "role" in response.context["form"].errors
    assert not User.objects.filter(username="ddiaz").exists()


def test_admin_deactivates_and_reactivates_a_clinician(client, admin, clinician):
    client.force_login(admin)
    url = reverse("iop:staff-set-active", args=[clinician.pk])
    client.post(url, {"is_active": "0"})
    clinician.refresh_from_db()
    assert not clinician.is_active
    client.post(url, {"is_active": "1"})
    clinician.refresh_from_db()
    assert clinician.is_active


def test_an_admin_cannot_deactivate_themselves(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("iop:staff-set-active", args=[admin.pk]), {"is_active": "0"}, follow=True
    )
    admin.refresh_from_db()
    assert admin.is_active
    assert b"You cannot deactivate your own account." in response.content


def test_client_logins_are_not_managed_on_the_staff_page(client, admin, alice):
    client.force_login(admin)
    response = client.post(
        reverse("iop:staff-set-active", args=[alice.user.pk]), {"is_active": "0"}
    )
    assert response.status_code == 404
    assert alice.user not in client.get(reverse("iop:staff")).context["staff"]


def test_staff_page_queries_stay_constant(client, admin, django_assert_max_num_queries):
    client.force_login(admin)
    UserFactory.create_batch(30)
    with django_assert_max_num_queries(6 + SECOND_FACTOR_QUERIES):
        client.get(reverse("iop:staff"))


class StaffFormInputTests(TestCase):
    client_class = StaffVerifiedClient

    @settings(max_examples=40)
    @given(
        fields=st.fixed_dictionaries(
            {
                "first_name": st.text(max_size=160),
                "last_name": st.text(max_size=160),
                "email": st.one_of(st.emails(), st.text(max_size=40)),
                "username": st.text(max_size=160),
                "role": st.sampled_from(["clinician", "admin", "client", "", "root"]),
            }
        )
    )
    def test_any_input_creates_a_valid_staff_member_or_changes_nothing(self, fields):
        admin = User.objects.filter(username="boss").first() or UserFactory(
            username="boss", role=Role.ADMIN
        )
        self.client.force_login(admin)
        before = User.objects.count()
        response = self.client.post(reverse("iop:staff"), fields)
        if response.status_code == 302:
            assert User.objects.count() == before + 1
            # Django stores user names NFKC-normalized ("²" is kept as "2").
            username = User.normalize_username(fields["username"].strip())
            assert User.objects.get(username=username).role in (
                "clinician",
                "admin",
            )
        else:
            assert response.status_code == 200
            assert response.context["form"].errors
            assert User.objects.count() == before


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.CLIENT])
def test_only_admins_reach_the_staff_page(client, db, role):
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("iop:staff")).status_code == 403
