"""A stolen database file or dump reveals nothing that was typed about a client.

Canary values (unguessable, mixed scripts, fresh for every run) are typed by alice into the real
forms, committed, and then searched for in the raw database: the SQLite file and its -wal file,
or a pg_dump of the PostgreSQL database, in UTF-8, UTF-16-LE/BE and hex, as typed and lowercased.
The session store, the admin log and the log output are searched too.

A scanner that never fires proves nothing, so each scan has a negative control that writes a
canary where it is *not* protected and shows that the very same scan finds it.
"""

import datetime
import json
import logging
import secrets

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import SimpleTestCase, TransactionTestCase
from django.urls import reverse
from django.utils import timezone

from accounts.testing import sign_in_through_pages
from clients.models import Client
from sessions.models import TherapySession
from tests.base import PASSWORD, make_therapist
from tests.builders import client_form, session_form
from tests.scanning import (
    ENCODINGS,
    MIN_CANARY_LENGTH,
    hits,
    new_canary,
    raw_database_bytes,
)
from themes.models import Theme

# Theme links are stored as [{"theme": id, "intensity": n}]: their JSON must not be readable.
STRUCTURAL_CANARIES = ['"intensity":']


# Scheduling and status metadata, plain by design (see ENCRYPTION.md), and choices too common
# to search for (risk_level is encrypted, but has only four values); theme ids are small ints.
PLAIN_BY_DESIGN = {
    "status",
    "intake_date",
    "discharge_date",
    "date",
    "start_time",
    "duration_minutes",
    "session_type",
    "modality",
    "note_format",
    "risk_level",
}


def canaries_in(*typed: dict[str, str]) -> list[str]:
    """The values typed into the encrypted fields of submitted forms (a field left empty holds
    nothing typed)."""
    canaries = [
        value
        for data in typed
        for name, value in data.items()
        if value and name not in PLAIN_BY_DESIGN and not name.startswith("theme_")
    ]
    assert all(len(value) >= MIN_CANARY_LENGTH for value in canaries), canaries
    return canaries


def session_store_text() -> str:
    """Every stored session, decoded (the column itself holds signed base64)."""
    return "\n".join(
        json.dumps(session.get_decoded(), ensure_ascii=False, default=str)
        for session in Session.objects.all()
    )


def admin_log_text() -> str:
    return "\n".join(
        f"{entry.object_repr}\n{entry.change_message}\n{entry.get_change_message()}"
        for entry in LogEntry.objects.all()
    )


