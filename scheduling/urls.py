from django.urls import path

from .views import calendars, feeds, sessions

app_name = "scheduling"
urlpatterns = [
    path("", calendars.my_schedule, name="my-schedule"),
    path("week/", calendars.clinician_week, name="clinician-week"),
    path("day/", calendars.clinic_day, name="clinic-day"),
    path("sessions/new/", sessions.session_new, name="session-new"),
    path("sessions/<int:pk>/cancel/", sessions.session_cancel, name="session-cancel"),
    path("sessions/<int:pk>/reschedule/", sessions.session_reschedule, name="session-reschedule"),
    path("calendar-link/", feeds.feed_settings, name="feed-settings"),
    path("feed/<str:token>.ics", feeds.feed, name="feed"),
]
