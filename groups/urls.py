from django.urls import path

from . import views

app_name = "groups"
urlpatterns = [
    path("", views.group_list, name="list"),
    path("new/", views.group_create, name="create"),
    path("rooms/", views.room_list, name="rooms"),
    path("rooms/new/", views.room_create, name="room-create"),
    path("rooms/<int:pk>/edit/", views.room_edit, name="room-edit"),
    path("near-capacity/", views.near_capacity, name="near-capacity"),
    path("<int:pk>/edit/", views.group_edit, name="edit"),
    path("<int:pk>/roster/", views.roster, name="roster"),
    path("enrollments/<int:pk>/end/", views.enrollment_end, name="enrollment-end"),
    path("enrollments/<int:pk>/void/", views.enrollment_void, name="enrollment-void"),
]
