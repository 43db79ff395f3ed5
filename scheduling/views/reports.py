"""The program reports: one page per report with the shared filters, a chart and its table, and a
CSV export. Admins see the whole clinic; a clinician their own caseload (and, for group fill, the
groups they facilitate); clients none of it."""

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render

from iop.access import staff_required
from iop.exports import csv_export
from iop.http import AuthedRequest
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
    """The report's tables as CSV, one after another: a disclosure (`iop.exports`), recorded as
    one export naming every client counted in it."""
    kind = _kind(slug)
    form = ReportFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        problems = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return HttpResponseBadRequest(f"The filters are not valid: {problems}")
    scope = form.scope()
    result = kind.build(scope=scope)
    first, *others = result.tables
    rows: list[list[object]] = list(first.rows)
    for table in others:
        rows += [[], [table.caption], list(table.columns), *table.rows]
    return csv_export(
        request=request,
        filename=f"{kind.slug}-{scope.since:%Y-%m-%d}-to-{scope.until:%Y-%m-%d}.csv",
        what=f"{kind.title} report export",
        client_ids=result.client_ids,
        header=first.columns,
        rows=rows,
    )
