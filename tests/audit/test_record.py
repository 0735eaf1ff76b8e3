"""audit.services.log_event: exactly one complete entry per call, and nothing else stored."""

import datetime
import re

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.test import TestCase

from audit.chain import GENESIS_MAC, compute_mac
from audit.models import Action, AuditEvent, Outcome
from audit.services import log_event
from tests.audit.helpers import audit_rows, new_entries, request_from
from tests.base import ALICE_CANARY_NAME, ALICE_CANARY_NOTE, PersonaTestCase

HEX64 = re.compile(r"[0-9a-f]{64}")


class RecordCompletenessTests(PersonaTestCase):
    def test_every_action_writes_exactly_one_entry_with_every_field_filled(self):
        request = request_from(self.alice, ip="192.0.2.10")
        for action in Action:
            with self.subTest(action=action), new_entries() as entries:
                returned = log_event(action=action, request=request, obj=self.alice_session)

            self.assertEqual(len(entries), 1)
            entry = entries[0]
            self.assertEqual(entry.pk, returned.pk)
            self.assertEqual(entry.action, action.value)
            self.assertEqual(entry.user_id, self.alice.pk)
            self.assertEqual(entry.username, "alice")
            self.assertEqual(entry.object_type, "session")
            self.assertEqual(entry.object_id, str(self.alice_session.pk))
            self.assertEqual(entry.client_code, self.alice_client.code)
            self.assertEqual(entry.ip_address, "192.0.2.10")
            self.assertEqual(entry.outcome, Outcome.OK)
            self.assertEqual(entry.at.utcoffset(), datetime.timedelta(0))
            self.assertLess(abs(entry.at - datetime.datetime.now(datetime.UTC)).total_seconds(), 60)
            self.assertRegex(entry.mac, HEX64)
            self.assertRegex(entry.prev_mac, HEX64)

    def test_entries_are_numbered_and_chained_in_order(self):
        request = request_from(self.alice)
        first = log_event(action=Action.VIEW_CLIENT, request=request, obj=self.alice_client)
        second = log_event(action=Action.VIEW_SESSION, request=request, obj=self.alice_session)

        self.assertEqual(second.seq, first.seq + 1)
        self.assertEqual(second.prev_mac, first.mac)
        stored = AuditEvent.objects.values().get(pk=second.pk)
        self.assertEqual(second.mac, compute_mac(stored, first.mac))

    def test_the_first_entry_links_to_the_genesis_mac(self):
        self.assertFalse(AuditEvent.objects.exists())

        entry = log_event(action=Action.VIEW_CLIENT, request=request_from(self.alice))

        self.assertEqual((entry.seq, entry.prev_mac), (1, GENESIS_MAC))

    def test_a_client_gives_type_client_its_id_and_code(self):
        entry = log_event(
            action=Action.VIEW_CLIENT, request=request_from(self.alice), obj=self.alice_client
        )

        self.assertEqual(entry.object_type, "client")
        self.assertEqual(entry.object_id, str(self.alice_client.pk))
        self.assertEqual(entry.client_code, "C-0001")

    def test_a_process_note_is_traced_to_its_sessions_client(self):
        from sessions.models import ProcessNote

        note = ProcessNote(session=self.alice_session)

        entry = log_event(
            action=Action.VIEW_PROCESS_NOTE, request=request_from(self.alice), obj=note
        )

        self.assertEqual(entry.object_type, "process_note")
        self.assertEqual(entry.client_code, self.alice_client.code)

    def test_an_unsaved_object_gives_its_type_and_no_id(self):
        unsaved = get_user_model()(username="not-yet")

        entry = log_event(action=Action.SIGN_IN_FAILED, obj=unsaved)

        self.assertEqual((entry.object_type, entry.object_id), ("user", ""))

    def test_explicit_type_id_and_client_win_over_the_object(self):
        entry = log_event(
            action=Action.EXPORT_RECORD,
            request=request_from(self.alice),
            client=self.alice_client,
            object_type="export",
            object_id="batch-7",
            outcome=Outcome.FAILED,
        )

        self.assertEqual(
            (entry.object_type, entry.object_id, entry.client_code, entry.outcome),
            ("export", "batch-7", "C-0001", "failed"),
        )

    def test_user_defaults_to_the_signed_in_user_and_can_be_given(self):
        from_request = log_event(action=Action.VIEW_CLIENT, request=request_from(self.alice))
        given = log_event(
            action=Action.VIEW_CLIENT, request=request_from(self.alice), user=self.bob
        )
        anonymous = log_event(action=Action.SIGN_IN_FAILED, request=request_from(AnonymousUser()))
        nobody = log_event(
            action=Action.SIGN_IN_FAILED, request=request_from(self.alice), user=AnonymousUser()
        )

        self.assertEqual((from_request.user_id, from_request.username), (self.alice.pk, "alice"))
        self.assertEqual((given.user_id, given.username), (self.bob.pk, "bob"))
        for entry in (anonymous, nobody):
            self.assertEqual((entry.user_id, entry.username), (None, ""))

    def test_without_a_request_there_is_no_ip_and_the_user_must_be_given(self):
        entry = log_event(action=Action.ERASE_CLIENT, user=self.alice, obj=self.alice_client)

        self.assertIsNone(entry.ip_address)
        self.assertEqual(entry.user_id, self.alice.pk)

    def test_ip_addresses_are_stored_in_one_form_that_still_verifies(self):
        from audit.chain import verify_chain

        cases = {
            "203.0.113.9": "203.0.113.9",
            "2001:DB8:0:0:1:0:0:1": "2001:db8::1:0:0:1",
            "2001:db8::0:1": "2001:db8::1",
            "::ffff:198.51.100.7": "198.51.100.7",
            "fe80::1%eth0": "fe80::1",
            "::1": "::1",
            "unix:/run/gunicorn.sock": None,
            "": None,
        }
        for given, stored in cases.items():
            with self.subTest(given=given):
                entry = log_event(
                    action=Action.VIEW_CLIENT, request=request_from(self.alice, given)
                )
                entry.refresh_from_db()
                self.assertEqual(entry.ip_address, stored)
        self.assertTrue(verify_chain().ok, verify_chain().summary())


