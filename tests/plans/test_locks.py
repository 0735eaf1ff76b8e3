"""A signed plan version, and the progress recorded with a signed note, cannot change through
any path: the service, the model (save, update, bulk_update, delete) and raw SQL through the
app's connection (database triggers, migration plans 0002). Key rotation still re-encrypts them
(only their encrypted columns, while its permit row exists), and erasing the client still
deletes them. Run on PostgreSQL too (DATABASE_URL)."""

import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from encryption.envelope import seal
from encryption.fields import binding_of
from plans import services
from plans.models import (
    LockedProgressError,
    NoteProgress,
    PlanStatus,
    PlanVersion,
    SignedPlanError,
)
from sessions.models import TherapySession
from tests.base import make_client, make_session, make_signed_session
from tests.records import raw_column

from .helpers import PlanTestCase, db_id, raw_count

ENTRIES = {"goals_addressed": ["g1"], "objectives": {"o1": {"rating": "achieved", "comment": ""}}}


def execute(sql: str, params=()) -> int:
    """Raw SQL through the app's connection, in a savepoint; the rows it changed."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.rowcount


def resealed(instance, field_name: str) -> bytes:
    """The value of ``field_name`` sealed afresh for its row, as key rotation writes it."""
    field = type(instance)._meta.get_field(field_name)
    data = field.to_bytes(getattr(instance, field_name))
    return seal(
        data, label=field.encryption_label, row_id=str(instance.pk), binding=binding_of(instance)
    )


class RotationPermit:
    """A row in key_rotation_permit, as encryption/rotation.py inserts one per batch."""

    def __enter__(self):
        execute("INSERT INTO key_rotation_permit (id) VALUES (1)")

    def __exit__(self, *exc):
        execute("DELETE FROM key_rotation_permit")


class SignedVersionLockTests(PlanTestCase):
    def test_model_save_update_bulk_update_and_delete_refuse_a_signed_version(self):
        version = PlanVersion.objects.get(pk=self.signed.pk)
        version.content = {"problems": [], "goals": [], "interventions": []}
        with self.assertRaises(SignedPlanError):
            version.save()
        with self.assertRaises(SignedPlanError):
            PlanVersion.objects.filter(pk=version.pk).update(number=7)
        with self.assertRaises(SignedPlanError):
            PlanVersion.objects.bulk_update([version], ["content"])
        with self.assertRaises(SignedPlanError):
            version.delete()
        stored = PlanVersion.objects.get(pk=version.pk)
        self.assertEqual((stored.number, stored.content), (1, self.signed.content))

    def test_raw_sql_cannot_unsign_change_or_delete_a_signed_version(self):
        pk = db_id(PlanVersion, self.signed.pk)
        attempts = [
            ("UPDATE plans_planversion SET status = 'draft' WHERE id = %s", [pk]),
            ("UPDATE plans_planversion SET number = 9 WHERE id = %s", [pk]),
            (
                "UPDATE plans_planversion SET content = %s WHERE id = %s",
                [resealed(self.signed, "content"), pk],
            ),
            ("DELETE FROM plans_planversion WHERE id = %s", [pk]),
        ]
        for sql, params in attempts:
            with self.subTest(sql=sql.split(" SET ")[-1][:30]), self.assertRaises(IntegrityError):
                execute(sql, params)
        stored = PlanVersion.objects.get(pk=self.signed.pk)
        self.assertEqual(stored.status, PlanStatus.SIGNED)
        self.assertTrue(stored.integrity_ok())

    def test_the_same_raw_sql_changes_a_draft_control(self):
        draft = services.start_draft(client=self.alice_client, user=self.alice)
        pk = db_id(PlanVersion, draft.pk)
        self.assertEqual(execute("UPDATE plans_planversion SET number = 9 WHERE id = %s", [pk]), 1)
        self.assertEqual(execute("DELETE FROM plans_planversion WHERE id = %s", [pk]), 1)

    def test_the_rotation_permit_lets_only_encrypted_columns_change(self):
        pk = db_id(PlanVersion, self.signed.pk)
        new_content = resealed(self.signed, "content")
        with RotationPermit():
            changed = execute(
                "UPDATE plans_planversion SET content = %s WHERE id = %s", [new_content, pk]
            )
            self.assertEqual(changed, 1)
            with self.assertRaises(IntegrityError):
                execute("UPDATE plans_planversion SET status = 'draft' WHERE id = %s", [pk])
            with self.assertRaises(IntegrityError):
                execute(
                    "UPDATE plans_planversion SET content = %s, number = 9 WHERE id = %s",
                    [new_content, pk],
                )
            with self.assertRaises(IntegrityError):
                execute("DELETE FROM plans_planversion WHERE id = %s", [pk])
        with self.assertRaises(IntegrityError):  # the permit gone, the lock is back
            execute("UPDATE plans_planversion SET content = %s WHERE id = %s", [new_content, pk])

    def test_an_erasure_permit_is_for_one_client_only(self):
        other = make_client(self.alice, full_name="Other")
        pk = db_id(PlanVersion, self.signed.pk)
        execute(
            "INSERT INTO plans_erasure_permit (client_id) VALUES (%s)",
            [db_id(type(other), other.pk)],
        )
        with self.assertRaises(IntegrityError):
            execute("DELETE FROM plans_planversion WHERE id = %s", [pk])
        execute(
            "INSERT INTO plans_erasure_permit (client_id) VALUES (%s)",
            [db_id(type(self.alice_client), self.alice_client.pk)],
        )
        self.assertEqual(execute("DELETE FROM plans_planversion WHERE id = %s", [pk]), 1)


class ProgressLockTests(PlanTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Progress written while the note was a draft, then the note signed.
        cls.note = make_session(cls.alice_client, date=datetime.date(2026, 3, 16))
        cls.progress = services.record_progress(
            session=cls.note,
            user=cls.alice,
            goals_addressed=["g1"],
            objectives={"o1": {"rating": "some_progress", "comment": "Said no twice."}},
        )
        from sessions import services as session_services

        session_services.sign_session(
            session=cls.note, signer=cls.alice, expected_version=cls.note.version
        )
        cls.draft_note = make_session(cls.alice_client, date=datetime.date(2026, 3, 23))

    def test_the_service_refuses_the_progress_of_a_signed_note(self):
        with self.assertRaises(LockedProgressError):
            services.record_progress(
                session=TherapySession.objects.get(pk=self.note.pk),
                user=self.alice,
                goals_addressed=[],
                objectives={},
            )
        self.assertEqual(
            NoteProgress.objects.get(pk=self.progress.pk).entries["objectives"]["o1"]["rating"],
            "some_progress",
        )

    def test_model_save_and_update_refuse_it(self):
        progress = NoteProgress.objects.get(pk=self.progress.pk)
        progress.entries = ENTRIES
        with self.assertRaises(LockedProgressError):
            progress.save()
        with self.assertRaises(LockedProgressError):
            NoteProgress.objects.filter(pk=progress.pk).update(updated_at=timezone.now())
        with self.assertRaises(LockedProgressError):
            NoteProgress(
                session=self.note, client=self.alice_client, plan_version=self.signed
            ).save()

    def test_raw_sql_cannot_insert_change_or_delete_it(self):
        pk = db_id(NoteProgress, self.progress.pk)
        note = db_id(TherapySession, self.note.pk)
        draft_note = db_id(TherapySession, self.draft_note.pk)
        with self.assertRaises(IntegrityError):
            execute(
                "UPDATE plans_noteprogress SET entries = %s WHERE id = %s",
                [resealed(self.progress, "entries"), pk],
            )
        with self.assertRaises(IntegrityError):
            execute("UPDATE plans_noteprogress SET session_id = %s WHERE id = %s", [draft_note, pk])
        with self.assertRaises(IntegrityError):
            execute("DELETE FROM plans_noteprogress WHERE id = %s", [pk])
        execute("DELETE FROM plans_noteprogress WHERE session_id = %s AND id <> %s", [note, pk])
        with self.assertRaises(IntegrityError):
            execute(
                "INSERT INTO plans_noteprogress (id, session_id, client_id, plan_version_id, "
                "created_at, updated_at, entries) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                self.raw_row(note),
            )
        self.assertEqual(
            raw_count("SELECT COUNT(*) FROM plans_noteprogress WHERE session_id = %s", [note]),
            1,
        )

    def raw_row(self, session_id) -> list:
        now = timezone.now()
        return [
            db_id(NoteProgress, "5f0e3f0e-0000-4000-8000-000000000001"),
            session_id,
            db_id(type(self.alice_client), self.alice_client.pk),
            db_id(PlanVersion, self.signed.pk),
            now,
            now,
            b"not a real value",
        ]

    def test_the_same_raw_sql_works_for_a_draft_note_control(self):
        draft_note = db_id(TherapySession, self.draft_note.pk)
        sql = (
            "INSERT INTO plans_noteprogress (id, session_id, client_id, plan_version_id, "
            "created_at, updated_at, entries) VALUES (%s, %s, %s, %s, %s, %s, %s)"
        )
        self.assertEqual(execute(sql, self.raw_row(draft_note)), 1)
        row = db_id(NoteProgress, "5f0e3f0e-0000-4000-8000-000000000001")
        self.assertEqual(
            execute("UPDATE plans_noteprogress SET entries = %s WHERE id = %s", [b"x", row]), 1
        )
        self.assertEqual(execute("DELETE FROM plans_noteprogress WHERE id = %s", [row]), 1)

    def test_the_rotation_permit_lets_only_the_encrypted_column_change(self):
        pk = db_id(NoteProgress, self.progress.pk)
        entries = resealed(self.progress, "entries")
        with RotationPermit():
            self.assertEqual(
                execute("UPDATE plans_noteprogress SET entries = %s WHERE id = %s", [entries, pk]),
                1,
            )
            with self.assertRaises(IntegrityError):
                execute(
                    "UPDATE plans_noteprogress SET session_id = %s WHERE id = %s",
                    [db_id(TherapySession, self.draft_note.pk), pk],
                )
        # Written through the raw rotation path: the ledger has not heard of it (rotation tells
        # it through a signal, tests/plans/test_rotation.py), so read the stored bytes.
        self.assertEqual(raw_column(NoteProgress, "entries", self.progress.pk), entries)

    def test_signing_a_note_locks_progress_written_as_a_draft(self):
        progress = services.record_progress(
            session=self.draft_note, user=self.alice, goals_addressed=["g2"], objectives={}
        )
        make_signed_session(self.alice_client, self.alice)  # another note: changes nothing here
        progress.entries = ENTRIES
        progress.save()  # still a draft note: allowed
        from sessions import services as session_services

        note = TherapySession.objects.get(pk=self.draft_note.pk)
        session_services.sign_session(
            session=note, signer=self.alice, expected_version=note.version
        )
        with self.assertRaises(LockedProgressError):
            progress.save()
