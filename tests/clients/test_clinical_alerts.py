"""Clinical alerts: opened by the service that records their source, in its transaction; shown in
red on top of Today and the chart; followed up once by a clinician within reach."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, ClinicalAlert, Discharge
from clients.selectors import clinical_alert_list
from clients.services.alerts import clinical_alert_follow_up, clinical_alert_open
from iop.models import ChartRead
from tests.factories import ClientFactory, ConsentFactory

SELF_HARM = ClinicalAlert.Kind.SELF_HARM_RISK
POSITIVE = ClinicalAlert.Kind.UNEXPECTED_POSITIVE_SCREEN
FOLLOW_UP = "Called her the same afternoon, safety plan reviewed, no intent or plan."


def open_alert(client, kind=SELF_HARM, detail="PHQ-9 item 9 answered 1 (several days)"):
    """An alert raised by a row of the client's record (any saved row stands for a source)."""
    return clinical_alert_open(
        client=client, kind=kind, detail=detail, source=ConsentFactory(client=client)
    )


# --- Opening -----------------------------------------------------------------------------------


def test_thoughts_of_self_harm_are_urgent_and_a_positive_screen_is_not(alice):
    assert open_alert(alice, SELF_HARM).urgent
    assert not open_alert(alice, POSITIVE, "Positive: cocaine (collected Nov 20)").urgent


def test_opening_twice_for_the_same_source_returns_the_alert_already_open(alice):
    source = ConsentFactory(client=alice)
    first = clinical_alert_open(client=alice, kind=SELF_HARM, detail="PHQ-9 item 9", source=source)
    again = clinical_alert_open(client=alice, kind=SELF_HARM, detail="PHQ-9 item 9", source=source)
    assert again == first
    assert ClinicalAlert.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        ClinicalAlert.objects.create(
            client=alice,
            kind=SELF_HARM,
            detail="again",
            source_type=first.source_type,
            source_id=first.source_id,
        )


def test_an_alert_opened_inside_a_service_that_fails_is_not_kept(alice):
    @transaction.atomic
    def a_check_in_refused_after_opening_its_alert():
        open_alert(alice)
        raise ValidationError("the check-in was refused after all")

    with pytest.raises(ValidationError):
        a_check_in_refused_after_opening_its_alert()
    assert not ClinicalAlert.objects.exists()


def test_an_alert_without_detail_is_refused(alice):
    with pytest.raises(ValidationError) as refused:
        open_alert(alice, detail="   ")
    assert "detail" in refused.value.message_dict


# --- Following up ------------------------------------------------------------------------------


def test_the_primary_clinician_documents_the_follow_up_once(alice, clinician):
    alert = open_alert(alice)
    clinical_alert_follow_up(alert=alert, actor=clinician, note=f"  {FOLLOW_UP}  ")
    alert.refresh_from_db()
    assert (alert.follow_up_note, alert.followed_up_by) == (FOLLOW_UP, clinician)
    assert alert.followed_up_at >= alert.opened_at
    assert not alert.is_open
    with pytest.raises(ValidationError, match="already followed up by"):
        clinical_alert_follow_up(alert=alert, actor=clinician, note=FOLLOW_UP)


@pytest.mark.parametrize("note", ["", "ok", "called, all fine"])
def test_a_follow_up_of_fewer_than_four_words_is_refused(alice, clinician, note):
    alert = open_alert(alice)
    with pytest.raises(ValidationError) as refused:
        clinical_alert_follow_up(alert=alert, actor=clinician, note=note)
    assert "note" in refused.value.message_dict
    alert.refresh_from_db()
    assert alert.is_open


def test_only_a_clinician_within_reach_follows_up(alice, admin, second_clinician):
    alert = open_alert(alice)
    for outsider in (admin, second_clinician):
        with pytest.raises(ValidationError, match="Only a clinician caring for this client"):
            clinical_alert_follow_up(alert=alert, actor=outsider, note=FOLLOW_UP)
    alert.refresh_from_db()
    assert alert.is_open


