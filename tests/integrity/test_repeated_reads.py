"""A page that reads the same rows twice (the client page may: its sections are other apps')
checks every read against the ledger, but within ``remembering_matches`` does not hash again a
row and ledger entry exactly as already matched; and a parent's children are compared with the
ledger in two queries, whatever their models."""

from unittest import mock

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from encryption.errors import RecordIntegrityError
from integrity import check
from integrity.digest import row_digest
from measures.models import Administration
from sessions.models import TherapySession
from tests.base import make_administration, make_client, make_session
from tests.integrity.helpers import TamperTestCase, raw_delete, raw_row, raw_set


class RememberingMatchesTests(TamperTestCase):
    def load(self) -> list:
        return list(TherapySession.objects.filter(pk=self.session.pk))

    def digests_of_two_reads(self, *, remembering: bool) -> int:
        with mock.patch("integrity.check.row_digest", wraps=row_digest) as digest:
            if remembering:
                with check.remembering_matches():
                    self.load()
                    self.load()
            else:
                self.load()
                self.load()
        return digest.call_count

    def test_an_unchanged_row_read_again_is_not_hashed_again(self):
        self.assertEqual(self.digests_of_two_reads(remembering=True), 1)
        # Negative control: outside the block each read hashes the row.
        self.assertEqual(self.digests_of_two_reads(remembering=False), 2)

    def test_a_row_changed_between_two_reads_is_refused_on_the_second(self):
        with check.remembering_matches():
            self.load()
            stored = raw_row(TherapySession, self.session.pk)["duration_minutes"]
            raw_set(TherapySession, self.session.pk, duration_minutes=stored + 5)
            with self.assertRaises(RecordIntegrityError) as caught:
                self.load()
        self.assertEqual(caught.exception.problem, "changed outside the application")

    def test_a_row_written_back_after_a_write_is_refused_though_it_matched_before(self):
        before = raw_row(TherapySession, self.session.pk)
        with check.remembering_matches():
            self.load()  # matched as it was then
            self.edit(risk_level="high", risk_notes="Plan disclosed.")
            raw_set(
                TherapySession, self.session.pk, **{k: v for k, v in before.items() if k != "id"}
            )
            # The same stored values as matched, but the ledger's newest entry is another.
            with self.assertRaises(RecordIntegrityError):
                self.load()

    def test_the_block_ends_with_it(self):
        with check.remembering_matches():
            self.load()
        with mock.patch("integrity.check.row_digest", wraps=row_digest) as digest:
            self.load()
        self.assertEqual(digest.call_count, 1)


class ChildrenTests(TamperTestCase):
    def client_page(self):
        return reverse("client_detail", args=[self.alice_client.pk])

    def test_every_child_model_is_compared_in_two_queries(self):
        make_administration(self.alice_client)
        with CaptureQueriesContext(connection) as queries:
            check.check_children(self.alice_client)
        self.assertEqual(len(queries), 2)

    def test_a_questionnaire_deleted_outside_the_app_is_refused_on_the_client_page(self):
        administration = make_administration(self.alice_client)
        self.assertEqual(self.client.get(self.client_page()).status_code, 200)
        raw_delete(Administration, administration.pk)
        self.assert_refused(self.client_page())
        # Negative control: without the comparison of children, the deletion goes unnoticed.
        with mock.patch("clients.views.check_children"):
            self.assertEqual(self.client.get(self.client_page()).status_code, 200)

    def test_a_deletion_is_found_when_the_parents_need_one_statement_per_model(self):
        others = [make_client(self.alice, full_name=f"Client {n}") for n in range(3)]
        doomed = make_session(others[2])
        make_administration(others[1])
        check.check_children(*others)
        raw_delete(TherapySession, doomed.pk)
        with (
            mock.patch.object(connection.features, "max_query_params", 2),
            CaptureQueriesContext(connection) as queries,
            self.assertRaises(RecordIntegrityError) as caught,
        ):
            check.check_children(*others)
        self.assertEqual(caught.exception.problem, "deleted outside the application")
        unions = [q["sql"] for q in queries if "UNION ALL" in q["sql"]]
        self.assertEqual(unions, [])  # one statement per model: 3 parents, 2 parameters
