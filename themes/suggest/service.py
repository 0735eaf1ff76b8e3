"""Suggestions as the pages use them: the therapist's own themes, minus those dismissed on the
note and those marked "not for this client", and risk flags ready to show.

Nothing here stores a suggestion: only the therapist's choices (a theme marked not for a client)
are written, encrypted, through ``exclude_theme`` and ``include_theme``.
"""

from collections.abc import Iterable

from django.db import transaction

from sessions.links import parse_theme_ids
from themes.models import ClientThemeExclusion, Theme
from themes.suggest import catalogue, suggest


def suggestions_for(
    text: str, user, *, client=None, exclude_ids: Iterable[int] = (), plan: str = ""
) -> tuple[list[dict], list]:
    """Suggested themes (with their ids, for the form) and risk flags for a note's text.

    ``client``: themes the therapist marked not for this client are left out.
    ``exclude_ids``: themes already tagged on, or dismissed from, this note.
    ``plan``: the plan or homework, read for risk only (see ``suggest``).
    """
    left_out = set(exclude_ids) | set(excluded_theme_ids(client))
    offered = {
        theme.slug: theme
        for theme in Theme.objects.available_to(user).filter(active=True)
        if theme.pk not in left_out
    }
    result = suggest(text, themes=catalogue(offered.values()), plan=plan)
    themes = [
        {
            "id": offered[item.slug].pk,
            "slug": item.slug,
            "name": item.name,
            "category": item.category,
            "score": item.score,
            "evidence": list(item.evidence),
        }
        for item in result.themes
        if item.slug in offered
    ]
    return themes, result.risk


def exact_theme_ids(values: list[str]) -> list[int]:
    """The ids of posted ``theme`` values when each is exactly an id, else []: " 7" or "7 8"
    comes from a forged or broken page, never from ours."""
    ids = parse_theme_ids(" ".join(values))
    return ids if values and [str(pk) for pk in ids] == values else []


NEUTRAL_STATUSES = ("denied", "historical", "hypothetical", "question", "other_person", "joke")


def risk_notices(flags) -> list[dict]:
    """Each risk flag as the pages show it: current risk as an alert, anything else (a denial,
    history, a safety plan, a question, someone else) as a neutral line. Always with the
    phrase, so that the therapist can judge it."""
    return [
        {
            "kind": flag.kind,
            "label": flag.label,
            "status": flag.status,
            "status_label": flag.status_label,
            # An unknown status is shown as current: a missed risk is the worse mistake.
            "current": flag.current or flag.status not in NEUTRAL_STATUSES,
            "summary": _summary(flag),
            "evidence": list(flag.evidence),
        }
        for flag in flags
    ]


def _summary(flag) -> str:
    """The line shown for a flag, e.g. 'Current risk in this note: Suicidal thoughts' or
    'Risk assessed: self-harm denied'."""
    if flag.status not in NEUTRAL_STATUSES:
        return f"Current risk in this note: {flag.label}"
    label = flag.label[:1].lower() + flag.label[1:]
    if flag.status == "denied":
        return f"{flag.heading}: {label} denied"
    return f"{flag.heading}: {label}"


# --- themes marked "not for this client" ------------------------------------------------------


def excluded_theme_ids(client) -> list[int]:
    """The themes never suggested for this client (none for no client)."""
    if client is None:
        return []
    row = ClientThemeExclusion.objects.filter(client=client).first()
    return list(row.theme_ids) if row else []


@transaction.atomic
def exclude_theme(*, client, theme: Theme) -> ClientThemeExclusion:
    """Mark a theme as not for this client; marking it twice changes nothing."""
    row = _locked_row(client)
    row.theme_ids = sorted({*row.theme_ids, theme.pk})
    row.save()
    return row


@transaction.atomic
def include_theme(*, client, theme: Theme) -> ClientThemeExclusion:
    """Undo ``exclude_theme``: the theme may be suggested for this client again."""
    row = _locked_row(client)
    row.theme_ids = [pk for pk in row.theme_ids if pk != theme.pk]
    row.save()
    return row


def _locked_row(client) -> ClientThemeExclusion:
    # Created first (get_or_create copes with a concurrent create), then locked, so that two
    # changes at once cannot overwrite each other's list.
    ClientThemeExclusion.objects.get_or_create(client=client)
    return ClientThemeExclusion.objects.select_for_update().get(client=client)
