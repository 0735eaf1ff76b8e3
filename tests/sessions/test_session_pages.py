"""Logging and reading sessions as a therapist does it: the form, the note formats, themes,
the client's timeline and the dashboard."""

import datetime
import re
from html import unescape

from django.test import TestCase
from django.urls import resolve, reverse
from django.utils import dateformat, timezone
from django.utils.html import escape

from accounts.testing import sign_in
from sessions.models import FORMAT_SECTIONS, NoteFormat, TherapySession
from tests.base import make_client, make_session, make_therapist
from themes.models import Theme


def as_browser_would_post(form) -> dict[str, str]:
    """The fields of a rendered form, as a browser submits them untouched (hidden ones too)."""
    data = {}
    for bound in form:
        value = bound.field.widget.format_value(bound.value())
        if isinstance(value, list):
            value = value[0] if value else ""
        data[bound.html_name] = "" if value is None else str(value)
    return data


def _badges(response) -> list[tuple[str, str]]:
    """(theme name, intensity) of each theme badge on a session page, as shown, in order."""
    html = response.content.decode()
    found = re.findall(
        r'class="badge theme-badge[^"]*"[^>]*>([^<]+)<span class="visually-hidden"> \((\w+)\)',
        html,
    )
    return [(unescape(name), intensity) for name, intensity in found]


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


class SessionPagesTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.dana = make_therapist("dana")
        cls.client_obj = make_client(
            cls.dana, full_name="Henrietta Lowestoft", date_of_birth=datetime.date(1990, 2, 14)
        )
        cls.rejection = Theme.objects.get(slug="maternal-rejection")
        cls.pleasing = Theme.objects.get(slug="people-pleasing")
        cls.guilt = Theme.objects.get(slug="guilt")

    def setUp(self):
        sign_in(self.client, self.dana)

    def new_session_url(self) -> str:
        return reverse("session_create", args=[self.client_obj.pk])

    def session_post(self, **overrides) -> dict[str, str]:
        data = {
            "date": timezone.localdate().isoformat(),
            "start_time": "10:00",
            "duration_minutes": "50",
            "session_type": "individual",
            "modality": "video",
            "note_format": "soap",
            "mood_affect": "Tearful, then brighter",
            "section_subjective": "Said her mother never once praised her.",
            "section_objective": "Spoke quickly, avoided eye contact when describing the visit.",
            "section_assessment": "Old rejection re-activated by the new baby.",
            "risk_level": "moderate",
            "risk_notes": "Passive thoughts, no plan; safety plan reviewed.",
            "interventions": "Psychoeducation on attachment",
            "plan": "Notice moments of self-criticism this week.",
            f"theme_{self.rejection.pk}": "3",
            f"theme_{self.pleasing.pk}": "1",
        }
        data.update(overrides)
        return data

    def log(self, **overrides) -> TherapySession:
        response = self.client.post(self.new_session_url(), self.session_post(**overrides))
        self.assertEqual(response.status_code, 302, getattr(response, "context", None))
        return TherapySession.objects.get(pk=resolve(response["Location"]).kwargs["pk"])


