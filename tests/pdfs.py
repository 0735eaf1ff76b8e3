"""PDFs read back as a person would read them: their text through poppler's pdftotext, and
canaries that a PDF keeps whole so that a search of that text finds them."""

import secrets
import shutil
import subprocess

PDFTOTEXT = shutil.which("pdftotext")


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF as pdftotext reads it, with runs of whitespace made single spaces."""
    result = subprocess.run(
        [PDFTOTEXT, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode("utf-8").split())


def ascii_canary(word: str) -> str:
    """A canary a PDF keeps on one line and pdftotext reads back exactly: ASCII, no spaces."""
    return f"{word}{secrets.token_hex(5)}"
