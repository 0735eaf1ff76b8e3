"""The "Last session" panel of the note form: what the client's previous note said.

The note form shows, beside the note being written, the client's most recent other note (signed
or draft): its plan / homework, risk level and the reasoning behind it, its themes with their
intensity and the next appointment agreed. The page script's *Bring forward* buttons copy the
plan and the themes into the new note; without JavaScript the panel is read-only.

The note is read through ``TherapySession.objects.for_therapist``, so the ledger checks it like
any other page (integrity/records.py). Theme names come through ``sessions.tagging``; process
notes are never read here.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from .models import TherapySession
from .tagging import ShownTheme, note_themes


@dataclass(frozen=True)
class PreviousSession:
    session: TherapySession
    themes: list[ShownTheme] = field(default_factory=list)

    @property
    def has_plan(self) -> bool:
        return bool((self.session.plan or "").strip())


def previous_session(user, *, client, session: TherapySession | None) -> PreviousSession | None:
    """The client's newest note other than ``session`` (by date, then start time) and, when
    editing a note, before it (a note written late is not shown the sessions after it), with
    its themes; None when there is none."""
    notes = TherapySession.objects.for_therapist(user).filter(client=client)
    if session is not None and session.pk is not None:
        notes = notes.exclude(pk=session.pk).filter(
            Q(date__lt=session.date) | Q(date=session.date, start_time__lt=session.start_time)
        )
    # A list, not .first(): the sealed queryset checks the rows it loads against the ledger.
    found = list(notes.order_by("-date", "-start_time", "-created_at")[:1])
    if not found:
        return None
    previous = found[0]
    return PreviousSession(session=previous, themes=note_themes().shown([previous], user)[0])
