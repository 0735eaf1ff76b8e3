from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "measures"
    verbose_name = "Outcome measures"
    default_auto_field = "django.db.models.BigAutoField"
