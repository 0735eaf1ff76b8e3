"""Passphrase-protected summaries open in the readers people use (issue 13, item 7).

Every passphrase the form accepts is tried, through the real page, with qpdf and with poppler's
pdftotext; those it refuses (too long, not printable ASCII) are refused with the reason, and
what else was typed comes back. The negative controls loosen the rule and show a reader then
failing to open a file the page made.
"""

import string
import subprocess
import tempfile
from pathlib import Path
from unittest import mock

from django.urls import reverse

from clients.models import Disclosure
from summaries import passphrase as rules
from summaries.pdf import encrypt
from tests.builders import summary_form
from tests.pdfs import PDFTOTEXT

from .helpers import QPDF, SummaryTestCase, needs_poppler, needs_qpdf

# The edges of what is accepted: the shortest and longest, every punctuation mark, spaces at
# the start, in the middle (doubled) and at the end, a leading dash (read as an option by a
# careless command line), quotes and a backslash.
ACCEPTED = [
    "kq7-vbn-2xzp",
    string.punctuation,
    string.ascii_letters[:16] + string.digits + "XYZZYZ",
    "  two  spaces, ends too  ",
    "-dash first 'single' \"double\"",
    "back\\slash and `tick` $HOME",
]
NOT_ASCII = {
    "café au lait 2026": "“é” (U+00E9)",
    "it\u2019s my passphrase": "“\u2019” (U+2019)",
    "non\u00a0breaking space!": "a space or invisible character (U+00A0)",
    "zero\u200bwidth space here": "a space or invisible character (U+200B)",
    "tab\tbetween words": "a space or invisible character (U+0009)",
    "ﬁne ligature here": "“ﬁ” (U+FB01)",
    "\u0440\u0430ssphrase looks Latin": "“\u0440” (U+0440)",
}


def qpdf_opens(pdf: bytes, passphrase: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "summary.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            [QPDF, f"--password={passphrase}", "--check", str(path)], capture_output=True
        )


def pdftotext_opens(pdf: bytes, passphrase: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PDFTOTEXT, "-upw", passphrase, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True
    )


class PassphraseCase(SummaryTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        self.url = reverse("case_summary", args=[self.alice_client.pk])

    def post(self, passphrase: str, confirm: str | None = None, **overrides):
        confirm = passphrase if confirm is None else confirm
        data = summary_form(passphrase=passphrase, passphrase_confirm=confirm, **overrides)
        return self.client.post(self.url, data)

    def download(self, passphrase: str) -> bytes:
        response = self.post(passphrase)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf", passphrase)
        return response.content


@needs_qpdf
@needs_poppler
class AcceptedPassphrasesOpenTests(PassphraseCase):
    def test_the_accepted_set_covers_the_edges(self):
        lengths = {len(passphrase) for passphrase in ACCEPTED}
        self.assertIn(rules.MIN_LENGTH, lengths)
        self.assertIn(rules.MAX_LENGTH, lengths)
        self.assertEqual(set(string.punctuation), set("".join(ACCEPTED)) & set(string.punctuation))
        self.assertTrue(all(rules.passphrase_problems(p) == [] for p in ACCEPTED))

    def test_qpdf_and_pdftotext_open_every_accepted_passphrase(self):
        for passphrase in ACCEPTED:
            with self.subTest(passphrase=passphrase):
                pdf = self.download(passphrase)
                self.assertIn(b"/AESV3", pdf)
                checked = qpdf_opens(pdf, passphrase)
                self.assertEqual(checked.returncode, 0, checked.stderr + checked.stdout)
                opened = pdftotext_opens(pdf, passphrase)
                self.assertEqual(opened.returncode, 0, opened.stderr)
                self.assertIn(self.signed_word, opened.stdout.decode())

    def test_both_tools_refuse_a_wrong_passphrase_positive_control(self):
        pdf = self.download(ACCEPTED[0])
        self.assertNotEqual(qpdf_opens(pdf, ACCEPTED[0].upper()).returncode, 0)
        self.assertNotEqual(pdftotext_opens(pdf, ACCEPTED[0].upper()).returncode, 0)

    def test_with_no_length_limit_pdftotext_cannot_open_the_file_negative_control(self):
        longer = "a-passphrase-of-thirty-three-chrs"
        self.assertEqual(len(longer), 33)
        with mock.patch.object(rules, "MAX_LENGTH", 1_000):
            pdf = self.download(longer)
        self.assertEqual(qpdf_opens(pdf, longer).returncode, 0)
        self.assertNotEqual(pdftotext_opens(pdf, longer).returncode, 0)

    def test_with_any_character_allowed_qpdf_cannot_open_the_file_negative_control(self):
        for passphrase in ("ﬁne ligature here", "non\u00a0breaking space!"):
            with self.subTest(passphrase=passphrase):
                with mock.patch.object(rules, "ALLOWED", rules.ALLOWED | set(passphrase)):
                    pdf = self.download(passphrase)
                self.assertNotEqual(qpdf_opens(pdf, passphrase).returncode, 0)
                self.assertNotEqual(pdftotext_opens(pdf, passphrase).returncode, 0)


class RefusedPassphrasesTests(PassphraseCase):
    def assertRefused(self, response, *expected: str):
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("Content-Disposition", response)
        errors = response.context["form"].errors.get("passphrase", [])
        for text in expected:
            self.assertTrue(any(text in error for error in errors), errors)
            self.assertContains(response, text)
        self.assertFalse(Disclosure.objects.exists())

    def test_thirty_three_characters_are_refused(self):
        response = self.post("x" * 33)
        self.assertRefused(response, "Use at most 32 characters (this one has 33)")

    def test_a_megabyte_is_refused_without_being_sent_back(self):
        huge = "long passphrase " * 65_536
        with mock.patch("summaries.pdf.encrypt") as encrypted:
            response = self.post(huge)
        self.assertRefused(response, "this one has 1,048,576")
        encrypted.assert_not_called()
        self.assertLess(len(response.content), 100_000)

    def test_characters_outside_printable_ascii_are_refused_and_named(self):
        for passphrase, named in NOT_ASCII.items():
            with self.subTest(passphrase=passphrase):
                response = self.post(passphrase)
                self.assertRefused(response, "Use only letters A to Z", named)

    def test_too_long_and_not_ascii_are_both_said_at_once(self):
        response = self.post("é" * 40)
        self.assertRefused(response, "at most 32", "“é” (U+00E9)")

    def test_what_was_typed_comes_back_except_the_passphrases(self):
        response = self.post("café au lait 2026", date_from="2026-02-01", date_to="2026-10-31")
        self.assertContains(response, 'value="2026-02-01"')
        self.assertContains(response, 'value="2026-10-31"')
        self.assertNotContains(response, "café au lait")
        self.assertNotContains(response, "au lait")
        message = " ".join(str(m) for m in response.context["messages"])
        self.assertIn("Type the passphrase again in both boxes", message)

    def test_the_help_text_lists_the_marks_escaped(self):
        page = self.client.get(self.url).content.decode()
        self.assertIn("12 to 32 characters", page)
        self.assertIn("<code>!&quot;#$%&amp;&#x27;()*+,-./:;&lt;=&gt;?@[\\]^_`{|}~</code>", page)

    def test_encrypt_refuses_what_the_form_refuses(self):
        for passphrase in ("x" * 33, "café au lait 2026", "short"):
            with self.subTest(passphrase=passphrase), self.assertRaises(ValueError):
                encrypt(b"%PDF-1.4", passphrase)
