"""What a name must hold: at least one character that can be seen.

Used for people's names (a client's, an account's) and for theme names. Spaces are stripped by
the forms, but a zero-width space, a joiner, a direction mark or a Hangul filler is not
whitespace to Python: alone, they make a name that shows as nothing.
"""

import unicodedata

from django.core.exceptions import ValidationError

# Letters and symbols that draw nothing: the Hangul fillers and the blank braille pattern.
BLANK_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Letters, numbers, punctuation and symbols; not marks alone, spaces, or format characters
# (Cf: zero-width spaces and joiners, direction marks, the byte-order mark).
VISIBLE_CATEGORIES = frozenset("LNPS")


def is_visible(character: str) -> bool:
    return (
        unicodedata.category(character)[0] in VISIBLE_CATEGORIES
        and character not in BLANK_CHARACTERS
    )


def validate_visible_name(value: str) -> None:
    if isinstance(value, str) and not any(is_visible(character) for character in value):
        raise ValidationError(
            "Type a name that can be seen: this one holds only spaces or invisible characters.",
            code="invisible_name",
        )
