from django.urls import path

from . import suggest_views, views

urlpatterns = [
    path("", views.theme_list, name="theme_list"),
    path("new/", views.theme_create, name="theme_create"),
    path("<int:pk>/edit/", views.theme_edit, name="theme_edit"),
    path("<int:pk>/delete/", views.theme_delete, name="theme_delete"),
    path("suggest/", suggest_views.theme_suggestions, name="theme_suggest"),
    path("caseload/", views.theme_caseload, name="theme_caseload"),
    path("clients/<uuid:client_pk>/", views.client_themes, name="client_themes"),
    path(
        "clients/<uuid:client_pk>/not-suggested/",
        suggest_views.client_theme_exclusions,
        name="client_theme_exclusions",
    ),
    path(
        "clients/<uuid:client_pk>/<slug:slug>/",
        views.client_theme_sessions,
        name="client_theme_sessions",
    ),
]
