"""The journey the product is for, counted: from the dashboard, the appointment that just ended
to a signed SOAP note with two accepted themes and a risk level, in at most ten interactions
besides typing (issue 15's figure; about 30 before appointments existed).

Counted as one interaction each: a click (focusing a field by clicking it included), a choice
in a select, a key press that is not typing (Tab, Enter, a shortcut). Typing text into a field is
not counted. The journey runs on a laptop's window and on an upright tablet (820 x 1180), where
the theme suggestions must show in the window, next to or under the text being typed, as soon as
the sentence that suggests them is typed, without scrolling.
"""

import datetime
import re
import sys

from django.utils import timezone
from playwright.sync_api import expect

from appointments import clock, services
from appointments.models import AppointmentStatus
from sessions.models import NoteFormat, NoteStatus, RiskLevel, TherapySession
from tests.base import make_client, make_signed_session, make_therapist
from themes.models import Theme

from .base import SCREENSHOTS, BrowserTestCase

MAX_INTERACTIONS = 10
# Two strong cues: "her mother as dismissive" (maternal rejection) and "works hard to please her
# partner" (people-pleasing).
SUBJECTIVE = (
    "She described her mother as dismissive whenever she phoned. At home she works "
    "hard to please her partner and rarely says what she needs."
)
ASSESSMENT = "Old pattern of seeking approval, now visible in the couple as well."
LAST_PLAN = "Keep a diary of each yes that meant no."
LAPTOP = {"width": 1280, "height": 900}
TABLET = {"width": 820, "height": 1180}

# How much of an element's box lies inside the window (without scrolling anything).
IN_WINDOW = """
(el) => {
  const r = el.getBoundingClientRect();
  const w = window.innerWidth, h = window.innerHeight;
  return {
    top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: w, height: h,
    intersects: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < h && r.right > 0
      && r.left < w,
  };
}
"""


class Counter:
    """The user's side of the page: every step that counts goes through here."""

    def __init__(self, page):
        self.page = page
        self.steps: list[str] = []

    def click(self, locator, what: str) -> None:
        locator.click()
        self.steps.append(f"click {what}")

    def choose(self, select, label: str, what: str) -> None:
        select.select_option(label=label)
        self.steps.append(f"choose {label!r} in {what}")

    def press(self, key: str, what: str) -> None:
        self.page.keyboard.press(key)
        self.steps.append(f"press {key} ({what})")

    def type(self, text: str) -> None:
        """Typing into the focused field: not an interaction."""
        self.page.keyboard.type(text)

    @property
    def count(self) -> int:
        return len(self.steps)

    def describe(self) -> str:
        return "\n".join(f"  {n}. {step}" for n, step in enumerate(self.steps, 1))


