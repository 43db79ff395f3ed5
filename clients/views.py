from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from iop.access import client_required, staff_required
from iop.services import chart_read_record

from . import selectors


@staff_required
def caseload(request: HttpRequest) -> HttpResponse:
    return render(request, "clients/caseload.html", {"clients": selectors.caseload(request.user)})


@client_required
def portal(request: HttpRequest) -> HttpResponse:
    return render(
        request, "clients/portal.html", {"client": selectors.own_client_record(request.user)}
    )


@staff_required
def chart(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_for_user(request.user, pk)
    chart_read_record(request=request, client_id=client.pk, what="chart")
    return render(request, "clients/chart.html", {"client": client})
