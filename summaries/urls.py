from django.urls import include, path

from . import views

urlpatterns = [
    path("clients/<uuid:client_pk>/", views.case_summary, name="case_summary"),
    path("prepared/", include("summaries.job_urls")),
]
