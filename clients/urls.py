from django.urls import path

from . import views

urlpatterns = [
    path("", views.client_list, name="client_list"),
    path("new/", views.client_create, name="client_create"),
    path("<uuid:pk>/", views.client_detail, name="client_detail"),
    path("<uuid:pk>/edit/", views.client_edit, name="client_edit"),
    path("<uuid:pk>/discharge/", views.client_discharge, name="client_discharge"),
]
