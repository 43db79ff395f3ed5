from django.contrib import admin

from iop.admin import ReadOnlyAdmin

from .models import Room


@admin.register(Room)
class RoomAdmin(ReadOnlyAdmin):
    """Admins keep the rooms in the app (groups:rooms); retired, never deleted."""

    list_display = ["name", "location", "capacity", "is_active"]
    list_filter = ["is_active"]
