"""Theme suggestions and risk prompts as the therapist meets them: the JSON endpoint the page
script calls, the session form without JavaScript, accepting a suggestion on a draft, and the
evidence phrase kept with an accepted theme. Suggestions are computed on request: nothing is
stored or logged, another therapist's themes never appear, and the record is only changed by an
explicit accept on one's own draft."""

import datetime
import re
from unittest import mock

from django.apps import apps
from django.db.models import F
from django.urls import reverse
from django.utils.html import escape

from audit.models import AuditEvent
from sessions.models import TherapySession
from tests.base import make_session, make_signed_session
from tests.builders import session_form
from tests.pages import follow_messages
from tests.records import raw, raw_column
from tests.themes.helpers import (
    DISMISSIVE_MOTHER,
    SuggestTestCase,
    engine_evidence,
    risk_panel,
    suggestion_ids,
)
from themes.models import Theme
from themes.suggest import ThemeSuggestion, service

PROJECT_APPS = ["encryption", "themes", "clients", "therapy_sessions", "summaries", "audit"]
SUGGEST_CANARY = "marmoset-Ω4-перепёлка said her mother was dismissive"


def row_counts() -> dict[str, int]:
    """Rows of every table of the project's own apps."""
    return {
        model._meta.db_table: model._base_manager.count()
        for label in PROJECT_APPS
        for model in apps.get_app_config(label).get_models()
    }


def engine_also_suggesting(slug: str):
    """The real engine, which also suggests ``slug`` whenever that theme is offered to it."""
    real = service.suggest

    def fake(text, themes=None, *, plan=""):
        result = real(text, themes, plan=plan)
        if themes and slug in themes:
            name, category = themes[slug]
            result.themes.append(ThemeSuggestion(slug, name, category, 1.0, ["dismissive"]))
        return result

    return mock.patch.object(service, "suggest", fake)


def select_of(page: str, name: str) -> str:
    found = re.search(rf'<select name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    assert found, f"no <select name={name!r}> on the page"
    return found.group(1)


def selected_options(page: str, name: str) -> list[tuple[str, str]]:
    """(value, text) of the options of a <select> that are selected."""
    return [
        (value, text.strip())
        for value, text in re.findall(
            r'<option value="([^"]*)"\s+selected[^>]*>([^<]*)</option>', select_of(page, name)
        )
    ]


def accept_forms(page: str) -> list[dict[str, str]]:
    """The hidden fields of each Accept form on a session page."""
    forms = re.findall(
        r'<form method="post" action="[^"]*/themes/accept/" class="suggestion .*?</form>',
        page,
        re.S,
    )
    hidden = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)"')
    return [
        {name: value for name, value in hidden.findall(form) if name != "csrfmiddlewaretoken"}
        for form in forms
    ]


