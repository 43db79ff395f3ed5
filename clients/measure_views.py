"""Thin views of measurement-based care: the client's check-in on the portal (saved as they go,
submitted once), a clinician's reading of one, the entry of a paper form, and the admins'
program outcomes."""

from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from iop import clock
from iop.access import admin_required, client_required, staff_required
from iop.exports import csv_export
from iop.forms import action_result, service_result
from iop.http import AuthedRequest
from iop.query import query_date
from iop.services import chart_reads_record

from . import forms, measures, selectors
from .access import access_checkin, access_client, access_own_checkin
from .models import CheckIn
from .services import measures as measure_services

form_methods = require_http_methods(["GET", "POST"])


def _answered(check_in: CheckIn) -> dict[str, int]:
    return {"answered": len(check_in.answers), "total": len(check_in.version.definition["items"])}


@client_required
@form_methods
def my_checkin(request: AuthedRequest, pk: int) -> HttpResponse:
    check_in = access_own_checkin(user=request.user, pk=pk)
    definition = check_in.version.definition
    if check_in.is_submitted:
        urgent = bool(measures.safety_findings(definition, check_in.answers))
        return render(
            request, "clients/my_checkin_done.html", {"check_in": check_in, "urgent": urgent}
        )
    form = forms.CheckInForm(request.POST or None, initial=check_in.answers, definition=definition)
    if service_result(
        request,
        form,
        lambda: measure_services.checkin_submit(
            check_in=check_in, actor=request.user, answers=form.answers()
        ),
    ):
        return redirect("clients:my-checkin", check_in.pk)
    return render(
        request,
        "clients/my_checkin.html",
        {"check_in": check_in, "form": form, "definition": definition, **_answered(check_in)},
    )


@client_required
@require_POST
def my_checkin_save(request: AuthedRequest, pk: int) -> HttpResponse:
    """Saves the answers given so far (htmx, on every change); answers with the progress bar."""
    check_in = access_own_checkin(user=request.user, pk=pk)
    form = forms.CheckInForm(request.POST, definition=check_in.version.definition)
    saved = (
        action_result(
            request,
            lambda: measure_services.checkin_progress_save(
                check_in=check_in, actor=request.user, answers=form.answers()
            ),
        )
        if form.is_valid()
        else None
    )
    shown = saved or check_in
    return render(
        request,
        "clients/_checkin_progress.html",
        {"check_in": shown, "saved": saved is not None, **_answered(shown)},
    )


@staff_required
def checkin(request: AuthedRequest, pk: int, checkin_pk: int) -> HttpResponse:
    check_in = access_checkin(request=request, client_pk=pk, pk=checkin_pk, purpose="check-in")
    definition = check_in.version.definition
    return render(
        request,
        "clients/checkin.html",
        {
            "client": check_in.client,
            "check_in": check_in,
            "rows": [
                (item, check_in.answers.get(item["key"]), dict(item["choices"]))
                for item in definition["items"]
            ],
            "scales": [
                (scale, score, scale.band(score).label)
                for scale in measures.scales(definition)
                if (score := (check_in.scores or {}).get(scale.key)) is not None
            ],
            "title": str(check_in.instrument),
            "findings": measures.safety_findings(definition, check_in.answers),
        },
    )


@staff_required
def chart_measures(request: AuthedRequest, pk: int) -> HttpResponse:
    """The chart's measures card, loaded by htmx from the chart page: its own read, as the chart's
    activity panel is (the chart records "chart", this card "measures")."""
    client = access_client(request=request, pk=pk, purpose="measures")
    return render(
        request, "clients/_chart_measures.html", vars(selectors.client_measures_get(client=client))
    )


@staff_required
@form_methods
def checkin_paper(request: AuthedRequest, pk: int, instrument: str) -> HttpResponse:
    client = access_client(request=request, pk=pk, purpose="check-in (paper form)")
    version = selectors.instrument_version_latest(code=instrument)
    if version is None:
        raise Http404
    form = forms.PaperCheckInForm(request.POST or None, definition=version.definition)
    if submission := service_result(
        request,
        form,
        lambda: measure_services.checkin_paper_enter(
            client=client,
            instrument=version.instrument,
            completed_on=form.cleaned_data["completed_on"],
            answers=form.answers(),
            actor=request.user,
        ),
    ):
        messages.success(request, f"Paper {version.instrument} entered.")
        return redirect("clients:checkin", client.pk, submission.check_in.pk)
    return render(
        request,
        "clients/checkin_paper.html",
        {
            "client": client,
            "form": form,
            "version": version,
            "definition": version.definition,
            "title": f"Paper {version.instrument}",
        },
    )


OUTCOME_PERIOD = timedelta(days=90)


def _outcome_period(request: AuthedRequest) -> tuple[date, date]:
    today = clock.today()
    end = query_date(request, "end", today)
    return query_date(request, "start", end - OUTCOME_PERIOD), end


@admin_required
def outcomes(request: AuthedRequest) -> HttpResponse:
    """Admission against discharge scores of the clients discharged in a period, by track."""
    start, end = _outcome_period(request)
    rows = selectors.outcome_list(start=start, end=end)
    client_ids = sorted({pk for row in rows for pk in row.client_ids})
    chart_reads_record(request=request, client_ids=client_ids, what="program outcomes")
    query = urlencode({"start": start.isoformat(), "end": end.isoformat()})
    return render(
        request,
        "clients/outcomes.html",
        {"rows": rows, "start": start, "end": end, "query": query, "clients": len(client_ids)},
    )


@admin_required
def outcomes_export(request: AuthedRequest) -> HttpResponse:
    """The outcomes as CSV: a disclosure (iop.exports), so it opens with the 42 CFR 2.32 notice
    and is recorded as one export naming every client counted in it. Aggregates only, no names."""
    start, end = _outcome_period(request)
    rows = selectors.outcome_list(start=start, end=end)
    return csv_export(
        request=request,
        filename=f"outcomes-{start:%Y-%m-%d}-{end:%Y-%m-%d}.csv",
        what="program outcomes export",
        client_ids=sorted({pk for row in rows for pk in row.client_ids}),
        header=["Track", "Instrument", "Scale", "Clients", "Mean at admission",
                "Mean at discharge", "Mean change", "Share improved", "Share in remission"],
        rows=(
            [row.track, row.instrument, row.scale, row.clients, f"{row.mean_admission:.1f}",
             f"{row.mean_discharge:.1f}", f"{row.mean_change:+.1f}", f"{row.share_improved:.0%}",
             "" if row.share_in_remission is None else f"{row.share_in_remission:.0%}"]
            for row in rows
        ),
    )  # fmt: skip


@admin_required
def outcomes_summary(request: AuthedRequest) -> HttpResponse:
    """A card for the admin dashboard (loaded with htmx): one line per instrument and scale over
    the last 90 days, all tracks together. Aggregates only."""
    start, end = _outcome_period(request)
    rows = selectors.outcome_list(start=start, end=end, by_track=False)
    return render(
        request, "clients/_outcomes_summary.html", {"rows": rows, "start": start, "end": end}
    )
