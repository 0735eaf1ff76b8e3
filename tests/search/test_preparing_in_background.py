"""Loading and building an index in the background, as deployed (SEARCH_PREPARE_IN_BACKGROUND):
a search waits SEARCH_PREPARE_WAIT_MS for it at most, then says the index is being prepared;
the next search finds the notes. A loaded index catches up from the journal in the request.

Committed data (TransactionTestCase): the preparing thread reads through a connection of its
own, which would not see a test transaction's rows."""

import threading
import time
from contextlib import suppress
from unittest import mock, skipUnless

import psycopg
from django.db import connection
from django.test import TransactionTestCase, override_settings

from search import index as index_module
from search import snapshot
from search.index import (
    IndexPreparing,
    SearchUnavailable,
    TherapistIndex,
    preparing,
    registry,
)
from search.models import SearchSnapshot
from search.services import SearchFilters, search
from sessions.models import TherapySession
from sessions.services import save_draft_session
from tests.base import make_client, make_session, make_therapist

slow_build_started = threading.Event()
release_build = threading.Event()
original_build = TherapistIndex._build


def held_build(self, *args, **kwargs):
    """A build that goes on only when the test lets it (a big caseload, in slow motion)."""
    slow_build_started.set()
    release_build.wait(timeout=30)
    return original_build(self, *args, **kwargs)


def found(therapist, word: str) -> list:
    return [
        r.session_id
        for r in search(therapist=therapist, query=word, filters=SearchFilters()).results
    ]


def settled(therapist_id: int) -> None:
    """Wait (bounded) for this process's preparation of the therapist's index to end."""
    deadline = time.monotonic() + 30
    while preparing(therapist_id) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not preparing(therapist_id), "the preparation did not end"


