"""Walk every URL pattern for every persona. A new URL fails here until it is listed in ACCESS
(and, if it takes arguments, in URL_KWARGS): no URL is left out of the access check."""

from datetime import date, time, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from clients.models import ClinicalAlert, EmergencyAccess
from clients.services.alerts import clinical_alert_open
from iop.clock import local_datetime
from iop.models import ChartRead, Role
from scheduling.models import ComplianceAlert, SessionType
from scheduling.services.closures import clinic_closure_create
from scheduling.services.feeds import calendar_feed_create
from scheduling.services.sessions import session_schedule
from tests import factories
from tests.factories import ConsentFactory, EnrollmentFactory, SessionFactory, TreatmentPlanFactory

ANONYMOUS, CLIENT, CLINICIAN, ADMIN = "anonymous", "client", "clinician", "admin"
# A clinician with no relation to Alice: the clinician's pages open, Alice's data does not.
UNRELATED = "unrelated clinician"
PUBLIC = {ANONYMOUS, CLIENT, CLINICIAN, ADMIN}
LOGGED_IN = {CLIENT, CLINICIAN, ADMIN}
STAFF = {CLINICIAN, ADMIN}

# URL name -> the personas who may open it. Everyone else: anonymous is sent to log in, a logged-in
# persona gets 403 (wrong role) or 404 (an object they may not see).
ACCESS: dict[str, set[str]] = {
    "home": LOGGED_IN,
    "healthz": PUBLIC,
    "favicon": PUBLIC,
    "login": PUBLIC,
    "logout": PUBLIC,
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC,
    "password_reset_confirm": PUBLIC,
    "password_reset_complete": PUBLIC,
    "password_change": LOGGED_IN,
    "password_change_done": LOGGED_IN,
    "admin:index": set(),  # the superuser's only: tests/iop/test_second_factor.py
    "second-factor-verify": STAFF,
    "second-factor-enrol": STAFF,
    "recovery-codes-create": STAFF,
    "iop:dashboard": {ADMIN},
    "iop:audit-log": {ADMIN},
    "iop:audit-read-clients": {ADMIN},
    "iop:staff": {ADMIN},
    "iop:staff-set-active": {ADMIN},
    "clients:caseload": STAFF,
    "clients:tracks": {ADMIN},
    "clients:track-create": {ADMIN},
    "clients:track-edit": {ADMIN},
    "clients:payers": {ADMIN},
    "clients:payer-create": {ADMIN},
    "clients:payer-edit": {ADMIN},
    "clients:portal": {CLIENT},
    "clients:chart": STAFF,
    "clients:list": STAFF,
    "clients:create": STAFF,
    "clients:edit": STAFF,
    "clients:intake": STAFF,
    "clients:level-of-care": STAFF,
    "clients:consent-create": STAFF,
    "clients:authorization-create": STAFF,
    "clients:authorization-end": STAFF,
    "clients:authorization-void": STAFF,
    "clients:consent-revoke": STAFF,
    "clients:disclose": STAFF,
    "clients:access-report": {ADMIN},
    "clients:access-report-csv": {ADMIN},
    "clients:disclosure-accounting": {ADMIN},
    "clients:disclosure-accounting-csv": {ADMIN},
    "clients:plan-create": STAFF,
    "clients:plan": STAFF,
    "clients:plan-activate": STAFF,
    "clients:plan-review": STAFF,
    "clients:plan-revise": STAFF,
    "clients:plan-changes": STAFF,
    "clients:plan-part-edit": STAFF,
    "clients:plan-part-remove": STAFF,
    "clients:discharge": STAFF,
    "clients:alert-follow-up": {CLINICIAN},
    "clients:drug-screen-record": STAFF,
    "clients:drug-screen-void": {CLINICIAN},
    "clients:my-plan": {CLIENT},
    "clients:my-disclosures": {CLIENT},
    "clients:my-checkin": {CLIENT},
    "clients:my-checkin-save": {CLIENT},
    "clients:chart-measures": STAFF,
    "clients:checkin": STAFF,
    "clients:checkin-paper": STAFF,
    "clients:emergency-access": {CLINICIAN},
    "clients:emergency-access-review": {ADMIN},
    "clients:outcomes": {ADMIN},
    "clients:outcomes-export": {ADMIN},
    "clients:outcomes-summary": {ADMIN},
    "clients:census": {ADMIN},
    "groups:near-capacity": {ADMIN},
    "scheduling:home-hours": {ADMIN},
    "scheduling:home-overdue": {ADMIN},
    "scheduling:reports": STAFF,
    "scheduling:report": STAFF,
    "scheduling:report-export": STAFF,
    "groups:list": {ADMIN},
    "groups:create": {ADMIN},
    "groups:edit": {ADMIN},
    "groups:roster": {ADMIN},
    "groups:rooms": {ADMIN},
    "groups:room-create": {ADMIN},
    "groups:room-edit": {ADMIN},
    "groups:enrollment-end": {ADMIN},
    "groups:enrollment-void": {ADMIN},
    "scheduling:my-schedule": {CLIENT},
    "scheduling:client-activity": STAFF,
    "scheduling:client-authorizations": STAFF,
    "scheduling:authorizations-review": STAFF,
    "scheduling:utilization-reviews": STAFF,
    "scheduling:authorizations-export": STAFF,
    "scheduling:clinician-week": STAFF,
    "scheduling:clinic-day": {ADMIN},
    "scheduling:closures": {ADMIN},
    "scheduling:closure-withdraw": {ADMIN},
    "scheduling:session-new": STAFF,
    "scheduling:session-cancel": STAFF,
    "scheduling:session-reschedule": STAFF,
    "scheduling:series-move": STAFF,
    "scheduling:series-cancel": STAFF,
    "scheduling:feed-settings": {CLIENT, CLINICIAN},
    "scheduling:feed": PUBLIC,  # the unguessable token is the credential
    "scheduling:today": {CLINICIAN},
    "scheduling:caseload-hours": {CLINICIAN},
    "scheduling:overdue": STAFF,
    "scheduling:session-detail": STAFF,
    "scheduling:session-summary": {CLINICIAN},
    "scheduling:session-drop-in": {CLINICIAN},
    "scheduling:note": STAFF,
    "scheduling:note-addendum": {CLINICIAN},
    "scheduling:client-hours": STAFF,
    "scheduling:my-hours": {CLIENT},
    "scheduling:reminder-preferences": {CLIENT},
    "scheduling:reminder-settings": {ADMIN},
    "scheduling:reminder-health": {ADMIN},
    "scheduling:compliance-report": {ADMIN},
    "scheduling:compliance-export": {ADMIN},
    "scheduling:alerts": STAFF,
    "scheduling:alert-resolve": STAFF,
}

