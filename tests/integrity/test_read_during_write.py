"""Reading a record while another worker saves it is not tampering: the read check looks again
under the append lock before it refuses, so a write that commits between reading the row and
reading the ledger raises no alarm (and writes no integrity_failure entry)."""

import datetime
import threading
from unittest import mock

import pytest
from django.db import connections
from django.test import TransactionTestCase
from django.urls import reverse

from accounts.testing import sign_in
from audit.models import Action, AuditEvent
from encryption.errors import RecordIntegrityError
from integrity import check
from integrity.specs import read_rows, spec_of
from sessions.models import TherapySession
from tests.base import make_client, make_therapist


@pytest.mark.slow  # started first on a worker (tests/conftest.py)
class StaleReadTests(TransactionTestCase):
    serialized_rollback = True

    def setUp(self):
        self.therapist = make_therapist("reader")
        self.session = TherapySession.objects.create(
            client=make_client(self.therapist),
            date=datetime.date(2026, 3, 2),
            start_time=datetime.time(9),
            plan="First.",
        )

    def stale_then_saved(self):
        stale = read_rows(TherapySession, [self.session.pk], "default")
        session = TherapySession.objects.get(pk=self.session.pk)
        session.plan = "Second."
        session.save()  # commits between the row read and the ledger read
        return stale

    def test_a_row_read_before_a_save_that_committed_since_passes(self):
        stale = self.stale_then_saved()
        check._check(
            TherapySession, spec_of(TherapySession), [str(self.session.pk)], "default", stale
        )

    def test_negative_control_without_the_second_look_it_would_be_refused(self):
        stale = self.stale_then_saved()
        with (
            mock.patch("integrity.check.read_rows", return_value=stale),
            self.assertRaises(RecordIntegrityError),
        ):
            check._check(TherapySession, spec_of(TherapySession), [str(self.session.pk)], "default")

    def test_pages_read_while_another_worker_saves_never_alarm(self):
        stop = threading.Event()
        errors: list[BaseException] = []

        def writer() -> None:
            try:
                n = 0
                while not stop.is_set() and n < 400:
                    session = TherapySession.objects.get(pk=self.session.pk)
                    session.plan = f"write {n}"
                    session.save()
                    n += 1
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                connections.close_all()

        http = self.client
        sign_in(http, self.therapist)
        thread = threading.Thread(target=writer)
        thread.start()
        statuses = []
        try:
            for _ in range(60):
                for url in (
                    reverse("session_detail", args=[self.session.pk]),
                    reverse("client_detail", args=[self.session.client_id]),
                    reverse("dashboard"),
                ):
                    statuses.append(http.get(url).status_code)
        finally:
            stop.set()
            thread.join(timeout=120)
        self.assertEqual(errors, [])
        self.assertEqual(set(statuses), {200})
        self.assertFalse(AuditEvent.objects.filter(action=Action.INTEGRITY_FAILURE).exists())
