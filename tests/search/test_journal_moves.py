"""The change journal for whole clients (docs/search.md, "Consistency with writes"): a client
moved to another therapist leaves the first one's index and snapshot and joins the other's,
and an erasure is one entry and one snapshot deletion however many notes it takes, while a
note, addendum or process note deleted on its own is still journalled."""

import datetime
from unittest import mock

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.test.utils import CaptureQueriesContext

from clients.models import Client
from search import signals
from search.index import TherapistIndex, registry
from search.models import SearchChange, SearchSnapshot
from search.services import SearchFilters, search
from sessions.models import Addendum, ProcessNote, TherapySession
from sessions.services import add_addendum, erase_client, save_process_note
from tests.base import PersonaTestCase, make_client, make_session, make_signed_session

from .test_snapshots import opened

MOVED_WORD = "wrenmoved"
ERASED_WORD = "kestrelerased"
ADDENDUM_WORD = "ptarmiganaddendum"
READ_OWNER = 'SELECT "clients_client"."therapist_id" AS "therapist_id" FROM "clients_client"'


def total(therapist, words: str) -> int:
    """How many of the therapist's notes the index counts as matching (before the results are
    checked against the database: what the index itself holds)."""
    return search(therapist=therapist, query=words, filters=SearchFilters()).total


def found(therapist, words: str) -> list:
    page = search(therapist=therapist, query=words, filters=SearchFilters())
    return [result.session_id for result in page.results]


def in_index(therapist, word: str) -> bool:
    """Whether the process's index of the therapist holds the word anywhere."""
    return word.encode() in registry.get(therapist.pk).db.serialize()


def never_build():
    return mock.patch.object(TherapistIndex, "_build", side_effect=AssertionError("built"))


def entries_after(therapist, seq: int) -> list[tuple]:
    return list(
        SearchChange.objects.filter(therapist_id=therapist.pk, seq__gt=seq)
        .order_by("seq")
        .values_list("session_id", "client_id")
    )


def last_seq(therapist) -> int:
    return (
        SearchChange.objects.filter(therapist_id=therapist.pk)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    ) or 0


