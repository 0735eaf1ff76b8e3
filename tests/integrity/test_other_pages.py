"""Pages that read records without loading them one by one (search, theme pages, the caseload,
the dashboard) and the documents that leave the practice (export, case summary) refuse a
record changed outside the app, as the record's own page does. Each with a negative control."""

import datetime

from django.urls import reverse

from clients.models import Client
from integrity.models import RowSeal
from sessions.models import Addendum, TherapySession
from tests.base import make_session, make_signed_session
from tests.builders import addendum_form, summary_form
from tests.integrity.helpers import (
    TamperTestCase,
    ledger_check_off,
    raw_delete,
    raw_row,
    raw_set,
    verify,
)
from tests.records import immutability_triggers_off, raw

OLD = "Heronwing spoke of leaving the job."
NEW = "Otterbank disclosed a plan; safety plan made."


class RolledBackNoteTests(TamperTestCase):
    """The note text and risk level written back from an earlier save of the same row."""

    def setUp(self):
        super().setUp()
        self.edit(section_subjective=OLD, risk_level="low")
        old = raw_row(TherapySession, self.session.pk)
        self.edit(section_subjective=NEW, risk_level="high")
        raw_set(TherapySession, self.session.pk, note=old["note"], risk_level=old["risk_level"])

    def test_search_refuses_it(self):
        self.assert_refused_post(reverse("search"), {"q": "Heronwing"})

    def test_the_risk_filter_refuses_it(self):
        self.assert_refused_post(reverse("search"), {"q": "", "risk_level": "low"})

    def test_negative_control_without_the_check_search_shows_the_old_text(self):
        with ledger_check_off():
            response = self.client.post(reverse("search"), {"q": "Heronwing"})
        self.assertContains(response, "Heronwing")

    def test_the_theme_page_refuses_it(self):
        url = reverse("client_theme_sessions", args=[self.alice_client.pk, "maternal-rejection"])
        self.assert_refused(url)

    def test_the_summary_and_the_export_refuse_it(self):
        self.assert_refused_post(
            reverse("case_summary", args=[self.alice_client.pk]), summary_form()
        )
        self.assert_refused_post(reverse("client_export", args=[self.alice_client.pk]), {})


class RolledBackThemesTests(TamperTestCase):
    def test_theme_pages_and_caseload_refuse_rolled_back_evidence(self):
        theme = self.maternal_rejection.pk
        for day in range(1, 5):
            make_session(
                self.alice_client,
                date=datetime.date(2026, 2, day),
                themes=[{"theme": theme, "intensity": 2}],
            )
        session = TherapySession.objects.get(pk=self.session.pk)
        session.themes = [{"theme": theme, "intensity": 1, "evidence": "Mother was warm."}]
        session.save()
        old = raw_row(TherapySession, session.pk)
        session = TherapySession.objects.get(pk=session.pk)
        session.themes = [{"theme": theme, "intensity": 3, "evidence": "Mother turned away."}]
        session.save()
        raw_set(TherapySession, session.pk, themes=old["themes"])
        self.assert_refused(
            reverse("client_theme_sessions", args=[self.alice_client.pk, "maternal-rejection"])
        )
        self.assert_refused(reverse("client_themes", args=[self.alice_client.pk]))
        self.assert_refused(reverse("theme_caseload"))
        with ledger_check_off():
            response = self.client.get(reverse("client_themes", args=[self.alice_client.pk]))
        self.assertEqual(response.status_code, 200)


class DeletedRowsTests(TamperTestCase):
    def test_a_signed_note_deleted_stops_the_export_and_the_summary(self):
        signed = make_signed_session(self.alice_client, self.alice)
        raw_delete(TherapySession, signed.pk)
        self.assert_refused_post(reverse("client_export", args=[self.alice_client.pk]), {})
        self.assert_refused_post(
            reverse("case_summary", args=[self.alice_client.pk]),
            summary_form(date_from="2026-01-01"),
        )

    def test_an_addendum_deleted_stops_the_summary(self):
        signed = make_signed_session(self.alice_client, self.alice)
        self.client.post(
            reverse("addendum_create", args=[signed.pk]), addendum_form(text="Correction.")
        )
        raw_delete(Addendum, Addendum.objects.get(session=signed).pk)
        self.assert_refused_post(
            reverse("case_summary", args=[self.alice_client.pk]),
            summary_form(date_from="2026-01-01"),
        )
        self.assert_refused(self.session_url(signed))

    def test_a_client_deleted_is_noticed_on_the_client_list(self):
        raw(
            f"DELETE FROM {TherapySession._meta.db_table} WHERE client_id = %s",  # noqa: S608
            [Client._meta.pk.get_db_prep_value(self.alice_client.pk, self.connection())],
        )
        raw_delete(Client, self.alice_client.pk)
        self.assert_refused(reverse("client_list"))

    def test_an_unsigned_note_is_refused_on_the_dashboard(self):
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
        self.assert_refused(reverse("dashboard"))

    @staticmethod
    def connection():
        from django.db import connection

        return connection


class MiddleEntryTests(TamperTestCase):
    def test_a_rollback_hidden_by_deleting_a_middle_entry_is_found_by_verify_records(self):
        # Documented limit: the page compares with the newest entry left, so it does not see
        # this; the chain walk of verify_records does.
        self.edit(section_subjective=OLD)
        old = raw_row(TherapySession, self.session.pk)
        self.edit(section_subjective=NEW)
        make_signed_session(self.alice_client, self.alice)  # a later entry: not the tail
        newest = RowSeal.objects.filter(row_id=str(self.session.pk)).order_by("-seq").first()
        from django.db import connection

        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("DROP TRIGGER integrity_rowseal_no_delete")
            else:
                cursor.execute("ALTER TABLE integrity_rowseal DISABLE TRIGGER USER")
        raw("DELETE FROM integrity_rowseal WHERE seq = %s", [newest.seq])
        raw_set(TherapySession, self.session.pk, **{k: v for k, v in old.items() if k != "id"})
        status, output = verify()
        self.assertEqual(status, 1)
        self.assertIn(f"gap in seq: expected {newest.seq}", output)
