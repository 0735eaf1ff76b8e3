"""Large case summaries are made outside the request (issue 16): the page stores a pending
file and starts its build, a waiting page follows it, and the finished PDF is kept encrypted
until it is downloaded once, deleted, or an hour old. Audited at each step; another
therapist's file is a 404; a failed build is a message, never a server error.

Here the build runs in the test's own process (``build_inline``) where the page would start
``manage.py build_prepared_summary``; test_jobs_process.py runs the real process."""

import base64
import datetime
import io
from unittest import mock

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.testing import sign_in
from audit.models import Action, AuditEvent, Outcome
from clients.models import Disclosure, DisclosureKind
from summaries import jobs, limits
from summaries.models import KEPT_FOR, PreparedStatus, PreparedSummary
from summaries.pdf import SummaryOptions
from tests.audit.helpers import new_entries
from tests.base import make_client, make_session
from tests.builders import summary_form
from tests.pdfs import pdf_text
from tests.records import raw_column

from .helpers import SummaryTestCase, needs_poppler, run

PASSPHRASE = "kq7-vbn-2xzp lantern"


def build_inline(job_id, passphrase=""):
    """What the build process does, in this process."""
    jobs.build_prepared(job_id, passphrase=passphrase)


@override_settings(SUMMARY_BACKGROUND_OVER=2)  # the test client has three sessions
class JobTestCase(SummaryTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        self.form_url = reverse("case_summary", args=[self.alice_client.pk])

    def ask(self, build=build_inline, **overrides):
        """Post the summary form; the build runs when the request's transaction commits."""
        data = summary_form(**{"risk_history": "changes", **overrides})
        with (
            mock.patch.object(jobs, "start_build", side_effect=build) as start,
            self.captureOnCommitCallbacks(execute=True),
        ):
            response = self.client.post(self.form_url, data)
        self.start = start
        return response

    def job(self) -> PreparedSummary:
        return PreparedSummary.objects.get()

    def page(self, name: str, job: PreparedSummary | None = None) -> str:
        return reverse(name, args=[(job or self.job()).pk])

    def download(self, job: PreparedSummary | None = None):
        return self.client.post(self.page("prepared_summary_download", job))


class GoingToTheBackgroundTests(JobTestCase):
    def test_over_the_threshold_the_page_redirects_to_a_waiting_page_not_a_pdf(self):
        response = self.ask(build=lambda job_id, passphrase="": None)
        job = self.job()
        self.assertRedirects(response, reverse("prepared_summary", args=[job.pk]))
        self.start.assert_called_once_with(job.pk, "")
        self.assertEqual((job.status, job.session_count), (PreparedStatus.PENDING, 3))
        self.assertEqual(job.therapist, self.alice)
        self.assertEqual(job.client, self.alice_client)
        page = self.client.get(response["Location"])
        self.assertContains(page, "covers 3 sessions, so it is being prepared in the background")
        self.assertContains(page, f'href="{response["Location"]}"')  # "Check again", no JS
        self.assertContains(page, "js/summary_job.js")
        self.assertNotContains(page, "Download summary")
        status = self.client.get(self.page("prepared_summary_status", job))
        self.assertEqual(status.json(), {"status": "pending"})
        self.assertFalse(Disclosure.objects.exists())  # nothing has left yet

    @override_settings(SUMMARY_BACKGROUND_OVER=3)
    def test_at_the_threshold_the_pdf_is_made_in_the_request_control(self):
        response = self.ask()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.start.assert_not_called()
        self.assertFalse(PreparedSummary.objects.exists())

    def test_only_the_sessions_of_the_period_count(self):
        response = self.ask(date_from="2026-03-01")  # two of the three
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertFalse(PreparedSummary.objects.exists())

    def test_a_form_with_errors_starts_nothing(self):
        response = self.ask(sections=["demographics"])
        self.assertEqual(response.status_code, 200)
        self.assertIn("sections", response.context["form"].errors)
        self.start.assert_not_called()
        self.assertFalse(PreparedSummary.objects.exists())

    def test_the_options_are_kept_without_the_passphrase(self):
        self.ask(
            build=lambda job_id, passphrase="": None,
            sections=["themes", "log"],
            full_notes="picked",
            picked=[str(self.markup_session.pk)],
            include_process_notes="on",
            process_notes_reason="Requested by the court",
            passphrase=PASSPHRASE,
            passphrase_confirm=PASSPHRASE,
        )
        job = self.job()
        self.start.assert_called_once_with(job.pk, PASSPHRASE)
        options = jobs.options_from_json(job.options)
        self.assertEqual(options.sections, frozenset({"themes", "log"}))
        self.assertEqual(options.picked, frozenset({self.markup_session.pk}))
        self.assertEqual(options.date_from, datetime.date(2026, 1, 12))
        self.assertTrue(options.include_process_notes)
        self.assertEqual(options.process_notes_reason, "Requested by the court")
        self.assertEqual(options.passphrase, "")
        self.assertTrue(job.options["with_passphrase"])
        self.assertNotIn(PASSPHRASE, repr(job.options))
        for column in ("options", "pdf"):
            stored = raw_column(PreparedSummary, column, job.pk)
            self.assertNotIn(PASSPHRASE.encode(), stored)
            self.assertNotIn(b"court", stored)

    def test_options_round_trip_through_json(self):
        options = SummaryOptions(
            sections=frozenset({"risk"}),
            picked=frozenset({self.signed.pk}),
            date_to=datetime.date(2026, 5, 1),
            passphrase=PASSPHRASE,
        )
        back = jobs.options_from_json(jobs.options_to_json(options), "given again")
        self.assertEqual(back.sections, options.sections)
        self.assertEqual(back.picked, options.picked)
        self.assertEqual(back.date_to, options.date_to)
        self.assertEqual(back.page_size, options.page_size)
        self.assertEqual(back.passphrase, "given again")


class ReadyFileTests(JobTestCase):
    def test_the_finished_file_is_stored_encrypted(self):
        self.ask()
        job = self.job()
        self.assertEqual(job.status, PreparedStatus.READY)
        self.assertTrue(base64.b64decode(job.pdf).startswith(b"%PDF-"))  # control
        stored = raw_column(PreparedSummary, "pdf", job.pk)
        self.assertGreater(len(stored), 1000)
        for plain in (b"%PDF", b"JVBERi0", self.signed_word.encode(), b"C-0001"):
            self.assertNotIn(plain, stored)

    def test_the_waiting_page_offers_the_download_once_ready(self):
        self.ask()
        job = self.job()
        status = self.client.get(self.page("prepared_summary_status", job))
        self.assertEqual(status.json(), {"status": "ready"})
        page = self.client.get(self.page("prepared_summary", job))
        self.assertContains(page, "is ready")
        self.assertContains(page, "can be downloaded <strong>once</strong>")
        self.assertContains(page, f'action="{self.page("prepared_summary_download", job)}"')
        self.assertEqual(page["Cache-Control"].count("no-store"), 1)

    @needs_poppler
    def test_one_download_hands_out_the_pdf_and_deletes_it(self):
        self.ask()
        job = self.job()
        with new_entries() as entries:
            response = self.download(job)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        today = timezone.localdate().isoformat()
        self.assertEqual(
            response["Content-Disposition"], f'attachment; filename="C-0001-summary-{today}.pdf"'
        )
        self.assertIn("no-store", response["Cache-Control"])
        self.assertIn(self.signed_word, pdf_text(response.content))
        self.assertFalse(PreparedSummary.objects.exists())
        self.assertEqual(
            [e.action for e in entries], [Action.PRINT_SUMMARY, Action.SUMMARY_DOWNLOADED]
        )
        self.assertEqual({e.client_code for e in entries}, {"C-0001"})
        self.assertEqual(entries[1].object_id, str(job.pk))
        disclosure = Disclosure.objects.get()
        self.assertEqual(disclosure.kind, DisclosureKind.SUMMARY)
        # Gone: a second download finds nothing.
        self.assertEqual(self.download(job).status_code, 404)
        self.assertEqual(self.client.get(self.page("prepared_summary", job)).status_code, 404)

    def test_a_de_identified_file_keeps_its_opaque_de_identified_name(self):
        self.ask(de_identified="on")
        self.assertTrue(jobs.options_from_json(self.job().options).de_identified)
        response = self.download()
        today = timezone.localdate().isoformat()
        self.assertEqual(
            response["Content-Disposition"],
            f'attachment; filename="C-0001-summary-{today}-deidentified.pdf"',
        )

    def test_a_download_before_it_is_ready_goes_back_to_the_waiting_page(self):
        self.ask(build=lambda job_id, passphrase="": None)
        job = self.job()
        with new_entries() as entries:
            response = self.download(job)
        self.assertRedirects(response, self.page("prepared_summary", job))
        self.assertEqual(entries, [])
        self.assertTrue(PreparedSummary.objects.filter(pk=job.pk).exists())

    def test_the_creation_is_audited_without_content(self):
        with new_entries() as entries:
            self.ask()
        job = self.job()
        self.assertEqual([e.action for e in entries], [Action.SUMMARY_PREPARED])
        event = entries[0]
        self.assertEqual(
            (event.username, event.object_type, event.object_id, event.client_code),
            ("alice", "preparedsummary", str(job.pk), "C-0001"),
        )
        self.assertEqual(event.outcome, Outcome.OK)

    def test_deleting_it_without_downloading(self):
        self.ask()
        job = self.job()
        with new_entries() as entries:
            response = self.client.post(self.page("prepared_summary_discard", job))
        self.assertRedirects(response, self.form_url)
        self.assertFalse(PreparedSummary.objects.exists())
        self.assertEqual([e.action for e in entries], [Action.SUMMARY_DISCARDED])
        self.assertEqual(entries[0].username, "alice")
        self.assertFalse(Disclosure.objects.exists())

    def test_a_file_deleted_while_it_was_being_built_is_not_stored(self):
        def discard_first(job_id, passphrase=""):
            job = PreparedSummary.objects.get(pk=job_id)
            jobs.discard(job=job, user=self.alice)
            self.assertIsNone(jobs.build_prepared(job_id))

        self.ask(build=discard_first)
        self.assertFalse(PreparedSummary.objects.exists())


class ExpiryTests(JobTestCase):
    def age(self, job: PreparedSummary, minutes: int) -> None:
        """Make the file ``minutes`` old (as if asked for that long ago)."""
        then = timezone.now() - datetime.timedelta(minutes=minutes)
        PreparedSummary.objects.filter(pk=job.pk).update(created_at=then)

    def test_a_file_an_hour_old_is_deleted_at_the_next_summary_request(self):
        self.ask()
        job = self.job()
        self.age(job, 61)
        with new_entries() as entries:
            self.client.get(self.form_url)
        self.assertFalse(PreparedSummary.objects.exists())
        self.assertEqual([e.action for e in entries], [Action.SUMMARY_DISCARDED])
        self.assertEqual((entries[0].username, entries[0].client_code), ("", "C-0001"))
        self.assertEqual(self.client.get(self.page("prepared_summary", job)).status_code, 404)

    def test_a_younger_file_is_kept_control(self):
        self.ask()
        job = self.job()
        self.age(job, 59)
        self.client.get(self.form_url)
        self.assertTrue(PreparedSummary.objects.filter(pk=job.pk).exists())

    def test_expiry_is_an_hour_from_the_request_by_the_clock(self):
        self.ask()
        job = self.job()
        self.assertEqual(jobs.discard_expired(now=job.created_at + KEPT_FOR / 2), 0)
        self.assertEqual(jobs.discard_expired(now=job.created_at + KEPT_FOR), 1)
        self.assertFalse(PreparedSummary.objects.exists())

    def test_any_therapists_old_file_goes_whoever_asks(self):
        self.ask()
        self.age(self.job(), 90)
        sign_in(self.client, self.bob)
        self.client.get(reverse("case_summary", args=[self.bob_client.pk]))
        self.assertFalse(PreparedSummary.objects.exists())

    def test_the_command_deletes_old_files(self):
        from django.core.management import call_command

        self.ask()
        self.age(self.job(), 61)
        out = io.StringIO()
        call_command("discard_prepared_summaries", stdout=out)
        self.assertEqual(out.getvalue().strip(), "Deleted 1 prepared summary.")
        self.assertFalse(PreparedSummary.objects.exists())


class FailureTests(JobTestCase):
    def test_a_failed_build_shows_a_clear_message_not_a_server_error(self):
        with (
            mock.patch.object(jobs, "build_case_summary", side_effect=RuntimeError("boom")),
            self.assertLogs("summaries.jobs", "ERROR") as logs,
            new_entries() as entries,
        ):
            self.ask()
        job = self.job()
        self.assertEqual(job.status, PreparedStatus.FAILED)
        self.assertEqual(job.pdf, "")
        self.assertIn("RuntimeError", logs.output[0])
        self.assertNotIn("boom", logs.output[0])  # the class, never the message
        self.assertEqual(
            [(e.action, e.outcome) for e in entries], [(Action.SUMMARY_PREPARED, Outcome.FAILED)]
        )
        page = self.client.get(self.page("prepared_summary", job))
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "The summary could not be made")
        self.assertNotContains(page, "Download summary")
        self.assertEqual(
            self.client.get(self.page("prepared_summary_status", job)).json(), {"status": "failed"}
        )
        self.assertRedirects(self.download(job), self.page("prepared_summary", job))
        self.assertFalse(Disclosure.objects.exists())

    def test_a_build_that_never_finished_is_shown_as_failed_after_ten_minutes(self):
        self.ask(build=lambda job_id, passphrase="": None)  # the process was killed
        job = self.job()
        then = timezone.now() - datetime.timedelta(minutes=11)
        PreparedSummary.objects.filter(pk=job.pk).update(created_at=then)
        page = self.client.get(self.page("prepared_summary", job))
        self.assertContains(page, "The summary could not be made")
        # Still pending in the table; a build that does finish late is still stored.
        self.assertEqual(self.job().status, PreparedStatus.PENDING)

    def test_a_build_process_that_cannot_start_fails_the_file(self):
        with (
            mock.patch("summaries.jobs.subprocess.Popen", side_effect=FileNotFoundError(2, "x")),
            self.assertLogs("summaries.jobs", "ERROR"),
        ):
            self.ask(build=jobs.start_build)
        self.assertEqual(self.job().status, PreparedStatus.FAILED)


