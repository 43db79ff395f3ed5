"""Thin views of the iop app: home, the admin dashboard, the audit log, staff, health."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import selectors, services
from .access import admin_required
from .filters import ChartReadFilter, RecordChangeFilter
from .forms import StaffInviteForm, action_result, service_result
from .http import AuthedRequest
from .pagination import CappedPaginator

PAGE_SIZE = 50


def home(request: AuthedRequest) -> HttpResponse:
    return redirect(settings.ROLE_HOME_URLS[request.user.role])


@admin_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "iop/dashboard.html",
        {
            "users_by_role": selectors.user_counts_by_role(),
            "heartbeat": selectors.worker_heartbeat_latest(),
            "worker_alive": selectors.worker_is_alive(),
        },
    )


@admin_required
def audit_log(request: AuthedRequest) -> HttpResponse:
    kind = "reads" if request.GET.get("kind") == "reads" else "changes"
    if kind == "reads":
        filterset = ChartReadFilter(request.GET, queryset=selectors.chart_read_list())
    else:
        filterset = RecordChangeFilter(request.GET, queryset=selectors.record_change_list())
    page = CappedPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "iop/audit_log.html",
        {"kind": kind, "filter": filterset, "page": page, "query": query.urlencode()},
    )


@admin_required
def staff_list(request: AuthedRequest) -> HttpResponse:
    form = StaffInviteForm(request.POST or None)
    if user := service_result(request, form, lambda: services.staff_invite(**form.cleaned_data)):
        messages.success(
            request, f"{user} can now set a password from the link sent to {user.email}."
        )
        return redirect("iop:staff")
    return render(request, "iop/staff.html", {"staff": selectors.staff_list(), "form": form})


@admin_required
@require_POST
def staff_set_active(request: AuthedRequest, pk: int) -> HttpResponse:
    user = selectors.staff_get(pk=pk)
    is_active = request.POST.get("is_active") == "1"
    if action_result(
        request,
        lambda: services.user_set_active(user=user, is_active=is_active, actor=request.user),
    ):
        messages.success(request, f"{user} is {'active' if is_active else 'deactivated'}.")
    return redirect("iop:staff")


@login_not_required
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
