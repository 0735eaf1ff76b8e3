"""The session form with 600 active themes, in the browser (issue 13, item 6).

Each theme used to post two fields, and Django reads at most 1,000: autosave answered 400, Save
was refused, and the note was lost. Chromium now posts a field only for the themes given a value
(an untagged theme's select shows a disabled placeholder, which a browser never posts), and the
evidence input of an accepted suggestion is added by the page script.
"""

import re
from urllib.parse import parse_qsl

from playwright.sync_api import expect

from sessions.models import SessionDraft, TherapySession
from tests.base import make_client, make_therapist
from themes.models import Theme

from .base import BrowserTestCase, wait_until

THEMES = 600
NOTE = "She described her mother as dismissive whenever she phoned, and cried for the first time."


class ManyThemesTests(BrowserTestCase):
    def setUp(self):
        self.user = make_therapist("fern")
        self.client_record = make_client(self.user, full_name="Ottilie Brandvold")
        Theme.objects.bulk_create(
            Theme(owner=self.user, slug=f"u-many-{n}", name=f"Custom {n:03}", category="relational")
            for n in range(THEMES)
        )
        self.rejection = Theme.objects.get(slug="maternal-rejection")
        self.last = Theme.objects.get(slug=f"u-many-{THEMES - 1}")

    def test_autosave_and_save_keep_the_note_with_600_themes(self):
        page = self.new_page(user=self.user)
        autosaves = []
        page.on("request", lambda r: autosaves.append(r) if "/autosave/" in r.url else None)
        page.goto(f"/clients/{self.client_record.pk}/sessions/new/")
        expect(page.locator("select[name^=theme_]")).to_have_count(Theme.objects.count())
        page.get_by_label("Subjective").fill(NOTE)
        page.get_by_label("Risk level").select_option(label="None")

        # Accept a suggestion: the script sets the theme and adds its evidence input.
        suggestion = page.locator("#theme-suggestions .suggestion", has_text="Maternal rejection")
        suggestion.get_by_role("button", name="Accept").click()
        expect(page.locator(f"#id_theme_{self.rejection.pk}")).to_have_value("1")
        evidence = page.locator(f"input[name=evidence_{self.rejection.pk}]")
        expect(evidence).to_have_value(re.compile("dismissive"))
        # And one of the custom themes, by hand.
        row = page.locator(f"#id_theme_{self.last.pk}")
        row.evaluate("el => el.closest('details').open = true")
        row.select_option(label="Central")

        # Autosave: a few seconds after the last change.
        def draft_with_both():
            draft = SessionDraft.objects.filter(author=self.user).first()
            return draft if draft and draft.payload.get(f"theme_{self.last.pk}") == "3" else None

        draft = wait_until(draft_with_both, message="an autosave with both themes")
        expect(page.locator("#autosave-status")).to_have_text(re.compile(r"Saved at \d"))
        self.assertEqual(draft.payload["section_subjective"], NOTE)
        self.assertTrue(autosaves)
        self.assertLess(max(len(self.fields_of(request)) for request in autosaves), 60)

        with page.expect_request(
            lambda r: r.method == "POST" and "/sessions/new/" in r.url
        ) as save:
            page.get_by_role("button", name="Save session").click()
        expect(page.get_by_role("heading", name=re.compile("Session of"))).to_be_visible()
        posted = self.fields_of(save.value)
        self.assertLess(len(posted), 60)
        expected = [f"theme_{self.rejection.pk}", f"evidence_{self.rejection.pk}"]
        expected.append(f"theme_{self.last.pk}")
        tagged = [name for name, _ in posted if name.startswith(("theme_", "evidence_"))]
        self.assertEqual(sorted(tagged), sorted(expected))
        session = TherapySession.objects.get(client=self.client_record)
        self.assertEqual(session.note["subjective"], NOTE)
        self.assertEqual(session.theme_intensities(), {self.rejection.pk: 1, self.last.pk: 3})
        [link] = [link for link in session.themes if link["theme"] == self.rejection.pk]
        self.assertIn("dismissive", link["evidence"])
        self.assert_clean(page)

    @staticmethod
    def fields_of(request) -> list[tuple[str, str]]:
        """The fields of a posted form, urlencoded or multipart (FormData)."""
        body = request.post_data or ""
        if "multipart/form-data" in (request.headers.get("content-type") or ""):
            return re.findall(r'name="([^"]*)"\r\n\r\n(.*?)\r\n--', body, re.S)
        return parse_qsl(body, keep_blank_values=True)