class PassphraseTests(JobTestCase):
    @needs_poppler
    def test_a_background_file_is_encrypted_with_the_passphrase_it_never_stores(self):
        self.ask(passphrase=PASSPHRASE, passphrase_confirm=PASSPHRASE)
        job = self.job()
        self.assertEqual(job.status, PreparedStatus.READY)
        self.start.assert_called_once_with(job.pk, PASSPHRASE)
        for column in ("options", "pdf"):
            self.assertNotIn(PASSPHRASE.encode(), raw_column(PreparedSummary, column, job.pk))
        self.assertNotIn(PASSPHRASE, repr(job.options))
        page = self.client.get(self.page("prepared_summary", job))
        self.assertContains(page, "encrypted with the passphrase you typed")
        pdf = self.download(job).content
        self.assertTrue(PdfReader(io.BytesIO(pdf)).is_encrypted)
        opened = run("pdftotext", "-upw", PASSPHRASE, "-enc", "UTF-8", "-", "-", data=pdf)
        self.assertEqual(opened.returncode, 0)
        self.assertIn(self.signed_word, opened.stdout.decode())
        wrong = run("pdftotext", "-upw", "not the passphrase", "-", "-", data=pdf)
        self.assertNotEqual(wrong.returncode, 0)

    def test_without_its_passphrase_the_build_fails_rather_than_store_it_open(self):
        self.ask(
            build=lambda job_id, passphrase="": build_inline(job_id, ""),
            passphrase=PASSPHRASE,
            passphrase_confirm=PASSPHRASE,
        )
        job = self.job()
        self.assertEqual(job.status, PreparedStatus.FAILED)
        self.assertEqual(job.pdf, "")

    def test_without_a_passphrase_the_file_is_not_encrypted_control(self):
        self.ask()
        pdf = self.download().content
        self.assertFalse(PdfReader(io.BytesIO(pdf)).is_encrypted)


