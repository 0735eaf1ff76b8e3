from django.urls import path

from . import print_views, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("clients/<uuid:client_pk>/sessions/new/", views.session_create, name="session_create"),
    path("sessions/log/", views.session_start, name="session_start"),
    path("sessions/<uuid:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<uuid:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<uuid:pk>/print/", print_views.session_print, name="session_print"),
    path("sessions/<uuid:pk>/sign/", views.session_sign, name="session_sign"),
    path("sessions/<uuid:pk>/addenda/", views.addendum_create, name="addendum_create"),
    path("sessions/<uuid:pk>/process-note/", views.process_note, name="process_note"),
    path("drafts/<uuid:draft_key>/autosave/", views.autosave, name="draft_autosave"),
    path("drafts/<uuid:draft_key>/", views.draft_detail, name="draft_detail"),
    path("drafts/<uuid:draft_key>/discard/", views.draft_discard, name="draft_discard"),
]