@override_settings(SEARCH_PREPARE_IN_BACKGROUND=True, SEARCH_PREPARE_WAIT_MS=100)
class PreparingInBackgroundTests(TransactionTestCase):
    serialized_rollback = True  # the flush after each test empties the built-in themes

    def setUp(self):
        registry.clear()
        index_module._preparing.clear()
        index_module._failures.clear()
        slow_build_started.clear()
        release_build.clear()
        self.therapist = make_therapist("background")
        self.client_record = make_client(self.therapist, full_name="Background Client")
        self.session = make_session(
            self.client_record, note={"subjective": "a kingfisher by the weir"}
        )

    def tearDown(self):
        release_build.set()
        settled(self.therapist.pk)
        registry.clear()

    def test_a_first_search_during_a_long_build_is_told_to_wait_then_finds_the_note(self):
        with mock.patch.object(TherapistIndex, "_build", held_build):
            with self.assertRaises(IndexPreparing) as raised:
                found(self.therapist, "kingfisher")
            self.assertGreater(raised.exception.retry_after, 0)
            self.assertTrue(slow_build_started.wait(timeout=10))
            self.assertTrue(preparing(self.therapist.pk))
            # Asked again while it builds: told again, and no second build starts.
            with self.assertRaises(IndexPreparing):
                found(self.therapist, "kingfisher")
            release_build.set()
            settled(self.therapist.pk)
        self.assertEqual(found(self.therapist, "kingfisher"), [self.session.pk])
        # Built once, and sealed for the other workers.
        self.assertTrue(SearchSnapshot.objects.filter(therapist_id=self.therapist.pk).exists())

    def test_in_the_request_when_background_is_off_the_search_waits_for_the_build(self):
        """The control: without the background path the same search holds its request."""
        release_build.set()
        with (
            override_settings(SEARCH_PREPARE_IN_BACKGROUND=False),
            mock.patch.object(TherapistIndex, "_build", held_build),
        ):
            self.assertEqual(found(self.therapist, "kingfisher"), [self.session.pk])
        self.assertFalse(preparing(self.therapist.pk))

    def test_a_loaded_index_catches_up_with_a_write_in_the_request(self):
        index_module.refreshed(self.therapist.pk)  # loaded (and sealed) by a warm-up
        session = TherapySession.objects.get(pk=self.session.pk)
        session.note = {"subjective": "a heron by the weir"}
        save_draft_session(session=session, expected_version=session.version)
        with mock.patch.object(index_module, "prepare_in_background") as background:
            self.assertEqual(found(self.therapist, "heron"), [self.session.pk])
            self.assertEqual(found(self.therapist, "kingfisher"), [])
        background.assert_not_called()

    def test_a_snapshot_loads_in_the_background_in_another_process(self):
        index_module.refreshed(self.therapist.pk)  # built and sealed, as another worker would
        registry.clear()  # this process restarted
        with mock.patch.object(TherapistIndex, "_build", side_effect=AssertionError("built")):
            deadline = time.monotonic() + 30
            while True:
                try:
                    result = found(self.therapist, "kingfisher")
                    break
                except IndexPreparing:
                    self.assertLess(time.monotonic(), deadline)
                    settled(self.therapist.pk)
        self.assertEqual(result, [self.session.pk])

    def test_searches_go_on_while_a_new_snapshot_is_stored(self):
        index_module.refreshed(self.therapist.pk)  # loaded and sealed
        registry.get(self.therapist.pk).saved_seq = -1  # a new snapshot due (as after erasure)
        storing, stored = threading.Event(), threading.Event()
        save = snapshot.save

        def slow_save(**kwargs):
            storing.set()
            stored.wait(timeout=30)
            return save(**kwargs)

        with mock.patch("search.index.snapshot.save", side_effect=slow_save):
            self.assertEqual(found(self.therapist, "kingfisher"), [self.session.pk])
            self.assertTrue(storing.wait(timeout=10))  # the seal started in the background
            # The database is taking the snapshot: the index is not locked meanwhile.
            self.assertEqual(found(self.therapist, "kingfisher"), [self.session.pk])
            stored.set()
            settled(self.therapist.pk)
        self.assertEqual(
            registry.get(self.therapist.pk).saved_seq,
            SearchSnapshot.objects.get(therapist_id=self.therapist.pk).seq,
        )

    def test_a_failing_preparation_says_search_is_unavailable_and_pauses_before_again(self):
        attempts = []

        def failing_build(index, *args, **kwargs):
            attempts.append(index.therapist_id)
            raise RuntimeError("the database went away")

        with mock.patch.object(TherapistIndex, "_build", failing_build):
            for _ in range(5):
                with suppress(IndexPreparing, SearchUnavailable):
                    found(self.therapist, "kingfisher")
                settled(self.therapist.pk)
            with self.assertRaises(SearchUnavailable):
                found(self.therapist, "kingfisher")
        self.assertEqual(attempts, [self.therapist.pk])  # one build, then a pause
        # Once the pause is over, the next search tries again, and finds the note.
        index_module._failures[self.therapist.pk] = (1, time.monotonic() - 1)
        deadline = time.monotonic() + 30
        while True:
            try:
                self.assertEqual(found(self.therapist, "kingfisher"), [self.session.pk])
                break
            except IndexPreparing:
                self.assertLess(time.monotonic(), deadline)
                settled(self.therapist.pk)
        self.assertNotIn(self.therapist.pk, index_module._failures)

    def test_a_thread_that_cannot_start_leaves_nothing_marked_as_preparing(self):
        with (
            mock.patch.object(threading.Thread, "start", side_effect=RuntimeError("no thread")),
            self.assertRaises(SearchUnavailable),
        ):
            found(self.therapist, "kingfisher")
        self.assertFalse(preparing(self.therapist.pk))

    def test_an_index_prepared_for_a_search_is_kept_until_it_is_used(self):
        other = make_therapist("background-two")
        make_session(make_client(other, full_name="Other"), note={"subjective": "a dipper"})
        index_module.refreshed(self.therapist.pk, fresh=True)
        with override_settings(SEARCH_INDEX_MEMORY_MB=0):
            index_module.refreshed(other.pk, fresh=True)  # over the budget: both kept
            self.assertEqual(registry.therapist_ids(), [self.therapist.pk, other.pk])
            self.assertEqual(found(self.therapist, "kingfisher"), [self.session.pk])
            self.assertEqual(found(other, "dipper"), [other_session_of(other)])
            # Both used: the least recently used goes as usual.
            self.assertEqual(registry.therapist_ids(), [other.pk])


def other_session_of(therapist):
    return TherapySession.objects.get(client__therapist=therapist).pk


@skipUnless(connection.vendor == "postgresql", "row locks without waiting: PostgreSQL")
@override_settings(SEARCH_PREPARE_IN_BACKGROUND=True)
class SealingBesideWritersTests(TransactionTestCase):
    serialized_rollback = True

    def test_a_snapshot_is_not_stored_while_a_write_holds_the_counter_and_nobody_waits(self):
        registry.clear()
        therapist = make_therapist("sealing")
        make_session(make_client(therapist, full_name="Sealed"), note={"subjective": "a wren"})
        index = index_module.refreshed(therapist.pk)
        stored = SearchSnapshot.objects.get(therapist_id=therapist.pk)
        settings = connection.settings_dict
        writer = psycopg.connect(
            host=settings["HOST"] or "127.0.0.1",
            port=settings["PORT"] or 5432,
            user=settings["USER"] or "postgres",
            dbname=settings["NAME"],
        )
        try:
            with writer.transaction():  # a note being saved: its counter row locked
                writer.execute(
                    "UPDATE search_indexgeneration SET value = value WHERE therapist_id = %s",
                    [therapist.pk],
                )
                with connection.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '5s'")  # the control: waiting fails
                saved = snapshot.save(
                    therapist_id=therapist.pk, position=index.position, data=b"x" * 1024
                )
        finally:
            writer.close()
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = 0")
        self.assertFalse(saved)
        # Rolled back whole: the snapshot stored before is still the one there.
        self.assertEqual(
            SearchSnapshot.objects.get(therapist_id=therapist.pk).created_at, stored.created_at
        )
