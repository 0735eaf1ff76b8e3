"""Searching one therapist's notes: text through the in-memory index, filters on its metadata.

The SQL below is assembled from constants (table names, "?" placeholders): every value, the
FTS5 expression included, is a bound parameter, hence the ``noqa: S608`` markers.
"""

import datetime
import uuid
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from clients.models import Client
from integrity.check import check_children
from sessions.models import ProcessNote, TherapySession

from .index import ready
from .query import ParsedQuery, parse

PAGE_SIZE = 20
SNIPPET_WORDS = 16
START, END = "\x01", "\x02"
NO_TERMS_MESSAGE = "Type a word to search for, or choose a filter."


@dataclass
class SearchFilters:
    client_id: uuid.UUID | None = None
    theme_ids: list[int] = field(default_factory=list)
    all_themes: bool = False
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    note_format: str = ""
    risk_level: str = ""
    status: str = ""
    include_process_notes: bool = False

    def any(self) -> bool:
        return bool(
            self.client_id
            or self.theme_ids
            or self.date_from
            or self.date_to
            or self.note_format
            or self.risk_level
            or self.status
        )


@dataclass
class SearchResult:
    session_id: uuid.UUID
    client_id: uuid.UUID
    date: datetime.date
    note_format: str
    status: str
    risk_level: str
    theme_ids: list[int]
    snippet: SafeString
    in_process_note: bool = False


@dataclass
class SearchPage:
    results: list[SearchResult]
    page: Page | None
    messages: list[str]
    searched: bool  # False when there was nothing to search for

    @property
    def total(self) -> int:
        return self.page.paginator.count if self.page else 0


def search(*, therapist, query: str, filters: SearchFilters, page: int | str = 1) -> SearchPage:
    """One page of the therapist's sessions matching the query and filters, best first."""
    parsed = parse(query)
    if not parsed.terms and not filters.any():
        return SearchPage([], None, parsed.messages or [NO_TERMS_MESSAGE], searched=False)
    with ready(therapist.pk) as index:
        ranked = _Ranked(index.db, parsed, filters)
        page_obj = Paginator(ranked, PAGE_SIZE).get_page(page)
        results, foreign = _results(therapist, index.db, parsed, list(page_obj.object_list))
        if foreign:
            # The index named sessions that are not (or no longer) the therapist's: a record
            # changed outside the app, or deleted since. They are not shown, and what the
            # index holds (and its snapshot) is dropped: the next search starts again.
            index.forget()
    return SearchPage(results, page_obj, parsed.messages, searched=True)


class _Ranked:
    """The matches as a sequence for the Paginator, by relevance and then the newest first.

    ``len()`` is one ``COUNT(*)`` (no bm25); a slice fetches only those rows (``LIMIT``/
    ``OFFSET``), so a common word never builds a list of every match.
    """

    def __init__(self, db, parsed: ParsedQuery, filters: SearchFilters) -> None:
        self.db, self.parsed, self.filters = db, parsed, filters
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None:
            sql, params = _count_sql(self.parsed, self.filters)
            self._count = self.db.execute(sql, params).fetchone()[0]
        return self._count

    def __getitem__(self, key):
        if not isinstance(key, slice):
            raise TypeError("only slices of the ranked matches are fetched")
        start, stop, step = key.indices(len(self))
        if step != 1 or stop <= start:
            return []
        return _ranked(self.db, self.parsed, self.filters, limit=stop - start, offset=start)


def _text_tables(filters: SearchFilters) -> list[str]:
    return ["docs", "pdocs"] if filters.include_process_notes else ["docs"]


