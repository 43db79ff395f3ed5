"""Check-ins on the portal and on the chart: the client answers and sends once, a thought of
self-harm raises the urgent alert at once (no worker involved), clinicians read the answers (an
audited read), enter paper forms and see the trends."""

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import CheckIn, ClinicalAlert, Disclosure, Instrument
from clients.selectors import outcome_list
from clients.services import measures as measure_services
from clients.services.discharge import client_discharge
from clients.services.measures import checkin_submit
from clients.services.plans import goal_add, problem_add, treatment_plan_create
from iop.models import ChartRead
from tests.factories import ClientFactory, ConsentFactory, check_in_open

pytestmark = pytest.mark.django_db

CALM = {str(n): "0" for n in range(1, 10)}


@pytest.fixture
def alice_logged_in(client, alice):
    client.force_login(alice.user)
    return client


def test_the_portal_lists_the_due_check_ins_and_not_the_submitted_ones(alice_logged_in, alice):
    due = check_in_open(alice, "phq-9")
    done = check_in_open(alice, "gad-7")
    checkin_submit(check_in=done, actor=alice.user, answers={str(n): 0 for n in range(1, 8)})
    page = alice_logged_in.get(reverse("clients:portal")).content.decode()
    assert reverse("clients:my-checkin", args=[due.pk]) in page
    assert reverse("clients:my-checkin", args=[done.pk]) not in page
    assert "Check-ins to complete" in page


def test_answers_are_saved_as_the_client_goes_and_the_progress_shows(alice_logged_in, alice):
    check_in = check_in_open(alice)
    response = alice_logged_in.post(
        reverse("clients:my-checkin-save", args=[check_in.pk]), {"1": "2", "2": "1"}
    )
    assert b"<strong>2</strong> of 9 answered" in response.content
    check_in.refresh_from_db()
    assert check_in.answers == {"1": 2, "2": 1}
    page = alice_logged_in.get(reverse("clients:my-checkin", args=[check_in.pk])).content.decode()
    assert 'value="2" checked' in page


def test_submitting_locks_the_check_in_and_a_second_submission_changes_nothing(
    alice_logged_in, alice
):
    check_in = check_in_open(alice)
    url = reverse("clients:my-checkin", args=[check_in.pk])
    assert alice_logged_in.post(url, CALM).status_code == 302
    check_in.refresh_from_db()
    assert check_in.scores == {"total": 0}
    thank_you = alice_logged_in.get(url).content.decode()
    assert "Thank you" in thank_you
    assert "988" not in thank_you  # crisis resources only when item 9 called for them
    response = alice_logged_in.post(url, {**CALM, "1": "3"})
    assert response.status_code == 200  # the thank-you page again, nothing saved
    save = alice_logged_in.post(reverse("clients:my-checkin-save", args=[check_in.pk]), {"1": "3"})
    assert save.status_code == 200
    assert b"Saved" not in save.content
    check_in.refresh_from_db()
    assert check_in.answers["1"] == 0
    assert check_in.scores == {"total": 0}


def test_an_incomplete_form_says_what_is_missing_and_is_not_sent(alice_logged_in, alice):
    check_in = check_in_open(alice)
    response = alice_logged_in.post(
        reverse("clients:my-checkin", args=[check_in.pk]), {"1": "1", "2": "1"}
    )
    assert response.status_code == 200
    assert "Answer every question (still open: 3, 4, 5, 6, 7, 8, 9)" in response.content.decode()
    check_in.refresh_from_db()
    assert not check_in.is_submitted


def test_an_answer_out_of_range_is_a_form_error(alice_logged_in, alice):
    check_in = check_in_open(alice)
    response = alice_logged_in.post(
        reverse("clients:my-checkin", args=[check_in.pk]), {**CALM, "9": "7"}
    )
    assert "Select a valid choice" in response.content.decode()
    check_in.refresh_from_db()
    assert not check_in.is_submitted


