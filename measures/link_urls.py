"""The client's one-time questionnaire address, mounted at a short public prefix (/q/):
anonymous, the token is the key (measures/link_views.py)."""

from django.urls import path

from . import link_views

urlpatterns = [
    path("<str:token>/", link_views.measure_link, name="measure_link"),
]
