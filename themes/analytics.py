"""Recurring themes: per-client statistics, the timeline behind the heat strip, the caseload.

Which themes a session touched is stored encrypted on the session (``TherapySession.themes``);
there is no link table and no index over themes (docs/themes.md, ENCRYPTION.md). Everything here
therefore starts from one query over plain metadata (client, date) and decrypts the theme lists
in memory. The rules work on small ``SessionThemes`` records and know nothing of Django, so
that they are easy to test on hand-made data.
"""

import datetime
import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from encryption.bulk import decrypt_values
from sessions.links import read_links

from .models import Category

# A theme is recurring for a client when it was touched in at least RECURRING_MIN_SESSIONS
# sessions overall and in at least RECURRING_MIN_SHARE of the last RECURRING_WINDOW sessions
# (or of all sessions, when there are fewer).
RECURRING_MIN_SESSIONS = 3
RECURRING_WINDOW = 12
RECURRING_MIN_SHARE = 0.25
# Trend: mean intensity (0 when absent) over the last TREND_WINDOW sessions against the
# TREND_WINDOW before them; a difference beyond TREND_TOLERANCE is rising or fading.
TREND_WINDOW = 6
TREND_TOLERANCE = 0.25
CO_OCCURRING_LIMIT = 3


class Trend:
    RISING = "rising"
    STEADY = "steady"
    FADING = "fading"
    NEW = "new"  # first touched within the last TREND_WINDOW sessions
    DORMANT = "dormant"  # not touched in the last 2 x TREND_WINDOW sessions


@dataclass(slots=True)
class SessionThemes:
    """One session's decrypted theme links: {theme id: intensity 1-3}, {theme id: evidence}."""

    session_id: uuid.UUID
    client_id: uuid.UUID
    date: datetime.date
    start_time: datetime.time
    intensities: dict[int, int]
    evidence: dict[int, str] = field(default_factory=dict)


@dataclass
class ThemeStat:
    theme_id: int
    sessions_touched: int
    share: float  # of all the client's sessions
    first_seen: datetime.date
    last_seen: datetime.date
    current_run: int  # consecutive sessions touching it, counted back from the newest
    recent_touched: int  # sessions touching it within the recurring window
    trend: str
    co_occurring: list[tuple[int, int]]  # (theme id, sessions shared), most shared first
    recurring: bool


@dataclass
class TimelineRow:
    theme: Any  # a Theme, or anything with pk, category, sort_order and name
    sessions_touched: int
    intensities: list[int]  # one per session of the timeline, 0 where untouched


@dataclass
class Timeline:
    sessions: list[SessionThemes]  # oldest first: the x axis
    rows: list[TimelineRow]  # the y axis


@dataclass
class CaseloadClient:
    client_id: uuid.UUID
    number: int
    sessions: int  # in the date range
    recent_share: float  # of the recurring window touching the theme
    name: str = ""  # decrypted only for the clients shown

    @property
    def code(self) -> str:
        return f"C-{self.number:04d}"


@dataclass
class CaseloadRow:
    theme: Any
    clients: list[CaseloadClient]  # it is recurring for these, strongest (recent share) first
    touched: int  # clients with at least one session on it in the range

    @property
    def recurring(self) -> int:
        return len(self.clients)


# --- reading ---------------------------------------------------------------------------------
def parse_links(links: list) -> tuple[dict[int, int], dict[int, str]]:
    """{theme id: intensity} and {theme id: evidence} of a session's stored theme list."""
    intensities, evidence = {}, {}
    for link in read_links(links):
        intensities[link.theme_id] = link.intensity
        if isinstance(link.evidence, str) and link.evidence.strip():
            evidence[link.theme_id] = link.evidence.strip()
    return intensities, evidence


