"""What apps above clients add to the client page, without clients importing them.

clients is at the bottom of the dependency order (docs/architecture.md). Its page lists the
client's newest sessions (25, then more); the themes app adds each session's theme badges and
the client's recurring themes by registering a contributor when it is ready (themes/apps.py). A
contributor is called with the request, the client and all their sessions (newest first) and
returns template context.
"""

from collections.abc import Callable
from itertools import islice

_contributors: list[Callable[..., dict]] = []


def add_to_client_page(contributor: Callable[..., dict]) -> Callable[..., dict]:
    if contributor not in _contributors:
        _contributors.append(contributor)
    return contributor


def client_page_context(request, *, client, sessions: list, listed: int) -> dict:
    """The page's own context (each session without badges), then each contributor's.
    ``client_sections`` ((template name, context) pairs, each included in the page's main
    column as ``section``) add up across contributors; other keys are set as given.

    Contributors get every session (the recurring themes and a plan's progress count them
    all); the page lists only the newest ``listed``. A contributor's ``timeline`` is an
    iterable of (session, badges) in the order of ``sessions``, best a generator, so that
    badges are made only for the sessions listed."""
    context: dict = {
        "timeline": [(session, []) for session in sessions[:listed]],
        "theme_counts": [],
        "client_sections": [],
    }
    for contributor in _contributors:
        added = dict(contributor(request=request, client=client, sessions=sessions))
        sections = added.pop("client_sections", [])
        context.update(added)
        context["client_sections"] += sections
    context["timeline"] = list(islice(context["timeline"], listed))
    return context