class OtherTherapistTests(JobTestCase):
    def test_bob_gets_404_for_alices_file_on_every_page_and_nothing_changes(self):
        self.ask()
        job = self.job()
        sign_in(self.client, self.bob)
        with new_entries() as entries:
            for name in ("prepared_summary", "prepared_summary_status"):
                self.assertEqual(self.client.get(self.page(name, job)).status_code, 404, name)
            for name in ("prepared_summary_download", "prepared_summary_discard"):
                response = self.client.post(self.page(name, job))
                self.assertEqual(response.status_code, 404, name)
                self.assertNotIn(b"%PDF", response.content)
        self.assertEqual(entries, [])
        self.assertEqual(self.job().status, PreparedStatus.READY)
        self.assertFalse(Disclosure.objects.exists())

    def test_a_file_asked_for_by_another_therapist_of_the_same_client_is_not_alices(self):
        """The file belongs to whoever asked for it, even with the client's id right."""
        self.ask()
        job = self.job()
        PreparedSummary.objects.filter(pk=job.pk).update(therapist=self.bob)
        self.assertEqual(self.client.get(self.page("prepared_summary", job)).status_code, 404)

    def test_the_download_and_delete_refuse_get(self):
        self.ask()
        job = self.job()
        for name in ("prepared_summary_download", "prepared_summary_discard"):
            self.assertEqual(self.client.get(self.page(name, job)).status_code, 405, name)
        self.assertEqual(self.job().status, PreparedStatus.READY)
        self.assertFalse(AuditEvent.objects.filter(action=Action.SUMMARY_DOWNLOADED).exists())


