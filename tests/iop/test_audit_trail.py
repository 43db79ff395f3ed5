"""The audit trail as a privacy officer reads it: entries in words, filters, the per-client access
report and accounting of disclosures, and where an entry says the request came from."""

import csv
import io
from datetime import date, datetime

import pytest
import time_machine
from auditlog.models import LogEntry
from django.test import override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.services.clients import client_update
from clients.services.consents import disclosure_record
from iop.clock import local_datetime
from iop.exports import REDISCLOSURE_NOTICE
from iop.models import ChartRead, Role, User
from iop.selectors import AuditFilters, audit_lines, chart_read_list, record_change_list
from scheduling.services.notes import note_sign
from tests.factories import (
    ClientFactory,
    ConsentFactory,
    GroupFactory,
    ProgressNoteFactory,
    SessionFactory,
    UserFactory,
)
from tests.helpers import SECOND_FACTOR_QUERIES

MONDAY_NOV_23 = local_datetime(date(2026, 11, 23), datetime.min.time().replace(hour=18))


def sentences(entries):
    return [line.sentence for line in audit_lines(entries=entries)]


@pytest.fixture
def signed_note(clinician, alice):
    with time_machine.travel(MONDAY_NOV_23, tick=False):
        session = SessionFactory(group=GroupFactory(), clinician=clinician, starts_at=MONDAY_NOV_23)
        note = ProgressNoteFactory(session=session, client=alice, author=clinician)
    with time_machine.travel(date(2026, 11, 24), tick=False):
        return note_sign(note=note, actor=clinician)


def test_signing_a_note_reads_as_a_sentence_naming_the_client_and_the_session(signed_note, alice):
    with time_machine.travel(date(2026, 11, 25), tick=False):
        entries = record_change_list(filters=AuditFilters(client_ids=[alice.pk], action="signed"))
        assert sentences(entries) == [
            f"signed the progress note of Alice Anders ({alice.mrn}) for the group session of "
            "Mon Nov 23"
        ]


def test_a_changed_field_is_named_by_its_label_with_before_and_after_as_people_read_them(
    alice, clinician, second_clinician
):
    update(alice, phone="555-0199", primary_clinician=second_clinician)
    entry = record_change_list(filters=AuditFilters(client_ids=[alice.pk], action="changed"))[0]
    (line,) = audit_lines(entries=[entry])
    assert line.sentence == f"changed the phone and primary clinician of Alice Anders ({alice.mrn})"
    changes = {change.field: (change.before, change.after) for change in line.changes}
    assert changes["primary clinician"] == (str(clinician), str(second_clinician))
    assert changes["phone"][1] == "555-0199"
    assert not any("None" in value for pair in changes.values() for value in pair)


def test_a_change_shows_in_the_log_with_its_fields_when_and_who_and_markup_stays_text(
    client, admin, alice
):
    """The lines are written in Python (`audit_line_rows`), as the template wrote them: the
    clinic's date and time, capitalized field names, and every value escaped."""
    with time_machine.travel(MONDAY_NOV_23, tick=False):
        update(alice, phone="<b>555</b>")
    client.force_login(admin)
    page = client.get(
        reverse("iop:audit-log"), {"client": alice.mrn, "action": "changed"}
    ).content.decode()
    (row,) = (
        row for row in page.split('<tr><td class="text-nowrap">') if "changed the phone" in row
    )
    assert row.startswith('Mon Nov 23, 2026<br><span class="text-muted">18:00:00</span>')
    assert f'<span class="audit-sentence">changed the phone of Alice Anders ({alice.mrn})' in row
    assert '<details class="small mt-1"><summary class="text-muted">What changed</summary>' in row
    assert "<tr><td>Phone</td><td>" in row
    assert "<td>&lt;b&gt;555&lt;/b&gt;</td></tr>" in row
    assert "<b>555</b>" not in page
    report = client.get(reverse("clients:access-report", args=[alice.pk])).content.decode()
    assert '<details class="small mt-1" open><summary class="text-muted">What changed' in report


def test_registering_a_client_reads_as_such_and_no_raw_value_shows(alice):
    entries = record_change_list(filters=AuditFilters(client_ids=[alice.pk], action="created"))
    (line,) = [line for line in audit_lines(entries=entries) if line.sentence.startswith("reg")]
    assert line.sentence == f"registered Alice Anders ({alice.mrn})"
    assert all(change.before == "(empty)" for change in line.changes)
    assert "Referred" in {change.after for change in line.changes}


