"""Records changed outside the application are refused when read, and found by
``verify_records``: a rolled-back field, a rolled-back row, an unsigned note, a record moved to
another client or therapist, a deleted row, an erased row put back, a row inserted without the
app. Each kind also has its negative control: with the ledger check (or the parent binding)
switched off, the same tampering goes unnoticed, so it is the ledger (or the binding) that
catches it."""

import datetime
from io import StringIO
from unittest import mock

from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from clients.models import Client
from encryption import fields as encryption_fields
from integrity.models import RowSeal
from sessions import services
from sessions.models import ProcessNote, TherapySession
from sessions.services import erase_client
from tests.base import make_client, make_signed_session
from tests.integrity.helpers import (
    TamperTestCase,
    ledger_check_off,
    raw_delete,
    raw_insert,
    raw_row,
    raw_set,
    verify,
)
from tests.records import immutability_triggers_off, raw


class UntouchedTests(TamperTestCase):
    def test_records_written_through_the_app_pass(self):
        self.edit(risk_level="high", risk_notes="Plan disclosed; safety plan made.")
        make_signed_session(self.alice_client, self.alice)
        self.assertEqual(self.client.get(self.session_url()).status_code, 200)
        self.assertEqual(
            self.client.get(reverse("client_detail", args=[self.alice_client.pk])).status_code,
            200,
        )
        status, output = verify()
        self.assertEqual(status, 0, output)
        self.assertIn("ok:", output)


class RollbackTests(TamperTestCase):
    def test_an_older_ciphertext_of_one_field_written_back_is_refused(self):
        self.edit(risk_level="high", risk_notes="Plan disclosed.")
        high = raw_row(TherapySession, self.session.pk)
        self.edit(risk_level="low", risk_notes="Plan disclosed.")
        low = raw_row(TherapySession, self.session.pk)
        # Low back to the High ciphertext is not the threat; High to Low is: roll forward then
        # back again so that the stored value is the older, milder one.
        self.edit(risk_level="high", risk_notes="Plan disclosed.")
        raw_set(TherapySession, self.session.pk, risk_level=low["risk_level"])
        self.assertNotEqual(high["risk_level"], low["risk_level"])
        self.assert_refused(self.session_url())
        self.assert_found(TherapySession, self.session.pk, "changed outside the application")
        with ledger_check_off():  # negative control: the old ciphertext itself decrypts fine
            stored = TherapySession.objects.get(pk=self.session.pk)
            self.assertEqual(stored.risk_level, "low")

    def test_a_whole_row_written_back_is_refused_and_named_a_rollback(self):
        before = raw_row(TherapySession, self.session.pk)
        self.edit(risk_level="high", risk_notes="Plan disclosed.")
        raw_set(TherapySession, self.session.pk, **{k: v for k, v in before.items() if k != "id"})
        self.assert_refused(self.session_url())
        self.assert_found(
            TherapySession, self.session.pk, "rolled back to an earlier version (1 of 2)"
        )
        with ledger_check_off():
            self.assertEqual(self.client.get(self.session_url()).status_code, 200)

    def test_a_client_rolled_back_is_refused(self):
        before = raw_row(Client, self.alice_client.pk)
        client = Client.objects.get(pk=self.alice_client.pk)
        client.phone = "020 7946 0000"
        client.save()
        # Every column back as it was (a save seals every value afresh, with new nonces).
        raw_set(Client, client.pk, **{k: v for k, v in before.items() if k != "id"})
        self.assert_refused(reverse("client_detail", args=[client.pk]))
        self.assert_found(Client, client.pk, "rolled back to an earlier version (1 of 2)")


class UnsignTests(TamperTestCase):
    def test_a_signed_note_turned_back_into_a_draft_is_refused(self):
        signed = make_signed_session(self.alice_client, self.alice)
        with immutability_triggers_off():
            raw_set(
                TherapySession,
                signed.pk,
                status="draft",
                signed_by_id=None,
                signed_at=None,
                content_hash="",
            )
        self.assert_refused(self.session_url(signed))
        self.assert_refused(reverse("session_edit", args=[signed.pk]))
        self.assert_found(TherapySession, signed.pk, "unsigned (its signature was removed)")
        with ledger_check_off():  # negative control: without the ledger it is a plain draft
            response = self.client.get(reverse("session_edit", args=[signed.pk]))
            self.assertEqual(response.status_code, 200)


