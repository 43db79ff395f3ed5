from django.contrib import admin

from iop.admin import ReadOnlyAdmin

from .models import ClinicClosure


@admin.register(ClinicClosure)
class ClinicClosureAdmin(ReadOnlyAdmin):
    list_display = ("label", "first_day", "last_day", "created_by", "withdrawn_at")
    list_filter = ("withdrawn_at",)
