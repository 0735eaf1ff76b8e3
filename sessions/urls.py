from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("clients/<uuid:client_pk>/sessions/new/", views.session_create, name="session_create"),
    path("sessions/log/", views.session_start, name="session_start"),
    path("sessions/<uuid:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<uuid:pk>/edit/", views.session_edit, name="session_edit"),
]