def _ranked(
    db, parsed: ParsedQuery, filters: SearchFilters, *, limit: int, offset: int
) -> list[tuple[int, str]]:
    """(rowid, source) of a slice of the matches, by relevance and then the newest first."""
    where, params = _filter_sql(filters)
    order = "meta.date DESC, meta.start DESC, meta.rowid"
    tables = _text_tables(filters)
    if not parsed.included:
        # No ranking: every match ranks the same, so the newest come first (meta_recent).
        if parsed.excluded:
            where += f" AND meta.rowid NOT IN ({_excluded_sql(tables)})"
            params += [parsed.exclusion_expression()] * len(tables)
        sql = f"SELECT meta.rowid, 'docs' FROM meta WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?"  # noqa: S608
    elif tables == ["docs"]:
        sql = (
            "SELECT meta.rowid, 'docs' FROM docs JOIN meta ON meta.rowid = docs.rowid "  # noqa: S608
            f"WHERE docs MATCH ? AND {where} ORDER BY bm25(docs), {order} LIMIT ? OFFSET ?"
        )
        params = [parsed.match_expression(), *params]
    else:
        hits = " UNION ALL ".join(
            f"SELECT rowid, bm25({t}) AS rank, '{t}' AS source FROM {t} WHERE {t} MATCH ?"  # noqa: S608
            for t in tables
        )
        sql = (
            # MATERIALIZED: bm25() only works in a query on the FTS table, never once flattened.
            f"WITH hits AS MATERIALIZED ({hits}) "  # noqa: S608
            "SELECT meta.rowid, hits.source, MIN(hits.rank) AS best FROM hits "
            f"JOIN meta ON meta.rowid = hits.rowid WHERE {where} "
            f"GROUP BY meta.rowid ORDER BY best, {order} LIMIT ? OFFSET ?"
        )
        params = [parsed.match_expression()] * len(tables) + params
    return [(row[0], row[1]) for row in db.execute(sql, [*params, limit, offset])]


def _count_sql(parsed: ParsedQuery, filters: SearchFilters) -> tuple[str, list]:
    """SQL counting every match (no bm25, no ordering)."""
    where, params = _filter_sql(filters)
    tables = _text_tables(filters)
    if not parsed.included:
        if parsed.excluded:
            where += f" AND meta.rowid NOT IN ({_excluded_sql(tables)})"
            params += [parsed.exclusion_expression()] * len(tables)
        return f"SELECT COUNT(*) FROM meta WHERE {where}", params  # noqa: S608
    expression = parsed.match_expression()
    if tables == ["docs"]:
        if not filters.any():
            return "SELECT COUNT(*) FROM docs WHERE docs MATCH ?", [expression]
        sql = (
            "SELECT COUNT(*) FROM docs JOIN meta ON meta.rowid = docs.rowid "  # noqa: S608
            f"WHERE docs MATCH ? AND {where}"
        )
        return sql, [expression, *params]
    hits = " UNION ".join(f"SELECT rowid FROM {t} WHERE {t} MATCH ?" for t in tables)  # noqa: S608
    sql = (
        f"SELECT COUNT(*) FROM ({hits}) AS hits JOIN meta ON meta.rowid = hits.rowid "  # noqa: S608
        f"WHERE {where}"
    )
    return sql, [expression] * len(tables) + params


def _excluded_sql(tables: list[str]) -> str:
    return " UNION ".join(f"SELECT rowid FROM {t} WHERE {t} MATCH ?" for t in tables)  # noqa: S608


def _filter_sql(filters: SearchFilters) -> tuple[str, list]:
    conditions, params = ["1"], []
    for column, value in (
        ("client_id", str(filters.client_id) if filters.client_id else ""),
        ("format", filters.note_format),
        ("risk", filters.risk_level),
        ("status", filters.status),
    ):
        if value:
            conditions.append(f"meta.{column} = ?")
            params.append(value)
    if filters.date_from:
        conditions.append("meta.date >= ?")
        params.append(filters.date_from.isoformat())
    if filters.date_to:
        conditions.append("meta.date <= ?")
        params.append(filters.date_to.isoformat())
    if filters.theme_ids:
        ids = sorted(set(filters.theme_ids))
        marks = ", ".join("?" * len(ids))
        having = f" GROUP BY rowid HAVING COUNT(DISTINCT theme_id) = {len(ids)}"
        conditions.append(
            f"meta.rowid IN (SELECT rowid FROM doc_themes WHERE theme_id IN ({marks})"  # noqa: S608
            f"{having if filters.all_themes else ''})"
        )
        params += ids
    return " AND ".join(conditions), params