# URL name -> the arguments to open it with, from the world of named people below.
URL_KWARGS = {
    "scheduling:client-activity": lambda world: {"pk": world.alice.pk},
    "scheduling:client-authorizations": lambda world: {"pk": world.alice.pk},
    "clients:authorization-create": lambda world: {"pk": world.alice.pk},
    "clients:authorization-end": lambda world: {
        "pk": world.alice.pk,
        "authorization_pk": world.authorization.pk,
    },
    "clients:authorization-void": lambda world: {
        "pk": world.alice.pk,
        "authorization_pk": world.authorization.pk,
    },
    "clients:payer-edit": lambda world: {"pk": world.authorization.payer_id},
    "password_reset_confirm": lambda world: {"uidb64": "MQ", "token": "set-password"},
    "clients:chart": lambda world: {"pk": world.alice.pk},
    "iop:staff-set-active": lambda world: {"pk": world.clinician.pk},
    "iop:audit-read-clients": lambda world: {
        "pk": ChartRead.objects.create(
            user=world.clinician, client_ids=[world.alice.pk], path="/", what="chart"
        ).pk
    },
    "clients:edit": lambda world: {"pk": world.alice.pk},
    "clients:intake": lambda world: {"pk": world.alice.pk, "step": "referral"},
    "clients:level-of-care": lambda world: {"pk": world.alice.pk},
    "clients:consent-create": lambda world: {"pk": world.alice.pk},
    "clients:consent-revoke": lambda world: {"pk": world.alice.pk, "consent_pk": world.consent.pk},
    "clients:disclose": lambda world: {"pk": world.alice.pk},
    "clients:access-report": lambda world: {"pk": world.alice.pk},
    "clients:access-report-csv": lambda world: {"pk": world.alice.pk},
    "clients:disclosure-accounting": lambda world: {"pk": world.alice.pk},
    "clients:disclosure-accounting-csv": lambda world: {"pk": world.alice.pk},
    "clients:plan-create": lambda world: {"pk": world.alice.pk},
    "clients:plan": lambda world: {"pk": world.alice.pk, "plan_pk": world.plan.pk},
    "clients:plan-activate": lambda world: {"pk": world.alice.pk, "plan_pk": world.plan.pk},
    "clients:plan-review": lambda world: {"pk": world.alice.pk, "plan_pk": world.plan.pk},
    "clients:plan-revise": lambda world: {"pk": world.alice.pk, "plan_pk": world.plan.pk},
    "clients:plan-changes": lambda world: {"pk": world.alice.pk, "plan_pk": world.plan.pk},
    "clients:plan-part-edit": lambda world: plan_part_kwargs(world),
    "clients:plan-part-remove": lambda world: plan_part_kwargs(world),
    "clients:discharge": lambda world: {"pk": world.alice.pk},
    "clients:drug-screen-record": lambda world: {"pk": world.alice.pk},
    "clients:drug-screen-void": lambda world: {"pk": world.alice.pk, "screen_pk": world.screen.pk},
    "clients:alert-follow-up": lambda world: {
        "pk": world.alice.pk,
        "alert_pk": world.alice_clinical_alert.pk,
    },
    "clients:my-plan": lambda world: {"plan_pk": world.plan.pk},
    "clients:my-checkin": lambda world: {"pk": world.check_in.pk},
    "clients:my-checkin-save": lambda world: {"pk": world.check_in.pk},
    "clients:chart-measures": lambda world: {"pk": world.alice.pk},
    "clients:checkin": lambda world: {"pk": world.alice.pk, "checkin_pk": world.check_in.pk},
    "clients:checkin-paper": lambda world: {"pk": world.alice.pk, "instrument": "phq-9"},
    "groups:edit": lambda world: {"pk": world.group.pk},
    "groups:room-edit": lambda world: {"pk": world.group.room_id},
    "clients:track-edit": lambda world: {"pk": world.alice.track_id},
    "scheduling:closure-withdraw": lambda world: {"pk": world.closure.pk},
    "groups:roster": lambda world: {"pk": world.group.pk},
    "groups:enrollment-end": lambda world: {"pk": world.enrollment.pk},
    "groups:enrollment-void": lambda world: {"pk": world.enrollment.pk},
    "scheduling:session-cancel": lambda world: {"pk": world.individual_session.pk},
    "scheduling:session-reschedule": lambda world: {"pk": world.individual_session.pk},
    "scheduling:series-move": lambda world: {"pk": world.series_session.pk},
    "scheduling:series-cancel": lambda world: {"pk": world.series_session.pk},
    "scheduling:feed": lambda world: {"token": world.alices_feed_token},
    "scheduling:session-detail": lambda world: {"pk": documented_note(world).session_id},
    "scheduling:session-summary": lambda world: {"pk": documented_note(world).session_id},
    "scheduling:session-drop-in": lambda world: {"pk": documented_note(world).session_id},
    "scheduling:note": lambda world: {
        "pk": documented_note(world).session_id,
        "client_pk": world.alice.pk,
    },
    "scheduling:note-addendum": lambda world: {"pk": documented_note(world).pk},
    "scheduling:client-hours": lambda world: {"pk": world.alice.pk},
    "scheduling:alert-resolve": lambda world: {"pk": world.alice_alert.pk},
    "scheduling:report": lambda world: {"slug": "attendance"},
    "scheduling:report-export": lambda world: {"slug": "attendance"},
}


