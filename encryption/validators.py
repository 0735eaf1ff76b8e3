import unicodedata

from django.core.exceptions import ValidationError

_ALLOWED_CONTROLS = {"\t", "\n", "\r"}


def validate_plain_text(value: str) -> None:
    """Refuse control characters and unpaired surrogates, which no clinician types."""
    if not isinstance(value, str):
        return
    for character in value:
        category = unicodedata.category(character)
        if category == "Cc" and character not in _ALLOWED_CONTROLS:
            raise ValidationError(
                "Remove the control character (code %(code)s): it cannot be stored.",
                code="control_character",
                params={"code": f"U+{ord(character):04X}"},
            )
        if category == "Cs":
            raise ValidationError(
                "This text contains an invalid character (an unpaired surrogate).",
                code="surrogate",
            )
