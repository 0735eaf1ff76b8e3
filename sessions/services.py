"""Writes to the clinical record: the one door for every write to a note.

Creating, editing, autosaving, signing, adding an addendum or a process note, accepting or
dismissing a theme suggestion and erasing a client's record all go through the keyword-only
functions here; views, commands and the demo never write a note themselves. Each write that
changes the record sends ``signals.session_written`` in its transaction (search listens).

Every conditional write checks its condition in the same UPDATE statement that writes, so two
tabs or two devices can never silently overwrite each other.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from appointments import services as appointment_services
from clients import services as client_services

from .links import ThemeLink
from .models import Addendum, NoteStatus, ProcessNote, SessionDraft, TherapySession
from .signals import Change, session_written

SESSION_CONTENT_FIELDS = [
    "date",
    "start_time",
    "duration_minutes",
    "session_type",
    "modality",
    "note_format",
    "next_appointment",
    "note",
    "mood_affect",
    "risk_level",
    "risk_notes",
    "interventions",
    "plan",
    "themes",
    "dismissed_themes",
    "updated_at",
]


def _update_where(instance: models.Model, fields: list[str], **conditions) -> int:
    """UPDATE the row of ``instance`` with its current values of ``fields``, only where the
    conditions hold; returns the number of rows written (0 or 1)."""
    model = type(instance)
    values = {}
    for name in fields:
        field = model._meta.get_field(name)
        values[field.attname] = field.pre_save(instance, add=False)
    extra = conditions.pop("_set", {})
    return model.objects.filter(pk=instance.pk, **conditions).update(**values, **extra)


def _written(session: TherapySession, change: Change) -> None:
    client = session.client
    session_written.send(
        sender=TherapySession,
        therapist_id=client.therapist_id,
        client_id=client.pk,
        session_ids=[session.pk],
        change=change,
    )


class AppointmentTaken(Exception):
    """Another note was saved for the same appointment first (two tabs, a double submit)."""


class SaveResult(Enum):
    SAVED = "saved"
    CONFLICT = "conflict"
    SIGNED = "signed"


@transaction.atomic
def create_session(*, session: TherapySession, client) -> TherapySession:
    """Save a new note (a draft) for ``client``, built by the session form."""
    session.client = client
    try:
        with transaction.atomic():
            session.save(force_insert=True)
    except IntegrityError:
        taken = TherapySession.objects.filter(appointment_id=session.appointment_id)
        if session.appointment_id is not None and taken.exists():
            raise AppointmentTaken from None
        raise
    if session.appointment_id is not None:
        appointment_services.mark_attended(appointment=session.appointment)
    _book_next(session)
    _written(session, Change.CREATED)
    return session


def _book_next(session: TherapySession, *, before=None) -> None:
    """A note's "next appointment" is in the schedule: booked, or moved from the time the note
    said before (``before``)."""
    if session.next_appointment is None or session.next_appointment == before:
        return
    client = session.client
    appointment_services.book_next(
        therapist=client.therapist,
        client=client,
        start=session.next_appointment,
        details=appointment_services.Details(
            duration_minutes=session.duration_minutes, modality=session.modality
        ),
        replacing=before,
    )


@transaction.atomic
def save_draft_session(*, session: TherapySession, expected_version: int) -> SaveResult:
    """Write an edited draft if nobody saved it since ``expected_version`` was read."""
    before = (
        TherapySession.objects.filter(pk=session.pk)
        .values_list("next_appointment", flat=True)
        .first()
    )
    written = _update_where(
        session,
        SESSION_CONTENT_FIELDS,
        version=expected_version,
        status=NoteStatus.DRAFT,
        _set={"version": F("version") + 1},
    )
    if written:
        session.version = expected_version + 1
        _book_next(session, before=before)
        _written(session, Change.EDITED)
        return SaveResult.SAVED
    current = TherapySession.objects.filter(pk=session.pk).values_list("status", flat=True).first()
    return SaveResult.SIGNED if current == NoteStatus.SIGNED else SaveResult.CONFLICT


@transaction.atomic
def sign_session(*, session: TherapySession, signer, expected_version: int) -> SaveResult:
    """Turn a draft into the signed note: signer, time and content hash, in one UPDATE."""
    now = timezone.now()
    written = TherapySession.objects.filter(
        pk=session.pk, status=NoteStatus.DRAFT, version=expected_version
    ).update(
        status=NoteStatus.SIGNED,
        signed_at=now,
        signed_by=signer,
        content_hash=session.content_digest(),
        version=F("version") + 1,
    )
    if written:
        session.refresh_from_db()
        _written(session, Change.SIGNED)
        return SaveResult.SAVED
    current = TherapySession.objects.filter(pk=session.pk).values_list("status", flat=True).first()
    return SaveResult.SIGNED if current == NoteStatus.SIGNED else SaveResult.CONFLICT


@transaction.atomic
def save_and_sign_session(
    *,
    session: TherapySession,
    client,
    signer,
    expected_version: int | None = None,
    before_signing: Callable[[TherapySession], None] | None = None,
) -> SaveResult:
    """The note form's *Save and sign*: save the note the form built (a new one when
    ``expected_version`` is None, else an edited draft) and sign it, in one transaction, so
    that both happen or neither does. ``before_signing(session)`` runs between the two: what
    the form's aids record with the note (form_aids.save_aids) is stored before it locks."""
    if expected_version is None:
        create_session(session=session, client=client)
    else:
        saved = save_draft_session(session=session, expected_version=expected_version)
        if saved is not SaveResult.SAVED:
            return saved
    if before_signing is not None:
        before_signing(session)
    # Sealed as stored, exactly as signing a saved draft from its page does.
    stored = TherapySession.objects.get(pk=session.pk)
    signed = sign_session(session=stored, signer=signer, expected_version=stored.version)
    if signed is not SaveResult.SAVED:
        transaction.set_rollback(True)
        return signed
    session.refresh_from_db()
    return SaveResult.SAVED


