"""A large summary prepared outside the request (jobs.py), under /summaries/prepared/."""

from django.urls import path

from . import job_views

urlpatterns = [
    path("<uuid:pk>/", job_views.prepared_summary, name="prepared_summary"),
    path("<uuid:pk>/status/", job_views.prepared_summary_status, name="prepared_summary_status"),
    path(
        "<uuid:pk>/download/",
        job_views.prepared_summary_download,
        name="prepared_summary_download",
    ),
    path("<uuid:pk>/discard/", job_views.prepared_summary_discard, name="prepared_summary_discard"),
]
