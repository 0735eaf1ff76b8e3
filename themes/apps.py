from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class ThemesConfig(AppConfig):
    name = "themes"
    verbose_name = "Themes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The taxonomy, cues and word lists are data files: a bad entry stops start-up with one
        # line naming the file and the entry, instead of failing at the first suggestion.
        from . import lexicon, suggest

        try:
            suggest.check()
        except lexicon.LexiconError as exc:
            raise ImproperlyConfigured(f"Theme data: {exc}") from None
