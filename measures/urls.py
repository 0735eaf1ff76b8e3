from django.urls import path

from . import handover, link_views, views

urlpatterns = [
    path("attention/", views.measures_attention, name="measures_attention"),
    path("clients/<uuid:client_pk>/", views.client_measures, name="client_measures"),
    path("clients/<uuid:client_pk>/record/", views.measure_choose, name="measure_choose"),
    path(
        "clients/<uuid:client_pk>/record/<slug:slug>/",
        views.measure_record,
        name="measure_record",
    ),
    path("clients/<uuid:client_pk>/due/", views.measure_schedule, name="measure_schedule"),
    path("clients/<uuid:client_pk>/progress/", views.client_progress, name="client_progress"),
    path(
        "clients/<uuid:client_pk>/hand-over/<slug:slug>/",
        handover.handover_start,
        name="handover_start",
    ),
    path(
        "clients/<uuid:client_pk>/link/<slug:slug>/",
        link_views.measure_link_create,
        name="measure_link_create",
    ),
    # Hand-over mode: the only pages a session in it may reach (measures/handover.py).
    path("hand-over/", handover.handover_questionnaire, name="handover_questionnaire"),
    path("hand-over/give-back/", handover.handover_give_back, name="handover_give_back"),
    path("hand-over/locked/", handover.handover_locked, name="handover_locked"),
]
