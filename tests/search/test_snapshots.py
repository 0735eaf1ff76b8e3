"""The shared search index (docs/search.md, "Shared snapshots"): sealed snapshots any process
loads instead of building, the change journal a refresh reads, one builder at a time, the
warm-up after sign-in, and what erasure, key rotation and a tampered database do to them."""

import datetime
import sqlite3
from unittest import mock

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.testing import sign_in_through_pages
from clients.models import Client
from encryption.keys import reset_keyring
from search import index as index_module
from search import journal, lease, snapshot
from search.index import TherapistIndex, refreshed, registry
from search.journal import Position
from search.models import SearchChange, SearchSnapshot
from search.services import SearchFilters, search
from sessions.services import erase_client, save_draft_session
from tests.base import ALICE_CANARY_NOTE, PASSWORD, PersonaTestCase, make_client, make_session

OTHER_KEYS = "1:b3RoZXItdGVzdC1rZXktb3RoZXItdGVzdC1rZXktMSE="  # "other-test-key-other-test-key-1!"
TEST_KEYS = "1:dGVzdC1vbmx5LWtleS0xLXRlc3Qtb25seS1rZXktMSE="


def found(therapist, words: str) -> list:
    page = search(therapist=therapist, query=words, filters=SearchFilters())
    return [result.session_id for result in page.results]


def opened(therapist_id: int) -> bytes:
    """The therapist's stored snapshot, unsealed (what a process loads)."""
    row = SearchSnapshot.objects.get(therapist_id=therapist_id)
    position = Position(row.seq, row.token)
    return snapshot.open_sealed(row.sealed, therapist_id=therapist_id, position=position)


class SealTests(PersonaTestCase):
    def setUp(self):
        found(self.alice, "anything")  # the first search builds and seals the index
        self.row = SearchSnapshot.objects.get(therapist_id=self.alice.pk)
        self.position = Position(self.row.seq, self.row.token)

    def test_the_stored_blob_holds_no_text_and_opens_to_the_index(self):
        canary = ALICE_CANARY_NOTE.split()[0].encode()
        self.assertNotIn(canary, bytes(self.row.sealed))
        # Negative control: the same bytes unsealed are the index, with the note's words.
        self.assertIn(canary, opened(self.alice.pk))

    def test_it_is_refused_for_another_therapist_or_another_journal_entry(self):
        blob = bytes(self.row.sealed)
        for therapist_id, position in (
            (self.bob.pk, self.position),
            (self.alice.pk, Position(self.position.seq + 1, self.position.token)),
            (self.alice.pk, Position(self.position.seq, self.position.token ^ 1)),
        ):
            with (
                self.subTest(therapist_id=therapist_id, position=position),
                self.assertRaises(snapshot.SnapshotRefused),
            ):
                snapshot.open_sealed(blob, therapist_id=therapist_id, position=position)

    def test_a_changed_byte_is_refused(self):
        blob = bytearray(self.row.sealed)
        blob[-40] ^= 1
        with self.assertRaises(snapshot.SnapshotRefused):
            snapshot.open_sealed(bytes(blob), therapist_id=self.alice.pk, position=self.position)

    def test_it_is_refused_under_another_key_and_the_index_is_rebuilt(self):
        with override_settings(FIELD_ENCRYPTION_KEYS=OTHER_KEYS):
            reset_keyring()
            try:
                with self.assertRaises(snapshot.SnapshotRefused):
                    snapshot.open_sealed(
                        bytes(self.row.sealed), therapist_id=self.alice.pk, position=self.position
                    )
                self.assertIsNone(snapshot.load(self.alice.pk))
            finally:
                reset_keyring()
        # Refused: deleted (a cache), and the next process builds and seals a new one.
        self.assertFalse(SearchSnapshot.objects.filter(therapist_id=self.alice.pk).exists())
        registry.clear()
        self.assertEqual(found(self.alice, self.word()), [self.alice_session.pk])
        self.assertTrue(SearchSnapshot.objects.filter(therapist_id=self.alice.pk).exists())

    def test_a_snapshot_swapped_onto_another_therapist_is_refused(self):
        found(self.bob, "anything")
        SearchSnapshot.objects.filter(therapist_id=self.bob.pk).update(sealed=self.row.sealed)
        registry.clear()
        self.assertIsNone(snapshot.load(self.bob.pk))
        self.assertEqual(found(self.bob, self.word()), [])  # never alice's note

    def word(self) -> str:
        return ALICE_CANARY_NOTE.split()[0]