@transaction.atomic
def add_addendum(*, session: TherapySession, author, text: str) -> Addendum:
    if not session.is_signed:
        raise ValueError("Addenda are added to signed notes; edit the draft instead.")
    addendum = Addendum(session=session, author=author, text=text, created_at=timezone.now())
    addendum.content_hash = addendum.content_digest()
    addendum.save(force_insert=True)
    _written(session, Change.ADDENDUM)
    return addendum


@transaction.atomic
def save_process_note(*, session: TherapySession, text: str) -> ProcessNote:
    note, _ = ProcessNote.objects.get_or_create(session=session)
    note.text = text
    note.save()
    _written(session, Change.PROCESS_NOTE)
    return note


def import_sessions(*, sessions: list[TherapySession], batch_size: int = 500) -> None:
    """Write notes made elsewhere (the demo caseload, a generated practice) in bulk, in one
    transaction; signed ones carry their signature (``TherapySession.apply_signature``)."""
    with transaction.atomic():
        TherapySession.objects.bulk_create(sessions, batch_size=batch_size)
        by_client: dict = {}
        for session in sessions:
            by_client.setdefault(session.client, []).append(session.pk)
        for client, session_ids in by_client.items():
            session_written.send(
                sender=TherapySession,
                therapist_id=client.therapist_id,
                client_id=client.pk,
                session_ids=session_ids,
                change=Change.CREATED,
            )


# --- theme suggestions on a draft -------------------------------------------------------------


def accept_suggested_themes(
    *, session: TherapySession, links: list[ThemeLink], expected_version: int
) -> SaveResult:
    """Add the accepted themes (each with the phrase that suggested it) to a draft; themes
    already on the note keep what they have."""
    tagged = session.theme_intensities()
    added = [link for link in links if link.theme_id not in tagged]
    if not added:
        return SaveResult.SAVED
    session.set_theme_links([*session.theme_links(), *added])
    return save_draft_session(session=session, expected_version=expected_version)