def plan_part_kwargs(world):
    """The problem of Alice's plan in force (which refuses edits; the walk opens, never changes)."""
    problem = world.plan.problems.get()
    return {
        "pk": world.alice.pk,
        "plan_pk": world.plan.pk,
        "kind": "problem",
        "part_pk": problem.pk,
    }


# URL names whose arguments name Alice or one of her objects (her plan, consent, sessions, note,
# alert): outside the unrelated clinician's reach, so a 404 for them, as for something missing.
REACHES_ALICE = {
    "clients:chart",
    "clients:authorization-create",
    "clients:authorization-end",
    "clients:authorization-void",
    "scheduling:client-authorizations",
    "clients:edit",
    "clients:intake",
    "clients:level-of-care",
    "clients:consent-create",
    "clients:consent-revoke",
    "clients:disclose",
    "clients:plan-create",
    "clients:plan",
    "clients:plan-activate",
    "clients:plan-review",
    "clients:plan-revise",
    "clients:plan-changes",
    "clients:plan-part-edit",
    "clients:plan-part-remove",
    "clients:discharge",
    "clients:chart-measures",
    "clients:checkin",
    "clients:checkin-paper",
    "clients:alert-follow-up",
    "clients:drug-screen-record",
    "clients:drug-screen-void",
    "scheduling:client-activity",
    "scheduling:client-hours",
    "scheduling:alert-resolve",
    "scheduling:session-cancel",
    "scheduling:session-reschedule",
    "scheduling:series-move",
    "scheduling:series-cancel",
    "scheduling:session-detail",
    "scheduling:session-summary",
    "scheduling:session-drop-in",
    "scheduling:note",
    "scheduling:note-addendum",
}

