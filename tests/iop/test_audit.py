import csv
import io

import pytest
from auditlog.models import LogEntry
from django.db import InternalError, connection
from django.test import override_settings
from django.urls import reverse

from clients.services.clients import client_admit
from iop.exports import REDISCLOSURE_NOTICE, csv_export, printable_page
from iop.models import ChartRead
from tests.helpers import SECOND_FACTOR_QUERIES


def test_opening_a_chart_records_who_what_when_and_where(client, clinician, alice):
    client.force_login(clinician)
    client.get(reverse("clients:chart", args=[alice.pk]), REMOTE_ADDR="10.1.2.3")
    read = ChartRead.objects.get()
    assert (read.user, read.client_ids, read.what) == (clinician, [alice.pk], "chart")
    assert read.path == reverse("clients:chart", args=[alice.pk])
    assert read.ip_address == "10.1.2.3"


def test_a_direct_request_cannot_forge_its_address(client, clinician, alice):
    client.force_login(clinician)
    client.get(
        reverse("clients:chart", args=[alice.pk]),
        REMOTE_ADDR="198.51.100.7",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert ChartRead.objects.get().ip_address == "198.51.100.7"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_our_proxy_the_address_it_saw_is_recorded_not_what_the_caller_wrote(
    client, clinician, alice
):
    client.force_login(clinician)
    client.get(
        reverse("clients:chart", args=[alice.pk]),
        REMOTE_ADDR="10.0.0.1",  # the proxy
        HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7",  # forged by the caller, then the proxy's
    )
    assert ChartRead.objects.get().ip_address == "198.51.100.7"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_a_request_that_skipped_a_proxy_falls_back_to_the_connection(client, clinician, alice):
    client.force_login(clinician)
    client.get(
        reverse("clients:chart", args=[alice.pk]),
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="not an address",
    )
    assert ChartRead.objects.get().ip_address == "10.0.0.1"


def test_a_refused_chart_read_records_nothing(client, alice, bob):
    client.force_login(bob.user)
    client.get(reverse("clients:chart", args=[alice.pk]))
    assert not ChartRead.objects.exists()


def test_changes_to_a_client_record_are_logged(db, clinician):
    from tests.factories import ClientFactory

    client = ClientFactory(status="referred", primary_clinician=clinician)
    client_admit(client=client, admission_date=client.created_at.date())
    entries = LogEntry.objects.get_for_object(client).order_by("timestamp")
    assert [entry.action for entry in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert entries.last().changes_dict["status"] == ["referred", "active"]


def test_audit_log_page_filters_chart_reads_by_user_and_client(
    client, admin, clinician, second_clinician, alice, bob
):
    for reader, chart_of in ((clinician, alice), (second_clinician, alice), (clinician, bob)):
        client.force_login(reader)
        client.get(reverse("clients:chart", args=[chart_of.pk]))
    client.force_login(admin)
    url = reverse("iop:audit-log")
    response = client.get(url, {"kind": "reads", "user": clinician.pk, "client_id": alice.pk})
    reads = list(response.context["page"])
    assert [(read.user, read.client_ids) for read in reads] == [(clinician, [alice.pk])]


def test_audit_log_page_lists_record_changes_with_their_actor(client, admin, clinician, alice):
    client.force_login(admin)
    response = client.get(reverse("iop:audit-log"), {"record": "client"})
    entries = list(response.context["page"])
    assert entries
    assert all(entry.content_type.model == "client" for entry in entries)
    assert b"Record changes" in response.content


def test_audit_log_page_queries_stay_constant(
    client, admin, clinician, alice, bob, django_assert_max_num_queries
):
    client.force_login(clinician)
    for _ in range(60):
        client.get(reverse("clients:chart", args=[alice.pk]))
    client.force_login(admin)
    with django_assert_max_num_queries(8 + SECOND_FACTOR_QUERIES):
        response = client.get(reverse("iop:audit-log"), {"kind": "reads"})
    assert len(response.context["page"]) == 50


def test_audit_log_pages_keep_the_filters(client, admin, clinician, alice):
    client.force_login(clinician)
    for _ in range(60):
        client.get(reverse("clients:chart", args=[alice.pk]))
    client.force_login(admin)
    page = client.get(reverse("iop:audit-log"), {"kind": "reads", "client_id": alice.pk})
    assert f"?kind=reads&amp;client_id={alice.pk}&page=2" in page.content.decode()
    assert "Page 1 of 2" in page.content.decode()


def test_an_export_writes_the_notice_first_and_one_entry_naming_its_clients(rf, admin, alice, bob):
    request = rf.get("/reports/export.csv", REMOTE_ADDR="10.1.2.3")
    request.user = admin
    response = csv_export(
        request=request,
        filename="report.csv",
        what="test report",
        client_ids=[bob.pk, alice.pk, bob.pk],
        header=["MRN"],
        rows=[[alice.mrn], [bob.mrn]],
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [[REDISCLOSURE_NOTICE], [], ["MRN"], [alice.mrn], [bob.mrn]]
    assert response["Content-Disposition"] == 'attachment; filename="report.csv"'
    export = ChartRead.objects.get()
    assert (export.user, export.action, export.what) == (admin, "export", "test report")
    assert (export.client_ids, export.ip_address) == (sorted([alice.pk, bob.pk]), "10.1.2.3")


def test_a_printable_page_carries_the_notice_and_is_recorded_as_an_export(rf, admin, alice):
    request = rf.get("/print/")
    request.user = admin
    response = printable_page(
        request=request,
        template="_redisclosure_notice.html",
        context={},
        what="test page",
        client_ids=[alice.pk],
    )
    assert "42 CFR 2.32" in response.content.decode()
    assert REDISCLOSURE_NOTICE[:80] in response.content.decode()
    assert ChartRead.objects.get().client_ids == [alice.pk]


@pytest.mark.parametrize(
    "statement", ["UPDATE iop_chartread SET what = 'nothing'", "DELETE FROM iop_chartread"]
)
def test_chart_reads_cannot_be_changed_or_removed_even_by_raw_sql(
    client, clinician, alice, statement
):
    client.force_login(clinician)
    client.get(reverse("clients:chart", args=[alice.pk]))
    with (
        pytest.raises(InternalError, match="Cannot update or delete"),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)


@pytest.mark.parametrize(
    "statement",
    ["UPDATE auditlog_logentry SET changes_text = 'nothing'", "DELETE FROM auditlog_logentry"],
)
def test_record_changes_cannot_be_changed_or_removed_even_by_raw_sql(alice, statement):
    assert LogEntry.objects.exists()
    with pytest.raises(InternalError, match="append-only"), connection.cursor() as cursor:
        cursor.execute(statement)