def _results(
    therapist, db, parsed: ParsedQuery, rows: list[tuple[int, str]]
) -> tuple[list[SearchResult], bool]:
    """The page's results, and whether the index named a session that is not the therapist's
    (left out)."""
    if not rows:
        return [], False
    meta, themes = page_rows(db, rows)
    own = _check_shown(therapist, [meta[rowid][1] for rowid, _ in rows])
    snippets = _snippets(db, parsed, rows)
    results = [
        result_of(meta[rowid], themes.get(rowid, []), snippets.get(rowid, ""), source)
        for rowid, source in rows
        if meta[rowid][1] in own
    ]
    return results, len(results) != len(rows)


def page_rows(db, rows: list[tuple[int, str]]) -> tuple[dict, dict[int, list[int]]]:
    """The index's metadata rows of a page's results, by rowid, and their theme ids."""
    rowids = [rowid for rowid, _ in rows]
    marks = ", ".join("?" * len(rowids))
    meta = {
        row[0]: row
        for row in db.execute(
            "SELECT rowid, session_id, client_id, date, format, status, risk FROM meta "  # noqa: S608
            f"WHERE rowid IN ({marks})",
            rowids,
        )
    }
    themes: dict[int, list[int]] = {}
    for rowid, theme_id in db.execute(
        f"SELECT rowid, theme_id FROM doc_themes WHERE rowid IN ({marks})",  # noqa: S608
        rowids,
    ):
        themes.setdefault(rowid, []).append(theme_id)
    return meta, themes


def result_of(meta_row: tuple, theme_ids: list[int], snippet: str, source: str) -> SearchResult:
    _, session_id, client_id, day, note_format, status, risk = meta_row
    return SearchResult(
        session_id=uuid.UUID(session_id),
        client_id=uuid.UUID(client_id),
        date=datetime.date.fromisoformat(day),
        note_format=note_format,
        status=status,
        risk_level=risk,
        theme_ids=theme_ids,
        snippet=highlight(snippet),
        in_process_note=source == "pdocs",
    )


def _check_shown(therapist, session_ids: list[str]) -> set[str]:
    """The sessions on this page that are the therapist's (their ids), checked with their
    addenda and process notes against the integrity ledger before anything of them is shown
    (the index is built without checking, for speed; a record changed outside the app stops
    the page here). A few queries per page."""
    # By primary key, then the owners of their clients: filtering the sessions by therapist in
    # the same query made SQLite walk every session of the therapist (41 ms a page at 6,000).
    found = list(TherapySession.objects.filter(pk__in=session_ids))  # checked as loaded
    mine = set(
        Client.objects.filter(pk__in={s.client_id for s in found}, therapist=therapist).values_list(
            "pk", flat=True
        )
    )
    sessions = [session for session in found if session.client_id in mine]
    check_children(*sessions)
    list(ProcessNote.objects.filter(session_id__in=[s.pk for s in sessions]))  # checked too
    return {str(session.pk) for session in sessions}


def _snippets(db, parsed: ParsedQuery, rows: list[tuple[int, str]]) -> dict[int, str]:
    snippets = {}
    for table in ("docs", "pdocs"):
        rowids = [rowid for rowid, source in rows if source == table]
        if not rowids:
            continue
        marks = ", ".join("?" * len(rowids))
        if parsed.included:
            sql = (
                f"SELECT rowid, snippet({table}, 0, char(1), char(2), '…', {SNIPPET_WORDS}) "  # noqa: S608
                f"FROM {table} WHERE {table} MATCH ? AND rowid IN ({marks})"
            )
            params = [parsed.match_expression(), *rowids]
        else:
            sql = f"SELECT rowid, body FROM {table} WHERE rowid IN ({marks})"  # noqa: S608
            params = rowids
        for rowid, text in db.execute(sql, params):
            snippets[rowid] = text if parsed.included else _opening(text)
    return snippets


def _opening(text: str) -> str:
    words = text.split()
    return " ".join(words[: SNIPPET_WORDS * 2]) + (" …" if len(words) > SNIPPET_WORDS * 2 else "")


def highlight(snippet: str) -> SafeString:
    """The snippet HTML-escaped, with FTS5's match markers turned into <mark> elements."""
    escaped = escape(snippet)
    # mark_safe is safe here: every character of the note text was escaped on the line above,
    # and the only markup added is <mark> and </mark>, in place of the control characters
    # \x01 and \x02 that FTS5's snippet() inserted around matched words.
    return mark_safe(escaped.replace(START, "<mark>").replace(END, "</mark>"))  # noqa: S308