def test_another_clients_check_in_is_not_found(alice_logged_in, bob):
    bobs = check_in_open(bob)
    assert alice_logged_in.get(reverse("clients:my-checkin", args=[bobs.pk])).status_code == 404
    response = alice_logged_in.post(reverse("clients:my-checkin", args=[bobs.pk]), CALM)
    assert response.status_code == 404
    save = alice_logged_in.post(reverse("clients:my-checkin-save", args=[bobs.pk]), CALM)
    assert save.status_code == 404
    bobs.refresh_from_db()
    assert bobs.answers == {}
    assert not bobs.is_submitted


def test_item_9_above_0_raises_the_urgent_alert_at_once_and_shows_988_even_with_the_broker_down(
    alice_logged_in, alice, client, clinician
):
    """The alert is written in the submission's own transaction: with every task send failing (a
    broker and worker down), the alert is there when the client sees the thank-you page."""
    check_in = check_in_open(alice)
    with mock.patch("celery.app.task.Task.apply_async", side_effect=ConnectionError("broker down")):
        response = alice_logged_in.post(
            reverse("clients:my-checkin", args=[check_in.pk]), {**CALM, "9": "1"}, follow=True
        )
    page = response.content.decode()
    assert "Call 988" in page
    assert 'href="tel:988"' in page
    alert = ClinicalAlert.objects.get()
    assert alert.urgent
    assert alert.kind == ClinicalAlert.Kind.SELF_HARM_RISK
    assert alert.client == alice
    assert alert.source == check_in
    assert alert.detail.startswith('Thoughts of self-harm (PHQ-9 item 9): "Several days"')

    client.force_login(clinician)
    today = client.get(reverse("scheduling:today")).content.decode()
    chart = client.get(reverse("clients:chart", args=[alice.pk])).content.decode()
    for page in (today, chart):
        assert "Thoughts of self-harm reported" in page
        assert "Needs follow-up" in page


def test_a_failing_alert_rolls_the_submission_back(alice):
    check_in = check_in_open(alice)
    with (
        mock.patch.object(measure_services, "clinical_alert_open", side_effect=RuntimeError),
        pytest.raises(RuntimeError),
    ):
        checkin_submit(
            check_in=check_in, actor=alice.user, answers={str(n): 0 for n in range(1, 9)} | {"9": 2}
        )
    check_in.refresh_from_db()
    assert not check_in.is_submitted
    assert not ClinicalAlert.objects.exists()


def test_the_clinician_reads_the_answers_and_the_read_is_recorded(client, clinician, alice):
    check_in = check_in_open(alice)
    checkin_submit(
        check_in=check_in, actor=alice.user, answers={str(n): 2 for n in range(1, 9)} | {"9": 0}
    )
    client.force_login(clinician)
    url = reverse("clients:checkin", args=[alice.pk, check_in.pk])
    page = client.get(url).content.decode()
    assert "16" in page
    assert "Moderately severe" in page
    assert "More than half the days" in page
    read = ChartRead.objects.get(path=url)
    assert (read.user, read.client_ids, read.what) == (clinician, [alice.pk], "check-in")


def test_a_paper_form_entered_on_the_chart_is_marked_and_locked(client, clinician, alice):
    check_in_open(alice, "phq-9")  # the paper form completes the open check-in
    client.force_login(clinician)
    url = reverse("clients:checkin-paper", args=[alice.pk, "gad-7"])
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(
        url, {"completed_on": yesterday.isoformat(), **{str(n): "1" for n in range(1, 8)}}
    )
    paper = CheckIn.objects.get(instrument__code="gad-7")
    assert response.status_code == 302
    assert response.url == reverse("clients:checkin", args=[alice.pk, paper.pk])
    assert paper.on_paper
    assert paper.submitted_by == clinician
    assert paper.scores == {"total": 7}
    page = client.get(response.url).content.decode()
    assert "paper form" in page


def test_a_paper_form_missing_answers_is_refused(client, clinician, alice):
    check_in_open(alice)
    client.force_login(clinician)
    response = client.post(
        reverse("clients:checkin-paper", args=[alice.pk, "phq-9"]),
        {"completed_on": timezone.localdate().isoformat(), "1": "1"},
    )
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not CheckIn.objects.filter(submitted_at__isnull=False).exists()