# The pages among them that show Alice's clinical data: opening one records a chart read. A
# session's cancel and reschedule forms show its time, not the chart.
# The admins' reports of one client (a clinician gets 403, not 404, so they reach no one's).
CLIENT_REPORTS = {
    "clients:access-report",
    "clients:access-report-csv",
    "clients:disclosure-accounting",
    "clients:disclosure-accounting-csv",
}
CLINICAL_PAGES = (
    REACHES_ALICE
    - {
        "scheduling:session-cancel",
        "scheduling:session-reschedule",
        "scheduling:series-move",
        "scheduling:series-cancel",
    }
) | CLIENT_REPORTS

# URL names that only take POST: they change state, so a GET answers 405 (a link, a prefetch or a
# crawler changes nothing). The walk posts to them.
POST_ONLY = {
    "logout",
    "recovery-codes-create",
    "iop:staff-set-active",
    "clients:plan-activate",
    "clients:my-checkin-save",
    "clients:plan-revise",
    "clients:plan-part-remove",
    "groups:enrollment-end",
    "groups:enrollment-void",
    "scheduling:session-summary",
    "scheduling:session-drop-in",
    "scheduling:note-addendum",
}

# The rows a GET may write: the record of the read itself (every chart read is audited) and the
# login session.
READ_RECORDS = ('"iop_chartread"', '"django_session"')

# Django's admin site checks its user itself (iop.admin_site); its index stands for all its pages.
SKIPPED_NAMESPACES = {"admin"}


