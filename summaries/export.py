"""A client's whole record as one download: JSON (schema in docs/export-schema.json) plus the
case summary PDF, zipped in memory. Process notes only when the therapist chose to include them
and gave a reason."""

import io
import json
import zipfile

from django.utils import timezone

from clients.models import Client
from integrity.check import check_children
from sessions.models import TherapySession
from themes.summary import theme_map

from .pdf import FullNotes, SummaryOptions, render_case_summary

SCHEMA_ID = "therapy-notes/client-export"
SCHEMA_VERSION = 2  # 2: each theme's evidence phrase


def _iso(value):
    return value.isoformat() if value else None


def _person(user) -> dict:
    return {"username": user.get_username(), "name": user.get_full_name()}


def record_sessions(client: Client) -> list[TherapySession]:
    sessions = list(
        client.sessions.order_by("date", "start_time")
        .select_related("signed_by", "process_note")
        .prefetch_related("addenda__author")
    )
    # A session, addendum or process note deleted (or moved in) outside the app stops the
    # export (the integrity page), rather than leaving a gap in what leaves the practice.
    check_children(client)
    check_children(*sessions)
    return sessions


def build_export(
    client: Client, *, sessions, exporter, include_process_notes: bool, reason: str
) -> dict:
    themes = theme_map(client.therapist)
    return {
        "schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "exported_at": timezone.now().isoformat(),
        "exported_by": _person(exporter),
        "includes_process_notes": include_process_notes,
        "process_notes_reason": reason if include_process_notes else None,
        "client": {
            "id": str(client.pk),
            "code": client.code,
            "status": client.status,
            "intake_date": _iso(client.intake_date),
            "discharge_date": _iso(client.discharge_date),
            "full_name": client.full_name,
            "preferred_name": client.preferred_name,
            "pronouns": client.pronouns,
            "date_of_birth": _iso(client.date_of_birth),
            "phone": client.phone,
            "email": client.email,
            "address": client.address,
            "emergency_contact": client.emergency_contact,
            "referral_source": client.referral_source,
            "presenting_concerns": client.presenting_concerns,
            "general_notes": client.general_notes,
            "closing_summary": client.closing_summary,
        },
        "sessions": [
            _session(session, themes, include_process_notes=include_process_notes)
            for session in sessions
        ],
    }


def _session(session: TherapySession, themes, *, include_process_notes: bool) -> dict:
    # The phrase of the note that suggested a theme, kept when the suggestion was accepted.
    evidence = {link.theme_id: link.evidence or None for link in session.theme_links()}
    data = {
        "id": str(session.pk),
        "date": _iso(session.date),
        "start_time": session.start_time.strftime("%H:%M"),
        "duration_minutes": session.duration_minutes,
        "session_type": session.session_type,
        "modality": session.modality,
        "note_format": session.note_format,
        "status": session.status,
        "signed_at": _iso(session.signed_at),
        "signed_by": _person(session.signed_by) if session.signed_by else None,
        "content_hash": session.content_hash or None,
        "next_appointment": _iso(session.next_appointment),
        "note": dict(session.note or {}),
        "mood_affect": session.mood_affect,
        "risk_level": session.risk_level,
        "risk_notes": session.risk_notes,
        "interventions": session.interventions,
        "plan": session.plan,
        "themes": [
            {
                "slug": themes[theme_id].slug,
                "name": themes[theme_id].name,
                "category": themes[theme_id].category,
                "intensity": intensity,
                "evidence": evidence.get(theme_id),
            }
            for theme_id, intensity in session.theme_intensities().items()
            if theme_id in themes
        ],
        "addenda": [
            {
                "id": str(addendum.pk),
                "created_at": _iso(addendum.created_at),
                "author": _person(addendum.author),
                "text": addendum.text,
                "content_hash": addendum.content_hash,
            }
            for addendum in session.addenda.all()
        ],
    }
    if include_process_notes:
        process = getattr(session, "process_note", None)
        data["process_note"] = (
            {"text": process.text, "updated_at": _iso(process.updated_at)} if process else None
        )
    return data


README = """Therapy Notes: export of client {code}
Exported {when} by {who}.

record.json        the whole record as JSON (schema: {schema} version {version};
                   see docs/export.md in the Therapy Notes source)
case-summary.pdf   the case summary, with all session notes and addenda

This file holds confidential health information. Store and send it only in encrypted form.
"""


def build_export_zip(
    client: Client, *, exporter, include_process_notes: bool, reason: str
) -> bytes:
    sessions = record_sessions(client)
    record = build_export(
        client,
        sessions=sessions,
        exporter=exporter,
        include_process_notes=include_process_notes,
        reason=reason,
    )
    pdf = render_case_summary(
        client=client,
        therapist=exporter,
        sessions=sessions,
        themes=theme_map(client.therapist),
        options=SummaryOptions(
            full_notes=FullNotes.ALL,
            include_process_notes=include_process_notes,
            process_notes_reason=reason,
        ),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("record.json", json.dumps(record, ensure_ascii=False, indent=2))
        archive.writestr("case-summary.pdf", pdf)
        archive.writestr(
            "README.txt",
            README.format(
                code=client.code,
                when=record["exported_at"],
                who=exporter.get_username(),
                schema=SCHEMA_ID,
                version=SCHEMA_VERSION,
            ),
        )
    return buffer.getvalue()