class SuggestEndpointTests(SuggestTestCase):
    def test_dismissive_mother_and_pleasing_partner_are_suggested_with_ids_names_and_evidence(
        self,
    ):
        found = self.suggested(DISMISSIVE_MOTHER)
        rejection = found["maternal-rejection"]
        self.assertEqual(
            (rejection["id"], rejection["name"], rejection["category"], rejection["evidence"]),
            (
                self.maternal_rejection.pk,
                "Maternal rejection",
                "attachment",
                engine_evidence(DISMISSIVE_MOTHER, "maternal-rejection"),
            ),
        )
        self.assertIn("dismissive", " ".join(rejection["evidence"]))
        pleasing = found["people-pleasing"]
        self.assertEqual(
            (pleasing["id"], pleasing["name"]), (self.people_pleasing.pk, "People-pleasing")
        )
        self.assertIn("works hard to please her partner", pleasing["evidence"])
        for item in found.values():
            self.assertEqual(Theme.objects.get(pk=item["id"]).slug, item["slug"])
            self.assertTrue(0 < item["score"] <= 1, item)

    def test_denied_substance_use_suggests_no_substance_use(self):
        self.assertIn("substance-use", self.suggested("She drinks most evenings to cope."))
        self.assertNotIn("substance-use", self.suggested("Denies any substance use."))

    def test_denied_suicidal_ideation_is_a_denied_risk_item_and_no_theme(self):
        data = self.suggest_json("Client denies suicidal ideation.")
        self.assertNotIn("suicidal-thoughts", {item["slug"] for item in data["themes"]})
        self.assertEqual(
            data["risk"],
            [
                {
                    "kind": "suicidal_thoughts",
                    "label": "Suicidal thoughts",
                    "status": "denied",
                    "status_label": "denied",
                    "current": False,
                    "summary": "Risk assessed: suicidal thoughts denied",
                    "evidence": ["denies suicidal ideation"],
                }
            ],
        )

    def test_current_suicidal_ideation_is_a_current_risk_item_and_a_theme(self):
        """Negative control for the denial above."""
        data = self.suggest_json("Client reports suicidal ideation this week.")
        self.assertIn("suicidal-thoughts", {item["slug"] for item in data["themes"]})
        [flag] = data["risk"]
        self.assertEqual(
            (flag["kind"], flag["status"], flag["current"], flag["summary"]),
            ("suicidal_thoughts", "current", True, "Current risk in this note: Suicidal thoughts"),
        )
        self.assertEqual(flag["evidence"], ["suicidal ideation"])

    def test_the_old_negated_and_historical_keys_are_gone(self):
        for text in (
            "Client denies suicidal ideation.",
            "Overdose in her twenties, nothing since.",
        ):
            with self.subTest(text=text):
                [flag] = self.suggest_json(text)["risk"]
                self.assertFalse({"negated", "historical"} & set(flag), flag)
                self.assertIn(flag["status"], ("denied", "historical"))

    def test_archived_themes_are_never_suggested(self):
        self.assertIn("maternal-rejection", self.suggested(DISMISSIVE_MOTHER))  # control
        Theme.objects.filter(pk=self.maternal_rejection.pk).update(active=False)
        found = self.suggested(DISMISSIVE_MOTHER)
        self.assertNotIn("maternal-rejection", found)
        self.assertIn("people-pleasing", found)

    def test_another_therapists_custom_theme_is_never_suggested(self):
        """Custom themes have no cues of their own: an engine that suggests bob's theme whenever
        it is offered shows that it is never offered to alice."""
        patcher = engine_also_suggesting(self.bob_theme.slug)
        patcher.start()
        self.addCleanup(patcher.stop)
        bobs = self.suggested(DISMISSIVE_MOTHER, user=self.bob)
        self.assertEqual(bobs[self.bob_theme.slug]["id"], self.bob_theme.pk)  # control
        alices = self.suggest_json(DISMISSIVE_MOTHER, user=self.alice)
        self.assertNotIn(self.bob_theme.slug, {item["slug"] for item in alices["themes"]})
        self.assertNotIn(self.bob_theme.pk, {item["id"] for item in alices["themes"]})
        self.assertNotIn("Bob's dismissive mothers", str(alices))

    def test_empty_or_missing_text_suggests_nothing(self):
        self.sign_in(self.alice)
        for data in ({"text": ""}, {}):
            with self.subTest(data=data):
                response = self.client.post(reverse("theme_suggest"), data)
                self.assertEqual(response.json(), {"themes": [], "risk": []})

    def test_get_is_refused_with_405(self):
        self.sign_in(self.alice)
        response = self.client.get(reverse("theme_suggest"), {"text": DISMISSIVE_MOTHER})
        self.assertEqual(response.status_code, 405)

    def test_anonymous_visitor_is_sent_to_sign_in_without_json(self):
        response = self.client.post(reverse("theme_suggest"), {"text": DISMISSIVE_MOTHER})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")), response["Location"])
        self.assertNotIn("json", response.get("Content-Type", ""))
        self.assertNotIn(b"maternal", response.content)

    def test_nothing_is_stored_and_the_text_is_not_in_the_audit_log(self):
        self.sign_in(self.alice)
        before = row_counts()
        response = self.client.post(reverse("theme_suggest"), {"text": SUGGEST_CANARY})
        self.assertIn("maternal-rejection", {item["slug"] for item in response.json()["themes"]})
        self.assertEqual(row_counts(), before)
        for event in AuditEvent.objects.all():
            self.assertNotIn("marmoset", " ".join(str(value) for value in vars(event).values()))
        table = AuditEvent._meta.db_table
        rows = raw(f"SELECT * FROM {table}")  # noqa: S608
        self.assertNotIn("marmoset", repr(rows))

    def test_row_counts_see_a_stored_change(self):
        """Negative control for the check above: saving a session does change the counts."""
        self.sign_in(self.alice)
        before = row_counts()
        self.client.post(
            reverse("session_create", args=[self.alice_client.pk]),
            session_form(section_subjective=SUGGEST_CANARY),
        )
        after = row_counts()
        self.assertEqual(
            after[TherapySession._meta.db_table], before[TherapySession._meta.db_table] + 1
        )
        self.assertGreater(after[AuditEvent._meta.db_table], before[AuditEvent._meta.db_table])