class LogSessionTests(SessionPagesTestCase):
    def test_the_new_session_form_is_prefilled_with_today_and_fifty_minutes(self):
        response = self.client.get(self.new_session_url())
        self.assertEqual(response.status_code, 200)
        form = response.context["form"]
        self.assertEqual(form["date"].value(), timezone.localdate())
        self.assertEqual(form["duration_minutes"].value(), 50)
        self.assertContains(response, f'value="{timezone.localdate().isoformat()}"')
        self.assertContains(response, 'name="duration_minutes" value="50"')
        self.assertContains(response, "Henrietta Lowestoft")

    def test_logging_a_soap_note_shows_its_sections_and_theme_badges(self):
        response = self.client.post(self.new_session_url(), self.session_post(), follow=True)
        session = TherapySession.objects.get(client=self.client_obj)
        self.assertEqual(response.redirect_chain, [(session.get_absolute_url(), 302)])
        self.assertEqual(
            _messages(response),
            [f"Session of {timezone.localdate():%d %b %Y} saved as a draft."],
        )
        self.assertEqual(session.status, "draft")
        self.assertContains(response, '<span class="badge text-bg-warning align-middle fs-6">Draft')
        self.assertContains(response, "Sign note")
        for label in ("Subjective", "Objective", "Assessment", "Plan / homework"):
            self.assertContains(response, label)
        for field in ("section_subjective", "section_objective", "section_assessment", "plan"):
            self.assertContains(response, escape(self.session_post()[field]))
        self.assertContains(response, "Tearful, then brighter")
        self.assertContains(response, "Moderate")
        self.assertContains(response, "Passive thoughts, no plan")
        self.assertEqual(
            _badges(response),
            [(self.rejection.name, "Central"), (self.pleasing.name, "Mentioned")],
        )
        self.assertNotContains(response, self.guilt.name)
        html = response.content.decode()
        # Strongest theme first.
        self.assertLess(html.index(self.rejection.name), html.index(self.pleasing.name))

    def test_a_logged_session_stores_only_its_formats_sections_and_the_chosen_themes(self):
        session = self.log()
        self.assertEqual(set(session.note), {"subjective", "objective", "assessment"})
        self.assertEqual(session.note["subjective"], "Said her mother never once praised her.")
        self.assertEqual(session.theme_intensities(), {self.rejection.pk: 3, self.pleasing.pk: 1})
        self.assertEqual(session.risk_level, "moderate")
        self.assertEqual(session.duration_minutes, 50)

    def test_the_client_timeline_lists_sessions_newest_first_with_format_risk_and_themes(self):
        today = timezone.localdate()
        earlier = today - datetime.timedelta(days=7)
        self.log(
            date=earlier.isoformat(),
            note_format="narrative",
            section_subjective="",
            section_objective="",
            section_assessment="",
            section_narrative="A quieter session about work.",
            risk_level="low",
            **{f"theme_{self.pleasing.pk}": "", f"theme_{self.guilt.pk}": "2"},
        )
        self.log()
        response = self.client.get(self.client_obj.get_absolute_url())
        html = response.content.decode()
        newest = dateformat.format(today, "D j M Y")
        older = dateformat.format(earlier, "D j M Y")
        self.assertLess(html.index(newest), html.index(older))
        self.assertContains(response, "SOAP")
        self.assertContains(response, "Free narrative")
        self.assertContains(response, "Moderate")
        self.assertContains(response, "Low")
        self.assertContains(response, "Sessions <span")
        self.assertContains(response, "(2)")
        self.assertContains(response, '<span class="badge text-bg-warning">Draft</span>', count=2)
        timeline = response.context["timeline"]
        self.assertEqual([s.date for s, _ in timeline], [today, earlier])
        self.assertEqual(
            [[link.theme for link in links] for _, links in timeline],
            [[self.rejection, self.pleasing], [self.rejection, self.guilt]],
        )

    def test_recurring_themes_count_the_sessions_that_touched_each_theme(self):
        today = timezone.localdate()
        earlier = today - datetime.timedelta(days=14)
        self.log(date=earlier.isoformat(), **{f"theme_{self.pleasing.pk}": ""})
        self.log()
        response = self.client.get(self.client_obj.get_absolute_url())
        counts = {
            row["theme"]: (row["sessions"], row["last_seen"])
            for row in response.context["theme_counts"]
        }
        self.assertEqual(counts, {self.rejection: (2, today), self.pleasing: (1, today)})
        self.assertContains(response, "Recurring themes")
        # Two sessions are too few for the recurring rule (at least 3): no badge yet.
        self.assertEqual(
            [row["recurring"] for row in response.context["theme_counts"]], [False] * 2
        )
        self.assertContains(response, "Sessions that touched each theme, of 2.")
        html = response.content.decode()
        section = html[html.index("Recurring themes</a>") :]
        section = section[: section.index("</section>")]
        self.assertIn(self.rejection.name, section)
        self.assertIn('<span class="badge text-bg-secondary">2</span>', section)
        self.assertIn('<span class="badge text-bg-secondary">1</span>', section)
        self.assertIn(f"last {dateformat.format(today, 'j M Y')}", section)
        self.assertLess(section.index(self.rejection.name), section.index(self.pleasing.name))

    def test_the_dashboard_lists_the_session_and_the_client_seen_recently(self):
        session = self.log()
        response = self.client.get(reverse("dashboard"))
        self.assertContains(response, session.get_absolute_url())
        # Recent, seen, picker, and the unsigned-notes list (it is still a draft).
        self.assertContains(response, "Henrietta Lowestoft", count=4)
        self.assertEqual([s for s, _ in response.context["recent"]], [session])
        self.assertEqual([row["session"] for row in response.context["unsigned"]], [session])
        seen = response.context["recently_seen"]
        self.assertEqual([(e["client"], e["count"]) for e in seen], [(self.client_obj, 1)])
        html = response.content.decode()
        seen_part = html[html.index("Seen in the last 30 days") :]
        self.assertIn("Henrietta Lowestoft", seen_part)

    def test_a_session_older_than_30_days_is_recent_but_not_seen_recently(self):
        self.log(date=(timezone.localdate() - datetime.timedelta(days=45)).isoformat())
        response = self.client.get(reverse("dashboard"))
        self.assertEqual(len(response.context["recent"]), 1)
        self.assertEqual(response.context["recently_seen"], [])
        self.assertContains(response, "Nobody in the last 30 days")

    def test_the_dashboard_shortcut_opens_the_new_session_form_for_the_chosen_client(self):
        response = self.client.get(reverse("session_start"), {"client": self.client_obj.pk})
        self.assertRedirects(response, self.new_session_url())

    def test_the_dashboard_shortcut_without_a_client_asks_to_choose_one(self):
        response = self.client.get(reverse("session_start"), follow=True)
        self.assertEqual(response.redirect_chain, [(reverse("dashboard"), 302)])
        self.assertEqual(_messages(response), ["Choose a client to log a session for."])


