"""Minimum necessary: which clients a clinician reaches (Client.objects.within_reach_of), that
lists and search show only those, and break-the-glass for anyone else."""

import threading
import time as time_module
from datetime import time, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import InternalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients import views as client_views
from clients.models import Client, EmergencyAccess
from clients.services.emergency_access import emergency_access_digest_send, emergency_access_open
from clients.tasks import emergency_access_digest
from groups.services import enrollment_void
from iop.clock import local_datetime
from iop.models import ChartRead, Role
from scheduling.models import Session
from scheduling.services.attendance import drop_in_add
from scheduling.services.sessions import session_cancel
from tests.factories import (
    ClientFactory,
    EnrollmentFactory,
    GroupFactory,
    IndividualSessionFactory,
    SessionFactory,
    UserFactory,
)

REASON = "Covering the crisis line, client called in distress"


@pytest.fixture
def stranger(db):
    """A clinician with no relation to Alice."""
    return UserFactory(username="stranger", role=Role.CLINICIAN)


def reaches(user, client):
    """Whether the rule reaches the client, asked of the whole clinic (as lists ask it) and of the
    client alone (as a chart asks it): the two must agree."""
    of_everyone = Client.objects.within_reach_of(user).filter(pk=client.pk).exists()
    of_the_client = Client.objects.within_reach_of(user, among=[client.pk]).exists()
    assert of_everyone == of_the_client
    return of_everyone


def individual_session(client, clinician, days_from_today, **fields):
    starts_at = local_datetime(timezone.localdate() + timedelta(days=days_from_today), time(10))
    return IndividualSessionFactory(
        client=client, clinician=clinician, starts_at=starts_at, **fields
    )


def test_admins_reach_everyone_a_client_only_themselves(admin, alice, bob):
    assert reaches(admin, alice)
    assert reaches(admin, bob)
    assert reaches(alice.user, alice)
    assert not reaches(alice.user, bob)


def test_a_clinician_reaches_their_caseload_and_no_one_else(clinician, stranger, alice):
    assert reaches(clinician, alice)
    assert not reaches(stranger, alice)


def test_facilitating_a_group_reaches_its_members_while_enrolled(stranger, alice, admin):
    enrollment = EnrollmentFactory(group=GroupFactory(facilitators=[stranger]), client=alice)
    assert reaches(stranger, alice)
    enrollment_void(enrollment=enrollment, actor=admin, reason="Enrolled in the wrong group")
    assert not reaches(stranger, alice)


def test_an_enrollment_that_ended_no_longer_reaches(stranger, alice):
    EnrollmentFactory(
        group=GroupFactory(facilitators=[stranger]),
        client=alice,
        end_date=timezone.localdate() - timedelta(days=1),
    )
    assert not reaches(stranger, alice)


@pytest.mark.parametrize("days_from_today", [7, 0, -1])
def test_a_session_booked_or_held_in_this_episode_reaches_the_client(
    stranger, alice, days_from_today
):
    individual_session(alice, stranger, days_from_today)
    assert reaches(stranger, alice)


def test_a_session_reaches_its_client_beside_the_caseload_it_overlaps(stranger, alice):
    """The caseload and the sessions reach clients together: a caseload client on a session is
    listed once, a client only on a session is listed too."""
    mine = ClientFactory(primary_clinician=stranger)
    individual_session(mine, stranger, 1)
    individual_session(alice, stranger, 1)
    assert list(Client.objects.within_reach_of(stranger).order_by("pk")) == [alice, mine]
    assert reaches(stranger, mine)
    assert reaches(stranger, alice)


def test_a_session_before_the_admission_or_cancelled_does_not_reach(stranger, alice):
    days_before_admission = (alice.admission_date - timezone.localdate()).days - 3
    individual_session(alice, stranger, days_before_admission)
    individual_session(alice, stranger, 7, status=Session.Status.CANCELLED, cancel_reason="Sick")
    assert not reaches(stranger, alice)


def test_a_session_cancelled_moved_to_another_clinician_or_removed_stops_reaching(
    stranger, alice, clinician
):
    cancelled, reassigned, removed = (
        individual_session(alice, stranger, days) for days in (1, 2, 3)
    )
    session_cancel(session=cancelled, reason="Clinician sick")
    Session.objects.filter(pk=reassigned.pk).update(clinician=clinician)
    assert reaches(stranger, alice)
    Session.objects.filter(pk=removed.pk).delete()
    assert not reaches(stranger, alice)


