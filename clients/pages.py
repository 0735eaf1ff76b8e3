"""What apps above clients add to the client page, without clients importing them.

clients is at the bottom of the dependency order (docs/architecture.md). Its page lists the
client's newest sessions (25, then more); the themes app adds each session's theme badges and
the client's recurring themes by registering a contributor when it is ready (themes/apps.py). A
contributor is called with the request, the client and sessions (newest first) and returns
template context.

Which sessions a contributor gets is said when it registers. By default every session of the
client (``every_session=True``): the page then loads and checks every session's row against the
integrity ledger on every request, which is most of its time for a long-seen client (about
100 of 150 ms at 1,000 sessions, bench/bench_client_page.py). A contributor registered with
``every_session=False`` gets only the sessions the page lists, and reads whatever else it counts
itself (from a cache of its own, or in one query); once no registered contributor asks for
every session, the page loads only those it lists.
"""

from collections.abc import Callable
from itertools import islice

_contributors: list[tuple[Callable[..., dict], bool]] = []


def add_to_client_page(
    contributor: Callable[..., dict], *, every_session: bool = True
) -> Callable[..., dict]:
    """Register ``contributor`` (once; registering it again changes only ``every_session``)."""
    for index, (known, _every) in enumerate(_contributors):
        if known is contributor:
            _contributors[index] = (contributor, every_session)
            return contributor
    _contributors.append((contributor, every_session))
    return contributor


def needs_every_session() -> bool:
    """Whether a registered contributor takes every session of the client, not only those
    listed (the view then loads them all)."""
    return any(every for _contributor, every in _contributors)


def client_page_context(request, *, client, sessions: list, listed: int) -> dict:
    """The page's own context (each session without badges), then each contributor's.
    ``client_sections`` ((template name, context) pairs, each included in the page's main
    column as ``section``) add up across contributors; other keys are set as given.

    ``sessions``: the client's sessions, newest first; every one of them if a contributor needs
    them all (``needs_every_session``), else at least the newest ``listed``. The page lists
    the newest ``listed``; a contributor registered with ``every_session=False`` gets only
    those. A contributor's ``timeline`` is an iterable of (session, badges) in the order of
    the sessions it got, best a generator, so that badges are made only for the sessions
    listed."""
    shown = sessions[:listed]
    context: dict = {
        "timeline": [(session, []) for session in shown],
        "theme_counts": [],
        "client_sections": [],
    }
    for contributor, every in _contributors:
        given = sessions if every else shown
        added = dict(contributor(request=request, client=client, sessions=given))
        sections = added.pop("client_sections", [])
        context.update(added)
        context["client_sections"] += sections
    context["timeline"] = list(islice(context["timeline"], listed))
    return context