def test_an_unknown_instrument_is_not_found(client, clinician, alice):
    check_in_open(alice)
    client.force_login(clinician)
    url = reverse("clients:checkin-paper", args=[alice.pk, "nope"])
    assert client.get(url).status_code == 404


def test_the_chart_shows_each_trend_with_bands_baseline_and_response(client, clinician, alice):
    admitted = alice.admission_date
    for week, (total, item_9) in enumerate([(18, 1), (12, 0), (8, 0), (4, 0)]):
        check_in = check_in_open(alice, "phq-9", due_on=admitted + timedelta(weeks=week))
        answers = {str(n): 0 for n in range(1, 10)}
        for n in range(1, 9):
            answers[str(n)] = min(3, max(0, total - 3 * (n - 1)))
        answers["9"] = item_9
        checkin_submit(
            check_in=check_in,
            actor=alice.user,
            answers=answers,
            completed_on=min(admitted + timedelta(weeks=week), timezone.localdate()),
        )
    client.force_login(clinician)
    page = client.get(reverse("clients:chart-measures", args=[alice.pk])).content.decode()
    assert "PHQ-9 · Depression" in page
    assert "admission baseline" in page
    assert "Remission" in page
    assert "<polyline" in page
    assert "Moderately severe" in page  # a band's name on the chart
    assert "Scores as a table" in page  # the text alternative
    assert Instrument.objects.count() == 3


def test_the_chart_loads_its_measures_card_which_records_its_own_read(client, clinician, alice):
    due = check_in_open(alice, "phq-9")
    client.force_login(clinician)
    measures = reverse("clients:chart-measures", args=[alice.pk])
    chart = client.get(reverse("clients:chart", args=[alice.pk])).content.decode()
    assert f'hx-get="{measures}" hx-trigger="load"' in chart
    assert "Loading measures and check-ins" in chart
    assert "PHQ-9 due" not in chart
    assert ChartRead.objects.get().what == "chart"  # the card is read when it loads

    card = client.get(measures).content.decode()

    assert f"PHQ-9 due {due.due_on:%b} {due.due_on.day}" in card
    assert reverse("clients:checkin-paper", args=[alice.pk, "gad-7"]) in card
    read = ChartRead.objects.get(path=measures)
    assert (read.user, read.client_ids, read.what) == (clinician, [alice.pk], "measures")
    assert ChartRead.objects.count() == 2  # one entry per page view: the chart, then its card


def test_the_measures_card_is_for_staff_who_may_open_the_chart(
    client, alice, bob, second_clinician
):
    measures = reverse("clients:chart-measures", args=[alice.pk])
    client.force_login(bob.user)
    assert client.get(measures).status_code == 403
    client.force_login(second_clinician)
    assert client.get(measures).status_code == 404
    assert not ChartRead.objects.exists()


def test_the_scores_are_disclosed_only_under_a_consent_that_covers_them(client, clinician, alice):
    check_in = check_in_open(alice, "gad-7")
    checkin_submit(check_in=check_in, actor=alice.user, answers={str(n): 2 for n in range(1, 8)})
    client.force_login(clinician)
    url = reverse("clients:disclose", args=[alice.pk])
    plan_only = ConsentFactory(client=alice)
    refused = client.post(url, {"consent": plan_only.pk, "information": "measures"})
    assert "Anxiety 14" not in refused.content.decode()
    assert not Disclosure.objects.exists()

    scores = ConsentFactory(client=alice, information=["measures"], recipient="Dr. Rivera")
    page = client.post(url, {"consent": scores.pk, "information": "measures"}).content.decode()
    assert "42 CFR 2.32" in page
    assert "GAD-7 v1" in page
    assert "Anxiety 14 (Moderate)" in page
    assert Disclosure.objects.get().information == "measures"
    export = ChartRead.objects.get(action=ChartRead.Action.EXPORT)
    assert (export.what, export.client_ids) == ("disclosure under a consent", [alice.pk])