class NoteJourneyTests(BrowserTestCase):
    def setUp(self):
        self.user = make_therapist("maren", last_name="Holt")
        self.client_record = make_client(self.user, full_name="Philippa Aldersgate")
        now = clock.local(timezone.now())
        midnight = clock.aware(now.date(), datetime.time())
        # The session that just ended: today, begun about 55 minutes ago (at midnight, if the
        # test runs just after it, so that it stays today's).
        start = max(now - datetime.timedelta(minutes=55), midnight)
        self.start = clock.local(start).replace(second=0, microsecond=0)
        (self.appointment,) = services.schedule(
            therapist=self.user,
            client=self.client_record,
            start=self.start,
            details=services.Details(duration_minutes=50, modality="video"),
        )
        self.last = make_signed_session(
            self.client_record,
            self.user,
            date=now.date() - datetime.timedelta(days=7),
            note_format=NoteFormat.SOAP,
            note={"subjective": "Talked about saying no at work."},
            plan=LAST_PLAN,
            risk_level=RiskLevel.LOW,
            risk_notes="Denies thoughts of self-harm.",
        )
        self.rejection = Theme.objects.get(slug="maternal-rejection")
        self.pleasing = Theme.objects.get(slug="people-pleasing")

    def test_signed_note_in_ten_interactions_on_a_laptop(self):
        self.journey(LAPTOP)

    def test_signed_note_in_ten_interactions_on_a_tablet_with_suggestions_in_view(self):
        self.journey(TABLET)

    def journey(self, viewport) -> None:
        size = f"{viewport['width']}x{viewport['height']}"
        page = self.new_context(user=self.user).new_page()
        page.set_viewport_size(viewport)
        self.watch_errors(page)
        page.goto("/")
        user = Counter(page)

        # The dashboard starts with today: the appointment that just ended, selected.
        today = page.get_by_role("region", name=re.compile("^Today"))
        row = today.locator("[data-appointment][data-selected]")
        expect(row).to_contain_text("Philippa Aldersgate")
        expect(row).to_contain_text(self.start.strftime("%H:%M"))
        write = row.get_by_role("link", name="Write note")
        expect(write).to_be_visible()
        user.click(write, "Write note")

        # The form, filled from the appointment and the client's usual format.
        expect(page.get_by_role("heading", name=re.compile("Log session"))).to_be_visible()
        expect(page.locator("#id_date")).to_have_value(self.start.date().isoformat())
        expect(page.locator("#id_start_time")).to_have_value(self.start.strftime("%H:%M"))
        expect(page.locator("#id_note_format")).to_have_value(NoteFormat.SOAP)
        expect(page.locator("input[name=appointment]")).to_have_value(str(self.appointment.pk))
        expect(page.locator("#previous-plan")).to_have_text(LAST_PLAN)

        # The sentence that suggests the two themes, typed into Subjective.
        user.click(page.get_by_label("Subjective"), "Subjective (focus)")
        user.type(SUBJECTIVE)
        panel = page.locator("#theme-suggestions")
        for name in ("Maternal rejection", "People-pleasing"):
            expect(panel.locator(".suggestion", has_text=name)).to_be_visible()
        accept_all = panel.get_by_role("button", name="Accept all")
        # Measured before anything scrolls: where the suggestions are when the typing stops.
        box = panel.evaluate(IN_WINDOW)
        button = accept_all.evaluate(IN_WINDOW)
        # The window as the user sees it then (not the whole page).
        page.screenshot(path=str(SCREENSHOTS / f"60-journey-{size}-suggestions.png"))
        if viewport == TABLET:
            self.assertTrue(
                box["intersects"],
                f"{size}: the suggestions are out of the window right after typing: {box}",
            )
            self.assertTrue(
                button["intersects"], f"{size}: Accept all is out of the window: {button}"
            )

        # Both accepted in one go (at the default intensity), kept with their phrases.
        user.click(accept_all, "Accept all")
        expect(page.locator(f"#id_theme_{self.rejection.pk}")).to_have_value("1")
        expect(page.locator(f"#id_theme_{self.pleasing.pk}")).to_have_value("1")

        user.click(page.get_by_label("Assessment"), "Assessment (focus)")
        user.type(ASSESSMENT)
        user.click(page.get_by_role("button", name="Bring forward plan"), "Bring forward plan")
        expect(page.get_by_label("Plan / homework")).to_have_value(LAST_PLAN)
        user.choose(page.get_by_label("Risk level"), "Low", "Risk level")

        # Save and sign, behind its confirmation.
        user.click(page.get_by_text("Save and sign…"), "Save and sign…")
        user.click(page.get_by_role("button", name="Save, sign and lock"), "Save, sign and lock")

        # What the user sees: the signed note.
        heading = page.get_by_role("heading", name=re.compile("Session of"))
        expect(heading).to_be_visible()
        expect(heading).to_contain_text("Signed")
        expect(page.get_by_text("saved and signed")).to_be_visible()
        expect(page.get_by_text(re.compile("Signed by Maren Holt"))).to_be_visible()
        themes = page.get_by_role("region", name="Themes")
        expect(themes).to_contain_text("Maternal rejection")
        expect(themes).to_contain_text("People-pleasing")
        expect(page.get_by_text("dismissive whenever she phoned")).to_be_visible()
        expect(page.get_by_text("Records the appointment of")).to_contain_text(
            self.start.strftime("%H:%M")
        )
        self.screenshot(page, f"61-journey-{size}-signed")
        self.assert_clean(page)

        print(f"journey: {size} interactions={user.count}\n{user.describe()}", file=sys.stderr)
        self.assertLessEqual(
            user.count,
            MAX_INTERACTIONS,
            f"{size}: {user.count} interactions (at most {MAX_INTERACTIONS}):\n{user.describe()}",
        )

        # What is stored.
        note = TherapySession.objects.get(client=self.client_record, appointment=self.appointment)
        self.assertEqual(note.status, NoteStatus.SIGNED)
        self.assertEqual(note.signed_by, self.user)
        self.assertEqual(note.note_format, NoteFormat.SOAP)
        self.assertEqual(note.date, self.start.date())
        self.assertEqual(note.start_time, self.start.time())
        self.assertEqual(note.risk_level, RiskLevel.LOW)
        self.assertEqual(note.plan, LAST_PLAN)
        self.assertEqual(note.note["subjective"], SUBJECTIVE)
        self.assertEqual(note.note["assessment"], ASSESSMENT)
        self.assertEqual(note.theme_intensities(), {self.rejection.pk: 1, self.pleasing.pk: 1})
        self.assertTrue(note.integrity_ok())
        self.appointment.refresh_from_db()
        self.assertEqual(self.appointment.status, AppointmentStatus.ATTENDED)
        self.assertEqual(TherapySession.objects.filter(client=self.client_record).count(), 2)

        # Back on the dashboard: today's appointment has its signed note, none is missing.
        page.goto("/")
        row = page.get_by_role("region", name=re.compile("^Today")).locator("[data-appointment]")
        expect(row).to_contain_text("note signed")
        expect(row.get_by_role("link", name="Open note")).to_be_visible()
        expect(page.get_by_role("region", name=re.compile("^Missing notes"))).to_have_count(0)
