from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from . import selectors
from .access import admin_required
from .filters import ChartReadFilter, RecordChangeFilter

PAGE_SIZE = 50


def home(request: HttpRequest) -> HttpResponse:
    return redirect(settings.ROLE_HOME_URLS[request.user.role])


@admin_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "iop/dashboard.html",
        {
            "users_by_role": selectors.users_by_role(),
            "heartbeat": selectors.latest_worker_heartbeat(),
            "worker_alive": selectors.worker_is_alive(),
        },
    )


@admin_required
def audit_log(request: HttpRequest) -> HttpResponse:
    kind = "reads" if request.GET.get("kind") == "reads" else "changes"
    if kind == "reads":
        filterset = ChartReadFilter(request.GET, queryset=selectors.chart_reads())
    else:
        filterset = RecordChangeFilter(request.GET, queryset=selectors.record_changes())
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "iop/audit_log.html",
        {"kind": kind, "filter": filterset, "page": page, "query": query.urlencode()},
    )


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer, 503 naming the part that failed."""
    checks = {}
    for name, probe in (
        ("database", selectors.database_answers),
        ("broker", selectors.broker_answers),
    ):
        try:
            probe()
            checks[name] = "ok"
        except Exception as error:  # any failure means "down"; the type is enough to act on
            checks[name] = f"failed: {type(error).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    checks["worker"] = "ok" if healthy and selectors.worker_is_alive() else "no recent heartbeat"
    return JsonResponse(
        {"status": "ok" if healthy else "failed", "checks": checks}, status=200 if healthy else 503
    )