@pytest.mark.django_db(transaction=True)
def test_two_sessions_cancelled_at_once_leave_no_reach(stranger, alice):
    first, second = (individual_session(alice, stranger, days) for days in (1, 2))
    first_cancelled = threading.Event()

    def cancel_first():
        try:
            with transaction.atomic():
                session_cancel(session=first, reason="Clinician sick")
                first_cancelled.set()
                time_module.sleep(0.5)  # the second cancel runs before this one commits
        finally:
            connection.close()

    thread = threading.Thread(target=cancel_first)
    thread.start()
    assert first_cancelled.wait(timeout=10)
    session_cancel(session=second, reason="Client asked to stop")
    thread.join()
    assert not reaches(stranger, alice)


def test_a_session_moved_before_the_admission_stops_reaching(stranger, alice):
    session = individual_session(alice, stranger, 1)
    Session.objects.filter(pk=session.pk).update(
        starts_at=local_datetime(alice.admission_date - timedelta(days=2), time(10))
    )
    assert not reaches(stranger, alice)


def test_a_drop_in_reaches_the_clinician_of_the_session(stranger, alice):
    group = GroupFactory(facilitators=[stranger])
    session = SessionFactory(group=group, starts_at=local_datetime(timezone.localdate(), time(9)))
    drop_in_add(session=session, client=alice, actor=stranger)
    assert reaches(stranger, alice)


def test_a_voided_enrollment_takes_its_groups_sessions_out_of_reach(stranger, alice, admin):
    group = GroupFactory()
    enrollment = EnrollmentFactory(group=group, client=alice)
    SessionFactory(group=group, clinician=stranger)
    assert reaches(stranger, alice)
    enrollment_void(enrollment=enrollment, actor=admin, reason="Enrolled in the wrong group")
    assert not reaches(stranger, alice)


def test_the_client_list_and_its_search_show_only_the_clients_within_reach(
    client, stranger, alice, bob
):
    mine = ClientFactory(primary_clinician=stranger, legal_last_name="Anders")
    client.force_login(stranger)
    listed = client.get(reverse("clients:list")).context["page"].object_list
    assert list(listed) == [mine]
    found = client.get(reverse("clients:list"), {"q": "Anders"}).context["page"].object_list
    assert list(found) == [mine]


def test_a_clinicians_list_is_counted_with_its_first_page_and_pages_on(
    client, stranger, alice, monkeypatch
):
    """The reach rule is asked once for the first page and its count (`StatementPaginator`);
    later pages, past the end or unreadable page numbers page as any list does."""
    mine = [
        ClientFactory(primary_clinician=stranger, legal_last_name=name)
        for name in ("Carter", "Abbott", "Baker")
    ]
    monkeypatch.setattr(client_views, "PAGE_SIZE", 2)
    client.force_login(stranger)
    url = reverse("clients:list")

    with CaptureQueriesContext(connection) as queries:
        first = client.get(url).context["page"]
    # Read now: the next request starts a new log.
    statements = [query["sql"] for query in queries.captured_queries]
    second = client.get(url, {"page": 2}).context["page"]
    past_the_end = client.get(url, {"page": 9}).context["page"]
    unreadable = client.get(url, {"page": "two"}).context["page"]

    by_name = sorted(mine, key=lambda c: c.legal_last_name)
    assert (list(first), first.paginator.count, first.paginator.num_pages) == (by_name[:2], 3, 2)
    assert not any('"__count"' in sql for sql in statements)  # no separate COUNT query
    assert (second.number, list(second)) == (2, by_name[2:])
    assert (past_the_end.number, list(past_the_end)) == (2, by_name[2:])
    assert (unreadable.number, list(unreadable)) == (1, by_name[:2])


def test_the_reach_rule_reads_a_caseload_from_its_index_alone(stranger, alice):
    """A clinician's list reads their caseload as ids twice (its first way, and the reach rows it
    leaves out): both from `client_caseload` alone, not a read of the table per client. Scans
    of the whole table are ruled out, as the planner takes them for a test's few rows."""
    ClientFactory(primary_clinician=stranger)
    sql, params = Client.objects.within_reach_of(stranger).query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert plan.count("Index Only Scan using client_caseload on clients_client") == 2, plan


def test_a_clinician_with_no_client_in_reach_gets_an_empty_first_page(client, stranger, alice):
    client.force_login(stranger)
    page = client.get(reverse("clients:list")).context["page"]
    assert (list(page), page.paginator.count, page.paginator.num_pages) == ([], 0, 1)


def test_a_session_is_booked_only_with_a_client_within_reach(client, stranger, alice):
    mine = ClientFactory(primary_clinician=stranger)
    client.force_login(stranger)
    choices = client.get(reverse("scheduling:session-new")).context["form"].fields["client"]
    assert list(choices.queryset) == [mine]


