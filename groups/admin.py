from django.contrib import admin

from .models import Room


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    """Rooms are not clinical records; admins keep the list here."""

    list_display = ["name", "location", "capacity", "is_active"]
    list_filter = ["is_active"]
