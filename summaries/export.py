"""A client's whole record as one download: JSON (schema in docs/export-schema.json) plus the
case summary PDF, zipped in memory. Process notes only when the therapist chose to include them
and gave a reason."""

import io
import json
import zipfile

from django.conf import settings
from django.utils import timezone

from clients.models import Client
from integrity.check import check_children
from plans.models import NoteProgress
from plans.reports import plan_report
from sessions.models import TherapySession
from themes.summary import theme_map

from .export_progress import (
    iso,
    measures_due,
    person,
    plan_progress,
    questionnaires,
    treatment_plan,
)
from .pdf import FullNotes, SummaryOptions, render_case_summary
from .services import credentials_of, summary_measures

SCHEMA_ID = "therapy-notes/client-export"
SCHEMA_VERSION = 3  # 2: each theme's evidence phrase; 3: measures, treatment plan, progress


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
    progress = {
        row.session_id: row
        for row in NoteProgress.objects.filter(client=client).select_related("plan_version")
    }
    return {
        "schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "exported_at": timezone.now().isoformat(),
        "exported_by": person(exporter),
        "includes_process_notes": include_process_notes,
        "process_notes_reason": reason if include_process_notes else None,
        "client": {
            "id": str(client.pk),
            "code": client.code,
            "status": client.status,
            "intake_date": iso(client.intake_date),
            "discharge_date": iso(client.discharge_date),
            "full_name": client.full_name,
            "preferred_name": client.preferred_name,
            "pronouns": client.pronouns,
            "date_of_birth": iso(client.date_of_birth),
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
            _session(
                session,
                themes,
                include_process_notes=include_process_notes,
                progress=progress.get(session.pk),
            )
            for session in sessions
        ],
        "measures": questionnaires(client),
        "measures_due": measures_due(client),
        "treatment_plan": treatment_plan(client, themes),
    }


def _session(
    session: TherapySession, themes, *, include_process_notes: bool, progress=None
) -> dict:
    # The phrase of the note that suggested a theme, kept when the suggestion was accepted.
    evidence = {link.theme_id: link.evidence or None for link in session.theme_links()}
    data = {
        "id": str(session.pk),
        "date": iso(session.date),
        "start_time": session.start_time.strftime("%H:%M"),
        "duration_minutes": session.duration_minutes,
        "session_type": session.session_type,
        "modality": session.modality,
        "note_format": session.note_format,
        "status": session.status,
        "signed_at": iso(session.signed_at),
        "signed_by": person(session.signed_by) if session.signed_by else None,
        "content_hash": session.content_hash or None,
        "next_appointment": iso(session.next_appointment),
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
                "created_at": iso(addendum.created_at),
                "author": person(addendum.author),
                "text": addendum.text,
                "content_hash": addendum.content_hash,
            }
            for addendum in session.addenda.all()
        ],
        "plan_progress": plan_progress(progress) if progress else None,
    }
    if include_process_notes:
        process = getattr(session, "process_note", None)
        data["process_note"] = (
            {"text": process.text, "updated_at": iso(process.updated_at)} if process else None
        )
    return data


README = """Therapy Notes: export of client {code}
Exported {when} by {who}.

record.json        the whole record as JSON: the client, every session note, the
                   questionnaires and the treatment plan (schema: {schema} version
                   {version}; see docs/export.md in the Therapy Notes source)
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
    options = SummaryOptions(
        full_notes=FullNotes.ALL,
        include_process_notes=include_process_notes,
        process_notes_reason=reason,
    )
    pdf = render_case_summary(
        client=client,
        therapist=exporter,
        sessions=sessions,
        themes=theme_map(client.therapist),
        options=options,
        credentials=credentials_of(exporter),
        practice=settings.PRACTICE_NAME,
        measures=summary_measures(client, options),
        plan=plan_report(client),
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