def test_a_roster_read_names_everyone_once_and_a_clients_report_names_only_them(
    rf, admin, alice, bob
):
    request = rf.get("/sessions/1/attendance/")
    request.user = admin
    from iop.services import chart_reads_record

    chart_reads_record(request=request, client_ids=[alice.pk, bob.pk], what="session attendance")
    (line,) = audit_lines(reads=chart_read_list(filters=AuditFilters(client_ids=[bob.pk])))
    assert line.sentence == (
        f"read the attendance sheet with Alice Anders ({alice.mrn}) and Bob Brown ({bob.mrn})"
    )
    (own,) = audit_lines(reads=ChartRead.objects.all(), focus=alice.pk)
    assert own.sentence == (
        f"read the attendance sheet with Alice Anders ({alice.mrn}) and 1 other client"
    )
    assert "Bob" not in str(own)


def test_the_client_filter_finds_by_mrn_or_by_name(client, admin, clinician, alice, bob):
    client.force_login(clinician)
    client.get(reverse("clients:chart", args=[alice.pk]))
    client.get(reverse("clients:chart", args=[bob.pk]))
    client.force_login(admin)
    url = reverse("iop:audit-log")
    for text in (alice.mrn, "alice", "ANDERS alice"):
        response = client.get(url, {"kind": "reads", "client": text, "user": clinician.pk})
        assert [line.client_ids for line in response.context["lines"]] == [[alice.pk]], text


def test_who_offers_every_staff_account_and_no_client_login(client, admin, clinician, alice):
    gone = UserFactory(username="gone", role=Role.CLINICIAN)
    User.objects.filter(pk=gone.pk).update(is_active=False)
    client.force_login(admin)
    response = client.get(reverse("iop:audit-log"))
    offered = [user.pk for user in response.context["form"].fields["user"].queryset]
    assert sorted(offered) == sorted([admin.pk, clinician.pk, gone.pk])
    assert f'value="{alice.user.pk}"' not in response.content.decode()


def test_an_unknown_client_or_bad_days_say_so_and_show_nothing(client, admin, alice):
    client.force_login(admin)
    url = reverse("iop:audit-log")
    response = client.get(url, {"client": "Nobody Here"})
    assert response.status_code == 200
    assert "No client has the MRN or name" in response.content.decode()
    assert response.context["lines"] == []
    response = client.get(url, {"since": "2026-11-20", "until": "2026-11-19"})
    assert "The last day comes on or after the first." in response.content.decode()
    response = client.get(url, {"since": "0001-01-01"})
    assert response.status_code == 200
    assert response.context["lines"] == []
    response = client.get(url, {"client": "Ali\x00ce"})
    assert "Null characters are not allowed." in response.content.decode()
    response = client.get(url, {"client": "A" * 101})
    assert "at most 100 characters" in response.content.decode()
    assert response.context["lines"] == []


def test_the_date_range_is_clinic_days(client, admin, clinician, alice):
    client.force_login(clinician)
    with time_machine.travel(local_datetime(date(2026, 11, 23), datetime.min.time()), tick=False):
        client.get(reverse("clients:chart", args=[alice.pk]))  # just after midnight, clinic time
    with time_machine.travel(date(2026, 11, 25), tick=False):
        client.force_login(admin)
        url = reverse("iop:audit-log")
        day = {"kind": "reads", "user": clinician.pk}
        assert client.get(url, {**day, "since": "2026-11-23", "until": "2026-11-23"}).context[
            "lines"
        ]
        assert not client.get(url, {**day, "until": "2026-11-22"}).context["lines"]


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    field=st.sampled_from(["client", "user", "action", "since", "until", "page", "kind"]),
    value=st.text(max_size=300),
)
def test_no_filter_input_breaks_the_audit_log(client, admin, field, value):
    client.force_login(admin)
    response = client.get(reverse("iop:audit-log"), {field: value})
    assert response.status_code == 200


def test_the_audit_log_page_is_itself_recorded_naming_the_clients_it_showed(
    client, admin, clinician, alice
):
    client.force_login(clinician)
    client.get(reverse("clients:chart", args=[alice.pk]))
    client.force_login(admin)
    client.get(reverse("iop:audit-log"), {"kind": "reads"})
    read = ChartRead.objects.get(user=admin)
    assert (read.what, read.client_ids) == ("audit log", [alice.pk])


