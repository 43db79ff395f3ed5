app_name = "scheduling"
urlpatterns: list = []

from django.urls import path  # noqa: E402

from .views import documentation  # noqa: E402

urlpatterns += [
    path("today/", documentation.today, name="today"),
    path("overdue/", documentation.overdue, name="overdue"),
    path("sessions/<int:pk>/", documentation.session_detail, name="session-detail"),
    path("sessions/<int:pk>/summary/", documentation.session_summary, name="session-summary"),
    path("sessions/<int:pk>/drop-ins/", documentation.session_drop_in, name="session-drop-in"),
    path("sessions/<int:pk>/notes/<int:client_pk>/", documentation.note, name="note"),
    path("notes/<int:pk>/addenda/", documentation.note_addendum, name="note-addendum"),
]