class _CapturedLogs(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


class LeakScanTestCase(TransactionTestCase):
    # Committed writes, so that they are on disk; the built-in themes come back after the flush.
    serialized_rollback = True

    def setUp(self):
        self.alice = make_therapist("alice")
        self.rejection = Theme.objects.get(slug="maternal-rejection")

    def sign_in_through_the_login_form(self, username: str) -> None:
        response = sign_in_through_pages(self.client, username, PASSWORD)
        self.assertEqual(response.status_code, 302)

    def client_form_data(self) -> dict[str, str]:
        token_digits = str(secrets.randbelow(10**6)).zfill(6)
        birth = datetime.date(1930, 1, 1) + datetime.timedelta(days=secrets.randbelow(365 * 30))
        return client_form(
            full_name=new_canary("Quillfeather"),
            preferred_name=new_canary("Wren"),
            pronouns=new_canary("xe"),
            date_of_birth=birth.isoformat(),
            phone=f"+44 7700 {token_digits}",
            email=f"q{secrets.token_hex(6)}@example.org",
            address=new_canary("Lantern Row") + "\n" + new_canary("Bristol"),
            emergency_contact=new_canary("Sister Maud"),
            referral_source=new_canary("Dr Okonkwo"),
            intake_date=timezone.localdate().isoformat(),
            presenting_concerns=new_canary("felt dismissed by her mother"),
            general_notes=new_canary("prefers mornings"),
        )

    def session_form_data(self) -> dict[str, str]:
        return session_form(
            date=timezone.localdate().isoformat(),
            mood_affect=new_canary("tearful"),
            section_subjective=new_canary("never good enough for her"),
            section_objective=new_canary("avoided eye contact"),
            section_assessment=new_canary("rejection re-activated"),
            risk_level="high",
            risk_notes=new_canary("passive ideation"),
            interventions=new_canary("chair work"),
            plan=new_canary("notice self-criticism"),
            **{f"theme_{self.rejection.pk}": "3"},
        )

    def alice_types_everything_through_the_forms(self) -> tuple[Client, list[str]]:
        """Client create, client edit and session create, as alice does them in a browser."""
        self.sign_in_through_the_login_form("alice")
        typed = self.client_form_data()
        response = self.client.post(reverse("client_create"), typed, follow=True)
        client = Client.objects.get(therapist=self.alice)
        self.assertEqual(response.redirect_chain, [(client.get_absolute_url(), 302)])
        messages = [str(m) for m in response.context["messages"]]
        self.assertEqual(messages, ["Client C-0001 added."])
        self.assertEqual(hits(" ".join(messages), canaries_in(typed)), [])

        edited = {**typed, "full_name": new_canary("Renamed"), "general_notes": new_canary("ed")}
        response = self.client.post(reverse("client_edit", args=[client.pk]), edited)
        self.assertEqual(response.status_code, 302)

        session_typed = self.session_form_data()
        url = reverse("session_create", args=[client.pk])
        self.assertEqual(self.client.post(url, session_typed).status_code, 302)

        return client, canaries_in(typed, edited, session_typed)


class NoPlaintextAtRestTests(LeakScanTestCase):
    def test_canaries_typed_into_the_forms_are_not_in_the_raw_database(self):
        captured = _CapturedLogs()
        root = logging.getLogger()
        old_level = root.level
        root.addHandler(captured)
        root.setLevel(logging.DEBUG)
        try:
            client, canaries = self.alice_types_everything_through_the_forms()
            session = TherapySession.objects.get(client=client)
            pages = [
                self.client.get(client.get_absolute_url()),
                self.client.get(session.get_absolute_url()),
                self.client.post(reverse("client_list"), {"q": client.full_name}),
                self.client.get(reverse("dashboard")),
            ]
        finally:
            root.removeHandler(captured)
            root.setLevel(old_level)
        # Positive control: the values were stored, and come back decrypted on alice's pages.
        shown = "".join(page.content.decode() for page in pages)
        self.assertIn(client.full_name, shown)
        self.assertIn(session.note["subjective"], shown)
        self.assertEqual(Client.objects.count(), 1)
        self.assertEqual(TherapySession.objects.count(), 1)
        self.assertGreaterEqual(len(canaries), 20)

        self.assertEqual(hits(raw_database_bytes(), [*canaries, *STRUCTURAL_CANARIES]), [])
        self.assertEqual(hits("\n".join(captured.lines), canaries), [])

    def test_canaries_are_not_in_the_session_store(self):
        _, canaries = self.alice_types_everything_through_the_forms()
        self.assertTrue(Session.objects.exists())
        self.assertEqual(hits(session_store_text(), canaries), [])

    def test_the_admin_shows_codes_only_and_its_log_never_holds_a_name(self):
        client, canaries = self.alice_types_everything_through_the_forms()
        session = TherapySession.objects.get(client=client)
        self.assertEqual(str(client), "C-0001")
        get_user_model().objects.create_superuser("root", password=PASSWORD)
        self.client.post(reverse("logout"))
        self.sign_in_through_the_login_form("root")

        pages = {
            "client list": reverse("admin:clients_client_changelist"),
            "client page": reverse("admin:clients_client_change", args=[client.pk]),
            "session list": reverse("admin:therapy_sessions_therapysession_changelist"),
            "session page": reverse(
                "admin:therapy_sessions_therapysession_change", args=[session.pk]
            ),
        }
        for what, path in pages.items():
            with self.subTest(page=what):
                response = self.client.get(path)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "C-0001")
                self.assertEqual(hits(response.content, canaries), [])
                # View-only: no save button, no delete link.
                self.assertNotContains(response, 'name="_save"')
                self.assertNotContains(response, "/delete/")

        entries = LogEntry.objects.log_actions(
            user_id=get_user_model().objects.get(username="root").pk,
            queryset=Client.objects.filter(pk=client.pk),
            action_flag=CHANGE,
            change_message="Looked at in the admin.",
        )
        self.assertEqual([entry.object_repr for entry in entries], ["C-0001"])

        theme = Theme.objects.get(slug="guilt")
        response = self.client.post(
            reverse("admin:themes_theme_change", args=[theme.pk]),
            {
                "name": theme.name,
                "slug": theme.slug,
                "category": theme.category,
                "description": "Self-blame; a sense of having failed others.",
                "active": "on",
                "sort_order": theme.sort_order,
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(LogEntry.objects.filter(object_repr=theme.name).exists())
        history = self.client.get(reverse("admin:clients_client_history", args=[client.pk]))
        self.assertContains(history, "Looked at in the admin.")

        self.assertEqual(LogEntry.objects.count(), 2)
        self.assertEqual(hits(admin_log_text(), canaries), [])
        self.assertEqual(hits(raw_database_bytes(), canaries), [])


class ScannerNegativeControlTests(LeakScanTestCase):
    """The same scans, pointed at canaries stored where nothing protects them, do fire."""

    def test_the_raw_scan_finds_a_canary_in_an_unencrypted_control_table(self):
        control = new_canary("unencrypted control")
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE canary_control (id integer primary key, body text)")
        self.addCleanup(self._drop_control_table)
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO canary_control (id, body) VALUES (1, %s)", [control])
        self.assertTrue(connection.get_autocommit(), "the insert must be committed")
        self.assertEqual(hits(raw_database_bytes(), [control]), [f"{control!r} (utf-8)"])
        # The scan is not trivially positive: a canary that was never written is not found.
        self.assertEqual(hits(raw_database_bytes(), [new_canary("never written")]), [])

    def _drop_control_table(self):
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS canary_control")

    def test_the_session_scan_finds_a_canary_put_into_a_session(self):
        self.sign_in_through_the_login_form("alice")
        control = new_canary("in the session")
        session = self.client.session
        session["careless"] = control
        session.save()
        self.assertEqual(hits(session_store_text(), [control]), [f"{control!r} (utf-8)"])

    def test_the_admin_log_scan_finds_a_name_when_str_returns_one(self):
        """Theme.__str__ returns its name: renaming it in the admin puts the name in the log."""
        get_user_model().objects.create_superuser("root", password=PASSWORD)
        self.sign_in_through_the_login_form("root")
        control = new_canary("a name in str")
        theme = Theme.objects.get(slug="guilt")
        response = self.client.post(
            reverse("admin:themes_theme_change", args=[theme.pk]),
            {
                "name": control,
                "slug": theme.slug,
                "category": theme.category,
                "description": theme.description,
                "active": "on",
                "sort_order": theme.sort_order,
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertIn(f"{control!r} (utf-8)", hits(admin_log_text(), [control]))
        self.assertIn(f"{control!r} (utf-8)", hits(raw_database_bytes(), [control]))


class ScannerEncodingTests(SimpleTestCase):
    def test_each_encoding_and_the_lowercase_form_are_recognised(self):
        canary = new_canary("Quill")
        for encoding in ENCODINGS:
            for text in (canary, canary.lower()):
                with self.subTest(encoding=encoding, lowercase=text != canary):
                    blob = b"\x00junk" + text.encode(encoding) + b"junk\xff"
                    self.assertNotEqual(hits(blob, [canary]), [])

    def test_plaintext_bytes_dumped_as_hex_are_recognised(self):
        canary = new_canary("Quill")
        dump = "COPY t (body) FROM stdin;\n\\\\x" + canary.encode().hex() + "\n"
        self.assertEqual(hits(dump, [canary]), [f"{canary!r} (utf-8, hex)"])

    def test_a_value_too_short_to_be_a_canary_is_refused(self):
        with self.assertRaises(ValueError):
            hits(b"anything", [""])

    def test_other_text_is_not_reported(self):
        canary = new_canary("Quill")
        self.assertEqual(hits("Quill Ψάρι Жук 鷺 " + new_canary("Quill"), [canary]), [])
