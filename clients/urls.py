from django.urls import path

from . import measure_views, views

app_name = "clients"
urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create, name="create"),
    path("caseload/", views.caseload, name="caseload"),
    path("emergency-access/", views.emergency_access, name="emergency-access"),
    path("emergency-access/review/", views.emergency_access_review, name="emergency-access-review"),
    path("me/", views.portal, name="portal"),
    path("outcomes/", measure_views.outcomes, name="outcomes"),
    path("outcomes/export/", measure_views.outcomes_export, name="outcomes-export"),
    path("outcomes/summary/", measure_views.outcomes_summary, name="outcomes-summary"),
    path("me/plans/<int:plan_pk>/", views.my_plan, name="my-plan"),
    path("me/disclosures/", views.my_disclosures, name="my-disclosures"),
    path("me/check-ins/<int:pk>/", measure_views.my_checkin, name="my-checkin"),
    path("me/check-ins/<int:pk>/save/", measure_views.my_checkin_save, name="my-checkin-save"),
    path("<int:pk>/", views.chart, name="chart"),
    path("<int:pk>/edit/", views.client_edit, name="edit"),
    path("<int:pk>/intake/<slug:step>/", views.intake, name="intake"),
    path("<int:pk>/level-of-care/", views.level_of_care_change, name="level-of-care"),
    path("<int:pk>/consents/new/", views.consent_create, name="consent-create"),
    path("<int:pk>/consents/<int:consent_pk>/revoke/", views.consent_revoke, name="consent-revoke"),
    path("<int:pk>/disclose/", views.disclose, name="disclose"),
    path("<int:pk>/access-report/", views.access_report, name="access-report"),
    path("<int:pk>/access-report.csv", views.access_report_csv, name="access-report-csv"),
    path("<int:pk>/disclosures/", views.disclosure_accounting, name="disclosure-accounting"),
    path(
        "<int:pk>/disclosures.csv",
        views.disclosure_accounting_csv,
        name="disclosure-accounting-csv",
    ),
    path("<int:pk>/plans/new/", views.plan_create, name="plan-create"),
    path("<int:pk>/plans/<int:plan_pk>/", views.plan, name="plan"),
    path("<int:pk>/plans/<int:plan_pk>/activate/", views.plan_activate, name="plan-activate"),
    path("<int:pk>/plans/<int:plan_pk>/review/", views.plan_review, name="plan-review"),
    path("<int:pk>/discharge/", views.discharge, name="discharge"),
    path("<int:pk>/drug-screens/new/", views.drug_screen_record, name="drug-screen-record"),
    path(
        "<int:pk>/drug-screens/<int:screen_pk>/void/",
        views.drug_screen_void,
        name="drug-screen-void",
    ),
    path("<int:pk>/check-ins/<int:checkin_pk>/", measure_views.checkin, name="checkin"),
    path(
        "<int:pk>/check-ins/paper/<slug:instrument>/",
        measure_views.checkin_paper,
        name="checkin-paper",
    ),
    path(
        "<int:pk>/alerts/<int:alert_pk>/follow-up/",
        views.clinical_alert_follow_up,
        name="alert-follow-up",
    ),
]
