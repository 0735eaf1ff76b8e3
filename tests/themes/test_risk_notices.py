"""How risk shows: current risk is a red alert quoting the phrase; a documented denial, a safety
plan or condition, history, a question or someone else's risk is a neutral line, also quoting
it. Checked on the form as it comes back without JavaScript, on a draft's page, in the JSON the
page script reads, and in the <template>s the page script fills in."""

import datetime
import re

from django.urls import reverse
from django.utils.html import escape

from tests.base import make_session
from tests.builders import session_form
from tests.themes.helpers import SuggestTestCase, risk_panel
from themes.suggest import suggest
from themes.suggest.service import risk_notices

# (note text, the status it must have). What each line says and quotes comes from the engine
# (its phrase is checked to be part of the note): these tests are about how each status shows.
NEUTRAL = [
    ("Client denies SI/HI.", "denied"),
    ("Client denies suicidal ideation.", "denied"),
    ("Overdose in her twenties, nothing since.", "historical"),
    ("Will ring the crisis line if the urge to hurt herself comes back.", "hypothetical"),
    ("Asked about SI.", "question"),
    ("Her brother attempted suicide last year.", "other_person"),
]
# (note text, what the red line must say)
CURRENT = [
    ("She plans to end her life this weekend.", "Current risk in this note: Suicidal thoughts"),
    ("She has been cutting her arms.", "Current risk in this note: Self-harm"),
]


def expected(text: str, status: str) -> tuple[str, str]:
    """(line, first phrase) of the note's flag with that status."""
    found = [n for n in risk_notices(suggest(text).risk) if n["status"] == status]
    assert found, f"the engine gives no {status!r} flag for {text!r}"
    phrase = found[0]["evidence"][0]
    assert phrase and phrase in text, (phrase, text)
    if status == "denied":
        assert found[0]["summary"].startswith("Risk assessed: "), found[0]
        assert found[0]["summary"].endswith(" denied"), found[0]
    return found[0]["summary"], phrase


def notices(panel: str) -> list[str]:
    return re.findall(r'<div class="alert [^"]*risk-notice[^"]*"[^>]*>.*?</div>', panel, re.S)


class RiskNoticeTestCase(SuggestTestCase):
    def setUp(self):
        self.sign_in(self.alice)

    def form_panel(self, text: str):
        """The risk panel of the form posted without a risk level, and the form's errors."""
        response = self.client.post(
            reverse("session_create", args=[self.alice_client.pk]),
            session_form(risk_level="", section_subjective=text),
        )
        self.assertEqual(response.status_code, 200)
        return risk_panel(response.content.decode()), response.context["form"].errors

    def draft_panel(self, text: str) -> str:
        draft = make_session(
            self.alice_client, date=datetime.date(2026, 3, 9), note={"subjective": text}
        )
        return risk_panel(self.client.get(draft.get_absolute_url()).content.decode())

    def assert_neutral(self, panel: str, line: str, phrase: str):
        self.assertNotIn("alert-danger", panel)
        self.assertNotIn('role="alert"', panel)
        found = [n for n in notices(panel) if escape(line) in n]
        self.assertEqual(len(found), 1, panel)
        self.assertIn("alert-secondary", found[0])
        self.assertIn(f'— “<span class="risk-evidence">{escape(phrase)}', found[0])

    def assert_current(self, panel: str, line: str, phrase: str):
        found = [n for n in notices(panel) if escape(line) in n]
        self.assertEqual(len(found), 1, panel)
        self.assertIn("alert-danger", found[0])
        self.assertIn('role="alert"', found[0])
        self.assertIn(f'<strong class="risk-summary">{escape(line)}</strong>', found[0])
        self.assertIn(f'“<span class="risk-evidence">{escape(phrase)}', found[0])


