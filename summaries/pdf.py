"""Case summary PDFs, built in memory with reportlab.

Every piece of user text goes through ``text()`` before it reaches a ``Paragraph``: a
Paragraph's text is markup (``<font>``, ``<img src>``, ``<a href>``), so unescaped note text could
change the document or make reportlab fetch a file. Nothing is written to disk.
"""

import io
from dataclasses import dataclass, field
from datetime import datetime
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .fonts import FONT, FONT_BOLD, register_fonts


def text(value) -> str:
    """User text made safe for a Paragraph: markup characters escaped, line breaks kept."""
    return escape(str(value or "")).replace("\r\n", "\n").replace("\n", "<br/>")


@dataclass
class SummaryOptions:
    include_notes: bool = True
    include_process_notes: bool = False
    process_notes_reason: str = ""
    page_size: tuple = A4
    title: str = "Case summary"
    sessions: list = field(default_factory=list)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=13)
    return {
        "base": base,
        "small": ParagraphStyle(
            "small", parent=base, fontSize=8, leading=10, textColor=colors.HexColor("#555555")
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=4
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=12,
            leading=15,
            spaceBefore=10,
            spaceAfter=4,
            textColor=colors.HexColor("#1f3a5a"),
        ),
        "h3": ParagraphStyle(
            "h3",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=10,
            leading=13,
            spaceBefore=6,
            spaceAfter=2,
        ),
        "label": ParagraphStyle(
            "label",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=8.5,
            leading=11,
            textColor=colors.HexColor("#444444"),
            spaceBefore=4,
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
    }


def _header_footer(client_code: str, therapist_name: str, generated: datetime):
    def draw(canvas, doc):
        canvas.saveState()
        width, height = doc.pagesize
        canvas.setFont(FONT_BOLD, 8)
        canvas.setFillColor(colors.HexColor("#b02a37"))
        canvas.drawString(doc.leftMargin, height - 12 * mm, f"CONFIDENTIAL · {client_code}")
        canvas.setFont(FONT, 8)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(
            doc.leftMargin,
            10 * mm,
            f"Generated {generated:%d %b %Y %H:%M} by {therapist_name}",
        )
        canvas.drawRightString(width - doc.rightMargin, 10 * mm, f"Page {doc.page}")
        canvas.restoreState()

    return draw


def _kv_table(rows: list[tuple[str, str]], styles) -> Table:
    data = [
        [Paragraph(text(k), styles["label"]), Paragraph(text(v) or "—", styles["cell"])]
        for k, v in rows
    ]
    table = Table(data, colWidths=[40 * mm, None])
    table.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)])
    )
    return table


def render_case_summary(*, client, therapist, sessions, themes, options: SummaryOptions) -> bytes:
    """The PDF bytes of a case summary. ``sessions`` oldest first; ``themes`` maps id → Theme."""
    register_fonts()
    styles = _styles()
    generated = timezone.localtime()
    therapist_name = therapist.get_full_name() or therapist.get_username()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=options.page_size,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=20 * mm,
        bottomMargin=18 * mm,
        title=f"{options.title} {client.code}",
        author=therapist_name,
        subject="Confidential clinical record",
        creator="Therapy Notes",
    )
    story = [
        Paragraph(text(f"{options.title}: {client.code}"), styles["title"]),
        Paragraph(text("Confidential clinical information."), styles["small"]),
        Spacer(1, 4 * mm),
        Paragraph("Client identification", styles["h2"]),
        _kv_table(
            [
                ("Name", client.full_name),
                ("Preferred name", client.preferred_name),
                (
                    "Date of birth",
                    client.date_of_birth.strftime("%d %b %Y") if client.date_of_birth else "",
                ),
                ("Client code", client.code),
                ("Therapist", therapist_name),
                ("Status", client.get_status_display()),
                ("Treatment", _treatment_dates(client, sessions)),
            ],
            styles,
        ),
    ]
    if client.presenting_concerns:
        story += [
            Paragraph("Presenting concerns", styles["h2"]),
            Paragraph(text(client.presenting_concerns), styles["base"]),
        ]
    if sessions:
        story += [Paragraph("Session log", styles["h2"]), _session_log(sessions, themes, styles)]
    if options.include_notes and sessions:
        story.append(Paragraph("Session notes", styles["h2"]))
        for session in sessions:
            story += _note_flowables(session, themes, styles, options)
    if client.closing_summary:
        story += [
            Paragraph("Closing summary", styles["h2"]),
            Paragraph(text(client.closing_summary), styles["base"]),
        ]
    draw = _header_footer(client.code, therapist_name, generated)
    doc.build(story, onFirstPage=draw, onLaterPages=draw)
    return buffer.getvalue()


