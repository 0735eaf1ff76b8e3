from django.apps import AppConfig


class TherapySessionsConfig(AppConfig):
    name = "sessions"
    # "sessions" is taken by django.contrib.sessions; this label is fixed for good.
    label = "therapy_sessions"
    verbose_name = "Therapy sessions"
    default_auto_field = "django.db.models.BigAutoField"