class ClientMoveTests(PersonaTestCase):
    def setUp(self):
        self.moving = make_client(self.alice, full_name="Moving Client")
        self.note = make_session(self.moving, note={"subjective": f"{MOVED_WORD} heron"})
        self.assertEqual(found(self.alice, MOVED_WORD), [self.note.pk])  # built and sealed
        self.assertEqual(found(self.bob, MOVED_WORD), [])
        self.assertIn(MOVED_WORD.encode(), opened(self.alice.pk))  # control for the scans
        self.seqs = {user.pk: last_seq(user) for user in (self.alice, self.bob)}

    def move(self, to) -> None:
        client = Client.objects.get(pk=self.moving.pk)
        for field in client._meta.concrete_fields:
            getattr(client, field.attname)  # opened under the owner they were sealed for
        client.therapist = to
        client.save()  # as a handover, the admin or a shell would

    def test_a_moved_client_leaves_the_old_therapist_s_index_and_joins_the_new_one(self):
        self.move(self.bob)
        # One entry for the whole client in each journal, the old therapist's snapshot gone.
        for user in (self.alice, self.bob):
            with self.subTest(user=user.username):
                self.assertEqual(entries_after(user, self.seqs[user.pk]), [(None, self.moving.pk)])
        self.assertFalse(SearchSnapshot.objects.filter(therapist_id=self.alice.pk).exists())
        self.assertTrue(SearchSnapshot.objects.filter(therapist_id=self.bob.pk).exists())
        with never_build():  # both indexes catch up from the journal
            self.assertEqual(total(self.alice, MOVED_WORD), 0)
            self.assertFalse(in_index(self.alice, MOVED_WORD))
            self.assertEqual(found(self.bob, MOVED_WORD), [self.note.pk])
        # Sealed again after the move: the old therapist's snapshot holds none of it.
        self.assertNotIn(MOVED_WORD.encode(), opened(self.alice.pk))
        self.assertIn(MOVED_WORD.encode(), opened(self.bob.pk))

    def test_another_process_sees_the_move_too(self):
        self.move(self.bob)
        registry.clear()  # every worker restarted: from the snapshots
        self.assertEqual(total(self.alice, MOVED_WORD), 0)
        with never_build():  # the new therapist's snapshot (from before) and the journal
            self.assertEqual(found(self.bob, MOVED_WORD), [self.note.pk])

    def test_moving_back_and_forth_follows_the_client(self):
        self.move(self.bob)
        with never_build():
            self.assertEqual(found(self.bob, MOVED_WORD), [self.note.pk])
            self.assertEqual(total(self.alice, MOVED_WORD), 0)
        self.move(self.alice)
        with never_build():
            self.assertEqual(found(self.alice, MOVED_WORD), [self.note.pk])
            self.assertEqual(total(self.bob, MOVED_WORD), 0)
            self.assertFalse(in_index(self.bob, MOVED_WORD))

    def test_a_move_rolled_back_leaves_both_journals_as_they_were(self):
        with transaction.atomic():
            self.move(self.bob)
            transaction.set_rollback(True)
        for user in (self.alice, self.bob):
            self.assertEqual(entries_after(user, self.seqs[user.pk]), [])
        self.assertTrue(SearchSnapshot.objects.filter(therapist_id=self.alice.pk).exists())
        self.assertEqual(found(self.alice, MOVED_WORD), [self.note.pk])

    def test_saving_a_client_without_moving_them_journals_nothing(self):
        client = Client.objects.get(pk=self.moving.pk)
        client.full_name = "Renamed Client"
        with CaptureQueriesContext(connection) as saved:
            client.save()
        with CaptureQueriesContext(connection) as saved_fields:
            client.save(update_fields=["full_name", "updated_at"])
        owner_reads = [
            [q["sql"] for q in queries if q["sql"].startswith(READ_OWNER)]
            for queries in (saved.captured_queries, saved_fields.captured_queries)
        ]
        # A whole save reads the stored owner; one of fields that cannot move the client not.
        self.assertEqual([len(reads) for reads in owner_reads], [1, 0], owner_reads)
        for user in (self.alice, self.bob):
            self.assertEqual(entries_after(user, self.seqs[user.pk]), [])
        self.assertTrue(SearchSnapshot.objects.filter(therapist_id=self.alice.pk).exists())

    def test_control_without_the_receiver_the_old_therapist_keeps_the_text(self):
        # What the first test would see without the move journalled: the old therapist's
        # index, and its snapshot, keep the client's words (the results are left out only
        # because each page is checked against the owner; the count and the index are not).
        self.assertTrue(post_save.disconnect(signals.client_saved, sender=Client))
        try:
            self.move(self.bob)
        finally:
            post_save.connect(signals.client_saved, sender=Client)
        self.assertEqual(entries_after(self.alice, self.seqs[self.alice.pk]), [])
        self.assertIn(MOVED_WORD.encode(), opened(self.alice.pk))
        self.assertEqual(total(self.alice, MOVED_WORD), 1)
        self.assertEqual(found(self.bob, MOVED_WORD), [])