class SessionFormWithoutJavaScriptTests(SuggestTestCase):
    def create_url(self) -> str:
        return reverse("session_create", args=[self.alice_client.pk])

    def post_new_session(self, **overrides):
        self.sign_in(self.alice)
        return self.client.post(self.create_url(), session_form(**overrides))

    def test_invalid_form_comes_back_with_suggestions_from_the_note_and_saves_nothing(self):
        before = TherapySession.objects.count()
        response = self.post_new_session(
            risk_level="", section_subjective="Spoke about her mother, who was dismissive."
        )
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        self.assertIn(str(self.maternal_rejection.pk), suggestion_ids(page))
        row = page[page.index(f'data-theme-id="{self.maternal_rejection.pk}"') :]
        row = row[: row.index("</div>")]
        evidence = engine_evidence(
            "Spoke about her mother, who was dismissive.", "maternal-rejection"
        )
        self.assertIn(f'data-evidence="{escape(evidence[0])}"', row)
        self.assertIn("Maternal rejection", row)
        self.assertIn(
            f'because: “<span class="suggestion-evidence">{escape("”, “".join(evidence))}</span>”',
            page,
        )
        self.assertEqual(TherapySession.objects.count(), before)

    def test_a_theme_already_chosen_on_the_form_is_not_suggested_again(self):
        response = self.post_new_session(
            risk_level="",
            section_subjective="Spoke about her mother, who was dismissive.",
            **{f"theme_{self.maternal_rejection.pk}": "2"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotIn(str(self.maternal_rejection.pk), suggestion_ids(response.content.decode()))
        self.assertIn('id="theme-suggestions"', response.content.decode())

    def test_risk_language_without_a_risk_level_is_quoted_in_the_error(self):
        before = TherapySession.objects.count()
        response = self.post_new_session(
            risk_level="", section_subjective="She has been cutting her arms."
        )
        self.assertEqual(response.status_code, 200)
        message = "This note describes current risk (“cutting her arms”): choose a risk level."
        self.assertEqual(response.context["form"].errors["risk_level"], [message])
        self.assertContains(response, message)
        panel = risk_panel(response.content.decode())
        self.assertIn("Current risk in this note: Self-harm</strong> — “", panel)
        self.assertIn("alert-danger", panel)
        self.assertEqual(TherapySession.objects.count(), before)

    def test_without_risk_language_the_error_only_asks_for_a_level(self):
        response = self.post_new_session(risk_level="", section_subjective="A quiet week.")
        self.assertEqual(
            response.context["form"].errors["risk_level"], ["Choose a risk level for this session."]
        )
        self.assertNotContains(response, "describes current risk")

    def test_denied_risk_is_prompted_but_not_quoted_as_noticed(self):
        response = self.post_new_session(
            risk_level="", section_subjective="Client denies suicidal ideation."
        )
        self.assertEqual(
            response.context["form"].errors["risk_level"], ["Choose a risk level for this session."]
        )
        panel = risk_panel(response.content.decode())
        self.assertIn("Risk assessed: suicidal thoughts denied", panel)
        self.assertIn("denies suicidal ideation", panel)
        self.assertNotIn("alert-danger", panel)

    def test_new_session_form_starts_with_no_risk_level_chosen(self):
        self.sign_in(self.alice)
        page = self.client.get(self.create_url()).content.decode()
        self.assertIn("— choose —", select_of(page, "risk_level"))
        self.assertEqual(selected_options(page, "risk_level"), [("", "— choose —")])

    def test_new_session_cannot_be_saved_without_a_risk_level(self):
        before = TherapySession.objects.count()
        for risk_level in ("", "   ", "catastrophic"):
            with self.subTest(risk_level=risk_level):
                response = self.post_new_session(risk_level=risk_level)
                self.assertEqual(response.status_code, 200)
                self.assertIn("risk_level", response.context["form"].errors)
        data = session_form()
        del data["risk_level"]
        self.assertEqual(self.client.post(self.create_url(), data).status_code, 200)
        self.assertEqual(TherapySession.objects.count(), before)

    def test_new_session_with_a_risk_level_is_saved(self):
        """Negative control for the refusals above."""
        response = self.post_new_session(
            risk_level="low", section_subjective="She has been cutting her arms."
        )
        self.assertEqual(response.status_code, 302)
        session = TherapySession.objects.get(client=self.alice_client, date=session_form()["date"])
        self.assertEqual(session.risk_level, "low")
        self.assertEqual(session.note, {"subjective": "She has been cutting her arms."})


class AcceptSuggestionTests(SuggestTestCase):
    """A draft whose note suggests maternal rejection, which is not tagged yet."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.draft = make_session(
            cls.alice_client,
            date=datetime.date(2026, 3, 9),
            note={"subjective": "Her mother was dismissive again this week."},
            themes=[{"theme": cls.shame.pk, "intensity": 2}],
        )

    def accept(self, session=None, user=None, **overrides):
        session = session or self.draft
        self.sign_in(user or self.alice)
        data = {
            "theme": str(self.maternal_rejection.pk),
            "evidence": "mother was dismissive",
            "version": str(session.version),
        }
        data.update(overrides)
        return self.client.post(reverse("session_accept_theme", args=[session.pk]), data)

    def stored_themes(self, session=None) -> list[dict]:
        return TherapySession.objects.get(pk=(session or self.draft).pk).themes

    def test_draft_page_offers_to_accept_an_untagged_suggestion(self):
        self.sign_in(self.alice)
        page = self.client.get(self.draft.get_absolute_url()).content.decode()
        self.assertIn("Suggested from the note", page)
        self.assertEqual(
            accept_forms(page),
            [
                {
                    "theme": str(self.maternal_rejection.pk),
                    "evidence": engine_evidence(
                        self.draft.note["subjective"], "maternal-rejection"
                    )[0],
                    "version": str(self.draft.version),
                    "session": str(self.draft.pk),
                }
            ],
        )

    def test_a_theme_already_tagged_is_not_offered(self):
        """alice's first session already has maternal rejection; its note still suggests it."""
        self.sign_in(self.alice)
        page = self.client.get(self.alice_session.get_absolute_url()).content.decode()
        self.assertNotIn(
            str(self.maternal_rejection.pk), [form["theme"] for form in accept_forms(page)]
        )

    def test_accepting_tags_the_theme_as_mentioned_with_its_evidence(self):
        response = self.accept()
        self.assertEqual(response["Location"], self.draft.get_absolute_url())
        self.assertEqual(
            follow_messages(self.client, response),
            ["The suggested theme was added as mentioned."],
        )
        self.assertEqual(
            self.stored_themes(),
            [
                {"theme": self.shame.pk, "intensity": 2},
                {
                    "theme": self.maternal_rejection.pk,
                    "intensity": 1,
                    "evidence": "mother was dismissive",
                },
            ],
        )
        self.assertEqual(
            TherapySession.objects.get(pk=self.draft.pk).version, self.draft.version + 1
        )
        stored = raw_column(TherapySession, "themes", self.draft.pk)
        self.assertNotIn(b"mother was dismissive", stored)
        page = self.client.get(self.draft.get_absolute_url()).content.decode()
        self.assertEqual(accept_forms(page), [])
        self.assertIn('title="Maternal rejection: Mentioned"', page)

    def test_accepted_evidence_shows_on_the_themes_drill_down_page(self):
        self.accept()
        url = reverse(
            "client_theme_sessions", args=[self.alice_client.pk, self.maternal_rejection.slug]
        )
        page = self.client.get(url).content.decode()
        entry = page[page.index(reverse("session_detail", args=[self.draft.pk])) :]
        entry = entry[: entry.index("</li>")]
        self.assertIn("mother was dismissive", entry)
        self.assertIn("Evidence recorded with the theme", entry)

    def test_accepting_with_a_stale_version_adds_nothing(self):
        TherapySession.objects.filter(pk=self.draft.pk).update(version=F("version") + 1)
        response = self.accept()  # the version the page was loaded with
        self.assertEqual(
            follow_messages(self.client, response),
            ["The note changed since you opened it; nothing was added."],
        )
        self.assertEqual(self.stored_themes(), [{"theme": self.shame.pk, "intensity": 2}])

    def test_accepting_on_a_signed_session_is_refused(self):
        signed = make_signed_session(
            self.alice_client,
            self.alice,
            note={"subjective": "Her mother was dismissive again this week."},
        )
        self.sign_in(self.alice)
        self.assertEqual(
            accept_forms(self.client.get(signed.get_absolute_url()).content.decode()), []
        )
        response = self.accept(session=signed)
        self.assertEqual(
            follow_messages(self.client, response),
            ["This note is signed; its themes can no longer change."],
        )
        stored = TherapySession.objects.get(pk=signed.pk)
        self.assertEqual(stored.themes, [])
        self.assertTrue(stored.integrity_ok())

    def test_other_therapist_gets_404_and_the_draft_is_unchanged(self):
        response = self.accept(user=self.bob)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.stored_themes(), [{"theme": self.shame.pk, "intensity": 2}])

    def test_another_therapists_theme_or_a_garbage_id_is_refused(self):
        for theme in (str(self.bob_theme.pk), "", "abc", "-1", "1.5", " 7", "99999999999999999999"):
            with self.subTest(theme=theme):
                response = self.accept(theme=theme)
                self.assertEqual(
                    follow_messages(self.client, response),
                    ["That suggestion could not be accepted. Reload the page."],
                )
                self.assertEqual(self.stored_themes(), [{"theme": self.shame.pk, "intensity": 2}])

    def test_a_missing_or_garbage_version_is_refused(self):
        for version in ("", "abc", "1.0"):
            with self.subTest(version=version):
                response = self.accept(version=version)
                self.assertEqual(
                    follow_messages(self.client, response),
                    ["That suggestion could not be accepted. Reload the page."],
                )
                self.assertEqual(self.stored_themes(), [{"theme": self.shame.pk, "intensity": 2}])

    def test_an_out_of_range_version_is_a_conflict_not_a_server_error(self):
        for version in ("99999999999999999999", "-5"):
            with self.subTest(version=version):
                response = self.accept(version=version)
                self.assertEqual(response.status_code, 302)
                self.assertEqual(self.stored_themes(), [{"theme": self.shame.pk, "intensity": 2}])

    def test_evidence_with_a_control_character_is_dropped_not_stored(self):
        self.accept(evidence="mother was\x07 dismissive")
        self.assertEqual(
            self.stored_themes()[-1], {"theme": self.maternal_rejection.pk, "intensity": 1}
        )

    def test_get_is_refused(self):
        self.sign_in(self.alice)
        url = reverse("session_accept_theme", args=[self.draft.pk])
        self.assertEqual(self.client.get(url).status_code, 405)


class EvidenceFromTheFormTests(SuggestTestCase):
    def post_new_session(self, **fields):
        self.sign_in(self.alice)
        return self.client.post(
            reverse("session_create", args=[self.alice_client.pk]), session_form(**fields)
        )

    def test_evidence_posted_with_a_chosen_theme_is_stored_with_its_link(self):
        pk = self.maternal_rejection.pk
        response = self.post_new_session(
            section_subjective="Her mother was dismissive again this week.",
            **{
                f"theme_{pk}": "2",
                f"evidence_{pk}": "mother was dismissive",
                f"evidence_{self.shame.pk}": "not chosen, so not kept",
            },
        )
        self.assertEqual(response.status_code, 302)
        session = TherapySession.objects.get(client=self.alice_client, date=session_form()["date"])
        self.assertEqual(
            session.themes, [{"theme": pk, "intensity": 2, "evidence": "mother was dismissive"}]
        )
        self.assertNotIn(b"mother was dismissive", raw_column(TherapySession, "themes", session.pk))

    def test_the_edit_form_keeps_stored_evidence(self):
        pk = self.maternal_rejection.pk
        session = make_session(
            self.alice_client,
            date=datetime.date(2026, 3, 9),
            themes=[{"theme": pk, "intensity": 1, "evidence": "mother was dismissive"}],
        )
        self.sign_in(self.alice)
        page = self.client.get(reverse("session_edit", args=[session.pk])).content.decode()
        self.assertRegex(
            page, rf'<input type="hidden" name="evidence_{pk}" value="mother was dismissive"'
        )

    def test_evidence_with_a_control_character_is_a_form_error_not_a_server_error(self):
        pk = self.maternal_rejection.pk
        before = TherapySession.objects.count()
        response = self.post_new_session(
            **{f"theme_{pk}": "2", f"evidence_{pk}": "mother was\x07 dismissive"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.context["form"].errors[f"evidence_{pk}"],
            ["Remove the control character (code U+0007): it cannot be stored."],
        )
        self.assertEqual(TherapySession.objects.count(), before)

    def test_a_control_character_error_in_hidden_evidence_is_shown_on_the_page(self):
        pk = self.maternal_rejection.pk
        response = self.post_new_session(
            **{f"theme_{pk}": "2", f"evidence_{pk}": "mother was\x07 dismissive"}
        )
        self.assertContains(response, "Remove the control character (code U+0007)")

    def test_over_long_evidence_is_a_form_error(self):
        pk = self.maternal_rejection.pk
        response = self.post_new_session(**{f"theme_{pk}": "1", f"evidence_{pk}": "x" * 301})
        self.assertEqual(response.status_code, 200)
        self.assertIn(f"evidence_{pk}", response.context["form"].errors)