def dismiss_suggested_theme(
    *, session: TherapySession, theme_id: int, expected_version: int
) -> SaveResult:
    """Remember on a draft that a suggested theme was dismissed, so it is not offered again."""
    if theme_id in session.dismissed_themes:
        return SaveResult.SAVED
    session.dismissed_themes = [*session.dismissed_themes, theme_id]
    return save_draft_session(session=session, expected_version=expected_version)


# --- erasure ----------------------------------------------------------------------------------


def erase_client(*, client) -> None:
    """Erase a client's whole record (clients.services.erase_client says how), and tell the
    listeners: search drops whatever it held of it."""
    therapist_id, client_id = client.therapist_id, client.pk
    with transaction.atomic():
        client_services.erase_client(client=client)
        session_written.send(
            sender=TherapySession,
            therapist_id=therapist_id,
            client_id=client_id,
            session_ids=[],
            change=Change.ERASED,
        )


# --- autosaved drafts -------------------------------------------------------------------------


class AutosaveResult(Enum):
    SAVED = "saved"
    STALE = "stale"
    NOT_FOUND = "not_found"


@dataclass
class AutosaveOutcome:
    result: AutosaveResult
    draft: SessionDraft | None = None


def autosave(
    *,
    draft_key: uuid.UUID,
    author,
    client,
    session: TherapySession | None,
    seq: int,
    base_version: int,
    payload: dict,
) -> AutosaveOutcome:
    """Store the form as typed, unless a save with a higher ``seq`` already arrived."""
    now = timezone.now()
    draft = SessionDraft(
        pk=draft_key,
        client=client,
        session=session,
        author=author,
        seq=seq,
        base_version=base_version,
        saved_at=now,
        payload=payload,
    )
    for _attempt in range(2):
        written = _update_where(
            draft,
            ["seq", "base_version", "saved_at", "payload"],
            author=author,
            client=client,
            session=session,
            seq__lt=seq,
        )
        if written:
            return AutosaveOutcome(AutosaveResult.SAVED, draft)
        existing = SessionDraft.objects.filter(pk=draft_key).first()
        if existing is not None:
            mine = (
                existing.author_id == author.pk
                and existing.client_id == client.pk
                and existing.session_id == (session.pk if session else None)
            )
            if not mine:
                return AutosaveOutcome(AutosaveResult.NOT_FOUND)
            return AutosaveOutcome(AutosaveResult.STALE, existing)
        try:
            with transaction.atomic():
                draft.save(force_insert=True)
            return AutosaveOutcome(AutosaveResult.SAVED, draft)
        except IntegrityError:
            continue  # another request created it first: compare seq again
    return AutosaveOutcome(AutosaveResult.STALE)


def save_form_as_draft(*, draft_key, author, client, session, base_version, payload) -> None:
    """Keep a submitted form that could not be saved (invalid, or a conflict) as a draft."""
    current = SessionDraft.objects.filter(pk=draft_key).values_list("seq", flat=True).first()
    autosave(
        draft_key=draft_key,
        author=author,
        client=client,
        session=session,
        seq=(current or 0) + 1,
        base_version=base_version,
        payload=payload,
    )


def latest_draft(*, author, client, session: TherapySession | None) -> SessionDraft | None:
    """The newest autosave for this page; for an existing note only if newer than the note."""
    drafts = SessionDraft.objects.for_therapist(author).filter(client=client, session=session)
    if session is not None:
        drafts = drafts.filter(saved_at__gt=session.updated_at)
    return drafts.order_by("-saved_at").first()


def superseded_drafts(*, author, session: TherapySession):
    """Autosaves of this note older than its last save: their text may never have been saved."""
    drafts = SessionDraft.objects.for_therapist(author)
    return drafts.filter(session=session, saved_at__lte=session.updated_at).order_by("saved_at")


def discard_draft(*, draft_key, author) -> None:
    SessionDraft.objects.for_therapist(author).filter(pk=draft_key).delete()


def discard_autosave(*, draft: SessionDraft) -> None:
    """Throw away an autosaved text its author chose not to keep (from the dashboard or the
    form); the note itself is not touched."""
    draft.delete()
