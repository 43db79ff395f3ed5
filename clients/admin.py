from django.contrib import admin

from iop.admin import ReadOnlyAdmin

from .models import Authorization, Client, Payer, PayerUnitRule, ProgramTrack


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


class PayerUnitRuleInline(admin.TabularInline):
    model = PayerUnitRule
    extra = 1


@admin.register(Payer)
class PayerAdmin(admin.ModelAdmin):
    """Admins keep the payers and how each counts units (configuration, not clinical data)."""

    list_display = ("name",)
    inlines = [PayerUnitRuleInline]


@admin.register(Authorization)
class AuthorizationAdmin(ReadOnlyAdmin):
    list_display = ("number", "client", "payer", "service_code", "first_day", "last_day")
    list_filter = ("payer", "service_code")