def test_emergency_access_opens_for_the_set_hours_then_closes(stranger, alice, settings):
    settings.EMERGENCY_ACCESS_HOURS = 2
    grant = emergency_access_open(actor=stranger, client=alice, reason=f"  {REASON}\n")
    assert grant.reason == REASON
    assert grant.ends_at - grant.started_at == timedelta(hours=2)
    assert reaches(stranger, alice)
    with time_machine.travel(grant.ends_at, tick=False):
        assert not reaches(stranger, alice)


def test_a_grant_lasts_four_hours_by_default(stranger, alice):
    grant = emergency_access_open(actor=stranger, client=alice, reason=REASON)
    assert grant.ends_at - grant.started_at == timedelta(hours=4)


@pytest.mark.parametrize("change", ["update", "delete"])
def test_a_grant_is_never_changed_or_removed(stranger, alice, change):
    grant = emergency_access_open(actor=stranger, client=alice, reason=REASON)
    grants = EmergencyAccess.objects.filter(pk=grant.pk)
    with pytest.raises(InternalError), transaction.atomic():
        grants.update(reason="nothing to see") if change == "update" else grants.delete()


@pytest.mark.parametrize("reason", ["", "emergency", "needed it now"])
def test_emergency_access_needs_a_reason_of_a_few_words(stranger, alice, reason):
    with pytest.raises(ValidationError, match="at least 4 words"):
        emergency_access_open(actor=stranger, client=alice, reason=reason)
    assert not EmergencyAccess.objects.exists()


def test_emergency_access_is_for_clients_outside_reach_and_for_clinicians(admin, clinician, alice):
    with pytest.raises(ValidationError, match="already"):
        emergency_access_open(actor=clinician, client=alice, reason=REASON)
    with pytest.raises(ValidationError, match="Only clinicians"):
        emergency_access_open(actor=admin, client=alice, reason=REASON)
    assert not EmergencyAccess.objects.exists()


def test_the_page_says_every_use_is_reviewed(client, stranger):
    client.force_login(stranger)
    assert (
        "Every use is reviewed." in client.get(reverse("clients:emergency-access")).content.decode()
    )


def test_by_exact_name_the_grant_opens_the_chart(client, stranger, alice):
    client.force_login(stranger)
    response = client.post(
        reverse("clients:emergency-access"),
        {"legal_first_name": "alice", "legal_last_name": "ANDERS", "reason": REASON},
    )
    assert response.url == reverse("clients:chart", args=[alice.pk])
    assert EmergencyAccess.objects.get().client == alice


def test_no_match_and_several_matches_answer_alike_and_open_nothing(client, stranger, alice):
    ClientFactory(legal_first_name="Sam", legal_last_name="Lee")
    ClientFactory(legal_first_name="Sam", legal_last_name="Lee")
    client.force_login(stranger)
    url = reverse("clients:emergency-access")
    answers = [
        client.post(url, {**name, "reason": REASON}).content.decode()
        for name in (
            {"legal_first_name": "Sam", "legal_last_name": "Lee"},
            {"legal_first_name": "Nobody", "legal_last_name": "Here"},
            {"mrn": "M999999"},
        )
    ]
    assert all("No single client matches" in answer for answer in answers)
    assert not EmergencyAccess.objects.exists()
    assert not ChartRead.objects.exists()


def test_the_admins_dashboard_card_lists_the_weeks_grants_with_reasons(
    client, admin, stranger, alice
):
    emergency_access_open(actor=stranger, client=alice, reason=REASON)
    client.force_login(admin)
    page = client.get(reverse("clients:emergency-access-review")).content.decode()
    assert REASON in page
    assert alice.mrn in page
    assert str(stranger) in page


def test_the_weekly_digest_mails_the_admins_counts_and_a_link_only(admin, stranger, alice, bob):
    admin.email = "admin@example.org"
    admin.save()
    emergency_access_open(actor=stranger, client=alice, reason=REASON)
    emergency_access_open(actor=stranger, client=bob, reason=REASON)

    emergency_access_digest()

    (message,) = mail.outbox
    assert message.to == ["admin@example.org"]
    assert "2 emergency access grants were opened by 1 clinician for 2 clients" in message.body
    assert reverse("iop:dashboard") in message.body
    for phi in (REASON, alice.legal_last_name, alice.mrn, bob.legal_last_name, str(stranger)):
        assert phi not in message.body + message.subject


def test_the_digest_counts_only_the_past_week(admin, stranger, alice):
    admin.email = "admin@example.org"
    admin.save()
    emergency_access_open(actor=stranger, client=alice, reason=REASON)
    assert emergency_access_digest_send(now=timezone.now() + timedelta(days=8)) == 0


def test_the_digest_runs_weekly_on_the_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["emergency-access-digest"]
    assert entry["task"] == "clients.tasks.emergency_access_digest"
    assert entry["schedule"].day_of_week == {1}