def _treatment_dates(client, sessions) -> str:
    start = client.intake_date.strftime("%d %b %Y")
    end = client.discharge_date.strftime("%d %b %Y") if client.discharge_date else "ongoing"
    return f"{start} to {end}; {len(sessions)} session{'s' if len(sessions) != 1 else ''}"


def _theme_names(session, themes) -> str:
    names = [themes[t].name for t in session.theme_intensities() if t in themes]
    return ", ".join(names)


def _session_log(sessions, themes, styles) -> Table:
    header = ["Date", "Min", "Type", "Modality", "Format", "Themes"]
    data = [[Paragraph(h, styles["label"]) for h in header]]
    for s in sessions:
        data.append(
            [
                Paragraph(s.date.strftime("%d %b %Y"), styles["cell"]),
                Paragraph(str(s.duration_minutes), styles["cell"]),
                Paragraph(text(s.get_session_type_display()), styles["cell"]),
                Paragraph(text(s.get_modality_display()), styles["cell"]),
                Paragraph(text(s.get_note_format_display()), styles["cell"]),
                Paragraph(text(_theme_names(s, themes)), styles["cell"]),
            ]
        )
    table = Table(data, colWidths=[22 * mm, 10 * mm, 20 * mm, 20 * mm, 22 * mm, None], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#1f3a5a")),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f3f6fa")]),
            ]
        )
    )
    return table


def _note_flowables(session, themes, styles, options) -> list:
    status = "signed" if session.is_signed else "draft, unsigned"
    heading = (
        f"{session.date:%d %b %Y} · {session.get_note_format_display()} · "
        f"{session.duration_minutes} min · {status}"
    )
    parts = [Paragraph(text(heading), styles["h3"])]
    if session.mood_affect:
        parts += [
            Paragraph("Mood / affect", styles["label"]),
            Paragraph(text(session.mood_affect), styles["base"]),
        ]
    for label, body in session.sections():
        if body:
            parts += [
                Paragraph(text(label), styles["label"]),
                Paragraph(text(body), styles["base"]),
            ]
    for label, body in (
        ("Plan / homework", session.plan),
        ("Interventions", session.interventions),
    ):
        if body:
            parts += [Paragraph(label, styles["label"]), Paragraph(text(body), styles["base"])]
    risk = f"{session.get_risk_level_display()}. {session.risk_notes}".strip()
    parts += [Paragraph("Risk", styles["label"]), Paragraph(text(risk), styles["base"])]
    names = _theme_names(session, themes)
    if names:
        parts += [Paragraph("Themes", styles["label"]), Paragraph(text(names), styles["base"])]
    for addendum in session.addenda.all():
        author = addendum.author.get_full_name() or addendum.author.get_username()
        parts += [
            Paragraph(
                text(f"Addendum, {addendum.created_at:%d %b %Y %H:%M}, {author}"), styles["label"]
            ),
            Paragraph(text(addendum.text), styles["base"]),
        ]
    if options.include_process_notes:
        process = getattr(session, "process_note", None)
        if process is not None and process.text:
            parts += [
                Paragraph("Process note (included deliberately)", styles["label"]),
                Paragraph(text(process.text), styles["base"]),
            ]
    return [KeepTogether(parts[:3]), *parts[3:], Spacer(1, 3 * mm)]
