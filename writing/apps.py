from django.apps import AppConfig


class WritingConfig(AppConfig):
    name = "writing"
    verbose_name = "Writing aids"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # sessions sits below writing: the note form gets the template picker and the snippets
        # through this extension point, without importing writing.
        from sessions import form_aids

        from .form_tools import note_form_tools

        form_aids.register(note_form_tools)
