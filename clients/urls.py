from django.urls import path

from . import views

app_name = "clients"
urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create, name="create"),
    path("caseload/", views.caseload, name="caseload"),
    path("emergency-access/", views.emergency_access, name="emergency-access"),
    path("emergency-access/review/", views.emergency_access_review, name="emergency-access-review"),
    path("census/", views.census, name="census"),
    path("me/", views.portal, name="portal"),
    path("me/plans/<int:plan_pk>/", views.my_plan, name="my-plan"),
    path("me/disclosures/", views.my_disclosures, name="my-disclosures"),
    path("<int:pk>/", views.chart, name="chart"),
    path("<int:pk>/edit/", views.client_edit, name="edit"),
    path("<int:pk>/intake/<slug:step>/", views.intake, name="intake"),
    path("<int:pk>/level-of-care/", views.level_of_care_change, name="level-of-care"),
    path("<int:pk>/consents/new/", views.consent_create, name="consent-create"),
    path("<int:pk>/consents/<int:consent_pk>/revoke/", views.consent_revoke, name="consent-revoke"),
    path("<int:pk>/disclose/", views.disclose, name="disclose"),
    path("<int:pk>/plans/new/", views.plan_create, name="plan-create"),
    path("<int:pk>/plans/<int:plan_pk>/", views.plan, name="plan"),
    path("<int:pk>/plans/<int:plan_pk>/activate/", views.plan_activate, name="plan-activate"),
    path("<int:pk>/plans/<int:plan_pk>/review/", views.plan_review, name="plan-review"),
    path("<int:pk>/discharge/", views.discharge, name="discharge"),
]
