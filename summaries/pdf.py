"""Case summary PDFs, built in memory with reportlab: the options, the page furniture
(running header, footer, "Page x of y"), the document and its encryption. The content of each
part is in ``sections``. Nothing is written to disk.
"""

import datetime
import io
from dataclasses import dataclass, field

from django.utils import timezone
from pypdf import PdfReader, PdfWriter
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate

from .deidentify import keep, renamed_themes, scrubber_for
from .fonts import FONT, FONT_BOLD, register_fonts
from .layout import Context, date_text, paragraph_styles, person_name
from .passphrase import passphrase_problems
from .progress import measures_section, plan_section
from .sections import (
    Cover,
    RiskHistory,
    concerns,
    cover,
    identification,
    note_flowables,
    risk_history,
    session_log,
    theme_summary,
)

# Streams only Flate-compressed, not also ASCII85-encoded (a 7-bit form no reader needs): the
# file is a sixth smaller and takes less time to write.
rl_config.useA85 = 0

# The optional parts of a summary, in document order (full notes are chosen separately).
SECTIONS = {
    "identification": "Client identification",
    "concerns": "Presenting concerns",
    "plan": "Treatment plan and progress",
    "measures": "Outcome measures",
    "themes": "Theme summary",
    "risk": "Risk history",
    "log": "Session log",
}


class FullNotes:
    ALL = "all"
    SIGNED = "signed"
    PICKED = "picked"
    NONE = "none"
    CHOICES = [
        (ALL, "All notes"),
        (SIGNED, "Signed notes only"),
        (PICKED, "Only the sessions picked below"),
        (NONE, "No full notes"),
    ]


@dataclass
class SummaryOptions:
    sections: frozenset = frozenset(SECTIONS)
    full_notes: str = FullNotes.ALL
    picked: frozenset = frozenset()  # session ids, for FullNotes.PICKED
    include_process_notes: bool = False
    process_notes_reason: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    page_size: tuple = A4
    passphrase: str = field(default="", repr=False)
    title: str = "Case summary"
    risk_history: str = RiskHistory.CHANGES
    # Names of the client and of the people listed on their record replaced (deidentify.py).
    de_identified: bool = False
    # "Prepared for / purpose", printed on the cover.
    purpose: str = field(default="", repr=False)

    def wants_note(self, session) -> bool:
        if self.full_notes == FullNotes.ALL:
            return True
        if self.full_notes == FullNotes.SIGNED:
            return session.is_signed
        if self.full_notes == FullNotes.PICKED:
            return session.pk in self.picked or str(session.pk) in self.picked
        return False


FRAME_PADDING = 6  # reportlab's Frame default, on each side


