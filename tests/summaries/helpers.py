"""Shared set-up for the case summary tests: a client with signed and draft notes, themes, an
addendum and a process note, and the poppler/qpdf tools that read the PDFs back."""

import datetime
import io
import shutil
import subprocess
import unittest

from pypdf import PdfReader

from sessions.models import ProcessNote
from sessions.services import add_addendum
from tests.base import PersonaTestCase, make_session, make_signed_session
from tests.pdfs import ascii_canary
from themes.models import Theme

QPDF = shutil.which("qpdf")
PDFFONTS = shutil.which("pdffonts")
PDFINFO = shutil.which("pdfinfo")
needs_poppler = unittest.skipUnless(
    shutil.which("pdftotext") and PDFFONTS and PDFINFO, "poppler-utils are not installed"
)
needs_qpdf = unittest.skipUnless(QPDF, "qpdf is not installed")

MARKUP = '<b>bold?</b> & <img src="http://example.org/x.png"> <font color="red">red</font>'
GREEK = "Ψυχοθεραπεία"
CYRILLIC = "каракатица"
ARABIC = "مرحبا بالعالم"


def run(*args, data: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, input=data, capture_output=True, check=False)


def info(pdf: bytes) -> dict[str, str]:
    """pdfinfo's fields (Title, Author, Page size, Pages, ...)."""
    out = run(PDFINFO, "-", data=pdf).stdout.decode()
    pairs = (line.split(":", 1) for line in out.splitlines() if ":" in line)
    return {key: value.strip() for key, value in pairs}


def metadata(pdf: bytes, password: str | None = None) -> dict:
    reader = PdfReader(io.BytesIO(pdf))
    if password:
        reader.decrypt(password)
    return dict(reader.metadata or {})


class SummaryTestCase(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        client = cls.alice_client
        client.presenting_concerns = "Low mood since the birth of her son."
        client.intake_date = datetime.date(2026, 1, 12)
        client.save()
        cls.guilt = Theme.objects.get(slug="guilt")
        cls.signed_word = ascii_canary("signednote")
        cls.signed = make_signed_session(
            client,
            cls.alice,
            date=datetime.date(2026, 2, 23),
            note={"subjective": f"She said {cls.signed_word} about the visit."},
            themes=[{"theme": cls.guilt.pk, "intensity": 2}],
            risk_level="low",
            risk_notes="No plan or intent.",
        )
        cls.addendum_word = ascii_canary("addendum")
        add_addendum(session=cls.signed, author=cls.alice, text=f"Correction {cls.addendum_word}")
        cls.process_word = ascii_canary("processnote")
        ProcessNote.objects.create(session=cls.signed, text=f"Private {cls.process_word}")
        cls.draft_word = ascii_canary("draftnote")
        cls.markup_session = make_session(
            cls.alice_client,
            date=datetime.date(2026, 3, 16),
            note={"subjective": f"{cls.draft_word} {MARKUP} {GREEK} {CYRILLIC} {ARABIC}"},
            themes=[
                {"theme": cls.guilt.pk, "intensity": 3},
                {"theme": cls.maternal_rejection.pk, "intensity": 1},
            ],
            risk_level="moderate",
            risk_notes="Passive thoughts; safety plan reviewed.",
        )
