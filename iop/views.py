"""Thin views of the iop app: home, the admin dashboard, the audit log, staff, the second factor,
health."""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import default_key

from . import selectors, services
from .access import admin_required, staff_required
from .forms import (
    AuditLogFilterForm,
    AuthenticatorConfirmForm,
    SecondFactorCodeForm,
    StaffInviteForm,
    action_result,
    service_result,
)
from .http import AuthedRequest
from .pagination import CappedPaginator
from .second_factor import (
    authenticator_get,
    authenticator_setup,
    is_verified,
    recovery_codes_left,
    second_factor_not_required,
)

# The key of an authenticator app being enrolled, kept in the session until a code confirms it.
PENDING_KEY_SESSION_KEY = "second_factor_pending_key"

PAGE_SIZE = 50


def home(request: AuthedRequest) -> HttpResponse:
    return redirect(settings.ROLE_HOME_URLS[request.user.role])


@admin_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "iop/dashboard.html",
        {
            "heartbeat": selectors.worker_heartbeat_latest(),
            "worker_alive": selectors.worker_is_alive(),
        },
    )


@admin_required
def audit_log(request: AuthedRequest) -> HttpResponse:
    """Who read, exported or changed which client's records, when and from where, in words;
    narrowed by client, person, act and days. It names clients, so the view is itself recorded."""
    kind = "reads" if request.GET.get("kind") == "reads" else "changes"
    actions = [*selectors.READ_ACTIONS] if kind == "reads" else selectors.change_actions()
    form = AuditLogFilterForm(request.GET or None, actions=actions, viewer=request.user)
    filters = form.filters() if form.is_bound else selectors.AuditFilters()
    paginator: Paginator
    if kind == "reads" and filters == selectors.AuditFilters():
        # The reads as the log opens, unfiltered: compiled once.
        paginator = selectors.chart_read_paginator(per_page=PAGE_SIZE)
    else:
        list_of = selectors.chart_read_list if kind == "reads" else selectors.record_change_list
        rows = list_of(filters=filters) if filters else list_of().none()  # bad input: none
        paginator = CappedPaginator(rows, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    lines = (
        selectors.audit_lines(reads=page)
        if kind == "reads"
        else selectors.audit_lines(entries=page)
    )
    services.chart_reads_record(
        request=request,
        client_ids=[pk for line in lines for pk in line.client_ids],
        what="audit log",
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "iop/audit_log.html",
        {"kind": kind, "form": form, "page": page, "lines": lines, "query": query.urlencode(),
         "client_ids": form.client_ids},
    )  # fmt: skip


@admin_required
def audit_read_clients(request: AuthedRequest, pk: int) -> HttpResponse:
    """Every client one read of the audit log showed, loaded when its line is opened (the line
    names the first few). It names them, so it is recorded as the audit log is."""
    clients = selectors.chart_read_client_labels(pk=pk)
    services.chart_reads_record(
        request=request, client_ids=[client_id for client_id, _ in clients], what="audit log"
    )
    return render(request, "iop/_audit_read_clients.html", {"clients": clients})


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


def _next_url(request: AuthedRequest) -> str:
    """Where the page that sent here to give a second factor was going, if it is a path of ours."""
    url = request.POST.get("next") or request.GET.get("next", "")
    allowed = url.startswith("/") and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if allowed else resolve_url(settings.LOGIN_REDIRECT_URL)


@second_factor_not_required
@staff_required
def second_factor_verify(request: AuthedRequest) -> HttpResponse:
    """The second step of a staff login: a code from the authenticator app or a recovery code."""
    if is_verified(request):
        return redirect(_next_url(request))
    if not authenticator_get(user=request.user):
        return redirect("second-factor-enrol")
    credentials = {"username": request.user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        logout(request)
        return get_lockout_response(request, None, credentials)
    form = SecondFactorCodeForm(request.POST or None)
    verified = service_result(
        request,
        form,
        lambda: services.second_factor_verify(
            request=request, actor=request.user, code=form.cleaned_data["code"]
        ),
    )
    if verified:
        return redirect(_next_url(request))
    if getattr(request, "axes_locked_out", False):
        logout(request)  # that was the last try: django-axes' middleware answers with its page
    return render(
        request,
        "registration/second_factor_verify.html",
        {"form": form, "next": _next_url(request)},
    )


@second_factor_not_required
@staff_required
def second_factor_enrol(request: AuthedRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code (or type the secret), enter the code it shows.
    Replacing an enrolled app needs this session verified with it first. Done, the page shows new
    recovery codes, once."""
    if authenticator_get(user=request.user) and not is_verified(request):
        return redirect("second-factor-verify")
    key = request.session.setdefault(PENDING_KEY_SESSION_KEY, default_key())
    form = AuthenticatorConfirmForm(request.POST or None)
    device = service_result(
        request,
        form,
        lambda: services.totp_device_confirm(
            actor=request.user, key=key, code=form.cleaned_data["code"]
        ),
    )
    if device:
        otp_login(request, device)
        del request.session[PENDING_KEY_SESSION_KEY]
        return _recovery_codes_page(request, services.recovery_codes_create(actor=request.user))
    qr_svg, secret = authenticator_setup(user=request.user, key=key)
    return render(
        request,
        "registration/second_factor_enrol.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret": secret,
            "enrolled": is_verified(request),
            "second_factor_pending": not is_verified(request),
            "recovery_codes_left": recovery_codes_left(user=request.user),
        },
    )


@staff_required
@require_POST
def recovery_codes_create(request: AuthedRequest) -> HttpResponse:
    """New recovery codes, replacing those left; shown on this page only."""
    return _recovery_codes_page(request, services.recovery_codes_create(actor=request.user))


def _recovery_codes_page(request: AuthedRequest, codes: list[str]) -> HttpResponse:
    return render(request, "registration/recovery_codes.html", {"codes": codes})


@login_not_required
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says. Not a permanent
    redirect: the file's name changes with its content in production (hashed static files)."""
    return redirect(static("favicon.svg"))


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
