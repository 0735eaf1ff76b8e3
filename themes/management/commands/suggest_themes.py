"""Suggest themes for a note read on standard input; print them and any risk flags as JSON."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from themes.models import Theme
from themes.suggest import built_in_catalogue, catalogue, suggest


class Command(BaseCommand):
    help = (
        "Read note text (UTF-8) on standard input and print suggested themes as JSON: "
        '{"themes": [{"theme", "name", "category", "score", "evidence"}, ...], '
        '"risk": [{"kind", "label", "status", "evidence"}, ...]}, themes by score; a risk '
        "status is current, denied, historical, hypothetical, question or other_person. "
        "Nothing is stored."
    )
    stealth_options = ("stdin",)

    def handle(self, *args, **options) -> None:
        text = read_note_text(options.get("stdin") or sys.stdin)
        result = suggest(text, themes=self._catalogue())
        self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))

    def _catalogue(self) -> dict[str, tuple[str, str]]:
        """The active themes, as the therapist has named them; the built-in taxonomy when the
        database is not set up (the suggestions need no database)."""
        try:
            return catalogue(Theme.objects.active().only("slug", "name", "category"))
        except DatabaseError:
            self.stderr.write("note: no theme table in the database; using the built-in themes")
            return built_in_catalogue()


def read_note_text(stream) -> str:
    """The note text from a binary or text stream; CommandError on empty or non-text input."""
    data = stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise CommandError("input is not UTF-8 text") from None
    if "\x00" in data:
        raise CommandError("input is not UTF-8 text")
    data = data.removeprefix("\ufeff")
    if not data.strip():
        raise CommandError("no note text on standard input")
    return data
