"""Django's admin site is for the superuser, a separate account kept for IT; clinic admins work in
the app, whose services keep the clinic's rules. Clinical models are shown there read-only."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class SuperuserAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser


class SuperuserAdminConfig(AdminConfig):
    default_site = "iop.admin_site.SuperuserAdminSite"