def _numbered_canvas(client_code: str, therapist_name: str, generated: datetime.datetime):
    """A canvas class that keeps every page until the end, then stamps the running header, the
    footer and "Page x of y" (the total is known only once the whole story is laid out)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            # Not Helvetica: every font in the file is the embedded DejaVu Sans.
            kwargs["initialFontName"] = FONT
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._stamp(number, total)
                super().showPage()
            super().save()

        def _stamp(self, number: int, total: int) -> None:
            width, height = self._pagesize
            left, right = 18 * mm, width - 18 * mm
            self.saveState()
            self.setFont(FONT_BOLD, 8)
            self.setFillColor(colors.HexColor("#b02a37"))
            self.drawString(left, height - 12 * mm, f"CONFIDENTIAL · {client_code}")
            self.setFont(FONT, 8)
            self.setFillColor(colors.HexColor("#555555"))
            self.drawRightString(right, height - 12 * mm, "Case summary")
            self.setStrokeColor(colors.HexColor("#cccccc"))
            self.setLineWidth(0.4)
            self.line(left, height - 13.5 * mm, right, height - 13.5 * mm)
            self.line(left, 13 * mm, right, 13 * mm)
            self.setFont(FONT, 7.5)
            self.drawString(
                left, 9 * mm, f"Generated {generated:%d %b %Y %H:%M} by {therapist_name}"
            )
            self.drawRightString(right, 9 * mm, f"Page {number} of {total}")
            self.restoreState()

    return NumberedCanvas


def render_case_summary(
    *,
    client,
    therapist,
    sessions,
    themes,
    options: SummaryOptions,
    credentials: str = "",
    practice: str = "",
    measures=(),
    plan=None,
) -> bytes:
    """The PDF bytes of a case summary.

    ``sessions``: those of the period covered, oldest first (with ``addenda`` prefetched when
    notes are printed); ``themes`` maps id to Theme. ``credentials``: the preparer's, for the
    cover, as is the ``practice``'s name. ``measures``: ``measures.reports.History`` per
    measure taken (for the "measures" section); ``plan``: a ``plans.reports.PlanReport`` (the
    "plan" section). Encrypted with AES-256 when ``options.passphrase`` is set.
    """
    register_fonts()
    therapist_name = person_name(therapist)
    scrub = scrubber_for(client) if options.de_identified else keep
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=options.page_size,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=20 * mm,
        bottomMargin=18 * mm,
        # No client name in the metadata: file managers and mail clients show it.
        **document_info(client, therapist_name, options),
        creator="Therapy Notes",
    )
    ctx = Context(
        styles=paragraph_styles(),
        themes=renamed_themes(themes, scrub) if options.de_identified else themes,
        options=options,
        # The frame's: SimpleDocTemplate's frame keeps 6 pt of padding inside each margin.
        width=doc.width - 2 * FRAME_PADDING,
        scrub=scrub,
    )
    generated = timezone.now()
    facts = Cover(
        client_code=client.code,
        period=_period(client, options),
        preparer=therapist_name,
        credentials=credentials,
        practice=practice,
        generated=generated,
    )
    story = cover(facts, ctx)
    story += _sections(client, therapist_name, sessions, ctx, measures=measures, plan=plan)
    canvasmaker = _numbered_canvas(client.code, therapist_name, timezone.localtime(generated))
    doc.build(story, canvasmaker=canvasmaker)
    pdf = buffer.getvalue()
    return encrypt(pdf, options.passphrase) if options.passphrase else pdf


def document_info(client, therapist_name: str, options: SummaryOptions) -> dict[str, str]:
    """The PDF's metadata: the client code, never a name. The author is the therapist, as on
    the cover, de-identified or not: the names replaced are the client's and their people's."""
    suffix = " (de-identified)" if options.de_identified else ""
    return {
        "title": f"{options.title} {client.code}{suffix}",
        "author": therapist_name,
        "subject": "Confidential clinical record" + (", de-identified" if suffix else ""),
        "keywords": "",
    }


def _sections(client, therapist_name: str, sessions, ctx: Context, *, measures, plan) -> list:
    styles, chosen = ctx.styles, ctx.options.sections
    story = []
    if "identification" in chosen:
        story += identification(client, therapist_name, sessions, ctx)
    if "concerns" in chosen:
        story += concerns(client, ctx)
    if "plan" in chosen and plan is not None:
        story += plan_section(plan, ctx)
    if "measures" in chosen and measures:
        story += measures_section(measures, ctx)
    if "themes" in chosen:
        story += theme_summary(sessions, ctx)
    if "risk" in chosen and sessions:
        story += [Paragraph("Risk history", styles["h2"]), *risk_history(sessions, ctx)]
    if "log" in chosen and sessions:
        story += [Paragraph("Session log", styles["h2"]), *session_log(sessions, ctx)]
    noted = [session for session in sessions if ctx.options.wants_note(session)]
    if noted:
        story.append(Paragraph("Session notes", styles["h2"]))
        for session in noted:
            story += note_flowables(session, ctx)
    return story


def encrypt(pdf: bytes, passphrase: str) -> bytes:
    """The PDF encrypted with AES-256 (PDF 2.0 / R6): opening it needs the passphrase.

    ValueError for a passphrase some readers could not open (summaries/passphrase.py): the
    form refuses those, and no other caller may make such a file either.
    """
    if passphrase_problems(passphrase):
        raise ValueError("the passphrase is not one every PDF reader opens")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=passphrase, owner_password=None, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _period(client, options) -> str:
    start = options.date_from or client.intake_date
    end = options.date_to or client.discharge_date or timezone.localdate()
    return f"{date_text(start)} to {date_text(end)}"
