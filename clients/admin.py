from django.contrib import admin

from iop.admin import ReadOnlyAdmin

from .models import Client, ClinicalAlert, ProgramTrack


@admin.register(ProgramTrack)
class ProgramTrackAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "weekly_minimum_minutes",
        "weekly_maximum_minutes",
        "minimum_treatment_days",
    )


@admin.register(Client)
class ClientAdmin(ReadOnlyAdmin):
    list_display = ("mrn", "legal_last_name", "legal_first_name", "status", "primary_clinician")
    list_filter = ("status", "track")
    search_fields = ("mrn", "legal_last_name", "legal_first_name", "preferred_name")


@admin.register(ClinicalAlert)
class ClinicalAlertAdmin(ReadOnlyAdmin):
    list_display = ("client", "kind", "urgent", "opened_at", "followed_up_at", "followed_up_by")
    list_filter = ("kind", "urgent")