def all_url_names(resolver=None, namespace=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from all_url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            full_name = f"{namespace}{pattern.name}"
            if full_name.split(":")[0] not in SKIPPED_NAMESPACES or full_name == "admin:index":
                yield full_name


def test_every_url_is_in_the_access_table():
    missing = sorted(set(all_url_names()) - set(ACCESS))
    assert not missing, f"add these URL names to ACCESS in {__file__}: {missing}"


@pytest.fixture
def world(admin, clinician, alice, bob):
    enrollment = EnrollmentFactory(client=alice)
    consent = ConsentFactory(client=alice)
    return SimpleNamespace(
        admin=admin,
        clinician=clinician,
        unrelated=factories.UserFactory(username="unrelated", role=Role.CLINICIAN),
        alice=alice,
        bob=bob,
        plan=TreatmentPlanFactory(client=alice),
        consent=consent,
        authorization=factories.AuthorizationFactory(client=alice),
        group=enrollment.group,
        enrollment=enrollment,
        individual_session=SessionFactory(
            session_type=SessionType.INDIVIDUAL, group=None, client=alice, clinician=clinician
        ),
        series_session=session_schedule(
            session_type=SessionType.INDIVIDUAL,
            client=alice,
            clinician=clinician,
            starts_at=local_datetime(timezone.localdate() + timedelta(days=2), time(8)),
            duration_minutes=50,
            is_telehealth=True,
            repeat="weekly",
            until=timezone.localdate() + timedelta(days=9),
        )[0],
        alices_feed_token=calendar_feed_create(actor=alice.user),
        screen=factories.DrugScreenFactory(client=alice, actor=clinician),
        check_in=factories.check_in_open(alice),
        alice_clinical_alert=clinical_alert_open(
            client=alice,
            kind=ClinicalAlert.Kind.SELF_HARM_RISK,
            detail="PHQ-9 item 9 answered 1",
            source=consent,
        ),
        alice_alert=ComplianceAlert.objects.create(
            client=alice, week_start=date(2026, 11, 16), kind=ComplianceAlert.Kind.SHORT
        ),
        # Well ahead: it cancels none of the sessions above.
        closure=clinic_closure_create(
            first_day=timezone.localdate() + timedelta(days=60),
            last_day=timezone.localdate() + timedelta(days=60),
            label="Staff training",
            actor=admin,
        ),
    )


def persona_user(world, persona):
    return {
        ADMIN: world.admin,
        CLINICIAN: world.clinician,
        UNRELATED: world.unrelated,
        CLIENT: world.alice.user,
    }.get(persona)


def may_open(persona, name):
    """The unrelated clinician opens what a clinician may, except what reaches Alice."""
    if persona == UNRELATED:
        return CLINICIAN in ACCESS[name] and name not in REACHES_ALICE
    return persona in ACCESS[name]


@pytest.mark.parametrize("persona", [ANONYMOUS, CLIENT, CLINICIAN, UNRELATED, ADMIN])
def test_every_url_for_every_persona(client, world, persona):
    user = persona_user(world, persona)
    if user:
        client.force_login(user)
    login_url = reverse("login")
    for name in sorted(set(all_url_names())):
        kwargs = URL_KWARGS[name](world) if name in URL_KWARGS else {}
        url = reverse(name, kwargs=kwargs)
        response = client.post(url) if name in POST_ONLY else client.get(url)
        if name == "logout" and user:
            client.force_login(user)
        where = f"{persona} {'POST' if name in POST_ONLY else 'GET'} {url} ({name})"
        if may_open(persona, name):
            assert response.status_code in (200, 302), f"{where}: {response.status_code}"
            if response.status_code == 302 and name not in ("logout", "home"):
                assert not response.url.startswith(login_url), f"{where} sent to log in"
        elif persona == ANONYMOUS:
            assert response.status_code == 302, f"{where}: {response.status_code}"
            assert response.url.startswith((login_url, "/admin/login/")), where
        elif name.startswith("admin:"):
            assert response.url.startswith("/admin/login/"), where
        elif persona == UNRELATED and CLINICIAN in ACCESS[name]:
            assert response.status_code == 404, f"{where}: {response.status_code}"
        else:
            assert response.status_code in (403, 404), f"{where}: {response.status_code}"
    if persona == UNRELATED:
        assert not ChartRead.objects.filter(user=world.unrelated).exists()


def writes(queries):
    return [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and not any(table in query["sql"] for table in READ_RECORDS)
    ]


@pytest.mark.parametrize("persona", [CLIENT, CLINICIAN, UNRELATED, ADMIN])
def test_a_get_changes_nothing_and_every_url_that_changes_state_refuses_it(client, world, persona):
    """Opened with GET by each persona, no URL writes anything but the record of the read; one
    that changes state (POST_ONLY) answers 405 to the persona allowed to use it."""
    client.force_login(persona_user(world, persona))
    for name in sorted(set(all_url_names())):
        url = reverse(name, kwargs=URL_KWARGS[name](world) if name in URL_KWARGS else {})
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        where = f"{persona} GET {url} ({name})"
        assert not writes(queries), f"{where} wrote: {writes(queries)}"
        if name in POST_ONLY and may_open(persona, name):
            assert response.status_code == 405, f"{where}: {response.status_code}"


def test_the_unrelated_clinician_writes_nothing_of_alices(client, world):
    """Posted to, every URL that reaches Alice answers 404 to a clinician with no relation to her,
    and writes nothing, not even a read."""
    client.force_login(world.unrelated)
    for name in sorted(REACHES_ALICE):
        url = reverse(name, kwargs=URL_KWARGS[name](world))
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, {"reason": "x", "kind": "problem", "text": "x"})
        assert response.status_code == 404, f"POST {url} ({name}): {response.status_code}"
        assert not writes(queries), f"POST {url} ({name}) wrote: {writes(queries)}"
    assert not ChartRead.objects.filter(user=world.unrelated).exists()