def never_finishes(job_id, passphrase=""):
    """A build still running when the test looks."""


class BuildLimitTests(JobTestCase):
    """Each build is a process of 100 MB and more: a therapist asking again for the same
    client is sent to the file already being prepared, has two builds running at most, and
    the server a few (summaries/limits.py); a refusal says why and keeps the form."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.others = []
        for name in ("Second Client", "Third Client"):
            other = make_client(cls.alice, full_name=name, intake_date=datetime.date(2026, 1, 12))
            for day in (2, 9, 16):
                make_session(other, date=datetime.date(2026, 2, day))
            cls.others.append(other)

    def ask_for(self, client, build=never_finishes, **overrides):
        self.form_url = reverse("case_summary", args=[client.pk])
        return self.ask(build=build, **overrides)

    def test_asking_again_for_the_same_client_goes_to_the_file_being_prepared(self):
        self.ask(build=never_finishes)
        first = self.job()
        response = self.ask(build=never_finishes, de_identified="on", purpose="Again")
        self.assertRedirects(response, first.get_absolute_url(), fetch_redirect_response=False)
        self.start.assert_not_called()
        self.assertEqual(list(PreparedSummary.objects.all()), [first])
        page = self.client.get(response["Location"])
        asked_at = timezone.localtime(first.created_at)
        self.assertContains(
            page,
            f"Nothing new was started: the summary of C-0001 you asked for at {asked_at:%H:%M} "
            "is still being prepared, with the options (and passphrase) chosen then.",
        )
        self.assertFalse(jobs.options_from_json(self.job().options).de_identified)

    def test_once_the_file_is_ready_a_new_one_can_be_asked_for_control(self):
        self.ask()  # built at once
        self.assertEqual(self.job().status, PreparedStatus.READY)
        self.ask(build=never_finishes)
        self.start.assert_called_once()
        self.assertEqual(PreparedSummary.objects.count(), 2)

    def test_a_build_given_up_after_ten_minutes_no_longer_counts(self):
        self.ask(build=never_finishes)
        then = timezone.now() - datetime.timedelta(minutes=11)
        PreparedSummary.objects.update(created_at=then)
        self.ask(build=never_finishes)
        self.start.assert_called_once()
        self.assertEqual(PreparedSummary.objects.count(), 2)

    def test_a_third_build_of_the_therapist_is_refused_with_the_reason(self):
        self.ask(build=never_finishes)
        self.ask_for(self.others[0])
        data = summary_form(risk_history="changes", purpose="Referral to Dr Rowe")
        with mock.patch.object(jobs, "start_build") as start:
            response = self.client.post(reverse("case_summary", args=[self.others[1].pk]), data)
        self.assertEqual(response.status_code, 200)
        start.assert_not_called()
        self.assertEqual(PreparedSummary.objects.count(), 2)
        self.assertContains(
            response,
            "The summary was not made. You have 2 summaries being prepared already. Wait until "
            "one is ready (or delete it) before asking for another.",
        )
        self.assertContains(response, "Referral to Dr Rowe")  # what was typed is kept
        self.assertEqual(response.context["form"].data["purpose"], "Referral to Dr Rowe")

    def test_the_servers_limit_refuses_with_its_own_reason(self):
        PreparedSummary.objects.create(
            therapist=self.bob,
            client=self.bob_client,
            options=jobs.options_to_json(SummaryOptions()),
        )
        with mock.patch.object(limits, "PENDING_IN_TOTAL", 2):
            self.ask(build=never_finishes)
            response = self.ask_for(self.others[0])
        self.assertEqual(response.status_code, 200)
        self.start.assert_not_called()
        self.assertContains(response, "The server is preparing as many large summaries as it can")
        self.assertEqual(PreparedSummary.objects.filter(therapist=self.alice).count(), 1)

    def test_the_service_refuses_whoever_calls_it(self):
        options = SummaryOptions()
        first = jobs.prepare_summary(client=self.alice_client, user=self.alice, options=options)
        with self.assertRaises(limits.AlreadyPreparing) as already:
            jobs.prepare_summary(client=self.alice_client, user=self.alice, options=options)
        self.assertEqual(already.exception.job, first)
        jobs.prepare_summary(client=self.others[0], user=self.alice, options=options)
        with self.assertRaises(limits.TooManyBuilds):
            jobs.prepare_summary(client=self.others[1], user=self.alice, options=options)
        # Bob's builds are his own (control): he may still start one.
        jobs.prepare_summary(client=self.bob_client, user=self.bob, options=options)
        self.assertEqual(PreparedSummary.objects.count(), 3)
