from django.urls import path

from . import views

urlpatterns = [
    path("clients/<uuid:client_pk>/", views.case_summary, name="case_summary"),
]
