"""What every part of a case summary is laid out with: user text made safe for a Paragraph,
the styles, the context each section reads, and the tables for short labelled values.

Every piece of user text goes through ``text()`` before it reaches a ``Paragraph``: a
Paragraph's text is markup (``<font>``, ``<img src>``, ``<a href>``), so unescaped note text could
change the document or make reportlab fetch a file. Text from the client's record goes through
``Context.user()``, which also replaces names in a de-identified summary.
"""

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, Table, TableStyle

from .deidentify import Scrub, keep
from .fonts import FONT, FONT_BOLD

# C0/C1 control characters other than tab and line breaks: meaningless in a document.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
NOTICE = "#b02a37"
# A table's cells: the font of TABLE_STYLE, and reportlab's default padding on each side.
CELL_FONT_SIZE = 8.5
CELL_PADDING = 6


def text(value) -> str:
    """User text made safe for a Paragraph: markup characters escaped, line breaks kept."""
    value = _CONTROL.sub(" ", str(value or ""))
    return escape(value).replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br/>")


@dataclass
class Context:
    """What every section reads: the styles, themes by id (renamed when de-identified), the
    options, the frame's width, and the scrubber of user text."""

    styles: dict
    themes: dict
    options: object
    width: float
    scrub: Scrub = keep

    def user(self, value) -> str:
        """Text from the client's record for a Paragraph: names replaced if asked, escaped."""
        return text(self.scrub(value))


def paragraph_styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=13)
    return {
        "base": base,
        "small": ParagraphStyle(
            "small", parent=base, fontSize=8, leading=10, textColor=colors.HexColor("#555555")
        ),
        "note": ParagraphStyle(
            "note",
            parent=base,
            fontSize=8,
            leading=10,
            textColor=colors.HexColor("#555555"),
            spaceBefore=2,
            spaceAfter=6,
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=4
        ),
        "notice": ParagraphStyle(
            "notice",
            parent=base,
            fontName=FONT_BOLD,
            textColor=colors.HexColor(NOTICE),
            spaceAfter=4,
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
            spaceAfter=0,
        ),
        "signature": ParagraphStyle(
            "signature",
            parent=base,
            keepWithNext=1,
            fontSize=8,
            leading=10,
            textColor=colors.HexColor("#555555"),
            spaceAfter=2,
        ),
        "label": ParagraphStyle(
            "label",
            parent=base,
            keepWithNext=1,  # a part's name never alone at the foot of a page
            fontName=FONT_BOLD,
            fontSize=8.5,
            leading=11,
            textColor=colors.HexColor("#444444"),
            spaceBefore=4,
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
        "item": ParagraphStyle(
            "item",
            parent=base,
            leftIndent=5 * mm,
            bulletIndent=1 * mm,
            bulletFontName=FONT,  # not Helvetica, which is not embedded
            spaceBefore=1,
            spaceAfter=1,
        ),
        "progress": ParagraphStyle(
            "progress", parent=base, fontSize=9, leading=12, leftIndent=10 * mm, spaceAfter=1
        ),
        # A dated entry: its first line (date, level) at the margin, the text under it indented.
        "entry": ParagraphStyle(
            "entry", parent=base, leftIndent=6 * mm, firstLineIndent=-6 * mm, spaceAfter=3
        ),
    }


def date_text(value) -> str:
    return value.strftime("%d %b %Y") if value else ""


def time_text(value) -> str:
    """An instant as the practice's wall-clock time."""
    return f"{timezone.localtime(value):%d %b %Y %H:%M}" if value else ""


def person_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def kv_table(rows: list[tuple[str, str]], styles, label_width: float = 44 * mm) -> Table:
    """Labels and short values (never free text of unbounded length)."""
    data = [
        [Paragraph(text(k), styles["label"]), Paragraph(text(v) or "—", styles["cell"])]
        for k, v in rows
    ]
    table = Table(data, colWidths=[label_width, None])
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


TABLE_STYLE = TableStyle(
    [
        # Plain cells in the embedded font; without this a table sets (and so references)
        # Helvetica, which is not embedded.
        ("FONT", (0, 0), (-1, -1), FONT, CELL_FONT_SIZE, 11),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#1f3a5a")),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f3f6fa")]),
    ]
)


def free_width(widths: list, total: float) -> float:
    """The width of a table's one flexible column (``None`` in ``widths``)."""
    return total - sum(width for width in widths if width is not None)


def cell(value, column_width: float, styles):
    """A table cell of user text of any length: its lines wrapped to the column as plain text
    (a table lays plain lines out several times faster than a Paragraph, and never reads them
    as markup), or a Paragraph when a word is wider than the column and must be broken."""
    value = " ".join(_CONTROL.sub(" ", str(value or "")).split())
    inner = column_width - 2 * CELL_PADDING
    lines = simpleSplit(value, FONT, CELL_FONT_SIZE, inner)
    if all(stringWidth(line, FONT, CELL_FONT_SIZE) <= inner for line in lines):
        return "\n".join(lines)
    return Paragraph(text(value), styles["cell"])


# Rows per table: a table split across pages is laid out again for each page, so one table of
# 300 rows costs far more than eight of 40.
CHUNK_ROWS = 40


def chunked(header: list, rows: list, widths: list) -> list[Table]:
    """Rows of short values under a header repeated on each page, CHUNK_ROWS a table."""
    tables = []
    for start in range(0, len(rows), CHUNK_ROWS):
        table = Table([header, *rows[start : start + CHUNK_ROWS]], colWidths=widths, repeatRows=1)
        table.setStyle(TABLE_STYLE)
        tables.append(table)
    return tables
