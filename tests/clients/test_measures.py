"""Measurement-based care: the instruments as published, scoring and bands, the check-in's one
submission and its lock, the daily job that opens due check-ins."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import InternalError, connection, transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from clients import measures
from clients.models import CheckIn, Client, ClinicalAlert, InstrumentVersion, MeasureSchedule
from clients.selectors import checkin_due_list, checkin_overdue_list
from clients.services.measures import (
    checkin_paper_enter,
    checkin_progress_save,
    checkin_submit,
    checkins_open_due,
)
from tests.factories import ClientFactory, check_in_open, instruments_installed

pytestmark = pytest.mark.django_db


def _definition(code: str) -> dict:
    instruments_installed()
    return InstrumentVersion.objects.get(instrument__code=code, version=1).definition


def _all(definition: dict, value_of) -> dict[str, int]:
    return {item["key"]: value_of(item) for item in definition["items"]}


def test_every_published_version_is_a_usable_definition():
    instruments_installed()
    for version in InstrumentVersion.objects.all():
        assert measures.definition_errors(version.definition) == [], version
        for rule in version.definition["safety"]:
            assert rule["kind"] in ClinicalAlert.Kind.values
    assert {v.instrument.code for v in InstrumentVersion.objects.all()} == {"phq-9", "gad-7", "bam"}


# Hand-scored: (answers by item, expected scores).
PHQ_9_EXAMPLES = [
    ({str(n): 0 for n in range(1, 10)}, {"total": 0}),
    ({str(n): 3 for n in range(1, 10)}, {"total": 27}),
    ({"1": 2, "2": 3, "3": 1, "4": 2, "5": 0, "6": 1, "7": 2, "8": 0, "9": 1}, {"total": 12}),
]
GAD_7_EXAMPLES = [
    ({str(n): 0 for n in range(1, 8)}, {"total": 0}),
    ({str(n): 3 for n in range(1, 8)}, {"total": 21}),
    ({"1": 1, "2": 2, "3": 2, "4": 1, "5": 0, "6": 3, "7": 1}, {"total": 10}),
]


def _bam(**answers: int) -> dict[str, int]:
    base = dict.fromkeys(["1", "2", "3", "4", "5", "6", *(f"7{c}" for c in "abcdefg")], 0)
    base |= {str(n): 0 for n in range(8, 18)}
    return base | {key.removeprefix("q"): value for key, value in answers.items()}


BAM_EXAMPLES = [
    (_bam(), {"use": 0, "risk": 0, "protective": 0}),
    (
        _bam(**{f"q{n}": 4 for n in range(1, 18) if n != 7}, q7a=4, q7b=4),
        {"use": 12, "risk": 24, "protective": 24},
    ),
    # Fair health 3, sleep 4-8 nights 2, upset 1-3 days 1, drank on 4-8 days 2, heavy 1-3 days 1,
    # no drugs, cravings moderate 2, confident considerably 3, meetings 9-15 days 3, risky 1-3 days
    # 1, spirituality slightly 1, work 16-30 days 4, income yes 4, family problems slightly 1,
    # support 16-30 days 4, satisfied moderately 2 (item 17, in no scale).
    (
        _bam(
            q1=3,
            q2=2,
            q3=1,
            q4=2,
            q5=1,
            q8=2,
            q9=3,
            q10=3,
            q11=1,
            q12=1,
            q13=4,
            q14=4,
            q15=1,
            q16=4,
            q17=2,
        ),
        {"use": 3, "risk": 10, "protective": 19},
    ),
]


@pytest.mark.parametrize(
    ("code", "answers", "expected"),
    [("phq-9", *example) for example in PHQ_9_EXAMPLES]
    + [("gad-7", *example) for example in GAD_7_EXAMPLES]
    + [("bam", *example) for example in BAM_EXAMPLES],
)
def test_scores_match_the_hand_scored_examples(code, answers, expected):
    definition = _definition(code)
    assert measures.answer_errors(definition, answers, complete=True) == []
    assert measures.score(definition, answers) == expected


@pytest.mark.parametrize(
    ("code", "scale", "edges"),
    [
        (
            "phq-9",
            "total",
            [(0, "Minimal"), (4, "Minimal"), (5, "Mild"), (9, "Mild"), (10, "Moderate"),
             (14, "Moderate"), (15, "Moderately severe"), (19, "Moderately severe"),
             (20, "Severe"), (27, "Severe")],
        ),
        (
            "gad-7",
            "total",
            [(0, "Minimal"), (4, "Minimal"), (5, "Mild"), (9, "Mild"), (10, "Moderate"),
             (14, "Moderate"), (15, "Severe"), (21, "Severe")],
        ),
        ("bam", "use", [(0, "No use"), (1, "Use"), (12, "Use")]),
        ("bam", "risk", [(0, "Lower risk"), (11, "Lower risk"), (12, "Elevated risk"), (24, "Elevated risk")]),
        ("bam", "protective", [(0, "Low protection"), (12, "Low protection"), (13, "Protected"), (24, "Protected")]),
    ],
)  # fmt: skip
def test_severity_bands_at_each_edge(code, scale, edges):
    by_key = {s.key: s for s in measures.scales(_definition(code))}
    for score, label in edges:
        assert by_key[scale].band(score).label == label, (code, score)


def test_the_maxima_are_the_published_ones():
    maxima = {
        (code, s.key): s.maximum
        for code in ("phq-9", "gad-7", "bam")
        for s in measures.scales(_definition(code))
    }
    assert maxima == {
        ("phq-9", "total"): 27,
        ("gad-7", "total"): 21,
        ("bam", "use"): 12,
        ("bam", "risk"): 24,
        ("bam", "protective"): 24,
    }


def test_any_answer_above_0_on_phq_9_item_9_is_a_safety_reason():
    definition = _definition("phq-9")
    calm = {str(n): 0 for n in range(1, 10)}
    assert measures.safety_findings(definition, calm) == []
    answers = {1: "Several days", 2: "More than half the days", 3: "Nearly every day"}
    for value, label in answers.items():
        assert measures.safety_findings(definition, calm | {"9": value}) == [
            measures.SafetyFinding(
                kind="self_harm_risk",
                reason="Thoughts of self-harm (PHQ-9 item 9)",
                item="9",
                answer=label,
            )
        ]
    assert measures.safety_findings(definition, calm | {"1": 3, "2": 3}) == []


def test_a_published_version_never_changes():
    instruments_installed()
    version = InstrumentVersion.objects.get(instrument__code="phq-9")
    version.source = "edited"
    with pytest.raises(InternalError), transaction.atomic():
        version.save()


def test_the_client_submits_once_and_the_check_in_is_scored_and_locked(alice):
    check_in = check_in_open(alice)
    checkin_progress_save(check_in=check_in, actor=alice.user, answers={"1": 2, "2": 1})
    submission = checkin_submit(
        check_in=check_in, actor=alice.user, answers={str(n): 1 for n in range(3, 10)} | {"9": 0}
    )
    check_in.refresh_from_db()
    assert check_in.scores == {"total": 2 + 1 + 6}
    assert check_in.completed_on == timezone.localdate()
    assert check_in.submitted_by == alice.user
    assert not check_in.on_paper
    assert submission.alerts == []

    with pytest.raises(ValidationError, match="already submitted"):
        checkin_submit(check_in=check_in, actor=alice.user, answers={"1": 0})
    with pytest.raises(ValidationError, match="already submitted"):
        checkin_progress_save(check_in=check_in, actor=alice.user, answers={"1": 0})
    check_in.refresh_from_db()
    assert check_in.answers["1"] == 2
    assert check_in.scores == {"total": 9}


def test_a_clinician_cannot_edit_a_submitted_check_in_not_even_with_sql(alice, clinician):
    check_in = check_in_open(alice)
    checkin_submit(check_in=check_in, actor=alice.user, answers={str(n): 0 for n in range(1, 10)})
    with pytest.raises(ValidationError, match="already submitted"):
        checkin_progress_save(check_in=check_in, actor=clinician, answers={"1": 3})
    with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE clients_checkin SET scores = '{}' WHERE id = %s", [check_in.pk])
    with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM clients_checkin WHERE id = %s", [check_in.pk])
    check_in.refresh_from_db()
    assert check_in.scores == {"total": 0}


def test_another_clients_check_in_is_refused_and_unchanged(alice, bob):
    check_in = check_in_open(alice)
    with pytest.raises(ValidationError, match="not yours"):
        checkin_submit(check_in=check_in, actor=bob.user, answers={str(n): 0 for n in range(1, 10)})
    check_in.refresh_from_db()
    assert not check_in.is_submitted
    assert check_in.answers == {}


@pytest.mark.parametrize(
    "answers",
    [{"1": 4}, {"1": -1}, {"10": 0}, {"1": "2"}, {"1": True}, {"1": None}],
    ids=["above", "below", "no such item", "text", "boolean", "none"],
)
def test_an_answer_out_of_range_is_refused_and_changes_nothing(alice, answers):
    check_in = check_in_open(alice)
    checkin_progress_save(check_in=check_in, actor=alice.user, answers={"2": 1})
    with pytest.raises(ValidationError) as refused:
        checkin_progress_save(check_in=check_in, actor=alice.user, answers=answers)
    assert "answers" in refused.value.error_dict
    with pytest.raises(ValidationError):
        checkin_submit(
            check_in=check_in, actor=alice.user, answers={str(n): 0 for n in range(2, 10)} | answers
        )
    check_in.refresh_from_db()
    assert check_in.answers == {"2": 1}
    assert not check_in.is_submitted


@given(value=st.one_of(st.integers(), st.text(max_size=3), st.floats(allow_nan=False)))
def test_hypothesis_no_out_of_range_answer_is_ever_kept(value):
    definition = {"items": [{"key": "1", "text": "q", "choices": [[0, "a"], [1, "b"]]}]}
    errors = measures.answer_errors(definition, {"1": value}, complete=True)
    assert (errors == []) == (type(value) is int and value in (0, 1))


def test_an_incomplete_submission_says_which_questions_are_open(alice):
    check_in = check_in_open(alice)
    with pytest.raises(ValidationError, match="still open: 8, 9"):
        checkin_submit(
            check_in=check_in, actor=alice.user, answers={str(n): 0 for n in range(1, 8)}
        )
    check_in.refresh_from_db()
    assert not check_in.is_submitted


def test_a_paper_form_is_entered_by_staff_and_marked(alice, clinician):
    instruments_installed()
    from clients.models import Instrument

    last_week = timezone.localdate() - timedelta(days=7)
    submission = checkin_paper_enter(
        client=alice,
        instrument=Instrument.objects.get(code="gad-7"),
        completed_on=last_week,
        answers={str(n): 2 for n in range(1, 8)},
        actor=clinician,
    )
    check_in = submission.check_in
    assert check_in.on_paper
    assert check_in.submitted_by == clinician
    assert check_in.completed_on == last_week
    assert check_in.scores == {"total": 14}
    assert check_in.occasion == CheckIn.Occasion.PAPER


def test_only_staff_enter_a_paper_form(alice):
    check_in = check_in_open(alice)
    with pytest.raises(ValidationError, match="Only staff"):
        checkin_submit(
            check_in=check_in,
            actor=alice.user,
            answers={str(n): 0 for n in range(1, 10)},
            on_paper=True,
        )


def test_the_job_opens_the_due_check_ins_once_whatever_how_often_it_runs(clinician):
    instruments_installed()
    today = timezone.localdate()
    admitted_today = ClientFactory(primary_clinician=clinician, admission_date=today)
    three_weeks_in = ClientFactory(
        primary_clinician=clinician, admission_date=today - timedelta(days=21)
    )
    referred = ClientFactory(primary_clinician=clinician, status="referred")
    assert MeasureSchedule.objects.filter(track=admitted_today.track).count() == 3

    opened = checkins_open_due()
    assert checkins_open_due() == 0  # twice: nothing more
    assert opened == CheckIn.objects.count()
    rows = set(CheckIn.objects.values_list("client_id", "instrument__code", "due_on", "occasion"))
    assert rows == {
        (admitted_today.pk, "bam", today, "admission"),
        (admitted_today.pk, "phq-9", today, "admission"),
        (admitted_today.pk, "gad-7", today, "admission"),
        # Three weeks in: BAM weekly (day 21), PHQ-9 and GAD-7 every two weeks (day 14); the
        # admission check-in three weeks late is no baseline and is not opened.
        (three_weeks_in.pk, "bam", today, "interval"),
        (three_weeks_in.pk, "phq-9", today - timedelta(days=7), "interval"),
        (three_weeks_in.pk, "gad-7", today - timedelta(days=7), "interval"),
    }
    assert not CheckIn.objects.filter(client=referred).exists()


def test_one_check_in_per_client_instrument_and_day(alice):
    check_in_open(alice)
    with pytest.raises(ValidationError):
        check_in_open(alice)
    assert CheckIn.objects.count() == 1


def test_the_beat_job_runs_the_service_in_process_twice_safely(alice):
    from clients.tasks import checkins_open_due as task

    instruments_installed()
    task()
    task()
    assert CheckIn.objects.filter(client=alice).count() >= 1
    assert CheckIn.objects.values("client", "instrument", "due_on").distinct().count() == (
        CheckIn.objects.count()
    )


def test_the_job_is_on_the_beat_and_run_job_lists_it():
    from io import StringIO

    from django.conf import settings
    from django.core.management import call_command

    assert settings.CELERY_BEAT_SCHEDULE["checkins-open-due"]["task"] == (
        "clients.tasks.checkins_open_due"
    )
    out = StringIO()
    call_command("run_job", "--list", stdout=out)
    assert "checkins-open-due" in out.getvalue()


def test_a_discharged_client_gets_the_discharge_check_ins_in_the_week_after(clinician):
    from clients.services.discharge import client_discharge

    instruments_installed()
    today = timezone.localdate()
    leaving = ClientFactory(primary_clinician=clinician, admission_date=today - timedelta(days=30))
    client_discharge(
        client=leaving,
        actor=clinician,
        discharge_date=today - timedelta(days=1),
        reason="completed",
        summary="Completed the program.",
    )
    checkins_open_due()
    assert set(
        CheckIn.objects.filter(client=leaving).values_list("instrument__code", "occasion")
    ) == {("phq-9", "discharge"), ("gad-7", "discharge"), ("bam", "discharge")}


def test_a_definition_with_gaps_in_its_bands_or_an_unknown_item_is_refused():
    good = _definition("gad-7")
    gap = {**good, "scales": [{**good["scales"][0], "bands": [[0, 4, "a"], [6, 21, "b"]]}]}
    short = {**good, "scales": [{**good["scales"][0], "bands": [[0, 20, "a"]]}]}
    unknown = {**good, "scales": [{**good["scales"][0], "items": ["1", "99"]}]}
    no_kind = {**good, "safety": [{"item": "1", "above": 0, "reason": "x"}]}
    assert measures.definition_errors(gap) == ["Scale total: bands must follow each other from 0."]
    assert measures.definition_errors(short) == ["Scale total: bands must end at its maximum 21."]
    assert measures.definition_errors(unknown) == ["Scale total names an unknown item."]
    assert measures.definition_errors(no_kind) == [
        "Safety rule on item 1 needs a known item and an alert kind."
    ]


def test_a_clients_own_open_check_ins_follow_the_clinic_wide_rule_for_each_status(clinician):
    today = timezone.localdate()
    long_due = today - timedelta(days=10)
    staying = ClientFactory(primary_clinician=clinician)
    leaving = ClientFactory(primary_clinician=clinician)
    waiting = ClientFactory(primary_clinician=clinician, status=Client.Status.INTAKE)
    for client in (staying, leaving, waiting):
        check_in_open(client, "phq-9", due_on=long_due)
    leaving_discharge = check_in_open(leaving, "gad-7", due_on=long_due)
    CheckIn.objects.filter(pk=leaving_discharge.pk).update(occasion=CheckIn.Occasion.DISCHARGE)
    # `status` set directly: only which check-ins count is under test, not a discharge.
    Client.objects.filter(pk=leaving.pk).update(status=Client.Status.DISCHARGED)
    leaving.refresh_from_db()

    own = {
        client: {c.pk for c in checkin_due_list(client=client)}
        for client in (staying, leaving, waiting)
    }
    assert own[leaving] == {leaving_discharge.pk}
    assert len(own[staying]) == 1
    assert own[waiting] == set()
    clinic_wide = {c.pk for c in checkin_overdue_list(clinician=clinician)}
    assert clinic_wide == own[staying] | own[leaving] | own[waiting]
