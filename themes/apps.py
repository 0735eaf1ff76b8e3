from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class ThemesConfig(AppConfig):
    name = "themes"
    verbose_name = "Themes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The taxonomy, cues and word lists are data files: a bad entry stops start-up with one
        # line naming the file and the entry, instead of failing at the first suggestion.
        from clients import pages
        from sessions import tagging

        from . import lexicon, suggest
        from .note_themes import ThemeTagging, client_page_themes

        # clients and sessions sit below themes: their pages get themes through these.
        tagging.register(ThemeTagging())
        pages.add_to_client_page(client_page_themes, every_session=False)
        try:
            suggest.check()
        except lexicon.LexiconError as exc:
            raise ImproperlyConfigured(f"Theme data: {exc}") from None