def load_theme_links(sessions: models.QuerySet) -> list[SessionThemes]:
    """The sessions' theme links, oldest first, in one query and without model instances."""
    from sessions.models import TherapySession

    rows = list(
        sessions.order_by("date", "start_time", "id").values_list(
            "id", "client_id", "date", "start_time", "themes"
        )
    )
    decrypted = decrypt_values(TherapySession, "themes", ((row[0], row[4], row[1]) for row in rows))
    result = []
    for (pk, client_id, day, start, _), links in zip(rows, decrypted, strict=True):
        intensities, evidence = parse_links(links)
        result.append(SessionThemes(pk, client_id, day, start, intensities, evidence))
    return result


# --- one client ------------------------------------------------------------------------------
def is_recurring(touched: int, recent_touched: int, window: int) -> bool:
    """The documented rule (RECURRING_* above, docs/themes.md)."""
    return (
        touched >= RECURRING_MIN_SESSIONS
        and window > 0
        and recent_touched >= RECURRING_MIN_SHARE * window
    )


def trend_of(theme_id: int, sessions: list[SessionThemes]) -> str:
    """Rising, steady or fading over the last TREND_WINDOW sessions against the ones before."""
    recent = sessions[-TREND_WINDOW:]
    earlier = sessions[: max(0, len(sessions) - TREND_WINDOW)]
    before = earlier[-TREND_WINDOW:]
    if not any(theme_id in s.intensities for s in earlier):
        return Trend.NEW
    recent_mean = sum(s.intensities.get(theme_id, 0) for s in recent) / len(recent)
    before_mean = sum(s.intensities.get(theme_id, 0) for s in before) / len(before)
    if recent_mean == 0 and before_mean == 0:
        return Trend.DORMANT
    # Appearing or disappearing altogether counts, whatever the tolerance.
    if recent_mean - before_mean > TREND_TOLERANCE or before_mean == 0:
        return Trend.RISING
    if before_mean - recent_mean > TREND_TOLERANCE or recent_mean == 0:
        return Trend.FADING
    return Trend.STEADY


def theme_stats(sessions: list[SessionThemes]) -> list[ThemeStat]:
    """Per-theme statistics for ONE client's sessions (oldest first).

    Recurring themes first, then by sessions touched, the most recently seen first on a tie.
    """
    if not sessions:
        return []
    window = sessions[-RECURRING_WINDOW:]
    touched: Counter[int] = Counter()
    recent: Counter[int] = Counter(t for s in window for t in s.intensities)
    pairs: dict[int, Counter[int]] = defaultdict(Counter)
    first: dict[int, datetime.date] = {}
    last: dict[int, datetime.date] = {}
    for session in sessions:
        ids = session.intensities.keys()
        touched.update(ids)
        for theme_id in ids:
            first.setdefault(theme_id, session.date)
            last[theme_id] = session.date
            pairs[theme_id].update(other for other in ids if other != theme_id)
    stats = []
    for theme_id, count in touched.items():
        run = 0
        for session in reversed(sessions):
            if theme_id not in session.intensities:
                break
            run += 1
        co_occurring = sorted(pairs[theme_id].items(), key=lambda item: (-item[1], item[0]))
        stats.append(
            ThemeStat(
                theme_id=theme_id,
                sessions_touched=count,
                share=count / len(sessions),
                first_seen=first[theme_id],
                last_seen=last[theme_id],
                current_run=run,
                recent_touched=recent[theme_id],
                trend=trend_of(theme_id, sessions),
                co_occurring=co_occurring[:CO_OCCURRING_LIMIT],
                recurring=is_recurring(count, recent[theme_id], len(window)),
            )
        )
    stats.sort(key=lambda s: (not s.recurring, -s.sessions_touched, -s.last_seen.toordinal()))
    return stats


def _category_position(theme) -> int:
    try:
        return Category.values.index(theme.category)
    except ValueError:
        return len(Category.values)


