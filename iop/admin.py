from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from .models import ChartRead, User


@admin.register(User)
class ClinicUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "email", "role", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Clinic", {"fields": ("role",)}))
    add_fieldsets = (*UserAdmin.add_fieldsets, ("Clinic", {"fields": ("role",)}))


@admin.register(ChartRead)
class ChartReadAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "client_id", "what", "ip_address")
    list_filter = ("what",)

    def has_add_permission(self, request: HttpRequest) -> bool:  # written by the app only
        return False

    def has_change_permission(self, request: HttpRequest, obj: ChartRead | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ChartRead | None = None) -> bool:
        return False