class NothingElseIsStoredTests(PersonaTestCase):
    def test_no_name_or_note_text_reaches_any_column_of_the_audit_table(self):
        request = request_from(self.alice)
        log_event(action=Action.VIEW_CLIENT, request=request, obj=self.alice_client)
        log_event(action=Action.EDIT_SESSION, request=request, obj=self.alice_session)
        log_event(action=Action.PRINT_SUMMARY, request=request, client=self.alice_client)

        rows = audit_rows()

        self.assertEqual(len(rows), 3)
        text = " ".join(str(value) for row in rows for value in row)
        self.assertIn(self.alice_client.code, text)  # control: the scan does see the values
        for canary in (ALICE_CANARY_NAME, ALICE_CANARY_NOTE, "Quillfeather", "quillfeather@"):
            self.assertNotIn(canary, text)

    def test_a_name_passed_as_an_id_is_refused_without_repeating_it(self):
        for field in ("object_id", "object_type"):
            with (
                self.subTest(field=field),
                new_entries() as entries,
                self.assertRaises(ValueError) as caught,
            ):
                log_event(
                    action=Action.VIEW_CLIENT,
                    request=request_from(self.alice),
                    **{field: ALICE_CANARY_NAME},
                )
            self.assertEqual(entries, [])
            self.assertNotIn("Quillfeather", str(caught.exception))

    def test_an_unknown_action_or_outcome_is_refused(self):
        with new_entries() as entries:
            with self.assertRaises(ValueError):
                log_event(action="read_diary", request=request_from(self.alice))
            with self.assertRaises(ValueError):
                log_event(action=Action.VIEW_CLIENT, outcome="maybe")
        self.assertEqual(entries, [])


class StrTests(TestCase):
    def test_str_is_seq_and_action_only(self):
        self.assertEqual(str(AuditEvent(seq=12, action=Action.VIEW_SESSION)), "12 view_session")