def timeline(sessions: list[SessionThemes], themes: Mapping[int, Any]) -> Timeline:
    """Sessions (oldest first) by the themes they touched, for the heat strip.

    Rows follow the taxonomy's category order, then the most-touched theme first, then the
    taxonomy's own order. Ids of since-deleted themes are left out.
    """
    counts: Counter[int] = Counter(
        theme_id for s in sessions for theme_id in s.intensities if theme_id in themes
    )
    order = sorted(
        counts,
        key=lambda t: (_category_position(themes[t]), -counts[t], themes[t].sort_order, t),
    )
    rows = [
        TimelineRow(
            theme=themes[theme_id],
            sessions_touched=counts[theme_id],
            intensities=[s.intensities.get(theme_id, 0) for s in sessions],
        )
        for theme_id in order
    ]
    return Timeline(sessions=list(sessions), rows=rows)


# --- the caseload ----------------------------------------------------------------------------
def recurring_for_client(theme_sets: list[set[int]]) -> dict[int, float]:
    """{theme id: share of the recurring window touching it} for the themes recurring for one
    client, from the theme ids of each of their sessions, oldest first."""
    window = theme_sets[-RECURRING_WINDOW:]
    touched: Counter[int] = Counter(t for ids in theme_sets for t in ids)
    recent: Counter[int] = Counter(t for ids in window for t in ids)
    return {
        theme_id: recent[theme_id] / len(window)
        for theme_id, count in touched.items()
        if is_recurring(count, recent[theme_id], len(window))
    }


def caseload(
    therapist,
    *,
    category: str | None = None,
    theme_slug: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    names_per_row: int | None = None,
) -> list[CaseloadRow]:
    """For each theme: the therapist's active clients for whom it is recurring.

    Computed on the sessions within the date range (inclusive). Rows are sorted by the number of
    clients, then by clients touched; within a row the clients it is most present for come
    first. Names are decrypted only for the first ``names_per_row`` clients of each row (all
    when None). The theme ids of each session come from ``caseload_cache``, which decrypts only
    the sessions of clients whose notes changed since the last request (the date range is
    applied here, to what it holds). Two queries (themes, clients) and the check of the names
    shown, three more when sessions are read again.
    """
    from clients.models import Client

    from .caseload_cache import cache
    from .models import Theme

    themes = Theme.objects.available_to(therapist)
    if category:
        themes = themes.filter(category=category)
    if theme_slug:
        themes = themes.filter(slug=theme_slug)
    theme_map = {theme.pk: theme for theme in themes}
    if not theme_map:
        return []

    # Names (still sealed) come with the clients, decrypted below for the clients shown only.
    sealed_names, in_range = {}, []
    for client in cache.active_clients(therapist):
        sealed_names[client.client_id] = client.sealed_name
        theme_sets = client.theme_ids_between(date_from, date_to)
        if theme_sets:
            in_range.append((client.client_id, client.number, theme_sets))

    recurring: dict[int, list[CaseloadClient]] = defaultdict(list)
    touched: Counter[int] = Counter()
    for client_id, number, theme_sets in in_range:
        touched.update({t for ids in theme_sets for t in ids if t in theme_map})
        for theme_id, share in recurring_for_client(theme_sets).items():
            if theme_id in theme_map:
                recurring[theme_id].append(
                    CaseloadClient(client_id, number, len(theme_sets), share)
                )
    result = [
        CaseloadRow(
            theme=theme_map[theme_id],
            clients=sorted(recurring[theme_id], key=lambda c: (-c.recent_share, c.number)),
            touched=count,
        )
        for theme_id, count in touched.items()
    ]
    result.sort(key=lambda row: (-row.recurring, -row.touched, row.theme.sort_order, row.theme.pk))

    shown = [client for row in result for client in row.clients[:names_per_row]]
    wanted = list(dict.fromkeys(client.client_id for client in shown))
    names = decrypt_values(
        Client, "full_name", ((pk, sealed_names[pk], therapist.pk) for pk in wanted)
    )
    by_id = dict(zip(wanted, names, strict=True))
    for client in shown:
        client.name = by_id[client.client_id]
    return result