class ErasureJournalTests(PersonaTestCase):
    NOTES = 30

    def setUp(self):
        self.erased = self.client_with_notes(self.NOTES, word=ERASED_WORD)
        self.assertEqual(total(self.alice, ERASED_WORD), self.NOTES)  # built and sealed
        self.seq = last_seq(self.alice)

    def client_with_notes(self, count: int, *, word: str) -> Client:
        """A client of alice with ``count`` signed notes, each with an addendum, and a process
        note on every third."""
        client = make_client(self.alice, full_name=f"Client {count}")
        for n in range(count):
            session = make_signed_session(
                client,
                self.alice,
                date=datetime.date(2026, 1, 1) + datetime.timedelta(days=n),
                note={"subjective": f"{word} note {n}"},
            )
            add_addendum(session=session, author=self.alice, text=f"{word} addendum {n}")
            if n % 3 == 0:
                save_process_note(session=session, text=f"{word} process note {n}")
        return client

    def erase(self, client) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            erase_client(client=Client.objects.get(pk=client.pk))
        return [query["sql"] for query in queries.captured_queries]

    def test_an_erasure_is_one_entry_and_one_snapshot_deletion(self):
        sql = self.erase(self.erased)
        self.assertEqual(entries_after(self.alice, self.seq), [(None, self.erased.pk)])
        snapshot_deletes = [s for s in sql if s.startswith('DELETE FROM "search_searchsnapshot"')]
        self.assertEqual(len(snapshot_deletes), 1, snapshot_deletes)
        self.assertFalse(SearchSnapshot.objects.filter(therapist_id=self.alice.pk).exists())
        with never_build():
            self.assertEqual(total(self.alice, ERASED_WORD), 0)
            self.assertFalse(in_index(self.alice, ERASED_WORD))
        self.assertNotIn(ERASED_WORD.encode(), opened(self.alice.pk))
        registry.clear()  # another process, from the snapshot sealed after the erasure
        self.assertEqual(total(self.alice, ERASED_WORD), 0)

    def test_what_search_does_on_an_erasure_does_not_grow_with_the_record(self):
        small = self.client_with_notes(3, word="smallword")
        search_sql = [
            [s for s in self.erase(client) if "search_" in s] for client in (small, self.erased)
        ]
        self.assertEqual(len(search_sql[0]), len(search_sql[1]), search_sql)
        self.assertLessEqual(len(search_sql[1]), 4, search_sql[1])

    def test_a_note_deleted_on_its_own_is_journalled_once_with_its_addendum(self):
        session = TherapySession.objects.filter(client=self.erased).order_by("date").first()
        session_id = session.pk
        session.delete()  # outside the app: a shell; its addendum goes with it
        self.assertEqual(entries_after(self.alice, self.seq), [(session_id, None)])
        self.assertFalse(SearchSnapshot.objects.filter(therapist_id=self.alice.pk).exists())
        with never_build():
            self.assertEqual(total(self.alice, ERASED_WORD), self.NOTES - 1)

    def test_an_addendum_deleted_on_its_own_is_journalled(self):
        session = TherapySession.objects.filter(client=self.erased).order_by("date").first()
        addendum = add_addendum(session=session, author=self.alice, text=ADDENDUM_WORD)
        self.assertEqual(found(self.alice, ADDENDUM_WORD), [session.pk])
        seq = last_seq(self.alice)
        self.assertTrue(in_index(self.alice, ADDENDUM_WORD))  # the control
        Addendum.objects.get(pk=addendum.pk).delete()
        # As a client entry: the client's rows dropped, read again, and the segments merged.
        self.assertEqual(entries_after(self.alice, seq), [(None, self.erased.pk)])
        self.assertFalse(SearchSnapshot.objects.filter(therapist_id=self.alice.pk).exists())
        with never_build():
            self.assertEqual(total(self.alice, ADDENDUM_WORD), 0)
        self.assertEqual(total(self.alice, ERASED_WORD), self.NOTES)
        # The deleted text's word is gone from the index's bytes, not only from its results.
        self.assertFalse(in_index(self.alice, ADDENDUM_WORD))

    def test_a_process_note_deleted_on_its_own_is_journalled(self):
        note = ProcessNote.objects.filter(session__client=self.erased).first()
        ProcessNote.objects.filter(pk=note.pk).delete()  # a queryset's delete sends it too
        self.assertEqual(entries_after(self.alice, self.seq), [(None, self.erased.pk)])
        self.assertFalse(SearchSnapshot.objects.filter(therapist_id=self.alice.pk).exists())

    def test_clients_deleted_as_a_queryset_are_one_entry_each(self):
        other = make_client(self.alice, full_name="Other Client")
        make_session(other, note={"subjective": "otherword"})
        seq = last_seq(self.alice)
        Client.objects.filter(pk__in=[self.erased.pk, other.pk]).delete()
        self.assertEqual(
            sorted(entries_after(self.alice, seq), key=str),
            sorted([(None, self.erased.pk), (None, other.pk)], key=str),
        )
        self.assertEqual(total(self.alice, ERASED_WORD), 0)
        self.assertEqual(total(self.alice, "otherword"), 0)

    def test_control_without_the_client_s_receiver_the_erased_words_stay(self):
        # The notes' own receivers leave a client's deletion to the client's: without it,
        # the index would keep every erased word (and the snapshot too).
        self.assertTrue(post_delete.disconnect(signals.client_deleted, sender=Client))
        try:
            self.erase(self.erased)
        finally:
            post_delete.connect(signals.client_deleted, sender=Client)
        self.assertEqual(entries_after(self.alice, self.seq), [])
        self.assertEqual(total(self.alice, ERASED_WORD), self.NOTES)
