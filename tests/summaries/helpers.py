"""Shared set-up for the case summary tests: a client with signed and draft notes, themes, an
addendum and a process note, and the poppler/qpdf tools that read the PDFs back."""

import datetime
import io
import shutil
import subprocess
import unittest

from pypdf import PdfReader

from plans import services as plans
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

# A progress comment of numbered words (a comment holds 1,000 characters at most).
LONG_COMMENT = " ".join(f"c{n:03d}" for n in range(180))
MARKUP = '<b>bold?</b> & <img src="http://example.org/x.png"> <font color="red">red</font>'
GREEK = "Ψυχοθεραπεία"
CYRILLIC = "каракатица"
ARABIC = "مرحبا بالعالم"


def add_plan(client, therapist, *, comment_session, names: dict | None = None) -> dict:
    """A signed plan of one problem, two goals (three objectives) and an intervention, with
    the progress ``comment_session`` (a draft note) records; returns the stored content."""
    names = names or {}
    partner = names.get("partner", "her partner")
    draft = plans.start_draft(client=client, user=therapist)
    content = {
        "problems": [{"text": f"Guilt when she refuses {partner}.", "theme_ids": []}],
        "goals": [
            {
                "text": "Set limits without guilt.",
                "problem_ids": [],
                "objectives": [
                    {"text": "Names one boundary a week.", "target_date": "2026-06-01"},
                    {"text": "Keeps a sleep diary.", "target_date": None},
                ],
            },
            {
                "text": "Share night care.",
                "problem_ids": [],
                "objectives": [{"text": f"Agrees a rota with {partner}.", "target_date": None}],
            },
        ],
        "interventions": [{"text": f"Chair work with {partner}.", "goal_ids": []}],
    }
    draft = plans.save_draft(
        version=draft,
        user=therapist,
        content=content,
        review_date=datetime.date(2026, 7, 1),
        expected_version=draft.version,
    )
    signed = plans.sign_version(version=draft, user=therapist)
    goals = signed.content["goals"]
    first = goals[0]["objectives"][0]["id"]
    plans.record_progress(
        session=comment_session,
        user=therapist,
        goals_addressed=[goals[0]["id"]],
        objectives={first: {"rating": "some_progress", "comment": f"{partner}: {LONG_COMMENT}"}},
    )
    return signed.content


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
