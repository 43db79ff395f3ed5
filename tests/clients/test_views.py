from datetime import date, timedelta
from html import escape

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from clients.models import (
    CheckIn,
    Client,
    Discharge,
    Disclosure,
    LevelOfCareEpisode,
    TreatmentPlan,
)
from clients.services.consents import disclosure_record
from clients.services.level_of_care import level_of_care_change
from clients.services.measures import checkin_paper_enter
from clients.services.plans import treatment_plan_revise
from iop.exports import REDISCLOSURE_NOTICE
from iop.models import ChartRead, Role
from tests.factories import (
    ClientFactory,
    ConsentFactory,
    TreatmentPlanFactory,
    UserFactory,
    check_in_open,
)
from tests.helpers import StaffVerifiedClient

# Statements of a page in a test, 6 of them savepoints (the test runs in a transaction): the chart
# is within the daily pages' 15 as the bench counts them; its measures card is loaded on its own.
CHART_QUERIES = 21
MEASURES_QUERIES = 15


@pytest.fixture
def staff_client(client, clinician):
    client.force_login(clinician)
    return client


def test_the_chart_keeps_a_constant_number_of_queries_as_the_record_grows(
    staff_client, alice, clinician, django_assert_max_num_queries
):
    with django_assert_max_num_queries(CHART_QUERIES) as small:
        staff_client.get(reverse("clients:chart", args=[alice.pk]))
    first = TreatmentPlanFactory(client=alice)
    _check_ins_over_two_weeks(alice, clinician)
    for number in range(5):
        ConsentFactory(client=alice, recipient=f"Recipient {number}")
    for days in (3, 4, 5):
        level = "2.5" if days % 2 else "2.1"
        level_of_care_change(
            client=alice,
            level=level,
            start_date=alice.admission_date + timedelta(days=days),
            actor=clinician,
        )
    treatment_plan_revise(plan=first, actor=clinician)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = staff_client.get(reverse("clients:chart", args=[alice.pk]))
    assert b"Recipient 4" in response.content
    measures = reverse("clients:chart-measures", args=[alice.pk])
    assert f'hx-get="{measures}" hx-trigger="load"'.encode() in response.content


def _check_ins_over_two_weeks(alice, clinician):
    """Paper PHQ-9s at admission and a week later and a GAD-7 at admission; a BAM still open."""
    for code, weeks in (("phq-9", 0), ("phq-9", 1), ("gad-7", 0), ("bam", 2)):
        check_in_open(alice, code, due_on=alice.admission_date + timedelta(weeks=weeks))
    for check_in in CheckIn.objects.filter(due_on__lt=alice.admission_date + timedelta(weeks=2)):
        checkin_paper_enter(
            client=alice,
            instrument=check_in.instrument,
            completed_on=check_in.due_on,
            answers={item["key"]: 1 for item in check_in.version.definition["items"]},
            actor=clinician,
        )


def test_the_charts_measures_card_keeps_a_constant_number_of_queries(
    staff_client, alice, clinician, django_assert_max_num_queries
):
    url = reverse("clients:chart-measures", args=[alice.pk])
    with django_assert_max_num_queries(MEASURES_QUERIES) as small:
        staff_client.get(url)
    _check_ins_over_two_weeks(alice, clinician)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = staff_client.get(url)
    assert b"GAD-7 \xc2\xb7 Anxiety" in response.content
    assert b"PHQ-9 \xc2\xb7 Depression" in response.content


def test_every_chart_open_is_audited(staff_client, alice, clinician):
    staff_client.get(reverse("clients:chart", args=[alice.pk]))
    read = ChartRead.objects.get()
    assert (read.user, read.client_ids, read.what) == (clinician, [alice.pk], "chart")


def test_the_client_list_keeps_a_constant_number_of_queries(
    staff_client, alice, django_assert_max_num_queries
):
    url = reverse("clients:list")
    with django_assert_max_num_queries(12) as one:
        staff_client.get(url)
    ClientFactory.create_batch(30, primary_clinician=alice.primary_clinician)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = staff_client.get(url)
    assert response.context["page"].paginator.count == 31