class FormWithoutJavaScriptTests(RiskNoticeTestCase):
    def test_a_documented_denial_and_other_statuses_are_neutral_and_still_ask_for_a_level(self):
        for text, status in NEUTRAL:
            with self.subTest(status=status, text=text):
                line, phrase = expected(text, status)
                panel, errors = self.form_panel(text)
                self.assertIn(f'data-status="{status}"', panel)
                self.assert_neutral(panel, line, phrase)
                self.assertEqual(errors["risk_level"], ["Choose a risk level for this session."])

    def test_current_risk_is_a_red_alert_with_the_phrase_negative_control(self):
        for text, line in CURRENT:
            with self.subTest(text=text):
                _, phrase = expected(text, "current")
                panel, errors = self.form_panel(text)
                self.assert_current(panel, line, phrase)
                self.assertEqual(
                    errors["risk_level"],
                    [f"This note describes current risk (“{phrase}”): choose a risk level."],
                )

    def test_a_denial_beside_current_risk_shows_both_each_as_it_is(self):
        text = "Denies SI/HI at intake. Today she says she plans to end her life this weekend."
        _, phrase = expected(text, "current")
        denied, _ = expected(text, "denied")
        panel, errors = self.form_panel(text)
        self.assert_current(panel, "Current risk in this note: Suicidal thoughts", phrase)
        self.assertIn(denied, panel)
        self.assertEqual(len(re.findall("alert-danger", panel)), 1, panel)
        self.assertEqual(
            errors["risk_level"],
            [f"This note describes current risk (“{phrase}”): choose a risk level."],
        )

    def test_a_note_without_risk_language_shows_no_panel(self):
        panel, _ = self.form_panel("A quiet week; talked about her garden.")
        self.assertEqual(notices(panel), [])

    def test_the_page_script_templates_carry_the_same_markup(self):
        page = self.client.get(
            reverse("session_create", args=[self.alice_client.pk])
        ).content.decode()
        current = re.search(r'<template id="risk-notice-current">(.*?)</template>', page, re.S)
        neutral = re.search(r'<template id="risk-notice-neutral">(.*?)</template>', page, re.S)
        self.assertIn('class="alert alert-danger', current.group(1))
        self.assertIn('role="alert"', current.group(1))
        self.assertIn('class="alert alert-secondary', neutral.group(1))
        self.assertNotIn("alert-danger", neutral.group(1))
        self.assertNotIn('role="alert"', neutral.group(1))
        for template in (current.group(1), neutral.group(1)):
            self.assertIn('class="risk-summary"', template)
            self.assertIn('class="risk-evidence"', template)


class DraftPageTests(RiskNoticeTestCase):
    def test_neutral_statuses_are_neutral_on_the_draft_page(self):
        for text, status in NEUTRAL:
            with self.subTest(status=status):
                self.assert_neutral(self.draft_panel(text), *expected(text, status))

    def test_current_risk_is_red_on_the_draft_page_negative_control(self):
        for text, line in CURRENT:
            with self.subTest(text=text):
                _, phrase = expected(text, "current")
                self.assert_current(self.draft_panel(text), line, phrase)


class SuggestEndpointTests(RiskNoticeTestCase):
    def risk(self, text: str) -> list[dict]:
        return self.client.post(reverse("theme_suggest"), {"text": text}).json()["risk"]

    def test_each_flag_says_its_status_and_whether_it_is_current(self):
        for text, status in NEUTRAL:
            with self.subTest(status=status):
                line, phrase = expected(text, status)
                flags = [f for f in self.risk(text) if f["summary"] == line]
                self.assertEqual(len(flags), 1)
                self.assertEqual((flags[0]["status"], flags[0]["current"]), (status, False))
                self.assertIn(phrase, flags[0]["evidence"])
                self.assertTrue(flags[0]["status_label"])
        for text, line in CURRENT:
            with self.subTest(text=text):
                _, phrase = expected(text, "current")
                [flag] = self.risk(text)
                self.assertEqual(
                    (flag["status"], flag["status_label"], flag["current"], flag["summary"]),
                    ("current", "current", True, line),
                )
                self.assertEqual(flag["evidence"][0], phrase)

    def test_risk_in_the_plan_is_read(self):
        data = self.client.post(
            reverse("theme_suggest"),
            {"text": "A hard week.", "plan": "She plans to end her life this weekend."},
        ).json()
        self.assertEqual([f["status"] for f in data["risk"]], ["current"])