def test_a_read_of_many_clients_names_a_few_and_lists_the_rest_when_opened(
    client, admin, clinician
):
    # Names no generated staff name can share (the page lists the staff in its Who menu).
    roster = [
        ClientFactory(primary_clinician=clinician, legal_last_name=f"Rosterling{letter}")
        for letter in "ABCDE"
    ]
    ChartRead.objects.create(
        user=clinician, client_ids=[c.pk for c in roster], path="/", what="weekly hours report"
    )
    client.force_login(admin)

    response = client.get(reverse("iop:audit-log"), {"kind": "reads"})

    (line,) = response.context["lines"]
    assert line.sentence.endswith("and 2 more")
    assert line.more_clients == 2
    html = response.content.decode()
    assert roster[0].legal_last_name in html
    assert roster[4].legal_last_name not in html  # listed when the line is opened
    read = ChartRead.objects.get(user=admin)
    assert (read.what, read.client_ids) == ("audit log", [c.pk for c in roster[:3]])

    listed = client.get(reverse("iop:audit-read-clients", args=[line.read_id]))

    assert [label for _, label in listed.context["clients"]] == [
        f"{c.legal_first_name} {c.legal_last_name} ({c.mrn})" for c in roster
    ]
    latest = ChartRead.objects.filter(user=admin).latest("pk")
    assert (latest.what, latest.client_ids) == ("audit log", [c.pk for c in roster])


@pytest.mark.parametrize("clients", [2, 30])
def test_the_record_changes_page_takes_the_same_queries_however_many_entries(
    client, admin, clinician, clients, django_assert_max_num_queries
):
    for number in range(clients):
        person = ClientFactory(primary_clinician=clinician)
        update(person, phone=f"555-01{number:02d}")
    client.force_login(admin)
    with django_assert_max_num_queries(15 + SECOND_FACTOR_QUERIES):
        response = client.get(reverse("iop:audit-log"))
    assert len(response.context["lines"]) == min(LogEntry.objects.count(), 50)


# --- The client's access report and accounting of disclosures ---------------------------------


def test_the_access_report_lists_every_read_and_change_in_words_and_is_itself_an_export(
    client, admin, clinician, alice
):
    client.force_login(clinician)
    client.get(reverse("clients:chart", args=[alice.pk]), REMOTE_ADDR="10.9.8.7")
    client.force_login(admin)
    response = client.get(reverse("clients:access-report", args=[alice.pk]))
    page = response.content.decode()
    assert f"read the chart of Alice Anders ({alice.mrn})" in page
    assert f"registered Alice Anders ({alice.mrn})" in page
    assert "10.9.8.7" in page
    assert "42 CFR 2.32" in page
    assert REDISCLOSURE_NOTICE[:60] in page
    assert "data-print" in page
    export = ChartRead.objects.get(user=admin)
    assert (export.action, export.what, export.client_ids) == (
        "export",
        "access report",
        [alice.pk],
    )


@pytest.mark.parametrize("reads", [5, 40])
def test_the_access_report_takes_the_same_queries_however_long(
    client, admin, clinician, alice, reads, django_assert_max_num_queries
):
    client.force_login(clinician)
    for _ in range(reads):
        client.get(reverse("clients:chart", args=[alice.pk]))
    client.force_login(admin)
    with django_assert_max_num_queries(15 + SECOND_FACTOR_QUERIES):
        response = client.get(reverse("clients:access-report", args=[alice.pk]))
    assert len(response.context["lines"]) > reads


def test_the_access_report_pages_its_entries_newest_first_and_the_csv_has_them_all(
    client, admin, clinician, alice, django_assert_max_num_queries
):
    client.force_login(clinician)
    for _ in range(60):
        client.get(reverse("clients:chart", args=[alice.pk]))
    total = ChartRead.objects.count() + LogEntry.objects.count()
    url = reverse("clients:access-report", args=[alice.pk])
    client.force_login(admin)
    with django_assert_max_num_queries(15 + SECOND_FACTOR_QUERIES):
        first = client.get(url)
    second = client.get(url, {"page": 2})

    first_lines, second_lines = first.context["lines"], second.context["lines"]
    assert len(first_lines) == 50
    assert len(second_lines) == total + 1 - 50  # the first page's own export now heads the list
    lines = [*first_lines, *second_lines]
    assert [line.at for line in lines] == sorted((line.at for line in lines), reverse=True)
    assert f"registered Alice Anders ({alice.mrn})" in {line.sentence for line in second_lines}
    page = first.content.decode()
    assert f"Entries 1\u201350 of {total}, newest first; the CSV has them all." in page
    assert "?&page=2" in page
    csv_url = reverse("clients:access-report-csv", args=[alice.pk])
    rows = list(csv.reader(io.StringIO(client.get(csv_url).content.decode())))
    assert len(rows[3:]) == total + 2  # with the exports of both pages


