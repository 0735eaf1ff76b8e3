"""The note form's "Last session" panel: the client's newest other note (signed or draft), its
plan, risk level and reasoning, themes with intensity and next appointment; never another
client's or another therapist's note, never the note being edited, never a process note."""

import datetime

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.testing import sign_in
from sessions import services
from tests.base import make_client, make_session, make_signed_session, make_therapist
from themes.models import Theme

OLD_PLAN = "Keep the worry diary on three evenings."
LAST_PLAN = "Practise saying no once a day.\nWrite down how it felt."
LAST_RISK_NOTES = "Passive thoughts last month, none now; safety plan still in place."
PROCESS_NOTE = "private-countertransference-Ж9 felt protective"


class PreviousPanelTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.gwen = make_therapist("gwen")
        cls.client_obj = make_client(cls.gwen, full_name="Leontyne Halvorsen")
        cls.rejection = Theme.objects.get(slug="maternal-rejection")
        cls.pleasing = Theme.objects.get(slug="people-pleasing")
        cls.older = make_signed_session(
            cls.client_obj, cls.gwen, date=datetime.date(2026, 3, 2), plan=OLD_PLAN
        )
        cls.last = make_session(
            cls.client_obj,
            date=datetime.date(2026, 3, 9),
            start_time=datetime.time(9, 0),
            plan=LAST_PLAN,
            risk_level="low",
            risk_notes=LAST_RISK_NOTES,
            themes=[
                {"theme": cls.rejection.pk, "intensity": 3},
                {"theme": cls.pleasing.pk, "intensity": 1},
            ],
            next_appointment=timezone.make_aware(datetime.datetime(2026, 3, 16, 14, 30)),
        )
        services.save_process_note(session=cls.last, text=PROCESS_NOTE)

    def setUp(self):
        sign_in(self.client, self.gwen)

    def panel(self, response) -> str:
        html = response.content.decode()
        start = html.index('id="previous-session"')
        return html[start : html.index("</section>", start)]

    def test_the_new_note_form_shows_the_newest_note_of_the_client(self):
        response = self.client.get(reverse("session_create", args=[self.client_obj.pk]))
        panel = self.panel(response)
        self.assertIn("9 Mar 2026", panel)
        self.assertIn("draft", panel)
        self.assertIn(escape(LAST_PLAN), panel)
        self.assertNotIn(escape(OLD_PLAN), panel)
        self.assertIn("Low", panel)
        self.assertIn(escape(LAST_RISK_NOTES), panel)
        self.assertIn("Mon 16 Mar 2026, 14:30", panel)
        # Themes, with the intensities the buttons bring forward.
        self.assertIn(f'data-theme-id="{self.rejection.pk}" data-intensity="3"', panel)
        self.assertIn(f'data-theme-id="{self.pleasing.pk}" data-intensity="1"', panel)
        self.assertIn("Maternal rejection", panel)
        self.assertIn("Central", panel)
        self.assertIn("Bring forward plan", panel)
        self.assertIn("Bring forward themes", panel)
        self.assertNotContains(response, PROCESS_NOTE)

    def test_a_later_start_on_the_same_day_is_newer(self):
        make_session(
            self.client_obj,
            date=datetime.date(2026, 3, 9),
            start_time=datetime.time(17, 0),
            plan="The evening session's plan.",
        )
        response = self.client.get(reverse("session_create", args=[self.client_obj.pk]))
        self.assertIn("The evening session&#x27;s plan.", self.panel(response))

    def test_editing_the_newest_note_shows_the_one_before_it(self):
        response = self.client.get(reverse("session_edit", args=[self.last.pk]))
        panel = self.panel(response)
        self.assertIn(escape(OLD_PLAN), panel)
        self.assertIn("signed", panel)
        self.assertIn("None tagged.", panel)
        # The note being edited is not its own "last session" (its plan is in the form).
        self.assertNotIn(escape(LAST_PLAN), panel)

    def test_a_first_note_has_no_panel(self):
        newcomer = make_client(self.gwen, full_name="First Timer")
        response = self.client.get(reverse("session_create", args=[newcomer.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, 'id="previous-session"')
        # Negative control: the same page for a client with notes has it.
        response = self.client.get(reverse("session_create", args=[self.client_obj.pk]))
        self.assertContains(response, 'id="previous-session"')

    def test_another_therapists_note_of_their_own_client_never_shows(self):
        hugo = make_therapist("hugo")
        other = make_client(hugo, full_name="Hugo's Client")
        make_session(other, date=datetime.date(2026, 4, 1), plan="hugo-plan-canary-Ω")
        response = self.client.get(reverse("session_create", args=[self.client_obj.pk]))
        self.assertNotContains(response, "hugo-plan-canary-Ω")
        sign_in(self.client, hugo)
        response = self.client.get(reverse("session_create", args=[other.pk]))
        self.assertContains(response, "hugo-plan-canary-Ω")
        self.assertNotContains(response, escape(LAST_PLAN))

    def test_a_refused_post_still_shows_the_panel(self):
        response = self.client.post(
            reverse("session_create", args=[self.client_obj.pk]),
            {"date": "", "start_time": "10:00", "note_format": "soap"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(escape(LAST_PLAN), self.panel(response))