def test_the_client_lists_rows_link_each_chart_with_every_text_escaped(
    staff_client, alice, clinician
):
    """The list's rows are written in Python (`client_rows`): the name linking to the chart with
    the pronouns, MRN, date of birth, track, status, primary clinician and admission date ("—"
    before the admission); every text escaped."""
    alice.preferred_name, alice.pronouns = "Al <i>", "she & they"
    alice.date_of_birth, alice.admission_date = date(1990, 3, 4), date(2026, 11, 2)
    alice.save()
    referred = ClientFactory(
        primary_clinician=clinician, status=Client.Status.REFERRED, admission_date=None
    )

    page = staff_client.get(reverse("clients:list")).content.decode()

    chart, clinician_name = reverse("clients:chart", args=[alice.pk]), escape(str(clinician))
    assert (
        f'<tr><td><a href="{chart}">Al &lt;i&gt; {alice.legal_last_name}</a>'
        ' <span class="text-muted small">(she &amp; they)</span></td>'
        f"<td>{alice.mrn}</td><td>Mar 4, 1990</td><td>{alice.track}</td><td>Active</td>"
        f"<td>{clinician_name}</td><td>Nov 2, 2026</td></tr>"
    ) in page
    assert f"<td>{referred.mrn}</td>" in page
    assert f"<td>Referred</td><td>{clinician_name}</td><td>—</td></tr>" in page
    assert "<i>" not in page


@pytest.mark.parametrize("query", [{}, {"status": "active"}])
def test_an_admins_client_list_is_counted_up_to_a_cap_and_says_it_goes_on(
    client, admin, clinician, monkeypatch, query
):
    """Every client of the clinic's years is counted up to MAX_COUNTED, as it opens and filtered:
    the pages say "+" past it, and the clients beyond are reached by narrowing the list."""
    monkeypatch.setattr("clients.views.PAGE_SIZE", 2)
    monkeypatch.setattr("clients.selectors.MAX_COUNTED", 3)
    monkeypatch.setattr("iop.pagination.MAX_COUNTED", 3)
    ClientFactory.create_batch(5, primary_clinician=clinician)
    client.force_login(admin)

    response = client.get(reverse("clients:list"), query)

    assert response.context["page"].paginator.count == 4  # one past the cap
    assert "Page 1 of 2+" in response.content.decode()


def test_clients_are_found_by_name_mrn_and_status(staff_client, alice, bob):
    url = reverse("clients:list")
    by_name = staff_client.get(url, {"q": "ande"}).context["page"].object_list
    assert list(by_name) == [alice]
    by_mrn = staff_client.get(url, {"q": bob.mrn}).context["page"].object_list
    assert list(by_mrn) == [bob]
    assert not staff_client.get(url, {"status": "discharged"}).context["page"].object_list


def test_a_search_matches_any_part_of_any_name_in_any_case_and_the_mrn(staff_client, alice):
    alice.preferred_name = "Ally"
    alice.save()
    url = reverse("clients:list")

    def found(text):
        return list(staff_client.get(url, {"q": text}).context["page"].object_list)

    assert found("LIC") == [alice]  # inside the first name
    assert found("ders ali") == [alice]  # a word of each name, in any order
    assert found("ally") == [alice]  # the preferred name, renamed just now
    assert found(alice.mrn.lower()) == [alice]
    assert found("ali zed") == []  # every word must match


def test_bob_cannot_open_alices_plan_in_the_portal(client, alice, bob):
    plan = TreatmentPlanFactory(client=alice)
    client.force_login(bob.user)
    assert client.get(reverse("clients:my-plan", args=[plan.pk])).status_code == 404
    response = client.post(reverse("clients:my-plan", args=[plan.pk]), {"typed_name": "Bob Brown"})
    assert response.status_code == 404
    plan.refresh_from_db()
    assert plan.client_signed_at is None


