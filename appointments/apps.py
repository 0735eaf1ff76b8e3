from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Appointments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from clients import pages

        from .pages import client_page_appointments

        pages.add_to_client_page(client_page_appointments, every_session=False)
