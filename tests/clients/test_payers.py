"""Payers in the app: an admin adds and edits them, with each service code's unit rule in hours;
a rule an authorization counts by is never removed; bad input changes nothing."""

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients.models import Payer, PayerUnitRule
from clients.services.authorizations import authorization_void, payer_create, payer_update
from tests.factories import AuthorizationFactory, PayerFactory


def rules_of(payer):
    return dict(
        PayerUnitRule.objects.filter(payer=payer).values_list("service_code", "minutes_per_unit")
    )


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


# --- Services ----------------------------------------------------------------------------------


def test_a_payer_is_created_with_a_rule_for_each_code_it_authorizes(admin):
    payer = payer_create(name="  Keystone Health Plan ", unit_rules={"H0015": 180}, actor=admin)
    assert payer.name == "Keystone Health Plan"
    assert rules_of(payer) == {"H0015": 180}


@pytest.mark.parametrize(
    ("name", "unit_rules", "field", "error"),
    [
        ("", {"H0015": 180}, "name", "Give the payer a name."),
        ("keystone health plan", {}, "name", "already exists"),
        ("Aetna", {"H0015": 0}, "H0015", "more than 0 and at most 24 hours"),
        ("Aetna", {"S9480": 24 * 60 + 1}, "S9480", "more than 0 and at most 24 hours"),
        ("Aetna", {"H2036": 180}, "H2036", "not a service code this program bills"),
        ("Aetna\x00", {}, "name", "Null characters are not allowed."),
    ],
)
def test_a_payer_with_bad_input_is_refused_and_nothing_is_written(
    admin, name, unit_rules, field, error
):
    PayerFactory(name="Keystone Health Plan")
    with pytest.raises(ValidationError) as refused:
        payer_create(name=name, unit_rules=unit_rules, actor=admin)
    assert error in " ".join(refused.value.message_dict[field])
    assert list(Payer.objects.values_list("name", flat=True)) == ["Keystone Health Plan"]


def test_a_payer_is_renamed_and_its_rules_added_changed_and_removed(admin):
    payer = PayerFactory(name="Keystone", unit_rules={"H0015": 180})
    payer_update(payer=payer, name="Keystone Health Plan", unit_rules={"S9480": 150}, actor=admin)
    payer.refresh_from_db()
    assert payer.name == "Keystone Health Plan"
    assert rules_of(payer) == {"S9480": 150}
    payer_update(payer=payer, name=payer.name, unit_rules={"S9480": 120}, actor=admin)
    assert rules_of(payer) == {"S9480": 120}


def test_a_rule_live_authorizations_count_by_is_not_removed_but_its_minutes_change(
    admin, alice, bob
):
    payer = PayerFactory(name="Keystone", unit_rules={"H0015": 180, "S9480": 180})
    AuthorizationFactory(client=alice, payer=payer)
    AuthorizationFactory(client=bob, payer=payer)
    with pytest.raises(ValidationError) as refused:
        payer_update(payer=payer, name="Renamed", unit_rules={"S9480": 180}, actor=admin)
    assert refused.value.message_dict["H0015"] == [
        "The H0015 rule counts the units of 2 authorizations of Renamed, so it cannot be removed "
        "(void an authorization recorded by mistake first)."
    ]
    payer.refresh_from_db()
    assert (payer.name, rules_of(payer)) == ("Keystone", {"H0015": 180, "S9480": 180})
    # Changing how many minutes make a unit is allowed: units are recounted from attendance.
    payer_update(payer=payer, name="Keystone", unit_rules={"H0015": 120}, actor=admin)
    assert rules_of(payer) == {"H0015": 120}


def test_a_rule_only_voided_authorizations_used_is_removed(admin, alice):
    payer = PayerFactory(unit_rules={"H0015": 180})
    authorization = AuthorizationFactory(client=alice, payer=payer)
    authorization_void(authorization=authorization, reason="Entered twice", actor=admin)
    payer_update(payer=payer, name=payer.name, unit_rules={}, actor=admin)
    assert rules_of(payer) == {}


# --- Pages -------------------------------------------------------------------------------------


def payer_post(name, h0015="", s9480=""):
    return {"name": name, "H0015": h0015, "S9480": s9480}


def test_the_payers_page_lists_each_rule_in_hours_and_the_authorizations_using_it(
    admin_client, alice
):
    payer = PayerFactory(name="Keystone Health Plan", unit_rules={"H0015": 180, "S9480": 150})
    AuthorizationFactory(client=alice, payer=payer)
    PayerFactory(name="Self-pay", unit_rules={})
    PayerFactory(name="Aetna", unit_rules={})
    page = admin_client.get(reverse("clients:payers")).content.decode()
    assert "H0015: one unit per day with 3 h attended" in page
    assert "S9480: one unit per day with 2.5 h attended" in page
    assert "No rule yet" in page
    assert '<td class="text-end">1</td>' in page
    assert page.index("Aetna") < page.index("Keystone Health Plan") < page.index("Self-pay")