def test_alice_signs_her_plan_from_the_portal(client, alice):
    plan = TreatmentPlanFactory(client=alice)
    client.force_login(alice.user)
    assert b"Read and sign my plan" in client.get(reverse("clients:portal")).content
    response = client.post(
        reverse("clients:my-plan", args=[plan.pk]), {"typed_name": "Alice Anders"}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.client_signed_name == "Alice Anders"


def test_a_wrong_name_leaves_the_plan_unsigned_with_a_field_error(client, alice):
    plan = TreatmentPlanFactory(client=alice)
    client.force_login(alice.user)
    response = client.post(reverse("clients:my-plan", args=[plan.pk]), {"typed_name": "Someone"})
    assert response.status_code == 200
    assert "typed_name" in response.context["form"].errors
    plan.refresh_from_db()
    assert plan.client_signed_at is None


def test_a_draft_plan_is_not_shown_to_the_client(client, alice):
    plan = TreatmentPlanFactory(client=alice, status="draft")
    client.force_login(alice.user)
    assert client.get(reverse("clients:my-plan", args=[plan.pk])).status_code == 404


def test_a_plan_of_another_client_is_not_found_under_this_chart(staff_client, alice, bob):
    plan = TreatmentPlanFactory(client=alice)
    url = reverse("clients:plan", args=[bob.pk, plan.pk])
    assert staff_client.get(url).status_code == 404


def test_disclosing_prints_the_part_with_the_notice_and_logs_it(staff_client, alice, clinician):
    TreatmentPlanFactory(client=alice)
    consent = ConsentFactory(client=alice)
    url = reverse("clients:disclose", args=[alice.pk])
    staff_client.get(url)
    opened = ChartRead.objects.get()
    assert (opened.action, opened.what) == (
        ChartRead.Action.READ,
        "print or export under a consent",
    )

    response = staff_client.post(url, {"consent": consent.pk, "information": "treatment_plan"})

    content = response.content.decode()
    assert "42 CFR 2.32" in content
    assert REDISCLOSURE_NOTICE[:60] in content
    assert "data-print" in content
    assert "Sustained abstinence" in content
    disclosure = Disclosure.objects.get()
    assert (disclosure.client, disclosure.disclosed_by) == (alice, clinician)
    # The printed page is one export entry, not also a read.
    printed = ChartRead.objects.exclude(pk=opened.pk).get()
    assert (printed.action, printed.what, printed.client_ids, printed.user) == (
        ChartRead.Action.EXPORT,
        "disclosure under a consent",
        [alice.pk],
        clinician,
    )
    assert printed.path == url


def test_disclosing_under_an_expired_consent_is_refused_with_a_field_error(staff_client, alice):
    consent = ConsentFactory(
        client=alice, signed_on=timezone.localdate() - timedelta(days=400)
    )  # expired 35 days ago
    response = staff_client.post(
        reverse("clients:disclose", args=[alice.pk]),
        {"consent": consent.pk, "information": "summary"},
    )
    assert response.status_code == 200
    assert "consent" in response.context["form"].errors
    assert "42 CFR 2.32" not in response.content.decode()
    assert not Disclosure.objects.exists()
    assert not ChartRead.objects.filter(action=ChartRead.Action.EXPORT).exists()


def test_alice_sees_her_disclosure_ledger_and_not_bobs(client, alice, bob, clinician):
    disclosure_record(consent=ConsentFactory(client=alice), information="summary", actor=clinician)
    disclosure_record(
        consent=ConsentFactory(client=bob, recipient="Bob's employer"),
        information="summary",
        actor=clinician,
    )
    client.force_login(alice.user)
    content = client.get(reverse("clients:my-disclosures")).content.decode()
    assert "Riverside Probation Office" in content
    assert "Bob&#x27;s employer" not in content


def test_a_clinician_walks_a_referral_through_intake(staff_client, clinician):
    response = staff_client.post(
        reverse("clients:create"),
        {
            "legal_first_name": "Dana",
            "legal_last_name": "Diaz",
            "date_of_birth": "1988-04-02",
            "track": 1,
            "primary_clinician": clinician.pk,
        },
    )
    dana = Client.objects.get(legal_last_name="Diaz")
    assert response.url == reverse("clients:chart", args=[dana.pk])
    step = lambda name: reverse("clients:intake", args=[dana.pk, name])  # noqa: E731
    staff_client.post(
        step("referral"),
        {"referral_source": "Self", "presenting_problem": "Alcohol", "next": "1"},
    )
    staff_client.post(
        step("substances"),
        {
            "substances-TOTAL_FORMS": 2,
            "substances-INITIAL_FORMS": 0,
            "substances-0-substance": "Alcohol",
            "substances-0-route": "oral",
            "substances-0-frequency": "daily",
            "substances-0-last_use": str(timezone.localdate()),
            "next": "1",
        },
    )
    asam = {f"asam_{name}": 2 for name in ("withdrawal", "biomedical", "emotional")}
    asam |= {f"asam_{name}": 1 for name in ("readiness", "relapse", "environment")}
    staff_client.post(step("asam"), {**asam, "next": "1"})
    response = staff_client.post(
        step("consent"),
        {"consent_to_treatment": "on", "admission_date": str(timezone.localdate())},
    )
    assert response.url == reverse("clients:chart", args=[dana.pk])
    dana.refresh_from_db()
    assert dana.status == Client.Status.ACTIVE
    assert dana.substances.get().substance == "Alcohol"
    assert LevelOfCareEpisode.objects.get(client=dana).level == "2.1"


def test_discharging_asks_for_confirmation_and_says_what_will_happen(staff_client, alice):
    form = {"discharge_date": str(timezone.localdate()), "reason": "completed", "summary": "Done"}
    url = reverse("clients:discharge", args=[alice.pk])
    page = staff_client.post(url, form).content.decode()
    assert f"Discharge {alice.display_name} on" in page
    assert "leaves every group" in page
    assert "individual sessions after" in page
    alice.refresh_from_db()
    assert alice.status == Client.Status.ACTIVE
    assert not Discharge.objects.exists()
    response = staff_client.post(url, {**form, "confirm": "yes"})
    assert response.url == reverse("clients:chart", args=[alice.pk])
    alice.refresh_from_db()
    assert alice.status == Client.Status.DISCHARGED


def test_a_discharge_dated_before_admission_shows_a_field_error(staff_client, alice):
    response = staff_client.post(
        reverse("clients:discharge", args=[alice.pk]),
        {
            "discharge_date": str(alice.admission_date - timedelta(days=1)),
            "reason": "completed",
            "summary": "Done",
        },
    )
    assert response.status_code == 200
    assert "discharge_date" in response.context["form"].errors
    alice.refresh_from_db()
    assert alice.status == Client.Status.ACTIVE


def test_the_clinician_activates_a_draft_from_the_plan_page(staff_client, alice):
    plan = TreatmentPlanFactory(client=alice, status="draft")
    staff_client.post(reverse("clients:plan-activate", args=[alice.pk, plan.pk]))
    plan.refresh_from_db()
    assert plan.status == TreatmentPlan.Status.ACTIVE


class ReferralFormInputTests(TestCase):
    client_class = StaffVerifiedClient

    @settings(max_examples=40)
    @given(
        first=st.text(max_size=110),
        born=st.one_of(st.dates().map(str), st.text(max_size=12)),
        email=st.one_of(st.just(""), st.emails(), st.text(max_size=20)),
    )
    def test_any_referral_input_either_registers_a_client_or_answers_with_errors(
        self, first, born, email
    ):
        clinician = UserFactory(role=Role.CLINICIAN)
        self.client.force_login(clinician)
        response = self.client.post(
            reverse("clients:create"),
            {
                "legal_first_name": first,
                "legal_last_name": "Diaz",
                "date_of_birth": born,
                "email": email,
                "track": 1,
                "primary_clinician": clinician.pk,
            },
        )
        if response.status_code == 200:
            assert response.context["form"].errors
            assert not Client.objects.exists()
        else:
            assert response.status_code == 302
            assert Client.objects.get().date_of_birth < timezone.localdate()
        Client.objects.all().delete()


def record_form(client, **overrides):
    return {
        "legal_first_name": client.legal_first_name,
        "legal_last_name": client.legal_last_name,
        "date_of_birth": str(client.date_of_birth),
        "track": client.track_id,
        "primary_clinician": client.primary_clinician_id,
        "expected_length_weeks": 12,
        "contacts-TOTAL_FORMS": 1,
        "contacts-INITIAL_FORMS": 0,
        **overrides,
    }


def test_editing_the_record_saves_it_with_the_emergency_contacts(staff_client, alice):
    response = staff_client.post(
        reverse("clients:edit", args=[alice.pk]),
        record_form(
            alice,
            pronouns="she/her",
            **{
                "contacts-0-name": "Sam Anders",
                "contacts-0-relationship": "Brother",
                "contacts-0-phone": "555-010-2000",
            },
        ),
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.pronouns == "she/her"
    assert alice.emergency_contacts.get().name == "Sam Anders"


def test_the_caseloads_rows_link_each_chart_and_leave_out_the_discharged(
    staff_client, alice, clinician
):
    """The caseload's rows are written in Python (`caseload_rows`): the client list's without the
    date of birth and the clinician; a discharged client is not on it, nobody else's either."""
    alice.pronouns, alice.admission_date = "she & <i>her</i>", date(2026, 11, 2)
    alice.save()
    referred = ClientFactory(
        primary_clinician=clinician, status=Client.Status.REFERRED, admission_date=None
    )
    gone = ClientFactory(primary_clinician=clinician)
    Client.objects.filter(pk=gone.pk).update(status=Client.Status.DISCHARGED)
    elsewhere = ClientFactory()

    page = staff_client.get(reverse("clients:caseload")).content.decode()

    chart = reverse("clients:chart", args=[alice.pk])
    assert (
        f'<tr><td><a href="{chart}">Alice Anders</a>'
        ' <span class="text-muted small">(she &amp; &lt;i&gt;her&lt;/i&gt;)</span></td>'
        f"<td>{alice.mrn}</td><td>{alice.track}</td><td>Active</td><td>Nov 2, 2026</td></tr>"
    ) in page
    assert (
        f"<td>{referred.mrn}</td><td>{referred.track}</td><td>Referred</td><td>—</td></tr>" in page
    )
    assert gone.mrn not in page
    assert elsewhere.mrn not in page
    assert "<i>" not in page


def test_the_caseload_lists_overdue_plan_reviews(staff_client, alice, time_machine):
    TreatmentPlanFactory(client=alice)
    time_machine.move_to(timezone.now() + timedelta(days=31), tick=False)
    staff_client.force_login(alice.primary_clinician)
    response = staff_client.get(reverse("clients:caseload"))
    assert list(response.context["overdue_reviews"]) == list(alice.treatment_plans.all())
    assert b"reviews overdue" in response.content


def test_a_level_of_care_change_from_the_chart_closes_the_current_range(staff_client, alice):
    start = alice.admission_date + timedelta(days=2)
    response = staff_client.post(
        reverse("clients:level-of-care", args=[alice.pk]),
        {"level": "2.5", "start_date": str(start), "reason": "Relapse; needs more structure"},
    )
    assert response.status_code == 302
    assert list(alice.levels_of_care.values_list("level", "end_date")) == [
        ("2.1", start),
        ("2.5", None),
    ]


def test_a_level_of_care_change_before_admission_gets_a_field_error(staff_client, alice):
    response = staff_client.post(
        reverse("clients:level-of-care", args=[alice.pk]),
        {"level": "2.5", "start_date": str(alice.admission_date - timedelta(days=1))},
    )
    assert "start_date" in response.context["form"].errors
    assert alice.levels_of_care.count() == 1


def test_revoking_a_consent_from_the_chart(staff_client, alice):
    consent = ConsentFactory(client=alice)
    staff_client.post(
        reverse("clients:consent-revoke", args=[alice.pk, consent.pk]),
        {"revoked_on": str(timezone.localdate()), "note": "Client withdrew consent"},
    )
    consent.refresh_from_db()
    assert consent.revoked_on == timezone.localdate()


def test_a_review_from_the_plan_page_can_start_the_next_version(staff_client, alice):
    plan = TreatmentPlanFactory(client=alice)
    objective = plan.problems.get().goals.get().objectives.get()
    response = staff_client.post(
        reverse("clients:plan-review", args=[alice.pk, plan.pk]),
        {
            "reviewed_on": str(timezone.localdate()),
            "summary": "Goals met; add relapse prevention",
            f"status_{objective.pk}": "achieved",
            f"note_{objective.pk}": "9+ hours four weeks running",
            "revise": "on",
        },
    )
    assert response.status_code == 302
    objective.refresh_from_db()
    assert objective.status == "achieved"
    assert alice.treatment_plans.filter(status="draft", version=2).exists()


def test_a_new_plan_version_starts_from_the_active_plan(staff_client, alice):
    TreatmentPlanFactory(client=alice)
    response = staff_client.post(
        reverse("clients:plan-create", args=[alice.pk]), {"review_every_days": 30}
    )
    draft = alice.treatment_plans.get(status="draft")
    assert response.url == reverse("clients:plan", args=[alice.pk, draft.pk])
    assert draft.problems.get().statement == "Daily alcohol use"


def test_adding_to_a_draft_with_a_parent_from_another_plan_is_refused(staff_client, alice, bob):
    bobs = TreatmentPlanFactory(client=bob, status="draft")
    alices = TreatmentPlanFactory(client=alice, status="draft")
    response = staff_client.post(
        reverse("clients:plan", args=[alice.pk, alices.pk]),
        {"kind": "goal", "goal-problem": bobs.problems.get().pk, "goal-statement": "Sneaky"},
    )
    assert response.status_code == 200
    assert "problem" in response.context["part_forms"]["goal"].errors
    assert not bobs.problems.get().goals.filter(statement="Sneaky").exists()


def test_opening_an_intake_step_changes_nothing_until_it_is_saved(staff_client, clinician):
    referred = ClientFactory(status="referred", primary_clinician=clinician)
    staff_client.get(reverse("clients:intake", args=[referred.pk, "referral"]))
    referred.refresh_from_db()
    assert referred.status == Client.Status.REFERRED


def diagnoses_step(rows):
    data = {"diagnoses-TOTAL_FORMS": len(rows), "diagnoses-INITIAL_FORMS": 0, "next": "1"}
    for number, (code, description) in enumerate(rows):
        data[f"diagnoses-{number}-icd10_code"] = code
        data[f"diagnoses-{number}-description"] = description
    return data


def test_a_repeated_or_malformed_diagnosis_code_is_answered_on_the_form(staff_client, clinician):
    referred = ClientFactory(status="referred", primary_clinician=clinician)
    url = reverse("clients:intake", args=[referred.pk, "diagnoses"])
    repeated = staff_client.post(url, diagnoses_step([("F10.20", "AUD"), ("f10.20", "AUD")]))
    assert "only once" in str(repeated.context["form"].non_form_errors())
    malformed = staff_client.post(url, diagnoses_step([("alcohol", "AUD")]))
    assert "ICD-10 code such as F10.20" in str(malformed.context["form"].errors)
    assert not referred.diagnoses.exists()
    staff_client.post(url, diagnoses_step([("f10.20", "Alcohol use disorder, moderate")]))
    assert referred.diagnoses.get().icd10_code == "F10.20"
