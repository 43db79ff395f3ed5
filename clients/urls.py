from django.urls import path

from . import views

app_name = "clients"
urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("me/", views.portal, name="portal"),
    path("<int:pk>/", views.chart, name="chart"),
]
