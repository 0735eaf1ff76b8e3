"""The flowables of each part of a case summary.

Every piece of user text goes through ``text()`` before it reaches a ``Paragraph``: a
Paragraph's text is markup (``<font>``, ``<img src>``, ``<a href>``), so unescaped note text could
change the document or make reportlab fetch a file.
"""

import re
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from themes.analytics import SessionThemes, theme_stats, timeline

from .charts import frequency_bars, heat_strip
from .fonts import FONT, FONT_BOLD

# C0/C1 control characters other than tab and line breaks: meaningless in a document.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def text(value) -> str:
    """User text made safe for a Paragraph: markup characters escaped, line breaks kept."""
    value = _CONTROL.sub(" ", str(value or ""))
    return escape(value).replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br/>")


def paragraph_styles() -> dict[str, ParagraphStyle]:
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
            keepWithNext=1,
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
            keepWithNext=1,
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


def date_text(value) -> str:
    return value.strftime("%d %b %Y") if value else ""


def _kv_table(rows: list[tuple[str, str]], styles) -> Table:
    data = [
        [Paragraph(text(k), styles["label"]), Paragraph(text(v) or "—", styles["cell"])]
        for k, v in rows
    ]
    table = Table(data, colWidths=[40 * mm, None])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def identification(client, therapist_name, sessions, options, styles) -> list:
    parts = [
        Paragraph("Client identification", styles["h2"]),
        _kv_table(
            [
                ("Name", client.full_name),
                ("Preferred name", client.preferred_name),
                ("Date of birth", date_text(client.date_of_birth)),
                ("Client code", client.code),
                ("Therapist", therapist_name),
                ("Status", client.get_status_display()),
                ("Treatment", _treatment_dates(client, sessions)),
            ],
            styles,
        ),
    ]
    if client.closing_summary.strip():
        parts += [
            Paragraph("Closing summary", styles["label"]),
            Paragraph(text(client.closing_summary), styles["base"]),
        ]
    return parts


def _treatment_dates(client, sessions) -> str:
    end = date_text(client.discharge_date) if client.discharge_date else "ongoing"
    count = f"{len(sessions)} session{'s' if len(sessions) != 1 else ''} in this summary"
    return f"{date_text(client.intake_date)} to {end}; {count}"


def theme_summary(sessions, themes, styles, width) -> list:
    links = [
        SessionThemes(s.pk, s.client_id, s.date, s.start_time, s.theme_intensities())
        for s in sessions
    ]
    stats = [stat for stat in theme_stats(links) if stat.theme_id in themes]
    if not stats:
        return []
    header = ["Theme", "Sessions", "First seen", "Last seen", "Recurring"]
    data = [[Paragraph(h, styles["label"]) for h in header]]
    for stat in stats:
        data.append(
            [
                Paragraph(text(themes[stat.theme_id].name), styles["cell"]),
                Paragraph(str(stat.sessions_touched), styles["cell"]),
                Paragraph(date_text(stat.first_seen), styles["cell"]),
                Paragraph(date_text(stat.last_seen), styles["cell"]),
                Paragraph("yes" if stat.recurring else "", styles["cell"]),
            ]
        )
    table = Table(data, colWidths=[None, 22 * mm, 26 * mm, 26 * mm, 22 * mm], repeatRows=1)
    table.setStyle(TABLE_STYLE)
    bars = [(themes[s.theme_id].name, s.sessions_touched, s.recurring) for s in stats]
    return [
        Paragraph("Theme summary", styles["h2"]),
        table,
        KeepTogether(
            [
                Paragraph("Sessions per theme (recurring themes in bold)", styles["h3"]),
                frequency_bars(bars, width),
            ]
        ),
        KeepTogether(
            [
                Paragraph("Themes over time", styles["h3"]),
                heat_strip(timeline(links, themes), width),
            ]
        ),
    ]


def risk_history(sessions, styles) -> list[Table]:
    """One row per change of risk level, the first session always."""
    header = [Paragraph(h, styles["label"]) for h in ("Date", "Risk level", "Risk notes")]
    rows, previous = [], None
    for session in sessions:
        if session.risk_level == previous:
            continue
        previous = session.risk_level
        # An excerpt on one paragraph: kept line breaks could make a row taller than a page,
        # which a table cell cannot split across.
        notes = " ".join(session.risk_notes.split())
        if len(notes) > 300:
            notes = notes[:299] + "…"
        rows.append(
            [
                date_text(session.date),
                session.get_risk_level_display(),
                Paragraph(text(notes), styles["cell"]),
            ]
        )
    return _chunked(header, rows, [25 * mm, 25 * mm, None])


TABLE_STYLE = TableStyle(
    [
        # Plain cells in the embedded font; without this a table sets (and so references)
        # Helvetica, which is not embedded.
        ("FONT", (0, 0), (-1, -1), FONT, 8.5, 11),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#1f3a5a")),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f3f6fa")]),
    ]
)


def _theme_names(session, themes) -> str:
    names = [themes[t].name for t in session.theme_intensities() if t in themes]
    return ", ".join(names)


def session_log(sessions, themes, styles) -> list[Table]:
    # Fixed labels (dates, choices) are plain cells: a Paragraph per cell would triple the
    # layout time of a long log. Theme names are user text of any length: Paragraphs.
    header = [Paragraph(h, styles["label"]) for h in LOG_HEADER]
    rows = [
        [
            date_text(s.date),
            str(s.duration_minutes),
            s.get_session_type_display(),
            s.get_modality_display(),
            s.get_note_format_display(),
            Paragraph(text(_theme_names(s, themes)), styles["cell"]),
        ]
        for s in sessions
    ]
    return _chunked(header, rows, [24 * mm, 12 * mm, 20 * mm, 20 * mm, 24 * mm, None])


LOG_HEADER = ["Date", "Min", "Type", "Modality", "Format", "Themes"]
# Rows per table: a table split across pages is laid out again for each page, so one table of
# 300 rows costs far more than eight of 40.
CHUNK_ROWS = 40


def _chunked(header: list, rows: list, widths: list) -> list[Table]:
    tables = []
    for start in range(0, len(rows), CHUNK_ROWS):
        table = Table([header, *rows[start : start + CHUNK_ROWS]], colWidths=widths, repeatRows=1)
        table.setStyle(TABLE_STYLE)
        tables.append(table)
    return tables


def note_flowables(session, themes, styles, options) -> list:
    status = "signed" if session.is_signed else "draft, unsigned"
    heading = (
        f"{session.date:%d %b %Y} · {session.get_note_format_display()} · "
        f"{session.duration_minutes} min · {status}"
    )
    parts = [Paragraph(text(heading), styles["h3"])]
    for part in session.text_parts():
        if part.key == "risk_notes":
            # Always there: the level is recorded every session, with or without notes.
            risk = f"{session.get_risk_level_display()}. {part.text}".strip()
            parts += [Paragraph("Risk", styles["label"]), Paragraph(text(risk), styles["base"])]
        elif part.text:
            parts += [
                Paragraph(text(part.label), styles["label"]),
                Paragraph(text(part.text), styles["base"]),
            ]
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
