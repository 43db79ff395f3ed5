from django.urls import path

from .views import calendars, compliance, documentation, feeds, home, reports, sessions

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
    path("today/", documentation.today, name="today"),
    path("overdue/", documentation.overdue, name="overdue"),
    path("sessions/<int:pk>/", documentation.session_detail, name="session-detail"),
    path("sessions/<int:pk>/summary/", documentation.session_summary, name="session-summary"),
    path("sessions/<int:pk>/drop-ins/", documentation.session_drop_in, name="session-drop-in"),
    path("sessions/<int:pk>/notes/<int:client_pk>/", documentation.note, name="note"),
    path("notes/<int:pk>/addenda/", documentation.note_addendum, name="note-addendum"),
    path("hours/<int:pk>/", compliance.client_hours, name="client-hours"),
    path("clients/<int:pk>/activity/", compliance.client_chart_activity, name="client-activity"),
    path("me/hours/", compliance.my_hours, name="my-hours"),
    path("me/reminders/", compliance.reminder_preferences, name="reminder-preferences"),
    path("reminders/", compliance.reminder_settings, name="reminder-settings"),
    path("reminders/health/", compliance.reminder_health, name="reminder-health"),
    path("compliance/", compliance.compliance_report, name="compliance-report"),
    path("compliance/export.csv", compliance.compliance_export, name="compliance-export"),
    path("home/hours/", home.home_hours, name="home-hours"),
    path("home/overdue/", home.home_overdue, name="home-overdue"),
    path("reports/", reports.reports, name="reports"),
    path("reports/<slug:slug>/", reports.report, name="report"),
    path("reports/<slug:slug>/export.csv", reports.report_export, name="report-export"),
    path("alerts/", compliance.alerts, name="alerts"),
    path("alerts/<int:pk>/resolve/", compliance.alert_resolve, name="alert-resolve"),
]
