"""The notes the client-page benches write (bench_client_page, bench_measures): weekly sessions
of about 1,500 characters, three themes each, every other one signed, built the same way and
from the same random sequence in both."""

import datetime
import random
from collections.abc import Callable

TEXT = (
    "she described the week as heavy and spoke about her mother's visit, the argument at work "
    "and sleeping badly; we explored what the silence at dinner meant to her and agreed a small "
    "experiment for the coming days"
)
WORDS = TEXT.split(" ")


def text(rng: random.Random, chars: int, vocabulary: list[str] = WORDS) -> str:
    """``chars`` characters of words drawn from ``vocabulary``."""
    words, size = [], 0
    while size < chars:
        word = rng.choice(vocabulary)
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:chars]


def weekly_sessions(
    *,
    therapist,
    client,
    count: int,
    start: datetime.date,
    rng: random.Random,
    each: Callable | None = None,
) -> list:
    """``count`` weekly sessions of ``client`` from ``start``, oldest first, not yet saved (for
    ``sessions.services.import_sessions``): notes of three 500-character parts, a risk level
    and note, three of the first 30 themes, the odd ones signed. ``each(index, session)`` is
    called after each is built, so that what it draws from ``rng`` stays in the sequence."""
    from django.utils import timezone

    from sessions.links import ThemeLink
    from sessions.models import TherapySession
    from themes.models import Theme

    theme_ids = list(Theme.objects.values_list("pk", flat=True)[:30])
    sessions = []
    signed_at = timezone.now()
    for index in range(count):
        session = TherapySession(
            client=client,
            date=start + datetime.timedelta(weeks=index),
            start_time=datetime.time(10, 0),
            note={key: text(rng, 500) for key in ("subjective", "objective", "assessment")},
            risk_level=rng.choice(["none", "none", "low"]),
            risk_notes=text(rng, 80),
        )
        session.set_theme_links(
            ThemeLink(theme, rng.randint(1, 3)) for theme in rng.sample(theme_ids, 3)
        )
        if index % 2:
            session.apply_signature(therapist, signed_at)
        sessions.append(session)
        if each is not None:
            each(index, session)
    return sessions