class NoteFormatTests(SessionPagesTestCase):
    def test_birp_to_girp_keeps_the_intervention_and_response_text(self):
        session = make_session(
            self.client_obj,
            note_format="birp",
            note={
                "behaviour": "Arrived late, apologised three times.",
                "intervention": "Named the apologising; explored where it was learned.",
                "response": "Laughed, then cried; recognised her mother's voice.",
            },
        )
        edit_url = reverse("session_edit", args=[session.pk])
        form = self.client.get(edit_url).context["form"]
        data = as_browser_would_post(form)
        self.assertEqual(data["section_intervention"], session.note["intervention"])
        # Switch to GIRP: the Behaviour text moves into the Goal, the rest is left as it was.
        data.update(
            note_format="girp",
            section_goal="Reduce automatic apologising.",
            section_behaviour="",
        )
        response = self.client.post(edit_url, data, follow=True)
        self.assertEqual(response.redirect_chain, [(session.get_absolute_url(), 302)])
        session.refresh_from_db()
        self.assertEqual(
            session.note,
            {
                "goal": "Reduce automatic apologising.",
                "intervention": "Named the apologising; explored where it was learned.",
                "response": "Laughed, then cried; recognised her mother's voice.",
            },
        )
        for label in ("Goal", "Intervention", "Response"):
            self.assertContains(response, f">{label}</h2>")
        self.assertNotContains(response, ">Behaviour</h2>")
        self.assertContains(response, escape(session.note["response"]))
        self.assertContains(response, "GIRP")

    def test_the_edit_form_marks_shared_sections_as_belonging_to_both_formats(self):
        session = make_session(
            self.client_obj, note_format="birp", note={"intervention": "Reflective listening."}
        )
        response = self.client.get(reverse("session_edit", args=[session.pk]))
        self.assertContains(response, 'data-formats="birp girp"')
        self.assertContains(response, "Reflective listening.")

    def test_soap_to_dap_with_subjective_text_is_refused_and_the_text_kept(self):
        session = self.log()
        edit_url = reverse("session_edit", args=[session.pk])
        data = as_browser_would_post(self.client.get(edit_url).context["form"])
        data.update(note_format="dap", section_data="Discussed the visit to her mother.")
        response = self.client.post(edit_url, data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "The DAP format has no Subjective section")
        self.assertContains(response, escape("Said her mother never once praised her."))
        self.assertContains(response, "Discussed the visit to her mother.")
        self.assertContains(response, "not-in-format")
        self.assertEqual(
            response.context["form"].errors["section_subjective"],
            [
                "The DAP format has no Subjective section: move this text into one of its "
                "sections, or clear it."
            ],
        )
        # Objective has text too and is not part of DAP either.
        self.assertIn("section_objective", response.context["form"].errors)
        session.refresh_from_db()
        self.assertEqual(session.note_format, NoteFormat.SOAP)
        self.assertEqual(set(session.note), {"subjective", "objective", "assessment"})

    def test_soap_to_dap_after_moving_the_text_stores_only_the_dap_sections(self):
        session = self.log()
        edit_url = reverse("session_edit", args=[session.pk])
        data = as_browser_would_post(self.client.get(edit_url).context["form"])
        data.update(
            note_format="dap",
            section_data=data["section_subjective"] + "\n" + data["section_objective"],
            section_subjective="",
            section_objective="",
        )
        response = self.client.post(edit_url, data)
        self.assertEqual(response.status_code, 302)
        session.refresh_from_db()
        self.assertEqual(set(session.note), set(FORMAT_SECTIONS[NoteFormat.DAP]))
        self.assertTrue(session.note["data"].startswith("Said her mother never once"))
        self.assertEqual(session.note["assessment"], "Old rejection re-activated by the new baby.")

    def test_an_edit_that_changes_nothing_keeps_the_note_and_themes(self):
        session = self.log()
        before = (session.note, session.theme_intensities(), session.plan)
        edit_url = reverse("session_edit", args=[session.pk])
        data = as_browser_would_post(self.client.get(edit_url).context["form"])
        self.assertEqual(self.client.post(edit_url, data).status_code, 302)
        session.refresh_from_db()
        self.assertEqual((session.note, session.theme_intensities(), session.plan), before)


