from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from iop.admin import ReadOnlyAdmin

from .models import (
    Authorization,
    CheckIn,
    Client,
    ClinicalAlert,
    DrugScreen,
    DrugScreenResult,
    InstrumentVersion,
    MeasureSchedule,
    Payer,
    PayerUnitRule,
    ProgramTrack,
)


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


@admin.register(InstrumentVersion)
class InstrumentVersionAdmin(ReadOnlyAdmin):
    list_display = ("instrument", "version", "published_at")


@admin.register(MeasureSchedule)
class MeasureScheduleAdmin(ReadOnlyAdmin):
    list_display = ("track", "instrument", "at_admission", "every_days", "at_discharge")


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    list_display = ("client", "instrument", "due_on", "submitted_at", "on_paper")
    exclude = ("answers", "scores")


@admin.register(ClinicalAlert)
class ClinicalAlertAdmin(ReadOnlyAdmin):
    list_display = ("client", "kind", "urgent", "opened_at", "followed_up_at", "followed_up_by")
    list_filter = ("kind", "urgent")


class DrugScreenResultInline(admin.TabularInline):
    model = DrugScreenResult
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(DrugScreen)
class DrugScreenAdmin(ReadOnlyAdmin):
    list_display = ("client", "collected_on", "panel", "observed", "recorded_by", "voided_at")
    list_filter = ("panel", "observed")
    inlines = [DrugScreenResultInline]


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
