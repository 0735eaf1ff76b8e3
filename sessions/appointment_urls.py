from django.urls import path

from . import appointment_views

urlpatterns = [path("", appointment_views.write_note, name="appointment_note")]