class SharedIndexTests(PersonaTestCase):
    def test_another_process_loads_the_snapshot_and_catches_up_from_the_journal(self):
        self.assertEqual(found(self.alice, "quicksilverfox"), [])
        later = make_session(
            self.alice_client,
            date=datetime.date(2026, 3, 30),
            note={"subjective": "quicksilverfox"},
        )
        other = TherapistIndex(self.alice.pk)  # as in another worker, after a restart
        never_build = mock.patch.object(
            TherapistIndex, "_build", side_effect=AssertionError("built")
        )
        with never_build, other.lock:
            other.refresh()
        self.assertEqual(other.position, journal.current(self.alice.pk))
        hits = other.db.execute(
            "SELECT session_id FROM docs JOIN meta ON meta.rowid = docs.rowid "
            "WHERE docs MATCH 'quicksilverfox'"
        ).fetchall()
        self.assertEqual(hits, [(str(later.pk),)])

    def test_a_search_after_one_autosave_reads_the_journal_and_that_session_only(self):
        found(self.alice, "anything")
        session = self.alice_session
        session.note = {"subjective": "marmalade"}
        self.assertEqual(
            save_draft_session(session=session, expected_version=session.version).value, "saved"
        )
        index = registry.get(self.alice.pk)
        with CaptureQueriesContext(connection) as queries, index.lock:
            index.refresh()
        sql = [query["sql"] for query in queries.captured_queries]
        journal_reads = [s for s in sql if "search_searchchange" in s]
        self.assertEqual(len(journal_reads), 1, sql)
        session_reads = [s for s in sql if 'FROM "therapy_sessions_therapysession"' in s]
        self.assertEqual(len(session_reads), 1, sql)
        self.assertIn(str(session.pk).replace("-", ""), session_reads[0].replace("-", ""))
        self.assertEqual(found(self.alice, "marmalade"), [session.pk])
        # Nothing changed since: one query, the journal's row for the index's own entry.
        with CaptureQueriesContext(connection) as queries, index.lock:
            index.refresh()
        self.assertEqual(len(queries.captured_queries), 1)

    def test_a_journal_that_is_not_the_index_s_own_makes_it_rebuild(self):
        found(self.alice, "anything")
        index = registry.get(self.alice.pk)
        # A restored or rolled-back journal: the same number, another write.
        SearchChange.objects.filter(therapist_id=self.alice.pk, seq=index.position.seq).update(
            token=index.position.token ^ 1
        )
        build_from_notes = TherapistIndex._build
        with (
            mock.patch.object(
                TherapistIndex, "_build", autospec=True, side_effect=build_from_notes
            ) as build,
            index.lock,
        ):
            index.refresh()
        build.assert_called_once()
        # Negative control: with its own entry in place, the next refresh only catches up.
        never_build = mock.patch.object(
            TherapistIndex, "_build", side_effect=AssertionError("built")
        )
        with never_build, index.lock:
            index.refresh()

    def test_a_pruned_journal_makes_an_index_that_far_behind_rebuild(self):
        make_session(self.alice_client, date=datetime.date(2026, 3, 30))
        self.assertIsNotNone(journal.changes_since(self.alice.pk, Position(0, 0)))
        SearchChange.objects.filter(therapist_id=self.alice.pk, seq=1).delete()  # pruned
        self.assertIsNone(journal.changes_since(self.alice.pk, Position(0, 0)))
        # Negative control: with the first entry there, the same index replays.
        self.assertIsNotNone(journal.changes_since(self.bob.pk, Position(0, 0)))

    def test_only_one_process_builds_the_others_wait_for_its_snapshot(self):
        builder = TherapistIndex(self.alice.pk)
        holder = lease.acquire(self.alice.pk)
        self.assertIsNotNone(holder)
        self.assertIsNone(lease.acquire(self.alice.pk))  # taken

        build_from_notes = TherapistIndex._build

        def builder_finishes(seconds):
            with builder.lock:
                build_from_notes(builder)
                builder._save()

        waiting = TherapistIndex(self.alice.pk)
        with (
            mock.patch("search.index.time.sleep", side_effect=builder_finishes) as slept,
            mock.patch.object(
                TherapistIndex, "_build", side_effect=AssertionError("the waiting one built")
            ),
            waiting.lock,
        ):
            waiting.refresh()
        slept.assert_called_once()
        lease.release(self.alice.pk, holder)
        self.assertEqual(waiting.position, journal.current(self.alice.pk))

    def test_a_build_seals_its_snapshot_once(self):
        with mock.patch("search.index.snapshot.save", wraps=snapshot.save) as save:
            found(self.alice, "anything")
        self.assertEqual(save.call_count, 1)
        # Nothing changed: the next search seals nothing.
        with mock.patch("search.index.snapshot.save", wraps=snapshot.save) as save:
            found(self.alice, "anything")
        save.assert_not_called()

    def test_a_lapsed_lease_lets_the_next_process_build(self):
        holder = lease.acquire(self.alice.pk)
        lease.SearchBuildLease.objects.filter(holder=holder).update(
            expires_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
        )
        self.assertFalse(lease.held(self.alice.pk))
        self.assertEqual(found(self.alice, ALICE_CANARY_NOTE.split()[0]), [self.alice_session.pk])

    def test_each_process_keeps_the_indexes_within_its_memory_budget(self):
        found(self.alice, "anything")
        found(self.bob, "anything")
        self.assertEqual(registry.therapist_ids(), [self.alice.pk, self.bob.pk])
        alices = registry.get(self.alice.pk)
        registry.get(self.bob.pk)  # Bob's again the most recent
        with override_settings(SEARCH_INDEX_MEMORY_MB=0):
            registry.trim()
        self.assertEqual(registry.therapist_ids(), [self.bob.pk])
        # Its memory is freed at once, not when the garbage collector next runs.
        self.assertTrue(alices.evicted)
        with self.assertRaises(sqlite3.ProgrammingError):
            alices.db.execute("SELECT 1")

    def test_an_index_evicted_during_a_search_is_closed_when_the_search_ends(self):
        found(self.alice, "anything")
        found(self.bob, "anything")
        alices = registry.get(self.alice.pk)
        registry.get(self.bob.pk)
        alices.lock.acquire()  # a search of Alice's, running in another thread
        with override_settings(SEARCH_INDEX_MEMORY_MB=0):
            registry.trim()
        self.assertTrue(alices.evicted)
        # Still whole for the search that holds it...
        self.assertEqual(alices.db.execute("SELECT COUNT(*) FROM meta").fetchone(), (1,))
        alices.release()  # ...which ends
        with self.assertRaises(sqlite3.ProgrammingError):
            alices.db.execute("SELECT 1")
        # Alice's next search takes a fresh index, not the closed one.
        self.assertEqual(found(self.alice, ALICE_CANARY_NOTE.split()[0]), [self.alice_session.pk])


