from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from . import views
from .forms import LoginForm

iop_patterns = (
    [
        path("dashboard/", views.dashboard, name="dashboard"),
        path("audit/", views.audit_log, name="audit-log"),
        path(
            "audit/reads/<int:pk>/clients/",
            views.audit_read_clients,
            name="audit-read-clients",
        ),
        path("staff/", views.staff_list, name="staff"),
        path("staff/<int:pk>/active/", views.staff_set_active, name="staff-set-active"),
    ],
    "iop",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path(
        "accounts/login/",
        login_not_required(
            auth_views.LoginView.as_view(
                authentication_form=LoginForm, redirect_authenticated_user=True
            )
        ),
        name="login",
    ),
    path("accounts/second-factor/", views.second_factor_verify, name="second-factor-verify"),
    path("accounts/second-factor/enrol/", views.second_factor_enrol, name="second-factor-enrol"),
    path(
        "accounts/second-factor/recovery-codes/",
        views.recovery_codes_create,
        name="recovery-codes-create",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("clinic/", include(iop_patterns)),
    path("clients/", include("clients.urls")),
    path("groups/", include("groups.urls")),
    path("schedule/", include("scheduling.urls")),
    path("admin/", admin.site.urls),
]
