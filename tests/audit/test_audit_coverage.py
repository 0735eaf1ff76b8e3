"""Every audited action, done through the real pages, writes exactly one audit entry saying who
(user, username, IP), what (action, object type and id, client code) and how it ended, and no
entry holds any of the content (names, note text, anything typed)."""

import uuid

from django.urls import reverse

from accounts.testing import sign_in
from audit.models import Action, AuditEvent, Outcome
from clients.models import Client
from sessions.models import Addendum, ProcessNote, TherapySession
from tests.audit.helpers import audit_rows, new_entries
from tests.base import (
    ALICE_CANARY_NAME,
    ALICE_CANARY_NOTE,
    PersonaTestCase,
    make_signed_session,
    make_therapist,
)
from tests.builders import (
    addendum_form,
    client_form,
    discharge_form,
    erase_form,
    export_form,
    process_note_form,
    session_edit_form,
    session_form,
)
from tests.scanning import hits, new_canary


class AuditCoverageTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.signed = make_signed_session(cls.alice_client, cls.alice)
        cls.process = ProcessNote.objects.create(session=cls.alice_session, text="x" * 12)

    def setUp(self):
        self.sign_in(self.alice)
        self.typed: list[str] = [ALICE_CANARY_NAME, ALICE_CANARY_NOTE, "Quillfeather"]

    def canary(self, word: str) -> str:
        value = new_canary(word)
        self.typed.append(value)
        return value

    def only_entry(self, entries) -> AuditEvent:
        self.assertEqual(len(entries), 1, [e.action for e in entries])
        return entries[0]

    def assert_entry(self, entry, action, object_type, object_id, code="C-0001", outcome="ok"):
        self.assertEqual(entry.action, action)
        self.assertEqual(entry.user_id, self.alice.pk)
        self.assertEqual(entry.username, "alice")
        self.assertEqual(entry.object_type, object_type)
        self.assertEqual(entry.object_id, str(object_id))
        self.assertEqual(entry.client_code, code)
        self.assertEqual(entry.ip_address, "127.0.0.1")
        self.assertEqual(entry.outcome, outcome)
        self.assertIsNotNone(entry.at)
        self.assertEqual(hits(repr(audit_rows()), self.typed), [])

    # --- views ---------------------------------------------------------------------------------
    def test_viewing_a_client_page(self):
        with new_entries() as entries:
            self.client.get(self.alice_client.get_absolute_url())
        entry = self.only_entry(entries)
        self.assert_entry(entry, Action.VIEW_CLIENT, "client", self.alice_client.pk)

    def test_viewing_a_session(self):
        with new_entries() as entries:
            self.client.get(self.alice_session.get_absolute_url())
        entry = self.only_entry(entries)
        self.assert_entry(entry, Action.VIEW_SESSION, "session", self.alice_session.pk)

    def test_viewing_a_process_note(self):
        with new_entries() as entries:
            self.client.get(reverse("process_note", args=[self.alice_session.pk]))
        entry = self.only_entry(entries)
        self.assert_entry(entry, Action.VIEW_PROCESS_NOTE, "process_note", self.process.pk)

    # --- clients -------------------------------------------------------------------------------
    def client_post(self) -> dict[str, str]:
        return client_form(
            full_name=self.canary("Full Name"),
            preferred_name=self.canary("Preferred"),
            presenting_concerns=self.canary("concerns"),
        )

    def test_creating_a_client(self):
        with new_entries() as entries:
            response = self.client.post(reverse("client_create"), self.client_post())
        self.assertEqual(response.status_code, 302)
        created = Client.objects.get(therapist=self.alice, number=2)
        self.assert_entry(
            self.only_entry(entries), Action.CREATE_CLIENT, "client", created.pk, code="C-0002"
        )

    def test_editing_a_client(self):
        with new_entries() as entries:
            response = self.client.post(
                reverse("client_edit", args=[self.alice_client.pk]), self.client_post()
            )
        self.assertEqual(response.status_code, 302)
        entry = self.only_entry(entries)
        self.assert_entry(entry, Action.EDIT_CLIENT, "client", self.alice_client.pk)

    def test_discharging_a_client(self):
        with new_entries() as entries:
            response = self.client.post(
                reverse("client_discharge", args=[self.alice_client.pk]),
                discharge_form(closing_summary=self.canary("closing")),
            )
        self.assertEqual(response.status_code, 302)
        entry = self.only_entry(entries)
        self.assert_entry(entry, Action.DISCHARGE_CLIENT, "client", self.alice_client.pk)

    def test_exporting_a_record(self):
        with new_entries() as entries:
            response = self.client.post(
                reverse("client_export", args=[self.alice_client.pk]),
                export_form(include_process_notes="on", reason=self.canary("reason")),
            )
        self.assertEqual(response.status_code, 200)
        entry = self.only_entry(entries)
        self.assert_entry(entry, Action.EXPORT_RECORD, "client", self.alice_client.pk)

    def test_erasing_a_client(self):
        client_id = self.alice_client.pk
        with new_entries() as entries:
            response = self.client.post(
                reverse("client_erase", args=[client_id]), erase_form(self.alice_client)
            )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Client.objects.filter(pk=client_id).exists())
        self.assert_entry(self.only_entry(entries), Action.ERASE_CLIENT, "client", client_id)

    # --- sessions ------------------------------------------------------------------------------
    def note_fields(self) -> dict[str, str]:
        return {
            "section_subjective": self.canary("subjective"),
            "mood_affect": self.canary("mood"),
            "plan": self.canary("plan"),
            "risk_notes": self.canary("risk"),
        }

    def test_creating_a_session(self):
        with new_entries() as entries:
            response = self.client.post(
                reverse("session_create", args=[self.alice_client.pk]),
                session_form(**self.note_fields(), draft_key=str(uuid.uuid4())),
            )
        self.assertEqual(response.status_code, 302)
        created = TherapySession.objects.exclude(pk__in=[self.alice_session.pk, self.signed.pk])
        self.assert_entry(
            self.only_entry(entries), Action.CREATE_SESSION, "session", created.get().pk
        )

    def test_editing_a_session(self):
        with new_entries() as entries:
            response = self.client.post(
                reverse("session_edit", args=[self.alice_session.pk]),
                session_edit_form(self.alice_session, **self.note_fields()),
            )
        self.assertEqual(response.status_code, 302)
        entry = self.only_entry(entries)
        self.assert_entry(entry, Action.EDIT_SESSION, "session", self.alice_session.pk)

    def test_a_refused_stale_save_is_a_denied_conflict(self):
        stale = session_edit_form(self.alice_session, **self.note_fields())
        self.client.post(
            reverse("session_edit", args=[self.alice_session.pk]),
            session_edit_form(self.alice_session, plan=self.canary("first save")),
        )
        with new_entries() as entries:
            response = self.client.post(
                reverse("session_edit", args=[self.alice_session.pk]), stale
            )
        self.assertEqual(response.status_code, 409)
        self.assert_entry(
            self.only_entry(entries),
            Action.CONFLICT,
            "session",
            self.alice_session.pk,
            outcome=Outcome.DENIED,
        )

    def test_signing_a_session(self):
        with new_entries() as entries:
            self.client.post(
                reverse("session_sign", args=[self.alice_session.pk]), {"version": "1"}
            )
        entry = self.only_entry(entries)
        self.assert_entry(entry, Action.SIGN_SESSION, "session", self.alice_session.pk)

    def test_adding_an_addendum(self):
        with new_entries() as entries:
            self.client.post(
                reverse("addendum_create", args=[self.signed.pk]),
                addendum_form(text=self.canary("addendum")),
            )
        addendum = Addendum.objects.get(session=self.signed)
        self.assert_entry(self.only_entry(entries), Action.ADD_ADDENDUM, "addendum", addendum.pk)

    def test_editing_a_process_note(self):
        with new_entries() as entries:
            self.client.post(
                reverse("process_note", args=[self.alice_session.pk]),
                process_note_form(text=self.canary("process note")),
            )
        entry = self.only_entry(entries)
        self.assert_entry(entry, Action.EDIT_PROCESS_NOTE, "process_note", self.process.pk)

    # --- what is not recorded ------------------------------------------------------------------
    def test_invalid_forms_and_signing_again_write_no_entry(self):
        with new_entries() as entries:
            self.client.post(reverse("client_create"), {"full_name": self.canary("name")})
            self.client.post(
                reverse("session_create", args=[self.alice_client.pk]),
                session_form(duration_minutes="0", plan=self.canary("plan")),
            )
            self.client.post(
                reverse("session_sign", args=[self.signed.pk]), {"version": "1"}
            )  # already signed
        self.assertEqual(entries, [])
        self.assertEqual(hits(repr(audit_rows()), self.typed), [])

    # --- the content scan itself ----------------------------------------------------------------
    def test_the_content_scan_finds_a_value_that_is_in_the_log_control(self):
        username = new_canary("carol")[:30]
        carol = make_therapist(username)
        sign_in(self.client, carol)  # the sign-in entry holds the username
        self.assertTrue(AuditEvent.objects.filter(username=username).exists())
        self.assertNotEqual(hits(repr(audit_rows()), [username]), [])