def test_the_access_report_csv_opens_with_the_notice(client, admin, clinician, alice):
    client.force_login(admin)
    response = client.get(reverse("clients:access-report-csv", args=[alice.pk]))
    assert response["Content-Type"] == "text/csv"
    assert "Anders" not in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [REDISCLOSURE_NOTICE]
    assert rows[2] == ["When (clinic time)", "Who", "What", "From"]
    assert f"registered Alice Anders ({alice.mrn})" in {row[2] for row in rows[3:]}
    assert ChartRead.objects.get(user=admin).action == "export"


def test_the_accounting_of_disclosures_lists_the_ledger_with_its_consent(
    client, admin, clinician, alice
):
    consent = ConsentFactory(client=alice)
    disclosure_record(consent=consent, information="summary", actor=clinician)
    client.force_login(admin)
    page = client.get(reverse("clients:disclosure-accounting", args=[alice.pk])).content.decode()
    assert "Riverside Probation Office" in page
    assert "Verify treatment participation" in page
    assert REDISCLOSURE_NOTICE[:60] in page
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("clients:disclosure-accounting-csv", args=[alice.pk])
                ).content.decode()
            )
        )
    )
    assert rows[0] == [REDISCLOSURE_NOTICE]
    assert rows[3][1:4] == [
        "Riverside Probation Office",
        "Chart summary (status, level of care, dates)",
        "Verify treatment participation",
    ]
    assert [read.what for read in ChartRead.objects.filter(user=admin, action="export")] == [
        "accounting of disclosures",
        "accounting of disclosures",
    ]


@pytest.mark.parametrize(
    "name",
    [
        "clients:access-report",
        "clients:access-report-csv",
        "clients:disclosure-accounting",
        "clients:disclosure-accounting-csv",
    ],
)
def test_only_admins_open_a_clients_reports(client, clinician, alice, name):
    url = reverse(name, args=[alice.pk])
    client.force_login(clinician)
    assert client.get(url).status_code == 403
    client.force_login(alice.user)
    assert client.get(url).status_code == 403
    assert not ChartRead.objects.exists()


# --- Where a record change came from ----------------------------------------------------------


def test_a_forged_forwarded_for_is_not_recorded_as_the_address_of_a_change(
    client, clinician, alice
):
    client.force_login(clinician)
    client.post(
        reverse("clients:edit", args=[alice.pk]),
        {**edit_form(alice), "phone": "555-0123"},
        REMOTE_ADDR="198.51.100.7",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    entry = LogEntry.objects.get_for_object(alice).latest("timestamp")
    assert entry.changes_dict["phone"][1] == "555-0123"
    assert entry.remote_addr == "198.51.100.7"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_our_proxy_a_change_records_the_address_the_proxy_saw(client, clinician, alice):
    client.force_login(clinician)
    client.post(
        reverse("clients:edit", args=[alice.pk]),
        {**edit_form(alice), "phone": "555-0124"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7",
    )
    entry = LogEntry.objects.get_for_object(alice).latest("timestamp")
    assert entry.changes_dict["phone"][1] == "555-0124"
    assert entry.remote_addr == "198.51.100.7"


def edit_form(person):
    return {
        "legal_first_name": person.legal_first_name,
        "legal_last_name": person.legal_last_name,
        "preferred_name": person.preferred_name,
        "pronouns": person.pronouns,
        "date_of_birth": person.date_of_birth.isoformat(),
        "email": person.email,
        "phone": person.phone,
        "track": person.track_id,
        "primary_clinician": person.primary_clinician_id,
        "expected_length_weeks": person.expected_length_weeks,
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
    }


def update(person, **changes):
    fields = ("legal_first_name", "legal_last_name", "date_of_birth", "track", "primary_clinician")
    return client_update(
        client=person, **{name: getattr(person, name) for name in fields} | changes
    )
