"""What the summary says about itself and its notes: the cover (purpose, practice, the preparer
and their credentials), who signed each note and when, each note's themes with their intensity,
and the risk history as every assessment or changes only. Also the account page where the
credentials are set."""

import datetime
import re
import tempfile
from io import StringIO

from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from sessions.models import TherapySession
from summaries.pdf import FullNotes, RiskHistory, SummaryOptions
from summaries.services import build_case_summary, page_size
from tests.base import make_session
from tests.builders import summary_form
from tests.pdfs import pdf_text

from .helpers import SummaryTestCase, needs_poppler

CREDENTIALS = "MSc, UKCP registered psychotherapist"


class CoverTestCase(SummaryTestCase):
    def build(self, **options) -> bytes:
        options.setdefault("page_size", page_size())
        return build_case_summary(
            client=self.alice_client, therapist=self.alice, options=SummaryOptions(**options)
        )


@needs_poppler
class CoverTests(CoverTestCase):
    def test_purpose_practice_and_credentials(self):
        account = Account.for_user(self.alice)
        account.credentials = CREDENTIALS
        account.save()
        with override_settings(PRACTICE_NAME="Lantern Row Psychotherapy"):
            text = pdf_text(self.build(purpose="Referral to the eating disorders service"))
        self.assertIn("Practice Lantern Row Psychotherapy", text)
        self.assertIn(f"Prepared by Alice, {CREDENTIALS}", text)
        self.assertIn("Prepared for / purpose Referral to the eating disorders service", text)
        self.assertNotIn("De-identified", text)

    def test_without_them_the_lines_are_left_out(self):
        with override_settings(PRACTICE_NAME=""):
            text = pdf_text(self.build())
        self.assertIn("Prepared by Alice Period covered", text)
        for absent in ("Practice", "Prepared for", CREDENTIALS):
            with self.subTest(absent):
                self.assertNotIn(absent, text)

    def test_each_note_says_who_signed_it_and_when(self):
        signed_at = timezone.localtime(
            TherapySession.objects.get(pk=self.signed.pk).signed_at
        ).strftime("%d %b %Y %H:%M")
        text = pdf_text(self.build())
        self.assertIn(f"23 Feb 2026 · SOAP · 50 min Signed by Alice, {signed_at}", text)
        self.assertIn("16 Mar 2026 · SOAP · 50 min Draft — not signed", text)
        self.assertIn("02 Mar 2026 · SOAP · 50 min Draft — not signed", text)
        self.assertIn("Addendum signed by Alice,", text)

    def test_each_notes_themes_show_their_intensity_strongest_first(self):
        text = pdf_text(self.build())
        self.assertIn(f"Themes {self.guilt.name} (explored)", text)
        self.assertIn(
            f"Themes {self.guilt.name} (central); {self.maternal_rejection.name} (mentioned)", text
        )


@needs_poppler
class RiskHistoryTests(CoverTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # A second moderate assessment in a row: not a change.
        make_session(
            cls.alice_client,
            date=datetime.date(2026, 3, 23),
            note={"subjective": "Short."},
            risk_level="moderate",
            risk_notes="Still passive; plan in place.",
        )

    def history(self, risk_history: str) -> str:
        text = pdf_text(self.build(full_notes=FullNotes.NONE, risk_history=risk_history))
        return text[text.index("Risk history") : text.index("Session log")]

    def entries(self, history: str) -> list[str]:
        return re.findall(r"\d\d \w\w\w 2026 · (?:None|Low|Moderate)", history)

    def test_every_assessment_lists_each_session_with_its_notes(self):
        history = self.history(RiskHistory.ALL)
        self.assertEqual(
            self.entries(history),
            [
                "23 Feb 2026 · Low",
                "02 Mar 2026 · None",
                "16 Mar 2026 · Moderate",
                "23 Mar 2026 · Moderate",
            ],
        )
        self.assertIn("Passive thoughts; safety plan reviewed.", history)
        self.assertIn("Still passive; plan in place.", history)

    def test_changes_only_leaves_out_an_unchanged_level(self):
        history = self.history(RiskHistory.CHANGES)
        self.assertEqual(
            self.entries(history),
            ["23 Feb 2026 · Low", "02 Mar 2026 · None", "16 Mar 2026 · Moderate"],
        )
        self.assertNotIn("Still passive", history)

    def test_the_form_and_the_command_offer_the_choice(self):
        self.sign_in(self.alice)
        url = reverse("case_summary", args=[self.alice_client.pk])
        response = self.client.post(url, summary_form(risk_history="all", full_notes="none"))
        self.assertIn("Still passive; plan in place.", pdf_text(response.content))
        refused = self.client.post(url, summary_form(risk_history="every"))
        self.assertIn("risk_history", refused.context["form"].errors)
        with (
            tempfile.TemporaryDirectory() as folder,
            self.assertRaisesMessage(CommandError, "--risk-history must be all or changes"),
        ):
            call_command(
                "case_summary",
                "C-0001",
                therapist="alice",
                output=f"{folder}/summary.pdf",
                risk_history="every",
                stdout=StringIO(),
            )


class AccountDetailsTests(SummaryTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        self.url = reverse("account_details")

    def test_the_user_sets_their_own_credentials(self):
        page = self.client.get(self.url)
        self.assertContains(page, "Your details")
        self.assertContains(page, 'name="credentials"')
        response = self.client.post(self.url, {"credentials": CREDENTIALS})
        self.assertRedirects(response, self.url)
        self.assertEqual(Account.objects.get(user=self.alice).credentials, CREDENTIALS)
        self.assertContains(self.client.get(self.url), CREDENTIALS)
        # bob's account is untouched: the page is always the signed-in user's own.
        self.assertEqual(Account.for_user(self.bob).credentials, "")

    def test_too_long_or_control_characters_are_refused_and_shown_again(self):
        for typed in ("x" * 201, "MSc\x07"):
            with self.subTest(len(typed)):
                response = self.client.post(self.url, {"credentials": typed})
                self.assertEqual(response.status_code, 200)
                self.assertIn("credentials", response.context["form"].errors)
        self.assertEqual(Account.for_user(self.alice).credentials, "")

    def test_the_menu_links_to_it(self):
        self.assertContains(self.client.get(reverse("dashboard")), self.url)