@pytest.mark.parametrize("persona", [CLINICIAN, ADMIN])
def test_every_clinical_page_records_the_read(client, world, persona):
    """Opening any page that shows Alice's clinical data records a read of her chart, by whom,
    where, and for what."""
    user = persona_user(world, persona)
    client.force_login(user)
    for name in sorted(CLINICAL_PAGES - POST_ONLY):
        if persona not in ACCESS[name]:
            continue
        url = reverse(name, kwargs=URL_KWARGS[name](world))
        response = client.get(url)
        assert response.status_code in (200, 302), f"{persona} GET {url}: {response.status_code}"
        read = ChartRead.objects.filter(
            user=user, client_ids__contains=[world.alice.pk], path=url
        ).first()
        assert read is not None, f"{persona} GET {url} ({name}) recorded no read"
        assert read.what, f"{name} records a read without saying what was read"


def test_break_the_glass_opens_alice_to_the_unrelated_clinician_with_the_reason(client, world):
    client.force_login(world.unrelated)
    chart = reverse("clients:chart", args=[world.alice.pk])
    assert client.get(chart).status_code == 404
    reason = "Covering the crisis line tonight, Alice called in distress"

    response = client.post(
        reverse("clients:emergency-access"), {"mrn": world.alice.mrn, "reason": reason}
    )

    assert response.status_code == 302
    assert response.url == chart
    grant = EmergencyAccess.objects.get()
    assert (grant.user, grant.client, grant.reason) == (world.unrelated, world.alice, reason)
    assert client.get(chart).status_code == 200
    read = ChartRead.objects.get(user=world.unrelated)
    assert (read.client_ids, read.what, read.path) == ([world.alice.pk], "chart", chart)


def test_bob_cannot_open_alices_chart_even_by_its_address(client, alice, bob):
    client.force_login(bob.user)
    response = client.get(reverse("clients:chart", args=[alice.pk]))
    assert response.status_code == 403


def documented_note(world):
    """A note for Alice in a group session the clinician runs (made once per test)."""
    if not hasattr(world, "note"):
        group = factories.GroupFactory(facilitators=[world.clinician])
        factories.EnrollmentFactory(group=group, client=world.alice)
        session = factories.SessionFactory(group=group)
        factories.AttendanceFactory(session=session, client=world.alice)
        world.note = factories.ProgressNoteFactory(session=session, client=world.alice)
    return world.note