class ErasureAndRotationTests(PersonaTestCase):
    def test_erasure_removes_the_client_s_text_from_every_snapshot(self):
        kept = make_client(self.alice, full_name="Kept Client")
        make_session(kept, note={"subjective": "keptcanary lighthouse"})
        erased = make_client(self.alice, full_name="Erased Client")
        make_session(erased, note={"subjective": "erasedcanary harbour"})
        found(self.alice, "anything")
        self.assertIn(b"erasedcanary", opened(self.alice.pk))
        erase_client(client=Client.objects.get(pk=erased.pk))
        self.assertFalse(SearchSnapshot.objects.filter(therapist_id=self.alice.pk).exists())
        self.assertEqual(found(self.alice, "erasedcanary"), [])
        registry.clear()  # another process: from the new snapshot
        self.assertEqual(found(self.alice, "erasedcanary"), [])
        stored = opened(self.alice.pk)
        # "erasedcanar": the word as written and as stemmed ("erasedcanari", in FTS5's terms).
        self.assertNotIn(b"erasedcanar", stored)
        self.assertIn(b"keptcanar", stored)  # control: the scan sees what is there

    def test_an_index_built_before_an_erasure_is_never_sealed_after_it(self):
        erased = make_client(self.alice, full_name="Erased Client")
        make_session(erased, note={"subjective": "racecanary harbour"})
        found(self.alice, "anything")
        index = registry.get(self.alice.pk)  # holds the text, as a slow worker's would
        SearchSnapshot.objects.all().delete()
        with index.lock:
            index._save()  # control: at the journal's last entry, it is sealed
        self.assertTrue(SearchSnapshot.objects.filter(therapist_id=self.alice.pk).exists())
        erase_client(client=Client.objects.get(pk=erased.pk))
        with index.lock:
            index._save()  # a save that lost the race with the erasure
        self.assertFalse(SearchSnapshot.objects.filter(therapist_id=self.alice.pk).exists())
        self.assertEqual(found(self.alice, "racecanary"), [])
        self.assertNotIn(b"racecanary", opened(self.alice.pk))

    def test_a_deleted_note_takes_the_snapshot_with_it(self):
        found(self.alice, "anything")
        self.alice_session.delete()  # outside the app: a shell, a cascade
        self.assertFalse(SearchSnapshot.objects.filter(therapist_id=self.alice.pk).exists())

    def test_key_rotation_deletes_every_snapshot(self):
        found(self.alice, "anything")
        found(self.bob, "anything")
        self.assertEqual(SearchSnapshot.objects.count(), 2)
        from encryption.signals import rewrite_starting
        from sessions.models import TherapySession

        rewrite_starting.send(sender=TherapySession, using="default")
        self.assertEqual(SearchSnapshot.objects.count(), 0)


