"""Routes under a note's address (/sessions/<id>/themes/...), included by config/urls.py."""

from django.urls import path

from . import note_views

urlpatterns = [
    path("accept/", note_views.session_accept_theme, name="session_accept_theme"),
    path("dismiss/", note_views.session_dismiss_theme, name="session_dismiss_theme"),
]
