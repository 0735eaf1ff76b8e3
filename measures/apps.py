from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "measures"
    verbose_name = "Outcome measures"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The questionnaires are data files (the built-in ones and the practice's own): a bad
        # file stops start-up with one line naming the file and the problem
        # (catalogue.MeasureFileError, an ImproperlyConfigured), not at the first score.
        from . import catalogue

        catalogue.all_measures()

        # clients and sessions sit below measures: their pages get the measures through these.
        from clients import pages
        from sessions import form_aids, panels

        from . import panels as measure_panels
        from .pages import client_page_measures

        pages.add_to_client_page(client_page_measures, every_session=False)
        panels.register("dashboard", measure_panels.dashboard_attention)
        panels.register("appointment_marks", measure_panels.appointment_marks)
        panels.register("note", measure_panels.note_risk)
        form_aids.register(measure_panels.form_risk)