def test_an_objective_names_a_measure_target_and_the_plan_shows_whether_it_is_met(
    client, clinician, alice
):
    plan = treatment_plan_create(client=alice, actor=clinician)
    goal = goal_add(problem=problem_add(plan=plan, statement="Depression"), statement="Feel better")
    client.force_login(clinician)
    url = reverse("clients:plan", args=[alice.pk, plan.pk])
    target_date = (timezone.localdate() + timedelta(days=30)).isoformat()
    refused = client.post(
        url,
        {
            "kind": "objective",
            "objective-goal": goal.pk,
            "objective-description": "Mood lifts",
            "objective-target_date": target_date,
            "objective-measure": "phq-9:total",
            "objective-measure_below": "28",
        },
    )
    assert "Give a score between 1 and 27 for PHQ-9" in refused.content.decode()
    response = client.post(
        url,
        {
            "kind": "objective",
            "objective-goal": goal.pk,
            "objective-description": "Mood lifts",
            "objective-target_date": target_date,
            "objective-measure": "phq-9:total",
            "objective-measure_below": "10",
        },
    )
    assert response.status_code == 302
    assert "no score yet" in client.get(url).content.decode()

    check_in = check_in_open(alice)
    checkin_submit(
        check_in=check_in, actor=alice.user, answers={str(n): 1 for n in range(1, 9)} | {"9": 0}
    )
    page = client.get(url).content.decode()
    assert "Target: PHQ-9 below 10" in page
    assert "met</span> latest 8" in page


def _discharged_with_scores(clinician, first: int, last: int, admitted_days_ago: int = 40):
    today = timezone.localdate()
    admitted = today - timedelta(days=admitted_days_ago)
    client = ClientFactory(primary_clinician=clinician, admission_date=admitted)
    for day, value in ((admitted, first), (today - timedelta(days=3), last)):
        check_in = check_in_open(client, "gad-7", due_on=day)
        answers = dict.fromkeys((str(n) for n in range(1, 8)), 0)
        for n in range(value):
            answers[str(n % 7 + 1)] += 1
        checkin_submit(check_in=check_in, actor=client.user, answers=answers, completed_on=day)
    client_discharge(
        client=client,
        actor=clinician,
        discharge_date=today - timedelta(days=2),
        reason="completed",
        summary="Completed.",
    )
    return client


def test_program_outcomes_compare_admission_and_discharge_by_track_with_a_csv(
    client, admin, clinician, django_assert_max_num_queries
):
    _discharged_with_scores(clinician, first=15, last=3)  # improved, in remission
    _discharged_with_scores(clinician, first=10, last=12)  # worse
    still_in = ClientFactory(primary_clinician=clinician)
    checkin_submit(
        check_in=check_in_open(still_in, "gad-7"),
        actor=still_in.user,
        answers={str(n): 3 for n in range(1, 8)},
    )
    (row,) = outcome_list(start=timezone.localdate() - timedelta(days=30), end=timezone.localdate())
    assert (row.track, row.instrument, row.scale, row.clients) == (
        "Adult IOP",
        "GAD-7",
        "Anxiety",
        2,
    )
    assert row.mean_admission == 12.5
    assert row.mean_discharge == 7.5
    assert row.mean_change == -5.0
    assert row.share_improved == 0.5
    assert row.share_in_remission == 0.5

    client.force_login(admin)
    with django_assert_max_num_queries(12) as few:
        page = client.get(reverse("clients:outcomes")).content.decode()
    assert "GAD-7" in page
    assert "50%" in page
    for _ in range(3):
        _discharged_with_scores(clinician, first=14, last=4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("clients:outcomes"))
    export = client.get(reverse("clients:outcomes-export")).content.decode()
    assert export.startswith('"This record which has been disclosed to you')
    assert "Adult IOP,GAD-7,Anxiety,5,13.4,5.4,-8.0,80%,80%" in export
    summary = client.get(reverse("clients:outcomes-summary")).content.decode()
    assert "GAD-7 anxiety: 13.4 → 5.4 (5 clients), 80% improved, 80% in remission" in summary
    export_read = ChartRead.objects.get(what="program outcomes export")  # one entry per export
    assert (export_read.action, len(export_read.client_ids)) == (ChartRead.Action.EXPORT, 5)
