"""Logging and editing a session as a therapist does it: the new session form, the note formats
(switching between them on the edit form), and themes (archived ones too)."""

import datetime
from unittest import mock

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from appointments import clock
from sessions.models import FORMAT_SECTIONS, NoteFormat, TherapySession
from tests.base import make_session
from tests.builders import as_browser_would_post
from tests.pages import messages_of
from tests.sessions.helpers import SessionPagesTestCase, theme_badges


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

    def test_a_note_started_just_after_midnight_stays_today_and_starts_at_midnight(self):
        today = clock.local(timezone.now()).date()
        for at, expected in ((datetime.time(0, 20), "00:00"), (datetime.time(10, 37), "09:45")):
            with (
                self.subTest(at=at),
                mock.patch("django.utils.timezone.now", return_value=clock.aware(today, at)),
            ):
                form = self.client.get(self.new_session_url()).context["form"]
                self.assertEqual(form["date"].value(), today)
                self.assertEqual(form["start_time"].value().strftime("%H:%M"), expected)

    def test_logging_a_soap_note_shows_its_sections_and_theme_badges(self):
        response = self.client.post(self.new_session_url(), self.session_post(), follow=True)
        session = TherapySession.objects.get(client=self.client_obj)
        self.assertEqual(response.redirect_chain, [(session.get_absolute_url(), 302)])
        self.assertEqual(
            messages_of(response),
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
            theme_badges(response),
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
            theme_badges(detail),
            [(self.guilt.name, "Explored"), (self.rejection.name, "Mentioned")],
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
