"""Authorizations seen from scheduling, where units are counted: the chart's burn-down panel, the
utilization-review card (Today, the admin home), the open reviews' list and the CSV export."""

from django.http import HttpResponse
from django.shortcuts import render

from clients.access import access_client
from iop.access import staff_required
from iop.clock import today
from iop.exports import csv_export
from iop.http import AuthedRequest
from iop.services import chart_reads_record
from scheduling.selectors import authorizations as selectors


@staff_required
def client_authorizations(request: AuthedRequest, pk: int) -> HttpResponse:
    """The chart's authorizations (loaded by htmx from the clients app's chart): a burn-down of
    each current one, the past ones, and attended days none covers."""
    client = access_client(request=request, pk=pk, purpose="payer authorizations")
    panel = selectors.client_authorizations_get(client=client)
    return render(request, "scheduling/_chart_authorizations.html", {"panel": panel})


@staff_required
def authorizations_review(request: AuthedRequest) -> HttpResponse:
    """A fragment (Today, the admin home): authorizations ending or running out within a week,
    and attended days no authorization covers. Admins see the clinic; a clinician their
    caseload. Every client shown is a chart read."""
    review = selectors.authorization_review_list(user=request.user)
    chart_reads_record(
        request=request, client_ids=review.client_ids, what="utilization review list"
    )
    return render(request, "scheduling/_authorizations_review.html", {"review": review})


UTILIZATION_REVIEWS_PAGE_SIZE = 25


@staff_required
def utilization_reviews(request: AuthedRequest) -> HttpResponse:
    """The open utilization reviews, the most urgent first, a page at a time (the review card
    shows the first few). Admins see the clinic; a clinician their caseload. Every client shown
    is a chart read."""
    page = selectors.utilization_review_paginator(
        user=request.user, per_page=UTILIZATION_REVIEWS_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    chart_reads_record(
        request=request,
        client_ids=sorted({review.client_id for review in page.object_list}),
        what="utilization reviews",
    )
    return render(request, "scheduling/utilization_reviews.html", {"page": page, "query": ""})


@staff_required
def authorizations_export(request: AuthedRequest) -> HttpResponse:
    """Live authorizations with units used, as CSV: a disclosure (`iop.exports`), recorded as one
    export naming every client in it. Admins: every active client; a clinician: their caseload."""
    rows = selectors.authorization_export_list(user=request.user)
    return csv_export(
        request=request,
        filename=f"authorizations-{today():%Y-%m-%d}.csv",
        what="authorizations export",
        client_ids=[row.authorization.client_id for row in rows],
        header=["MRN", "Client", "Primary clinician", "Payer", "Authorization number",
                "Service code", "First day", "Last day", "Ended on", "Units authorized",
                "Units used", "Units left", "Units a week (last 4 weeks)", "Projected run-out",
                "Utilization review"],
        rows=(_export_row(row) for row in rows),
    )  # fmt: skip


def _export_row(row: selectors.AuthorizationUsage) -> list[object]:
    authorization, client = row.authorization, row.authorization.client
    run_out, ended_on = row.projected_run_out, authorization.ended_on
    return [client.mrn, client.display_name, client.primary_clinician, authorization.payer,
            authorization.number, authorization.service_code, authorization.first_day.isoformat(),
            authorization.last_day.isoformat(), ended_on.isoformat() if ended_on else "",
            authorization.units_authorized, row.units_used, row.units_left,
            f"{row.units_per_week:.1f}", run_out.isoformat() if run_out else "",
            row.review_reason]  # fmt: skip
