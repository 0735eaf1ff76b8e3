"""The calendar import's pages, under /appointments/import/ (config/urls.py)."""

from django.urls import path

from . import import_views

urlpatterns = [
    path("", import_views.calendar_import, name="calendar_import"),
    path("review/", import_views.calendar_import_review, name="calendar_import_review"),
]
