"""What the note pages need from the app that owns themes, without importing it.

sessions sits below themes in the dependency order (docs/architecture.md): it stores each
note's theme links (``links.ThemeLink``) but does not know a therapist's themes, their names,
or how suggestions are read out of a note. The themes app plugs that in when Django starts
(``themes.apps.ThemesConfig.ready`` calls ``register``). Without it, notes have no theme
fields, no suggestions and no risk quotes, and everything else works.
"""

from dataclasses import dataclass, field

from .links import ThemeLink


@dataclass(frozen=True)
class ThemeOption:
    """A theme the session form offers: a select named after its id, shown with its name."""

    id: int
    name: str
    description: str = ""


@dataclass(frozen=True)
class ThemeGroup:
    label: str
    options: list[ThemeOption] = field(default_factory=list)


@dataclass(frozen=True)
class Suggestions:
    """What a note page shows under the text: suggested themes (dicts, as the suggestion
    endpoint answers) and risk notices ready to show."""

    themes: list[dict] = field(default_factory=list)
    risk_notices: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class ShownTheme:
    """A theme link with the theme it names, for badges on a page."""

    theme: object  # the themes app's Theme
    link: ThemeLink

    @property
    def intensity(self) -> int:
        return self.link.intensity

    @property
    def intensity_label(self) -> str:
        return self.link.intensity_label


class NoThemes:
    """Notes without themes: what sessions does when no themes app is installed."""

    def options(self, user, *, keep: set[int]) -> tuple[list[ThemeGroup], set[int]]:
        """The groups of themes the form offers (active ones, and inactive ones in ``keep``),
        and the ids of every theme the user may use."""
        return [], set()

    def current_risk_phrases(self, text: str, *, plan: str) -> list[str]:
        """The phrases of ``text`` that describe current risk, for the form's message."""
        return []

    def suggestions(self, text: str, *, user, client, plan: str, exclude_ids) -> Suggestions:
        return Suggestions()

    def shown(self, sessions, user) -> list[list[ShownTheme]]:
        """Each session's themes, strongest first, for its badges."""
        return [[] for _ in sessions]


_provider = NoThemes()


def register(provider) -> None:
    global _provider
    _provider = provider


def note_themes():
    return _provider
