from django.contrib import admin
from django.http import HttpRequest

from .models import Client, ProgramTrack


@admin.register(ProgramTrack)
class ProgramTrackAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "weekly_minimum_minutes",
        "weekly_maximum_minutes",
        "minimum_treatment_days",
    )


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ("mrn", "legal_last_name", "legal_first_name", "status", "primary_clinician")
    list_filter = ("status", "track")
    search_fields = ("mrn", "legal_last_name", "legal_first_name", "preferred_name")
    readonly_fields = ("mrn",)

    def has_add_permission(self, request: HttpRequest) -> bool:  # registered through the services
        return False
