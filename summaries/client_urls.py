"""Routes under a client's address (/clients/<id>/...), included by config/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("export/", views.client_export, name="client_export"),
]
