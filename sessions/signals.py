"""What the write services tell the rest of the application.

``session_written`` is sent by every function of ``sessions.services`` that changes a note or
what belongs to it, inside the write's transaction, after the write: a receiver that writes
(search moves its change counter) commits or rolls back with it. Receivers are told which
therapist, client and notes changed and how, never the content. Autosaves are not sent: they
write the form's buffer (``SessionDraft``), not the record.
"""

from enum import StrEnum

from django.dispatch import Signal


class Change(StrEnum):
    CREATED = "created"
    EDITED = "edited"
    SIGNED = "signed"
    ADDENDUM = "addendum"
    PROCESS_NOTE = "process_note"
    ERASED = "erased"  # the whole record of a client


# Sent with: therapist_id, client_id, session_ids (a list; empty for ERASED), change.
session_written = Signal()
