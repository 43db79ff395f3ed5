from django.urls import path

from . import views

app_name = "scheduling"
urlpatterns: list = [
    path("hours/<int:pk>/", views.client_hours, name="client-hours"),
    path("me/hours/", views.my_hours, name="my-hours"),
    path("me/reminders/", views.reminder_preferences, name="reminder-preferences"),
    path("reminders/", views.reminder_settings, name="reminder-settings"),
    path("reminders/health/", views.reminder_health, name="reminder-health"),
    path("compliance/", views.compliance_report, name="compliance-report"),
    path("compliance/export.csv", views.compliance_export, name="compliance-export"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/resolve/", views.alert_resolve, name="alert-resolve"),
]
