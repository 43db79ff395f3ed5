from django.contrib import admin

from iop.admin import ReadOnlyAdmin

from .models import Client, ProgramTrack


@admin.register(ProgramTrack)
class ProgramTrackAdmin(ReadOnlyAdmin):
    """Admins edit tracks in the app (clients:tracks), whose service recomputes weekly hours."""

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
