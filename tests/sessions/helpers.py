"""Shared set-up for the clinical-record tests: a valid session form, signed sessions, raw SQL,
and switching the immutability triggers off to simulate someone tampering with the database."""

import datetime
import io
import json
import secrets
import shutil
import subprocess
import zipfile
from contextlib import contextmanager
from html.parser import HTMLParser

from django.db import connection
from django.urls import reverse
from django.utils import timezone

from sessions.models import NoteStatus, TherapySession
from tests.base import make_session

SESSION_TABLE = TherapySession._meta.db_table


def session_form(**overrides) -> dict[str, str]:
    """A valid session form as a browser posts it (hidden sections of other formats empty)."""
    data = {
        "date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "start_time": "10:00",
        "duration_minutes": "50",
        "session_type": "individual",
        "modality": "in_person",
        "note_format": "soap",
        "mood_affect": "Guarded, then warmer",
        "section_subjective": "Spoke about her mother's visit.",
        "section_objective": "",
        "section_assessment": "",
        "section_data": "",
        "section_behaviour": "",
        "section_goal": "",
        "section_intervention": "",
        "section_response": "",
        "section_narrative": "",
        "risk_level": "none",
        "risk_notes": "",
        "interventions": "",
        "plan": "",
        "next_appointment": "",
    }
    data.update(overrides)
    return data


def edit_form(session: TherapySession, **overrides) -> dict[str, str]:
    """The edit form of ``session`` as loaded now: its version, and the values it holds."""
    data = session_form(
        date=session.date.isoformat(),
        start_time=session.start_time.strftime("%H:%M"),
        duration_minutes=str(session.duration_minutes),
        note_format=session.note_format,
        risk_level=session.risk_level,
        mood_affect=session.mood_affect,
        plan=session.plan,
        version=str(session.version),
    )
    for key, text in (session.note or {}).items():
        data[f"section_{key}"] = text
    data.update(overrides)
    return data


def make_signed_session(client, signer, **fields) -> TherapySession:
    """A session stored as signed (signer, time and content hash), as the seeding code does."""
    fields.setdefault("date", datetime.date(2026, 3, 9))
    fields.setdefault("start_time", datetime.time(11, 0))
    fields.setdefault("note", {"subjective": "Talked about the weekend."})
    session = TherapySession(client=client, **fields)
    session.apply_signature(signer, timezone.now())
    session.save()
    assert TherapySession.objects.get(pk=session.pk).status == NoteStatus.SIGNED
    return session


def make_draft(client, **fields) -> TherapySession:
    return make_session(client, **fields)


def db_pk(model, pk):
    """A primary key as the database stores it (SQLite keeps UUIDs as 32 hex digits)."""
    return model._meta.pk.get_db_prep_value(pk, connection)


def raw(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall() if cursor.description else []


def raw_column(model, column: str, pk) -> bytes:
    """The stored bytes of one column of one row, as the database holds them."""
    table = model._meta.db_table
    (value,) = raw(f"SELECT {column} FROM {table} WHERE id = %s", [db_pk(model, pk)])[0]  # noqa: S608
    return bytes(value)


@contextmanager
def immutability_triggers_off():
    """Take the signed-note triggers away, as someone with the database's owner rights could,
    and put the same triggers back (their current definitions, whatever migration made them)."""
    tables = [TherapySession._meta.db_table, "therapy_sessions_addendum"]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name IN (%s, %s) AND name LIKE 'therapy_%%'",
                tables,
            )
            saved = cursor.fetchall()
            for name, _sql in saved:
                cursor.execute(f'DROP TRIGGER "{name}"')
        else:
            # Deferred foreign-key checks of the test's transaction would block the ALTER.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                for _name, sql in saved:
                    cursor.execute(sql)
            else:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for table in tables:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def follow_messages(client, response) -> list[str]:
    """The messages shown on the page a redirect leads to."""
    assert response.status_code == 302, response.status_code
    return messages_of(client.get(response["Location"]))


PDFTOTEXT = shutil.which("pdftotext")


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF as pdftotext reads it, with runs of whitespace made single spaces."""
    result = subprocess.run(
        [PDFTOTEXT, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode("utf-8").split())


def sign_url(session) -> str:
    return reverse("session_sign", args=[session.pk])


def ascii_canary(word: str) -> str:
    """A canary a PDF keeps on one line and pdftotext reads back exactly: ASCII, no spaces."""
    return f"{word}{secrets.token_hex(5)}"


def export(http, client, **data):
    return http.post(reverse("client_export", args=[client.pk]), data)


def unzip(response) -> dict[str, bytes]:
    """The members of a ZIP download, by name."""
    assert response["Content-Type"] == "application/zip", response["Content-Type"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def exported_record(response) -> dict:
    return json.loads(unzip(response)["record.json"])


class _FormReader(HTMLParser):
    """The controls of one <form> of a page, read as a browser submits them (HTML's "constructing
    the entry list"): no disabled control, no unchecked box, and a select's selected option only
    when it is not disabled."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.entries = form_id, False, []
        self.select = self.option = self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        named = attrs.get("name") is not None and "disabled" not in attrs
        if tag == "input" and named:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind not in ("submit", "button", "reset", "image", "file"):
                default = "on" if kind in ("checkbox", "radio") else ""
                self.entries.append((attrs["name"], attrs.get("value") or default))
        elif tag == "textarea" and named:
            self.textarea = [attrs["name"], ""]
        elif tag == "select":
            self.select = {"name": attrs.get("name") if named else None, "options": []}
        elif tag == "option" and self.select is not None:
            self.option = {**attrs, "text": ""}
            self.select["options"].append(self.option)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data
        if self.option is not None:
            self.option["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            self.entries.append((name, text.removeprefix("\n")))  # HTML drops that newline
            self.textarea = None
        elif tag == "option":
            self.option = None
        elif tag == "select" and self.select is not None:
            options = self.select["options"]
            chosen = [o for o in options if "selected" in o]
            option = (
                chosen[-1] if chosen else next((o for o in options if "disabled" not in o), None)
            )
            if self.select["name"] and option is not None and "disabled" not in option:
                value = option["value"] if option.get("value") is not None else option["text"]
                self.entries.append((self.select["name"], value))
            self.select = None


def posted_by_browser(page: str, form_id: str) -> list[tuple[str, str]]:
    """(name, value) of every field a browser posts from the form ``form_id`` of ``page``."""
    reader = _FormReader(form_id)
    reader.feed(page)
    return reader.entries
