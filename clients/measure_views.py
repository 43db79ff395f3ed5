"""Thin views of measurement-based care: the client's check-in on the portal (saved as they go,
submitted once), a clinician's reading of one, and the entry of a paper form."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from iop.access import client_required, staff_required
from iop.forms import action_result, service_result
from iop.http import AuthedRequest

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
