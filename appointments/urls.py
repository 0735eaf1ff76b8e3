from django.urls import path

from . import views

urlpatterns = [
    path("", views.week, name="appointment_week"),
    path("new/", views.book, name="appointment_book"),
    path("<uuid:pk>/", views.detail, name="appointment_detail"),
    path("<uuid:pk>/change/", views.change, name="appointment_change"),
    path("<uuid:pk>/status/", views.set_status, name="appointment_status"),
]
