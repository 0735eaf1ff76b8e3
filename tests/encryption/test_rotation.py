"""Key rotation (``manage.py rotate_keys``, encryption/rotation.py) and the trigger permit that
lets it re-encrypt signed notes and addenda (migration therapy_sessions 0004)."""

import base64
import datetime
import io
import os
import re
import signal
import subprocess
import sys
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import TestCase, TransactionTestCase, override_settings
from django.utils import timezone

from appointments import services as appointment_services
from clients.models import Client, Disclosure, DisclosureKind
from encryption import rotation
from encryption.envelope import open_sealed, seal
from encryption.errors import RecordIntegrityError
from encryption.fields import binding_of
from encryption.keys import reset_keyring
from encryption.signals import values_rewritten
from sessions.models import Addendum, ProcessNote, SessionDraft, TherapySession
from tests.base import (
    ALICE_CANARY_NOTE,
    make_client,
    make_session,
    make_signed_session,
    make_therapist,
)
from tests.records import make_progress_records
from themes.models import ClientThemeExclusion
from writing import services as writing_services

REPO = Path(__file__).resolve().parents[2]
OLD_KEYS = "1:dGVzdC1vbmx5LWtleS0xLXRlc3Qtb25seS1rZXktMSE="  # tests/settings.py's key
NEW_PRIMARY = "2:" + base64.b64encode(b"rotation-test-key-2-rotation-tes").decode()
ROTATED_KEYS = f"{NEW_PRIMARY},{OLD_KEYS}"
TEST_AUDIT_KEY = "dGVzdC1vbmx5LWF1ZGl0LWtleS1ub3Qtc2VjcmV0ISE="

SESSION_TABLE = TherapySession._meta.db_table
ADDENDUM_TABLE = Addendum._meta.db_table


@contextmanager
def field_keys(keys: str):
    try:
        with override_settings(FIELD_ENCRYPTION_KEYS=keys, FIELD_ENCRYPTION_KEY_FILE=""):
            reset_keyring()
            yield
    finally:
        reset_keyring()


def build_record(therapist_name: str = "alice", clients: int = 1) -> dict:
    """One of every model with encrypted fields, written under the test suite's key (id 1)."""
    therapist = make_therapist(therapist_name)
    made: dict = {"therapist": therapist, "clients": [], "drafts": [], "signed": []}
    for number in range(clients):
        client = make_client(
            therapist,
            full_name=f"Rotation Client {number} Ŋå",
            preferred_name="Ro",
            date_of_birth=datetime.date(1980, 1, 1 + number % 28),
            email=f"client{number}@example.org",
            general_notes="Prefers mornings.",
            other_names=[{"name": "Rotated Partner", "role": "partner"}],
        )
        made["clients"].append(client)
        made["drafts"].append(
            make_session(
                client,
                note={"subjective": f"{ALICE_CANARY_NOTE} {number}"},
                themes=[{"theme": 1, "intensity": 2}],
                plan="Walk daily.",
            )
        )
        signed = make_signed_session(
            client,
            therapist,
            date=datetime.date(2026, 3, 9),
            note={"subjective": f"Signed content {number}"},
            risk_notes="None disclosed.",
        )
        made["signed"].append(signed)
        addendum = Addendum(session=signed, author=therapist, text=f"Correction {number}")
        addendum.content_hash = addendum.content_digest()
        addendum.save()
        ProcessNote.objects.create(session=signed, text=f"Private process note {number}")
        SessionDraft.objects.create(
            id=uuid.uuid4(), client=client, author=therapist, payload={"plan": "typed"}
        )
        Disclosure.objects.create(
            client=client,
            created_by=therapist,
            kind=DisclosureKind.EXPORT,
            process_notes_reason="Court order",
        )
        ClientThemeExclusion.objects.create(client=client, theme_ids=[1])
        (appointment,) = appointment_services.schedule(
            therapist=therapist,
            client=client,
            start=timezone.now() + datetime.timedelta(days=number + 1),
            details=appointment_services.Details(location="Room 2", remark=f"Remark {number}"),
        )
        appointment_services.set_status(
            appointment=appointment, user=therapist, status="cancelled", reason="Unwell"
        )
        make_progress_records(client, number=number)
    writing_services.create_template(
        therapist=therapist,
        name="Rotation template",
        note_format="soap",
        sections={"subjective": "Since last time."},
        mood_affect="Settled",
        plan="Review.",
        interventions="CBT",
    )
    writing_services.create_snippet(therapist=therapist, trigger=";rot", text="Rotated snippet.")
    return made


