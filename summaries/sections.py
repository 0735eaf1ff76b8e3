"""The flowables of each part of a case summary (the plan and the measures are in
``progress``; the styles, the escaping of user text and the context in ``layout``).

Nothing is shortened. Text of any length is a Paragraph in the page's own flow, never in a table
cell: reportlab splits a paragraph across pages, but not a table row.
"""

from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table

from themes.analytics import SessionThemes, theme_stats, timeline
from themes.heatstrip import LEVEL_NAMES
from themes.summary import links_for

from .charts import frequency_bars, heat_strip
from .layout import (
    TABLE_STYLE,
    Context,
    cell,
    chunked,
    date_text,
    free_width,
    kv_table,
    person_name,
    text,
    time_text,
)


class RiskHistory:
    CHANGES = "changes"
    ALL = "all"
    CHOICES = [
        (CHANGES, "Only changes of risk level"),
        (ALL, "Every assessment, with its risk notes"),
    ]


@dataclass
class Cover:
    """The facts at the head of the first page."""

    client_code: str
    period: str
    preparer: str
    credentials: str = ""
    practice: str = ""
    generated: object = None


def cover(facts: Cover, ctx: Context) -> list:
    options, styles = ctx.options, ctx.styles
    parts = [Paragraph(text(f"{options.title}: {facts.client_code}"), styles["title"])]
    if options.de_identified:
        parts.append(Paragraph("De-identified: names replaced by roles", styles["notice"]))
    rows = [("Practice", facts.practice)] if facts.practice else []
    prepared_by = ", ".join(part for part in (facts.preparer, facts.credentials) if part)
    rows.append(("Prepared by", prepared_by))
    if options.purpose:
        rows.append(("Prepared for / purpose", ctx.scrub(options.purpose)))
    rows.append(("Period covered", facts.period))
    if facts.generated:
        rows.append(("Generated", time_text(facts.generated)))
    return [*parts, kv_table(rows, styles), Spacer(1, 3 * mm)]


def identification(client, therapist_name, sessions, ctx: Context) -> list:
    styles = ctx.styles
    rows = [
        ("Client code", client.code),
        ("Therapist", therapist_name),
        ("Status", client.get_status_display()),
        ("Treatment", _treatment_dates(client, sessions)),
    ]
    if ctx.options.de_identified:
        note = "Name, preferred name, date of birth and contact details are left out."
        parts = [kv_table(rows, styles), Paragraph(note, styles["small"])]
    else:
        named = [
            ("Name", client.full_name),
            ("Preferred name", client.preferred_name),
            ("Date of birth", date_text(client.date_of_birth)),
        ]
        parts = [kv_table(named + rows, styles)]
    if client.closing_summary.strip():
        parts += [
            Paragraph("Closing summary", styles["label"]),
            Paragraph(ctx.user(client.closing_summary), styles["base"]),
        ]
    return [Paragraph("Client identification", styles["h2"]), *parts]


def _treatment_dates(client, sessions) -> str:
    end = date_text(client.discharge_date) if client.discharge_date else "ongoing"
    count = f"{len(sessions)} session{'s' if len(sessions) != 1 else ''} in this summary"
    return f"{date_text(client.intake_date)} to {end}; {count}"


def concerns(client, ctx: Context) -> list:
    if not client.presenting_concerns.strip():
        return []
    return [
        Paragraph("Presenting concerns", ctx.styles["h2"]),
        Paragraph(ctx.user(client.presenting_concerns), ctx.styles["base"]),
    ]


def theme_summary(sessions, ctx: Context) -> list:
    styles, themes, width = ctx.styles, ctx.themes, ctx.width
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