def test_the_database_keeps_alerts_and_their_follow_ups(alice, clinician):
    alert = open_alert(alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClinicalAlert.objects.filter(pk=alert.pk).update(follow_up_note="half a follow-up")
    with pytest.raises(InternalError, match="clinical_alert_facts_fixed"), transaction.atomic():
        ClinicalAlert.objects.filter(pk=alert.pk).update(detail="something milder")
    clinical_alert_follow_up(alert=alert, actor=clinician, note=FOLLOW_UP)
    with (
        pytest.raises(InternalError, match="clinical_alert_final_once_followed_up"),
        transaction.atomic(),
    ):
        ClinicalAlert.objects.filter(pk=alert.pk).update(follow_up_note="rewritten later")
    with pytest.raises(InternalError, match="clinical_alert_never_deleted"), transaction.atomic():
        ClinicalAlert.objects.filter(pk=alert.pk).delete()
    assert ClinicalAlert.objects.get().follow_up_note == FOLLOW_UP


# --- Who sees what -----------------------------------------------------------------------------


def test_clinicians_see_the_alerts_of_clients_within_their_reach_and_admins_all(
    alice, clinician, second_clinician, admin
):
    mine = open_alert(alice)
    theirs = open_alert(ClientFactory(primary_clinician=second_clinician))
    assert list(clinical_alert_list(user=clinician)) == [mine]
    assert list(clinical_alert_list(user=second_clinician)) == [theirs]
    assert set(clinical_alert_list(user=admin)) == {mine, theirs}
    assert not clinical_alert_list(user=alice.user).exclude(client=alice).exists()


def test_open_only_leaves_out_what_was_followed_up_and_urgent_comes_first(alice, clinician):
    positive = open_alert(alice, POSITIVE, "Positive: cocaine")
    self_harm = open_alert(alice, SELF_HARM)
    followed = open_alert(alice, POSITIVE, "Positive: alcohol")
    clinical_alert_follow_up(alert=followed, actor=clinician, note=FOLLOW_UP)
    assert list(clinical_alert_list(user=clinician, open_only=True)) == [self_harm, positive]
    assert list(clinical_alert_list(client=alice)) == [self_harm, positive, followed]


# --- Pages -------------------------------------------------------------------------------------


def test_today_shows_open_alerts_first_in_red_with_the_follow_up(client, alice, clinician):
    alert = open_alert(alice)
    client.force_login(clinician)
    page = client.get(reverse("scheduling:today")).content.decode()
    box = page.index('class="alert alert-danger')
    assert box < page.index("<table")
    follow_up = reverse("clients:alert-follow-up", args=[alice.pk, alert.pk])
    for shown in ("Thoughts of self-harm reported", "Urgent", alice.display_name, alert.detail):
        assert shown in page[box:]
    assert f'href="{follow_up}"' in page


def test_the_chart_shows_the_open_alerts_on_top(client, alice, clinician, admin):
    alert = open_alert(alice, POSITIVE, "Positive: cocaine (collected Nov 20)")
    follow_up = reverse("clients:alert-follow-up", args=[alice.pk, alert.pk])
    client.force_login(clinician)
    page = client.get(reverse("clients:chart", args=[alice.pk])).content.decode()
    assert page.index("Unexpected positive drug screen") < page.index(f"MRN {alice.mrn}")
    assert follow_up in page
    client.force_login(admin)
    page = client.get(reverse("clients:chart", args=[alice.pk])).content.decode()
    assert "Positive: cocaine" in page
    assert follow_up not in page
    assert "A clinician documents the follow-up." in page


def test_documenting_the_follow_up_clears_it_from_today(client, alice, clinician):
    alert = open_alert(alice)
    url = reverse("clients:alert-follow-up", args=[alice.pk, alert.pk])
    client.force_login(clinician)
    assert client.get(url).status_code == 200
    assert ChartRead.objects.filter(
        user=clinician, client_ids__contains=[alice.pk], path=url
    ).exists()

    response = client.post(url, {"note": FOLLOW_UP})

    assert response.status_code == 302
    assert response.url == reverse("clients:chart", args=[alice.pk])
    alert.refresh_from_db()
    assert (alert.follow_up_note, alert.followed_up_by) == (FOLLOW_UP, clinician)
    assert "Thoughts of self-harm" not in client.get(reverse("scheduling:today")).content.decode()
    shown = client.get(url).content.decode()
    assert FOLLOW_UP in shown
    assert "<textarea" not in shown


def test_a_short_follow_up_is_refused_on_the_form_and_changes_nothing(client, alice, clinician):
    alert = open_alert(alice)
    client.force_login(clinician)
    response = client.post(
        reverse("clients:alert-follow-up", args=[alice.pk, alert.pk]), {"note": "fine"}
    )
    assert response.status_code == 200
    assert "at least 4 words" in response.content.decode()
    alert.refresh_from_db()
    assert alert.is_open


def test_another_clients_alert_is_not_found_under_alices_chart(client, alice, bob, clinician):
    bobs = open_alert(bob)
    client.force_login(clinician)
    response = client.get(reverse("clients:alert-follow-up", args=[alice.pk, bobs.pk]))
    assert response.status_code == 404


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["today", "chart"])
def test_pages_with_alerts_take_the_same_queries_for_one_or_many(client, alice, clinician, page):
    url = reverse(
        "scheduling:today" if page == "today" else "clients:chart",
        args=[] if page == "today" else [alice.pk],
    )
    client.force_login(clinician)
    open_alert(alice)
    one = _queries(client, url)
    for other in [ClientFactory(primary_clinician=clinician) for _ in range(3)] + [alice] * 3:
        open_alert(other, POSITIVE, "Positive: cocaine")
    assert _queries(client, url) == one


# --- Discharge ---------------------------------------------------------------------------------


def test_a_discharge_leaves_open_alerts_open_and_says_so(client, alice, clinician):
    alert = open_alert(alice)
    client.force_login(clinician)
    data = {
        "discharge_date": timezone.localdate().isoformat(),
        "reason": Discharge.Reason.AGAINST_ADVICE,
        "summary": "Stopped attending; outreach declined.",
    }
    confirm = client.post(reverse("clients:discharge", args=[alice.pk]), data).content.decode()
    assert "Open clinical alerts (1) stay open until a clinician documents" in confirm
    client.post(reverse("clients:discharge", args=[alice.pk]), {**data, "confirm": "yes"})
    alice.refresh_from_db()
    assert alice.status == Client.Status.DISCHARGED
    alert.refresh_from_db()
    assert alert.is_open
    assert alice.display_name in client.get(reverse("scheduling:today")).content.decode()
    clinical_alert_follow_up(alert=alert, actor=clinician, note=FOLLOW_UP)