def plaintexts() -> dict:
    """Every encrypted value, decrypted through the models, by (model, pk, field)."""
    values = {}
    for model, fields in rotation.encrypted_models():
        for instance in model._base_manager.all():
            for field in fields:
                values[(model._meta.label, instance.pk, field.name)] = getattr(
                    instance, field.attname
                )
    return values


def key_ids(counts) -> set[int]:
    return {key_id for counter in counts.values() for key_id, n in counter.items() if n}


def assert_signed_records_intact(testcase) -> None:
    for session in TherapySession.objects.filter(status="signed"):
        testcase.assertTrue(session.integrity_ok(), session.pk)
    for addendum in Addendum.objects.all():
        testcase.assertTrue(addendum.integrity_ok(), addendum.pk)


class RotationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.made = build_record(clients=3)

    def test_every_encrypted_column_moves_to_the_primary_key(self):
        with field_keys(OLD_KEYS):
            before_values = plaintexts()
            before = rotation.census()
        self.assertEqual(key_ids(before), {1})
        # Every model with encrypted fields has values in this census (notes, drafts, addenda,
        # process notes, themes, client fields, disclosures).
        self.assertTrue(all(sum(counter.values()) for counter in before.values()), before)

        with field_keys(ROTATED_KEYS):
            result = rotation.rotate(batch_size=2)
            after = rotation.census()
            after_values = plaintexts()
            assert_signed_records_intact(self)

        self.assertEqual(key_ids(after), {2})
        self.assertEqual(
            {name: sum(c.values()) for name, c in after.items()},
            {name: sum(c.values()) for name, c in before.items()},
        )
        self.assertEqual(result.rotated, rotation.values_to_rotate(before, 2))
        self.assertEqual(result.failed, [])
        self.assertEqual(after_values, before_values)
        # The permit row never outlives a batch.
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM key_rotation_permit")
            self.assertEqual(cursor.fetchone()[0], 0)
        # Every rewritten row has a new integrity record: the whole database still verifies.
        out = io.StringIO()
        call_command("verify_records", stdout=out, stderr=io.StringIO())
        self.assertRegex(out.getvalue(), r"^ok: \d+ records match \d+ ledger entries")

    def test_without_the_ledger_following_rotation_verify_records_fails(self):
        # Negative control for the verify_records assertion above: rotation rewrites stored
        # bytes by raw SQL, so without its values_rewritten signal every rewritten row would
        # look changed outside the application.
        with (
            field_keys(ROTATED_KEYS),
            mock.patch.object(rotation.values_rewritten, "send") as not_sent,
        ):
            rotation.rotate()
        self.assertTrue(not_sent.called)
        out = io.StringIO()
        with self.assertRaisesMessage(CommandError, "changed outside the application"):
            call_command("verify_records", stdout=out, stderr=io.StringIO())
        self.assertIn(
            f"changed: {Client._meta.db_table} row {self.made['clients'][0].pk}: changed outside",
            out.getvalue(),
        )

    def test_old_key_alone_no_longer_reads_rotated_values(self):
        # Control: the values really were re-encrypted, not merely relabelled.
        with field_keys(ROTATED_KEYS):
            rotation.rotate()
        with field_keys(OLD_KEYS), self.assertRaisesMessage(Exception, "key id 2"):
            Client.objects.get(pk=self.made["clients"][0].pk).full_name  # noqa: B018

    def test_a_second_run_changes_nothing(self):
        with field_keys(ROTATED_KEYS):
            rotation.rotate()
            stored = self.raw_sessions()
            result = rotation.rotate()
        self.assertEqual((result.rotated, result.changed_meanwhile), (0, 0))
        self.assertEqual(self.raw_sessions(), stored)

    def test_a_batch_that_dies_half_way_is_rolled_back_and_a_rerun_completes(self):
        real_seal, calls = rotation.seal, []

        def dying_seal(*args, **kwargs):
            calls.append(1)
            if len(calls) == 123:  # in the middle of a batch, after four writes in it
                raise KeyboardInterrupt("killed")
            return real_seal(*args, **kwargs)

        with field_keys(ROTATED_KEYS):
            with (
                mock.patch.object(rotation, "seal", dying_seal),
                self.assertRaises(KeyboardInterrupt),
            ):
                rotation.rotate(batch_size=2)
            half = rotation.census()
            self.assertEqual(key_ids(half), {1, 2})
            # Models in order of label: 3 appointments x 3 fields, 3 clients x 13 fields,
            # 3 disclosures, 3 questionnaires x 4, 3 links, 3 schedules, 3 progress records,
            # 6 plan versions x 2, 3 prepared summaries x 2, 3 theme exclusions, 3 addenda,
            # 3 process notes, 3 drafts = 102 values, then the first batch of 2 sessions x 8
            # fields = 118 committed; the dying batch's first 4 writes were rolled back.
            self.assertEqual(sum(c[2] for c in half.values()), 118)
            self.assertTrue(plaintexts())  # every value still decrypts, old key or new
            rotation.rotate(batch_size=2)
            self.assertEqual(key_ids(rotation.census()), {2})
            notes = [s.note["subjective"] for s in TherapySession.objects.filter(status="draft")]
            assert_signed_records_intact(self)
        self.assertEqual(len(notes), 3)
        self.assertTrue(all(note.startswith(ALICE_CANARY_NOTE) for note in notes))

    def test_an_app_write_between_read_and_write_is_kept(self):
        draft = self.made["drafts"][0]
        (encrypted,) = [
            fields for model, fields in rotation.encrypted_models() if model is TherapySession
        ]
        real_open, written = rotation.open_sealed, []

        def open_then_app_saves(blob, *, label, row_id, binding, keyring):
            # The app's write lands after the batch was read and before the first of the row's
            # values is written back. (A real app write is its own transaction, so it never sees
            # a row half rewritten by a batch: SQLite's write lock and PostgreSQL's row locks
            # hold it until the batch commits, with the batch's integrity records.)
            if row_id == str(draft.pk) and not written:
                session = TherapySession.objects.get(pk=draft.pk)
                session.plan = "Saved by the app during rotation."
                session.save()  # the app writes with the primary key in force
                written.append(1)
            return real_open(blob, label=label, row_id=row_id, binding=binding, keyring=keyring)

        with field_keys(ROTATED_KEYS):
            with mock.patch.object(rotation, "open_sealed", open_then_app_saves):
                result = rotation.rotate()
            # The save re-sealed the whole row: every one of its values was found changed and
            # kept, none overwritten with the rotation's copy of the old one.
            self.assertEqual(written, [1])
            self.assertEqual(result.failed, [])
            self.assertEqual(result.changed_meanwhile, len(encrypted))
            saved = TherapySession.objects.get(pk=draft.pk)
            self.assertEqual(saved.plan, "Saved by the app during rotation.")
            self.assertEqual(saved.note, draft.note)
            self.assertEqual(key_ids(rotation.census()), {2})
        # Both the app's write and the rotation's rewrites of the other rows were recorded.
        call_command("verify_records", stdout=io.StringIO(), stderr=io.StringIO())

    def test_a_value_that_cannot_be_decrypted_is_reported_and_left_alone(self):
        draft = self.made["drafts"][1]
        with field_keys(OLD_KEYS):
            alien = seal(b"x", label="therapy_sessions.therapysession.plan", row_id="other-row")
        self.set_raw(SESSION_TABLE, "plan", alien, draft.pk)
        out, err = io.StringIO(), io.StringIO()
        with field_keys(ROTATED_KEYS), self.assertRaisesMessage(CommandError, "1 values could"):
            call_command("rotate_keys", stdout=out, stderr=err)
        self.assertIn(f"TherapySession.plan row {draft.pk}: DecryptionError", err.getvalue())
        self.assertEqual(self.raw(SESSION_TABLE, "plan", draft.pk), alien)
        with field_keys(ROTATED_KEYS):
            counts = rotation.census()
        self.assertEqual(counts["therapy_sessions.TherapySession.plan"][1], 1)
        self.assertEqual(counts["clients.Client.full_name"][1], 0)

    def test_the_command_prints_census_and_progress(self):
        out, err = io.StringIO(), io.StringIO()
        with field_keys(ROTATED_KEYS):
            call_command("rotate_keys", "--batch-size", "2", stdout=out, stderr=err)
        text = out.getvalue()
        self.assertIn("Values per key id, before (primary: 2):", text)
        self.assertIn("Values per key id, after (primary: 2):", text)
        self.assertRegex(text, r"therapy_sessions\.TherapySession\.note +9\n")
        self.assertIn("Every value uses key id 2", text)
        total = re.search(r"Re-encrypted ([\d,]+) values", text)[1]
        self.assertIn(f"] {total}/{total} values", err.getvalue())
        self.assertIn("\r[", err.getvalue())

    def test_dry_run_changes_nothing(self):
        out = io.StringIO()
        stored = self.raw_sessions()
        with field_keys(ROTATED_KEYS):
            call_command("rotate_keys", "--dry-run", stdout=out, stderr=io.StringIO())
        self.assertIn("Dry run:", out.getvalue())
        self.assertEqual(self.raw_sessions(), stored)

    # --- the triggers, with and without the permit ------------------------------------------

    def test_without_the_permit_a_signed_note_and_an_addendum_stay_unchangeable(self):
        # Negative control: what the permit allows is refused without it.
        signed = self.made["signed"][0]
        addendum = Addendum.objects.filter(session=signed).get()
        replacement = self.reencrypted(signed, "plan")
        for table, column, pk, value in [
            (SESSION_TABLE, "plan", signed.pk, replacement),
            (ADDENDUM_TABLE, "text", addendum.pk, self.raw(ADDENDUM_TABLE, "text", addendum.pk)),
        ]:
            with (
                self.subTest(table=table),
                self.assertRaises(IntegrityError),
                transaction.atomic(),
            ):
                self.set_raw(table, column, value, pk)

    def test_with_the_permit_only_encrypted_columns_may_change(self):
        signed = self.made["signed"][0]
        addendum = Addendum.objects.filter(session=signed).get()
        for table, column, pk, value in [
            (SESSION_TABLE, "status", signed.pk, "draft"),
            (SESSION_TABLE, "content_hash", signed.pk, "0" * 64),
            (SESSION_TABLE, "signed_at", signed.pk, None),
            (ADDENDUM_TABLE, "content_hash", addendum.pk, "0" * 64),
            (ADDENDUM_TABLE, "created_at", addendum.pk, "2020-01-01 00:00:00"),
        ]:
            with (
                self.subTest(column=column),
                self.assertRaises(IntegrityError),
                transaction.atomic(),
                self.permit(),
            ):
                self.set_raw(table, column, value, pk)
        # Positive control: an encrypted column alone is let through, with the permit.
        with field_keys(ROTATED_KEYS), transaction.atomic(), self.permit():
            self.set_raw(SESSION_TABLE, "plan", self.reencrypted(signed, "plan"), signed.pk)
        with field_keys(ROTATED_KEYS):
            # The permit is for the triggers only: a rewrite that the ledger was not told of is
            # refused like any other change outside the application...
            with self.assertRaises(RecordIntegrityError):
                TherapySession.objects.get(pk=signed.pk).integrity_ok()
            # ...and once it is told, as rotation tells it, the signed content seal still holds.
            values_rewritten.send(sender=TherapySession, pks=[signed.pk], using="default")
            self.assertTrue(TherapySession.objects.get(pk=signed.pk).integrity_ok())

    # --- helpers ----------------------------------------------------------------------------

    @contextmanager
    def permit(self):
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO key_rotation_permit (id) VALUES (1)")
            yield
            cursor.execute("DELETE FROM key_rotation_permit")

    def raw(self, table, column, pk):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {column} FROM {table} WHERE id = %s",  # noqa: S608
                [TherapySession._meta.pk.get_db_prep_value(pk, connection)],
            )
            value = cursor.fetchone()[0]
        return bytes(value) if isinstance(value, bytes | memoryview) else value

    def set_raw(self, table, column, value, pk):
        if isinstance(value, bytes):
            value = connection.Database.Binary(value)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {column} = %s WHERE id = %s",  # noqa: S608
                [value, TherapySession._meta.pk.get_db_prep_value(pk, connection)],
            )

    def reencrypted(self, instance, field_name):
        """The stored value of ``instance.field_name`` sealed afresh under the new primary."""
        field = type(instance)._meta.get_field(field_name)
        stored = self.raw(type(instance)._meta.db_table, field.column, instance.pk)
        where = {
            "label": field.encryption_label,
            "row_id": str(instance.pk),
            "binding": binding_of(instance),
        }
        with field_keys(ROTATED_KEYS):
            return seal(open_sealed(stored, **where), **where)

    def raw_sessions(self):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, note, plan FROM {SESSION_TABLE} ORDER BY id")  # noqa: S608
            return [(row[0], bytes(row[1]), bytes(row[2])) for row in cursor.fetchall()]


