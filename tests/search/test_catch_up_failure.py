"""A catch-up (TherapistIndex._apply) that fails halfway, once (a transient database error while
re-reading the sessions written since), drops what the index holds: SQLite rolls the index's
rows back but not its map of sessions to rows, and an index kept after that would keep an
erased client's rows for good (sealed in its next snapshot), or fail every later search after
an edit (found by an attack on the background index). The controls: the same sequences without
the failure."""

from unittest import mock

from django.db import OperationalError

from search import index as index_module
from search.index import registry
from search.services import SearchFilters, search
from sessions.models import TherapySession
from sessions.services import erase_client, save_draft_session
from tests.base import PersonaTestCase, make_client, make_session

from .test_snapshots import opened

ERASED_WORD = "zyxwvuterased"
EDITED_WORD = "qwertyedited"
OLD_WORD = "plover"

original_texts = index_module._texts


def fails_once():
    """``_texts`` (the addenda/process-note query of a re-read) raising once, as a dropped
    connection or a statement timeout would, then working."""
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return original_texts(*args, **kwargs)

    return mock.patch.object(index_module, "_texts", side_effect=flaky)


def total(therapist, words: str) -> int:
    return search(therapist=therapist, query=words, filters=SearchFilters()).total


def found(therapist, words: str) -> list:
    return [
        r.session_id
        for r in search(therapist=therapist, query=words, filters=SearchFilters()).results
    ]


class ApplyFailureTests(PersonaTestCase):
    def setUp(self):
        self.erased = make_client(self.alice, full_name="Erased Client")
        self.erased_note = make_session(self.erased, note={"subjective": f"{ERASED_WORD} heron"})
        self.kept_note = make_session(self.alice_client, note={"subjective": f"{OLD_WORD} kept"})
        self.assertEqual(found(self.alice, ERASED_WORD), [self.erased_note.pk])  # built, sealed

    def erase(self):
        erase_client(client=self.erased)

    def test_control_erasure_without_failure(self):
        self.erase()
        self.assertEqual(total(self.alice, ERASED_WORD), 0)
        in_memory = ERASED_WORD.encode() in registry.get(self.alice.pk).db.serialize()
        sealed = ERASED_WORD.encode() in opened(self.alice.pk)
        self.assertEqual((in_memory, sealed), (False, False))

    def test_an_erasure_caught_up_after_one_failure_leaves_no_erased_text(self):
        self.erase()
        with fails_once(), self.assertRaises(OperationalError):
            found(self.alice, "heron")  # the search that met the transient failure
        # The next search: the failure is gone.
        search(therapist=self.alice, query="anything", filters=SearchFilters())
        in_memory = ERASED_WORD.encode() in registry.get(self.alice.pk).db.serialize()
        sealed = ERASED_WORD.encode() in opened(self.alice.pk)
        self.assertEqual(
            (in_memory, sealed), (False, False), "erased text in (the index, its snapshot)"
        )

    def edit(self):
        session = TherapySession.objects.get(pk=self.kept_note.pk)
        session.note = {"subjective": f"{EDITED_WORD} changed"}
        save_draft_session(session=session, expected_version=session.version)

    def test_control_edit_without_failure(self):
        self.edit()
        self.assertEqual(found(self.alice, EDITED_WORD), [self.kept_note.pk])
        self.assertEqual(total(self.alice, OLD_WORD), 0)

    def test_an_edit_caught_up_after_one_failure_is_found_next_time(self):
        self.edit()
        with fails_once(), self.assertRaises(OperationalError):
            found(self.alice, EDITED_WORD)
        # The failure is gone: the next searches should find the edit.
        for _ in range(3):
            self.assertEqual(found(self.alice, EDITED_WORD), [self.kept_note.pk])