def test_an_admin_adds_a_payer_in_hours_and_the_change_is_audited(admin_client):
    response = admin_client.post(
        reverse("clients:payer-create"), payer_post("Keystone Health Plan", h0015="3")
    )
    assert response.status_code == 302
    payer = Payer.objects.get()
    assert rules_of(payer) == {"H0015": 180}
    assert LogEntry.objects.get_for_object(payer).exists()
    rule = PayerUnitRule.objects.get()
    assert LogEntry.objects.get_for_object(rule).get().actor.username == "admin"


def test_an_admin_edits_a_payer_shown_in_hours(admin_client):
    payer = PayerFactory(name="Keystone", unit_rules={"H0015": 135})
    url = reverse("clients:payer-edit", args=[payer.pk])
    form = admin_client.get(url).content.decode()
    # 135 minutes read back exactly, so saving the form unchanged keeps them.
    assert 'value="2.25"' in form
    assert "recounts the units used" in form
    admin_client.post(url, payer_post("Keystone Health Plan", h0015="2.25", s9480="3"))
    payer.refresh_from_db()
    assert (payer.name, rules_of(payer)) == ("Keystone Health Plan", {"H0015": 135, "S9480": 180})


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        (payer_post("Keystone", h0015="three"), "H0015", "Enter a number."),
        (payer_post("Keystone", h0015="25"), "H0015", "less than or equal to 24"),
        (payer_post("Keystone", h0015="0"), "H0015", "more than 0"),
        (payer_post("", h0015="3"), "name", "This field is required."),
        (payer_post("Other plan", h0015="3"), "name", "already exists"),
        (payer_post("Keystone", s9480="3"), "H0015", "counts the units of 1 authorization"),
    ],
)
def test_a_bad_edit_says_why_on_its_field_and_changes_nothing(
    admin_client, alice, data, field, error
):
    payer = PayerFactory(name="Keystone", unit_rules={"H0015": 180})
    PayerFactory(name="Other plan")
    AuthorizationFactory(client=alice, payer=payer)
    response = admin_client.post(reverse("clients:payer-edit", args=[payer.pk]), data)
    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors[field])
    payer.refresh_from_db()
    assert (payer.name, rules_of(payer)) == ("Keystone", {"H0015": 180})


@pytest.mark.parametrize("persona", ["clinician", "client"])
def test_clinicians_and_clients_cannot_open_or_change_payers(client, clinician, alice, persona):
    payer = PayerFactory(name="Keystone", unit_rules={"H0015": 180})
    client.force_login(clinician if persona == "clinician" else alice.user)
    for url in (
        reverse("clients:payers"),
        reverse("clients:payer-create"),
        reverse("clients:payer-edit", args=[payer.pk]),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("clients:payer-create"), payer_post("X", "3")).status_code == 403
    edit = reverse("clients:payer-edit", args=[payer.pk])
    assert client.post(edit, payer_post("Renamed", "1")).status_code == 403
    assert list(Payer.objects.values_list("name", flat=True)) == ["Keystone"]
    assert rules_of(payer) == {"H0015": 180}


@pytest.mark.parametrize("payers", [1, 10])
def test_the_payers_page_takes_the_same_queries_for_one_or_ten(
    admin_client, payers, django_assert_max_num_queries
):
    for _ in range(payers):
        PayerFactory()
    with django_assert_max_num_queries(8):
        assert admin_client.get(reverse("clients:payers")).status_code == 200


def test_the_authorization_form_points_admins_to_the_payers_page(admin_client, alice):
    payer = PayerFactory(name="Keystone", unit_rules={"S9480": 180})
    url = reverse("clients:authorization-create", args=[alice.pk])
    page = admin_client.post(
        url,
        {
            "payer": payer.pk, "number": "KH-1", "service_code": "H0015", "units_authorized": 12,
            "first_day": alice.admission_date.isoformat(),
            "last_day": alice.admission_date.isoformat(),
        },
    ).content.decode()  # fmt: skip
    assert "Keystone has no unit rule for H0015; an admin adds it on the Payers page" in page
    assert f'href="{reverse("clients:payers")}"' in page


def test_the_authorization_form_does_not_link_clinicians_to_the_admins_page(
    client, clinician, alice
):
    client.force_login(clinician)
    page = client.get(reverse("clients:authorization-create", args=[alice.pk])).content.decode()
    assert f'href="{reverse("clients:payers")}"' not in page
