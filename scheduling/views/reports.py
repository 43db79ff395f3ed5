"""The program reports: one page per report with the shared filters, a chart and its table, and a
CSV export. Admins see the whole clinic; a clinician their own caseload (and, for group fill, the
groups they facilitate); clients none of it."""

import csv

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render

from clients.models import REDISCLOSURE_NOTICE
from iop.access import staff_required
from iop.http import AuthedRequest
from iop.services import chart_reads_record
from scheduling.forms.reports import ReportFilterForm
from scheduling.selectors.reports import REPORTS, ReportKind


def _kind(slug: str) -> ReportKind:
    if slug not in REPORTS:
        raise Http404("No such report.")
    return REPORTS[slug]


@staff_required
def reports(request: AuthedRequest) -> HttpResponse:
    """The list of reports."""
    return render(request, "scheduling/reports.html", {"reports": REPORTS.values()})


@staff_required
def report(request: AuthedRequest, slug: str) -> HttpResponse:
    """One report for the filtered range; a refused filter says why and shows no figures."""
    kind = _kind(slug)
    form = ReportFilterForm(request.GET, user=request.user)
    result = kind.build(scope=form.scope()) if form.is_valid() else None
    return render(
        request,
        "scheduling/report.html",
        {
            "kind": kind,
            "form": form,
            "report": result,
            "reports": REPORTS.values(),
            "query": request.GET.urlencode(),
        },
    )


@staff_required
def report_export(request: AuthedRequest, slug: str) -> HttpResponse:
    """The report's tables as CSV: a disclosure, so it opens with the 42 CFR 2.32 notice and every
    client counted in it is logged as read."""
    kind = _kind(slug)
    form = ReportFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        problems = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return HttpResponseBadRequest(f"The filters are not valid: {problems}")
    scope = form.scope()
    result = kind.build(scope=scope)
    chart_reads_record(
        request=request,
        client_ids=list(result.client_ids),
        what=f"{kind.title} report export",
    )
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = (
        f'attachment; filename="{kind.slug}-{scope.since:%Y-%m-%d}-to-{scope.until:%Y-%m-%d}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow([REDISCLOSURE_NOTICE])
    for table in result.tables:
        writer.writerow([])
        writer.writerow([table.caption])
        writer.writerow(table.columns)
        writer.writerows(table.rows)
    return response