class TamperedRecordTests(PersonaTestCase):
    """What the attack on the shared index found (each failed before its fix)."""

    def test_erased_words_are_gone_from_the_index_s_segments_too(self):
        # A word the stemmer leaves as it is: FTS5 keeps deleted rows' terms in its segments
        # until they are merged, and that is where it would stay.
        erased = make_client(self.alice, full_name="Erased Client")
        make_session(erased, note={"subjective": "qwzvbxmord xylophonist"})
        found(self.alice, "anything")
        index = registry.get(self.alice.pk)
        self.assertIn(b"qwzvbxmord", index.db.serialize())  # control: it is there first
        erase_client(client=Client.objects.get(pk=erased.pk))
        self.assertEqual(found(self.alice, "qwzvbxmord"), [])
        self.assertNotIn(b"qwzvbxmord", index.db.serialize())
        self.assertNotIn(b"xylophonist", index.db.serialize())
        stored = opened(self.alice.pk)  # sealed again after the erasure
        self.assertNotIn(b"qwzvbxmord", stored)
        self.assertIn(ALICE_CANARY_NOTE.split()[0].lower().encode()[:6], stored.lower())

    def test_a_client_moved_to_another_therapist_outside_the_app_is_not_shown(self):
        moved = make_client(self.alice, full_name="Moved Client")
        make_session(moved, note={"subjective": "movedcanary harbour"})
        self.assertEqual(len(found(self.alice, "movedcanary")), 1)  # control
        Client.objects.filter(pk=moved.pk).update(therapist=self.bob)  # not journalled
        registry.clear()  # every worker restarted: from the snapshot
        self.assertEqual(found(self.alice, "movedcanary"), [])
        # What the index held is dropped, its snapshot too: the next search starts again.
        self.assertFalse(SearchSnapshot.objects.filter(therapist_id=self.alice.pk).exists())
        self.assertEqual(found(self.alice, "movedcanary"), [])

    def test_an_entry_numbered_beyond_the_counter_is_not_read(self):
        found(self.alice, "anything")
        SearchChange.objects.create(therapist_id=self.alice.pk, seq=10**12, token=1)
        later = make_session(self.alice_client, note={"subjective": "pelicanword"})
        self.assertEqual(found(self.alice, "pelicanword"), [later.pk])
        self.assertLess(registry.get(self.alice.pk).position.seq, 10**12)

    def test_a_missing_entry_makes_the_index_rebuild_rather_than_miss_a_write(self):
        found(self.alice, "anything")
        first = make_session(self.alice_client, note={"subjective": "gannetword"})
        make_session(self.alice_client, note={"subjective": "skuaword"})
        index = registry.get(self.alice.pk)
        SearchChange.objects.filter(
            therapist_id=self.alice.pk, seq=index.position.seq + 1
        ).delete()  # the entry of the first of the two writes
        self.assertIsNone(journal.changes_since(self.alice.pk, index.position))
        self.assertEqual(found(self.alice, "gannetword"), [first.pk])

    def test_a_lost_counter_does_not_stop_the_next_writes(self):
        make_session(self.alice_client, note={"subjective": "one"})
        journal.IndexGeneration.objects.filter(therapist_id=self.alice.pk).delete()
        later = make_session(self.alice_client, note={"subjective": "ternword"})
        self.assertEqual(found(self.alice, "ternword"), [later.pk])

    def test_a_lease_left_by_a_killed_builder_is_taken_over_when_it_lapses(self):
        stale = lease.acquire(self.alice.pk)  # a builder that died without releasing
        self.assertIsNotNone(stale)

        def time_passes(seconds):
            lease.SearchBuildLease.objects.filter(holder=stale).update(
                expires_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
            )

        with mock.patch("search.index.time.sleep", side_effect=time_passes) as slept:
            self.assertEqual(
                found(self.alice, ALICE_CANARY_NOTE.split()[0]), [self.alice_session.pk]
            )
        slept.assert_called_once()  # not the whole wait: the lease was taken over
        self.assertFalse(lease.held(self.alice.pk))
        self.assertTrue(SearchSnapshot.objects.filter(therapist_id=self.alice.pk).exists())


