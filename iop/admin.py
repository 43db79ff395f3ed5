from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Model
from django.http import HttpRequest

from .models import ChartRead, User


@admin.register(User)
class ClinicUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "email", "role", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Clinic", {"fields": ("role",)}))
    add_fieldsets = (*UserAdmin.add_fieldsets, ("Clinic", {"fields": ("role",)}))


class ReadOnlyAdmin(admin.ModelAdmin):
    """Clinical records and their audit are written by the app's services only, which keep the
    clinic's rules; the superuser may look at them in Django's admin, never change them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(ChartRead)
class ChartReadAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "action", "client_ids", "what", "ip_address")
    list_filter = ("action", "what")