class MoveTests(TamperTestCase):
    def test_a_draft_moved_to_another_client_of_the_same_therapist_is_refused(self):
        other = make_client(self.alice, full_name="Other Client")
        raw_set(TherapySession, self.session.pk, client_id=other.pk)
        self.assert_refused(self.session_url())
        self.assert_refused(reverse("client_detail", args=[other.pk]))
        self.assert_found(TherapySession, self.session.pk, "moved to another client")

    def test_a_draft_moved_to_another_therapists_client_is_refused_for_them(self):
        raw_set(TherapySession, self.session.pk, client_id=self.bob_client.pk)
        self.sign_in(self.bob)
        self.assert_refused(self.session_url())
        self.assert_found(TherapySession, self.session.pk, "moved to another client")

    def test_a_process_note_moved_to_another_session_is_refused(self):
        note = services.save_process_note(session=self.session, text="Countertransference.")
        other = TherapySession.objects.create(
            client=self.alice_client, date=datetime.date(2026, 3, 16), start_time="10:00"
        )
        raw_set(ProcessNote, note.pk, session_id=other.pk)
        self.assert_refused(reverse("process_note", args=[other.pk]))
        self.assert_found(ProcessNote, note.pk, "moved to another session")

    def test_the_parent_binding_alone_refuses_a_move(self):
        raw_set(TherapySession, self.session.pk, client_id=self.bob_client.pk)
        self.sign_in(self.bob)
        with ledger_check_off():
            self.assert_refused(self.session_url())

    def test_negative_control_without_binding_or_ledger_a_move_goes_unnoticed(self):
        original = encryption_fields.binding_of
        encryption_fields.binding_of = lambda instance: (
            "" if isinstance(instance, TherapySession) else original(instance)
        )
        try:
            session = TherapySession.objects.create(
                client=self.alice_client,
                date=datetime.date(2026, 3, 23),
                start_time="10:00",
                plan="Breathing exercise.",
            )
            raw_set(TherapySession, session.pk, client_id=self.bob_client.pk)
            self.sign_in(self.bob)
            with ledger_check_off():
                response = self.client.get(self.session_url(session))
        finally:
            encryption_fields.binding_of = original
        self.assertContains(response, "Breathing exercise.")


class DeletionTests(TamperTestCase):
    def test_a_session_deleted_outside_the_app_is_noticed_on_the_client_page(self):
        raw_delete(TherapySession, self.session.pk)
        self.assert_refused(reverse("client_detail", args=[self.alice_client.pk]))
        self.assert_found(TherapySession, self.session.pk, "deleted outside the application")

    def test_negative_control_without_the_children_check_a_deletion_goes_unnoticed(self):
        raw_delete(TherapySession, self.session.pk)
        with mock.patch("clients.views.check_children"):
            response = self.client.get(reverse("client_detail", args=[self.alice_client.pk]))
        self.assertEqual(response.status_code, 200)

    def test_an_erased_client_put_back_is_refused(self):
        client_row = raw_row(Client, self.alice_client.pk)
        session_row = raw_row(TherapySession, self.session.pk)
        erase_client(client=Client.objects.get(pk=self.alice_client.pk))
        self.assertEqual(RowSeal.objects.filter(kind="delete").count() >= 2, True)
        raw_insert(Client, client_row)
        raw_insert(TherapySession, session_row)
        self.assert_refused(reverse("client_detail", args=[self.alice_client.pk]))
        self.assert_refused(self.session_url())
        self.assert_found(Client, self.alice_client.pk, "restored after it was erased or deleted")
        self.assert_found(
            TherapySession, self.session.pk, "restored after it was erased or deleted"
        )
        with ledger_check_off():  # negative control: the copied rows decrypt as they did
            self.assertEqual(self.client.get(self.session_url()).status_code, 200)

    def test_a_row_inserted_without_the_app_is_refused(self):
        row = raw_row(TherapySession, self.session.pk)
        copy = dict(row, id=__import__("uuid").uuid4())
        raw_insert(TherapySession, copy)
        # Its ciphertexts are bound to the original row: they do not even decrypt.
        self.assert_refused(reverse("session_detail", args=[copy["id"]]))
        self.assert_found(TherapySession, copy["id"], "inserted outside the application")


class LedgerTests(TamperTestCase):
    def test_the_ledger_refuses_update_and_delete(self):
        from django.db import IntegrityError, transaction

        entry = RowSeal.objects.order_by("seq").first()
        for statement in (
            "UPDATE integrity_rowseal SET digest = 'x' WHERE seq = %s",
            "DELETE FROM integrity_rowseal WHERE seq = %s",
        ):
            with self.assertRaises(IntegrityError), transaction.atomic():
                raw(statement, [entry.seq])

    def test_a_forged_ledger_entry_is_found(self):
        self.edit(plan="Walks.")
        newest = RowSeal.objects.filter(row_id=str(self.session.pk)).order_by("-seq").first()
        from django.db import connection

        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("DROP TRIGGER integrity_rowseal_no_update")
            else:
                cursor.execute("ALTER TABLE integrity_rowseal DISABLE TRIGGER USER")
        raw("UPDATE integrity_rowseal SET digest = %s WHERE seq = %s", ["0" * 64, newest.seq])
        self.assert_refused(self.session_url())
        status, output = verify()
        self.assertEqual(status, 1)
        self.assertIn("mac mismatch", output)
        self.assertIn("append-only triggers are missing", output)


class HeadTests(TamperTestCase):
    def test_the_head_written_down_catches_deleted_newest_entries(self):
        self.edit(plan="First.")
        status, output = verify()
        self.assertEqual(status, 0, output)
        head = output.split("head seq ")[1].strip().rstrip("…").replace(" mac ", ":")
        out = StringIO()
        call_command("verify_records", "--expect-head", head, stdout=out)
        self.assertIn("ok:", out.getvalue())
        seq = int(head.split(":")[0])
        from django.db import connection

        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("DROP TRIGGER integrity_rowseal_no_delete")
            else:
                cursor.execute("ALTER TABLE integrity_rowseal DISABLE TRIGGER USER")
        raw("DELETE FROM integrity_rowseal WHERE seq = %s", [seq])
        with self.assertRaisesMessage(CommandError, f"recorded head seq {seq} is missing"):
            call_command("verify_records", "--expect-head", head, stdout=StringIO())

    def test_a_malformed_head_is_refused_readably(self):
        with self.assertRaisesMessage(CommandError, "--expect-head must be SEQ:MAC"):
            call_command("verify_records", "--expect-head", "ten", stdout=StringIO())