def risk_history(sessions, ctx: Context) -> list[Paragraph]:
    """Every assessment, or one entry per change of risk level (the first session always); each
    with its risk notes in full."""
    every = ctx.options.risk_history == RiskHistory.ALL
    entries, previous = [], None
    for session in sessions:
        if not every and session.risk_level == previous:
            continue
        previous = session.risk_level
        head = f"<b>{date_text(session.date)} · {text(session.get_risk_level_display())}</b>"
        notes = ctx.user(session.risk_notes.strip())
        entries.append(Paragraph(f"{head}<br/>{notes}" if notes else head, ctx.styles["entry"]))
    return entries


def _theme_names(session, themes) -> str:
    names = [themes[t].name for t in session.theme_intensities() if t in themes]
    return ", ".join(names)


def session_log(sessions, ctx: Context) -> list[Table]:
    # Plain cells throughout: a Paragraph per row would triple the layout time of a long log.
    # Theme names are user text of any length, wrapped to their column (layout.cell).
    styles = ctx.styles
    header = [Paragraph(h, styles["label"]) for h in LOG_HEADER]
    themes_width = free_width(LOG_WIDTHS, ctx.width)
    rows = [
        [
            date_text(s.date),
            str(s.duration_minutes),
            s.get_session_type_display(),
            s.get_modality_display(),
            s.get_note_format_display(),
            cell(_theme_names(s, ctx.themes), themes_width, styles),
        ]
        for s in sessions
    ]
    return chunked(header, rows, LOG_WIDTHS)


LOG_HEADER = ["Date", "Min", "Type", "Modality", "Format", "Themes"]
LOG_WIDTHS = [24 * mm, 12 * mm, 20 * mm, 20 * mm, 24 * mm, None]


def signature_line(session) -> str:
    if not session.is_signed:
        return "Draft — not signed"
    return f"Signed by {person_name(session.signed_by)}, {time_text(session.signed_at)}"


def note_themes(session, ctx: Context) -> str:
    """The note's themes, strongest first, each with its intensity and the quoted phrase that
    suggested it (when the suggestion was accepted with one). Escaped for a Paragraph."""
    shown = []
    for item in links_for(session, ctx.themes):
        entry = f"{text(item.theme.name)} ({LEVEL_NAMES[item.intensity]})"
        if item.link.evidence:
            entry += f": “{ctx.user(item.link.evidence)}”"
        shown.append(entry)
    return "; ".join(shown)


def note_flowables(session, ctx: Context) -> list:
    styles = ctx.styles
    heading = (
        f"{date_text(session.date)} · {session.get_note_format_display()} · "
        f"{session.duration_minutes} min"
    )
    parts = [
        Paragraph(text(heading), styles["h3"]),
        Paragraph(text(signature_line(session)), styles["signature"]),
    ]
    for part in session.text_parts():
        if part.key == "risk_notes":
            # Always there: the level is recorded every session, with or without notes.
            risk = f"{session.get_risk_level_display()}. {ctx.scrub(part.text)}".strip()
            parts += [Paragraph("Risk", styles["label"]), Paragraph(text(risk), styles["base"])]
        elif part.text:
            parts += [
                Paragraph(text(part.label), styles["label"]),
                Paragraph(ctx.user(part.text), styles["base"]),
            ]
    themes = note_themes(session, ctx)
    if themes:
        parts += [Paragraph("Themes", styles["label"]), Paragraph(themes, styles["base"])]
    for addendum in session.addenda.all():
        signed = (
            f"Addendum signed by {person_name(addendum.author)}, {time_text(addendum.created_at)}"
        )
        parts += [
            Paragraph(text(signed), styles["label"]),
            Paragraph(ctx.user(addendum.text), styles["base"]),
        ]
    if ctx.options.include_process_notes:
        process = getattr(session, "process_note", None)
        if process is not None and process.text:
            parts += [
                Paragraph("Process note (included deliberately)", styles["label"]),
                Paragraph(ctx.user(process.text), styles["base"]),
            ]
    return [KeepTogether(parts[:4]), *parts[4:], Spacer(1, 3 * mm)]
