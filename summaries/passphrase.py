"""Which passphrases a case summary may be encrypted with: those that every common PDF reader
opens (docs/case-summary.md, "Passphrase").

- Printable ASCII only (letters without accents, digits, the space and the punctuation of a
  US keyboard). For AES-256 the PDF 2.0 standard has the writer normalise the passphrase
  (SASLprep: NFKC, some characters dropped or turned into spaces) and encode it as UTF-8;
  readers do not all do the same, so anything else may give a file that will not open.
- At most 32 characters: poppler's tools keep only the first 32 bytes of a password, so a
  longer one never opens the file there. The bound also keeps a huge post from holding a
  worker in pypdf's normalisation.
"""

import string

MIN_LENGTH = 12
MAX_LENGTH = 32
PUNCTUATION = string.punctuation  # !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~
ALLOWED = frozenset(string.ascii_letters + string.digits + " " + PUNCTUATION)
_SHOWN_AT_MOST = 5


def passphrase_problems(passphrase: str) -> list[str]:
    """What makes the passphrase unfit, one sentence each (empty: it is fine)."""
    problems = []
    if len(passphrase) < MIN_LENGTH:
        problems.append(f"Use at least {MIN_LENGTH} characters.")
    elif len(passphrase) > MAX_LENGTH:
        problems.append(
            f"Use at most {MAX_LENGTH} characters (this one has {len(passphrase):,}): some PDF "
            "readers read only the first 32, and the file would not open there."
        )
    refused = sorted(set(passphrase) - ALLOWED)
    if refused:
        shown = ", ".join(_describe(character) for character in refused[:_SHOWN_AT_MOST])
        more = f" and {len(refused) - _SHOWN_AT_MOST} more" if len(refused) > _SHOWN_AT_MOST else ""
        problems.append(
            "Use only letters A to Z without accents, digits, spaces and the marks listed "
            f"below: PDF readers differ on any other character. Not allowed: {shown}{more}."
        )
    return problems


def _describe(character: str) -> str:
    if character.isprintable() and not character.isspace():
        return f"“{character}” (U+{ord(character):04X})"
    return f"a space or invisible character (U+{ord(character):04X})"
