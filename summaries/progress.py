"""The progress parts of a case summary: the outcome measures (``measures.reports``) and the
treatment plan with the progress recorded per objective (``plans.reports``).

Bounded labels (dates, scores, band names) sit in tables; the plan's own text (problems, goals,
objectives, comments) can be of any length and is printed as paragraphs in the page's flow,
which split across pages (sections.py).
"""

from dataclasses import replace

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph

from measures.change import IMPROVED, WORSENED

from .layout import Context, cell, chunked, date_text, free_width, text, time_text
from .measure_chart import measure_chart

CHANGE_TEXT = {IMPROVED: "reliably better", WORSENED: "reliably worse"}
MEASURE_HEADER = ["Date", "Score", "Severity", "Since the previous", "Since the baseline"]
MEASURE_WIDTHS = [24 * mm, 26 * mm, None, 32 * mm, 32 * mm]


def _total(point) -> str:
    if point.total is None:
        return "incomplete"
    total = f"{point.total:g}"
    return f"{total} (prorated)" if point.status == "prorated" else total


def _change(change: str | None, compared: bool) -> str:
    if not compared:
        return "—"
    return CHANGE_TEXT.get(change, "no reliable change")


def in_period(points, options) -> list:
    return [point for point in points if _within(point.date, options)]


def measure_rows(history, ctx: Context) -> list[list]:
    """A row per questionnaire of the period. Reliable change is as the measures app judges
    it: against the previous score and the baseline (the first), even before the period."""
    rows = []
    baseline = history.baseline
    severity_width = free_width(MEASURE_WIDTHS, ctx.width)
    for point in in_period(history.points, ctx.options):
        severity = point.band_label or "—"
        if point.above_cutoff:
            severity += " · at or above cut-off"
        compared = point.total is not None and point is not baseline
        rows.append(
            [
                date_text(point.date),
                _total(point),
                cell(severity, severity_width, ctx.styles),
                _change(point.change_from_previous, compared),
                _change(point.change_from_first, compared),
            ]
        )
    return rows


def measures_section(histories, ctx: Context) -> list:
    """Per measure: its chart, a table of every questionnaire, and how change is judged."""
    styles = ctx.styles
    parts = []
    for history in histories:
        shown = in_period(history.points, ctx.options)
        if not shown:
            continue
        measure = history.measure
        title = f"{measure.short_name}: {measure.name}"
        parts.append(
            KeepTogether(
                [
                    Paragraph(text(title), styles["h3"]),
                    measure_chart(replace(history, points=tuple(shown)), ctx.width),
                ]
            )
        )
        header = [Paragraph(h, styles["label"]) for h in MEASURE_HEADER]
        parts += chunked(header, measure_rows(history, ctx), MEASURE_WIDTHS)
        rule = (
            f"A change of more than {measure.rci_threshold:.1f} points between two scores is "
            f"reliable (Jacobson and Truax; reliability {measure.reliability:g}). "
            f"The first score, the baseline: {date_text(history.baseline.date)}."
            if history.baseline
            else ""
        )
        if measure.copyright:
            rule += f" {measure.name}: {measure.copyright}"
        parts.append(Paragraph(text(rule.strip()), styles["note"]))
    return [Paragraph("Outcome measures", styles["h2"]), *parts] if parts else []


def plan_section(plan, ctx: Context) -> list:
    """The latest signed version of the plan, and under each objective the progress the notes
    of the period recorded, oldest first, with their comments (a draft note's marked, or left
    out of a summary of signed notes only)."""
    styles = ctx.styles
    signed = (
        f"Version {plan.version_number}, signed by {plan.signed_by}, {time_text(plan.signed_at)}"
    )
    if plan.review_date:
        signed += f"; review by {date_text(plan.review_date)}"
    parts = [
        Paragraph("Treatment plan and progress", styles["h2"]),
        Paragraph(text(signed), styles["signature"]),
    ]
    if plan.has_draft:
        parts.append(
            Paragraph("A newer draft of the plan is not signed and is left out.", styles["note"])
        )
    if plan.problems:
        parts.append(Paragraph("Problems", styles["label"]))
        for problem, theme_names in plan.problems:
            line = ctx.user(problem)
            if theme_names:
                line += f" <i>(themes: {ctx.user(', '.join(theme_names))})</i>"
            parts.append(Paragraph(line, styles["item"], bulletText="•"))
    for number, goal in enumerate(plan.goals, start=1):
        parts.append(Paragraph(f"Goal {number}: {ctx.user(goal.text)}", styles["h3"]))
        for inner, objective in enumerate(goal.objectives, start=1):
            parts += _objective(f"{number}.{inner}", objective, ctx)
    if plan.interventions:
        parts.append(Paragraph("Planned interventions", styles["label"]))
        parts += [
            Paragraph(ctx.user(intervention), styles["item"], bulletText="•")
            for intervention in plan.interventions
        ]
    return parts


def _objective(number: str, objective, ctx: Context) -> list:
    styles = ctx.styles
    target = f" (target {date_text(objective.target_date)})" if objective.target_date else ""
    parts = [
        Paragraph(f"<b>Objective {number}</b>{target}: {ctx.user(objective.text)}", styles["item"])
    ]
    # A draft note's progress can still change: a summary of signed notes only leaves it out,
    # any other marks it, as the plan's page does.
    signed_only = _signed_notes_only(ctx.options)
    entries = sorted(
        (
            entry
            for entry in objective.entries
            if _within(entry.date, ctx.options) and (entry.signed or not signed_only)
        ),
        key=lambda entry: entry.date,
    )
    if not entries:
        parts.append(Paragraph("No progress recorded in this period.", styles["progress"]))
    for entry in entries:
        line = f"<b>{date_text(entry.date)} · {text(entry.rating)}</b>"
        if not entry.signed:
            line = f"<i>(draft note)</i> {line}"
        if entry.comment.strip():
            line += f": {ctx.user(entry.comment)}"
        parts.append(Paragraph(line, styles["progress"]))
    return parts


def _signed_notes_only(options) -> bool:
    from .pdf import FullNotes  # pdf.py imports this module: read when a summary is built

    return options.full_notes == FullNotes.SIGNED


def _within(day, options) -> bool:
    start, end = options.date_from, options.date_to
    return (start is None or day >= start) and (end is None or day <= end)
