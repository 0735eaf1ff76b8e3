"""sessions.signals.session_written: every write to the record through sessions.services is
announced once, in the write's transaction, with ids and the kind of change only; autosaves
(the form's buffer) are not."""

import datetime
import uuid

from sessions import services
from sessions.links import ThemeLink
from sessions.models import TherapySession
from sessions.signals import Change, session_written
from tests.base import PersonaTestCase, make_session


class SessionWrittenTests(PersonaTestCase):
    def setUp(self):
        self.heard = []
        session_written.connect(self.listen)
        self.addCleanup(session_written.disconnect, self.listen)

    def listen(self, sender, **kwargs):
        kwargs.pop("signal")
        self.heard.append(kwargs)

    def expect(self, session, change):
        self.assertEqual(
            self.heard,
            [
                {
                    "therapist_id": self.alice.pk,
                    "client_id": self.alice_client.pk,
                    "session_ids": [session.pk],
                    "change": change,
                }
            ],
        )
        self.heard.clear()

    def test_each_write_is_heard_once_with_ids_and_its_kind(self):
        session = services.create_session(
            session=TherapySession(
                date=datetime.date(2026, 3, 3),
                start_time=datetime.time(9, 0),
                note={"subjective": "A secret the signal must never carry."},
            ),
            client=self.alice_client,
        )
        self.expect(session, Change.CREATED)
        session.plan = "Edited."
        services.save_draft_session(session=session, expected_version=1)
        self.expect(session, Change.EDITED)
        link = ThemeLink(self.maternal_rejection.pk, 2)
        services.accept_suggested_themes(session=session, links=[link], expected_version=2)
        self.expect(session, Change.EDITED)
        services.dismiss_suggested_theme(session=session, theme_id=7, expected_version=3)
        self.expect(session, Change.EDITED)
        services.save_process_note(session=session, text="Private.")
        self.expect(session, Change.PROCESS_NOTE)
        services.sign_session(session=session, signer=self.alice, expected_version=4)
        self.expect(session, Change.SIGNED)
        services.add_addendum(session=session, author=self.alice, text="Later.")
        self.expect(session, Change.ADDENDUM)

    def test_a_refused_write_is_not_heard(self):
        session = make_session(self.alice_client)
        self.heard.clear()
        session.plan = "From an old page."
        result = services.save_draft_session(session=session, expected_version=7)
        self.assertIs(result, services.SaveResult.CONFLICT)
        self.assertEqual(self.heard, [])

    def test_autosaves_are_not_heard(self):
        services.autosave(
            draft_key=uuid.uuid4(),
            author=self.alice,
            client=self.alice_client,
            session=None,
            seq=1,
            base_version=0,
            payload={"section_subjective": "typing"},
        )
        self.assertEqual(self.heard, [])

    def test_erasure_is_heard_for_the_whole_client(self):
        client_id = self.alice_client.pk
        services.erase_client(client=self.alice_client)
        self.assertEqual(
            self.heard,
            [
                {
                    "therapist_id": self.alice.pk,
                    "client_id": client_id,
                    "session_ids": [],
                    "change": Change.ERASED,
                }
            ],
        )

    def test_a_listener_that_fails_undoes_the_write(self):
        def refuse(sender, **kwargs):
            raise RuntimeError("listener failed")

        session_written.connect(refuse)
        self.addCleanup(session_written.disconnect, refuse)
        before = TherapySession.objects.count()
        with self.assertRaises(RuntimeError):
            services.create_session(
                session=TherapySession(start_time=datetime.time(9, 0)), client=self.alice_client
            )
        self.assertEqual(TherapySession.objects.count(), before)
