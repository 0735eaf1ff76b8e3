"""Routes under a client's address (/clients/<id>/...), included by config/urls.py."""

from django.urls import path

from . import erasure_views

urlpatterns = [
    path("delete/", erasure_views.client_erase, name="client_erase"),
]