class WarmUpTests(PersonaTestCase):
    def test_passing_both_factors_loads_the_index_in_a_background_thread(self):
        with (
            override_settings(SEARCH_WARM_UP=True),
            mock.patch("search.index.threading.Thread") as thread,
        ):
            # The password alone starts nothing (someone with only the password must not make
            # a worker decrypt the caseload).
            first = self.client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
            self.assertEqual(first.status_code, 302)
            thread.assert_not_called()
            sign_in_through_pages(self.client, "alice", PASSWORD)
        thread.assert_called_once()
        self.assertEqual(thread.call_args.kwargs["args"], (self.alice.pk,))
        thread.return_value.start.assert_called_once()
        self.assertEqual(registry.therapist_ids(), [])  # not in the request
        index_module._preparing.clear()  # the thread (mocked) never ran to say it is done
        refreshed(self.alice.pk)  # what the thread runs
        self.assertEqual(registry.therapist_ids(), [self.alice.pk])
        self.assertTrue(registry.loaded(self.alice.pk))
        # Loaded already: signing in again in this process starts no thread.
        self.client.logout()
        with (
            override_settings(SEARCH_WARM_UP=True),
            mock.patch("search.index.threading.Thread") as again,
        ):
            sign_in_through_pages(self.client, "alice", PASSWORD)
        again.assert_not_called()

    def test_no_thread_when_warm_up_is_off(self):
        with mock.patch("search.index.threading.Thread") as thread:
            sign_in_through_pages(self.client, "alice", PASSWORD)
        thread.assert_not_called()