class ArchivedThemeTests(SessionPagesTestCase):
    def test_an_archived_theme_is_not_offered_on_a_new_session(self):
        self.guilt.active = False
        self.guilt.save()
        response = self.client.get(self.new_session_url())
        self.assertNotIn(f"theme_{self.guilt.pk}", response.context["form"].fields)
        self.assertNotContains(response, f'name="theme_{self.guilt.pk}"')
        self.assertContains(response, f'name="theme_{self.rejection.pk}"')

    def test_an_archived_theme_posted_anyway_is_not_stored_on_a_new_session(self):
        self.guilt.active = False
        self.guilt.save()
        session = self.log(**{f"theme_{self.guilt.pk}": "3"})
        self.assertNotIn(self.guilt.pk, session.theme_intensities())

    def test_an_archived_theme_stays_on_an_old_session_that_used_it(self):
        session = make_session(
            self.client_obj,
            themes=[
                {"theme": self.guilt.pk, "intensity": 2},
                {"theme": self.rejection.pk, "intensity": 1},
            ],
        )
        self.guilt.active = False
        self.guilt.save()
        detail = self.client.get(session.get_absolute_url())
        self.assertEqual(
            _badges(detail), [(self.guilt.name, "Explored"), (self.rejection.name, "Mentioned")]
        )
        edit_url = reverse("session_edit", args=[session.pk])
        response = self.client.get(edit_url)
        self.assertContains(response, f'name="theme_{self.guilt.pk}"')
        self.assertEqual(response.context["form"][f"theme_{self.guilt.pk}"].value(), 2)
        # Saving the old session unchanged keeps the archived theme.
        data = as_browser_would_post(response.context["form"])
        self.assertEqual(self.client.post(edit_url, data).status_code, 302)
        session.refresh_from_db()
        self.assertEqual(session.theme_intensities(), {self.guilt.pk: 2, self.rejection.pk: 1})
        timeline = self.client.get(self.client_obj.get_absolute_url())
        self.assertContains(timeline, self.guilt.name)
