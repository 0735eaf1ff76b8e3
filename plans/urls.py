from django.urls import path

from . import views

urlpatterns = [
    path("clients/<uuid:client_pk>/", views.plan_detail, name="plan_detail"),
    path("clients/<uuid:client_pk>/edit/", views.plan_edit, name="plan_edit"),
    path("clients/<uuid:client_pk>/sign/", views.plan_sign, name="plan_sign"),
    path("clients/<uuid:client_pk>/discard/", views.plan_discard, name="plan_discard"),
    path("versions/<uuid:pk>/", views.plan_version_detail, name="plan_version_detail"),
]