class KilledRotationTests(TransactionTestCase):
    """A real process, killed with SIGKILL half-way, then run again."""

    serialized_rollback = True

    def test_rotate_keys_killed_half_way_and_rerun_completes_with_every_note_readable(self):
        with field_keys(OLD_KEYS):
            build_record(clients=8)
            before_values = plaintexts()

        process = self.start_rotation("--batch-size", "1", "--pause", "0.15")
        seen = bytearray()
        reader = threading.Thread(target=self.read_into, args=(process.stderr, seen))
        reader.start()
        try:
            self.wait_for(lambda: re.search(rb"\] [1-9][\d,]*/", bytes(seen)), process)
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait(timeout=30)
            reader.join(timeout=30)
        self.assertEqual(process.returncode, -signal.SIGKILL)

        with field_keys(ROTATED_KEYS):
            half = rotation.census()
            self.assertEqual(key_ids(half), {1, 2}, "killed before or after the work")
            self.assertEqual(plaintexts(), before_values)  # nothing lost or corrupted

        finished = self.start_rotation("--batch-size", "7")
        out, err = finished.communicate(timeout=120)
        self.assertEqual(finished.returncode, 0, err.decode())
        self.assertIn(b"Every value uses key id 2", out)

        with field_keys(ROTATED_KEYS):
            self.assertEqual(key_ids(rotation.census()), {2})
            self.assertEqual(plaintexts(), before_values)
            assert_signed_records_intact(self)
        # The killed batch rolled back its ledger entries with its rewrites.
        call_command("verify_records", stdout=io.StringIO(), stderr=io.StringIO())

    def start_rotation(self, *args) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": self.database_url(),
            "FIELD_ENCRYPTION_KEYS": ROTATED_KEYS,
            "FIELD_ENCRYPTION_KEY_FILE": "",
            "AUDIT_HMAC_KEY": TEST_AUDIT_KEY,
            "AUDIT_HMAC_KEY_FILE": "",
            "DJANGO_SECRET_KEY": "test-secret-key-for-the-test-suite-only",
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "DJANGO_DEBUG": "false",
        }
        return subprocess.Popen(
            [sys.executable, "manage.py", "rotate_keys", *args],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    @staticmethod
    def database_url() -> str:
        db = connection.settings_dict
        if connection.vendor == "sqlite":
            return f"sqlite:///{db['NAME']}"
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        return (
            f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        )

    @staticmethod
    def read_into(stream, buffer: bytearray) -> None:
        while chunk := os.read(stream.fileno(), 4096):
            buffer.extend(chunk)

    def wait_for(self, condition, process, timeout: float = 60.0) -> None:
        deadline = threading.Event()
        waited = 0.0
        while not condition():
            if process.poll() is not None:
                self.fail(f"rotate_keys ended (code {process.returncode}) before it was killed")
            if waited > timeout:
                self.fail("rotate_keys printed no progress")
            deadline.wait(0.02)
            waited += 0.02
