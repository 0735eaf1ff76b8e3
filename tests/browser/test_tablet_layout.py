"""Tablets and small screens, in a real browser: the top bar folds into the toggler below 1200 px
and its search box is usable once opened; the caseload, audit and week filters wrap instead of
clipping their fields; the theme timeline speaks of tapping on a touch screen; the colour mode
follows the device (prefers-color-scheme)."""

import datetime

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from sessions.models import RiskLevel
from tests.base import make_client, make_session, make_therapist
from themes.models import Theme

from . import base

TABLETS = [(820, 1180), (1024, 768)]
DESKTOP = (1280, 800)
FILTER_WIDTHS = [(768, 1024), (820, 1180), (1024, 768)]

# Every visible field of a filter form too narrow for its content: a text field's value
# scrolls inside it (scrollWidth); a date field or a list reports no overflow in Chrome, so it
# is compared with a copy of itself at its natural width (what its value and button need).
CLIPPED_FIELDS = """
(formSelector) => {
  const form = document.querySelector(formSelector);
  return Array.from(form.querySelectorAll("input, select"))
    .filter((el) => el.type !== "hidden" && el.getClientRects().length > 0)
    .map((el) => {
      let needs = el.scrollWidth, has = el.clientWidth;
      if (el.tagName === "SELECT" || /^(date|time|datetime-local|month|week)$/.test(el.type)) {
        const probe = el.cloneNode(true);
        probe.removeAttribute("id");
        probe.removeAttribute("name");
        Object.assign(probe.style, {width: "auto", position: "absolute", visibility: "hidden"});
        el.parentNode.appendChild(probe);
        needs = probe.offsetWidth;
        has = el.offsetWidth;
        probe.remove();
      }
      return {name: el.name, type: el.type, needs: needs, has: has};
    })
    .filter((field) => field.needs > field.has + 1)
    .map((field) => `${field.name} (${field.type}): needs ${field.needs} px, has ${field.has} px`);
}
"""


# Surfaces of the page drawn light (a background of relative luminance above 0.6, larger than a
# few lines of text; badges and buttons carry their own pair of colours), outside a part kept
# light on purpose (data-bs-theme="light": the heat strip).
LIGHT_SURFACES = """
() => Array.from(document.querySelectorAll("body *")).filter((el) => {
  const match = getComputedStyle(el).backgroundColor.match(/rgba?\\(([^)]+)\\)/);
  if (!match) { return false; }
  const [r, g, b, a = 1] = match[1].split(",").map(Number);
  const box = el.getBoundingClientRect();
  const part = el.closest("[data-bs-theme]");
  const keptLight = part !== document.documentElement && part.dataset.bsTheme === "light";
  return a >= 0.5 && box.width * box.height >= 10000 && !keptLight && !el.matches(".badge, .btn")
    && (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255 > 0.6;
}).map((el) => `${el.tagName.toLowerCase()}.${el.className}: ${el.textContent.trim().slice(0, 40)}`)
"""


class TabletLayoutTests(base.BrowserTestCase):
    def setUp(self):
        # A long name: the top bar must still hold on one line at 1280 px.
        self.therapist = make_therapist("tess", last_name="Lindqvist-Castellanos Montgomery")
        self.client_record = make_client(self.therapist, full_name="Ingrid Solberg")
        make_client(self.therapist, full_name="Tomasz Wrona")
        themes = {t.slug: t.pk for t in Theme.objects.filter(owner__isnull=True)}
        today = timezone.localdate()
        for week, theme_set in enumerate(
            [
                {"maternal-rejection": 3, "people-pleasing": 1},
                {"maternal-rejection": 2, "boundary-difficulties": 2},
                {"people-pleasing": 2, "maternal-rejection": 1},
                {"maternal-rejection": 3, "people-pleasing": 2},
            ]
        ):
            make_session(
                self.client_record,
                date=today - datetime.timedelta(weeks=4 - week),
                note={"subjective": f"Week {week + 1}: her mother never called back."},
                risk_level=RiskLevel.LOW,
                themes=[
                    {"theme": themes[slug], "intensity": level} for slug, level in theme_set.items()
                ],
            )

    def page_at(self, width: int, height: int, **options):
        """A signed-in page of `width` x `height` (the harness opens contexts at 1280 x 900)."""
        page = self.new_context(user=self.therapist, **options).new_page()
        page.set_viewport_size({"width": width, "height": height})
        self.watch_errors(page)
        return page

    # --- the top bar --------------------------------------------------------------------------

    def test_below_1200_px_the_top_bar_folds_into_the_toggler_and_opens_with_a_wide_search_box(
        self,
    ):
        for width, height in TABLETS:
            with self.subTest(viewport=f"{width}x{height}"):
                page = self.page_at(width, height)
                page.goto(reverse("dashboard"))
                nav = page.get_by_role("navigation", name="Main")
                toggler = nav.get_by_role("button", name="Toggle navigation")
                search = nav.get_by_role("search").get_by_label("Search notes")
                expect(toggler).to_be_visible()
                expect(search).to_be_hidden()
                expect(nav.get_by_role("link", name="Audit log")).to_be_hidden()

                toggler.click()
                expect(toggler).to_have_attribute("aria-expanded", "true")
                expect(search).to_be_visible()
                expect(nav.get_by_role("link", name="Audit log")).to_be_visible()
                box = search.bounding_box()
                self.assertGreaterEqual(box["width"], 200, f"search box at {width} px: {box}")
                self.screenshot(page, f"60-top-bar-open-{width}")

                # The search box works from the opened menu.
                search.fill("mother")
                search.press("Enter")
                expect(page.locator(".search-result").first).to_be_visible()
                self.assert_clean(page)

    def test_from_1200_px_the_whole_top_bar_shows_on_one_line_without_the_toggler(self):
        for width, height in [(1200, 800), DESKTOP]:
            with self.subTest(width=width):
                page = self.page_at(width, height)
                page.goto(reverse("dashboard"))
                nav = page.get_by_role("navigation", name="Main")
                expect(nav.get_by_role("button", name="Toggle navigation")).to_be_hidden()
                search = nav.get_by_role("search").get_by_label("Search notes")
                expect(search).to_be_visible()
                self.assertGreaterEqual(search.bounding_box()["width"], 144)
                user_menu = nav.get_by_role("button", name="Tess Lindqvist-Castellanos Montgomery")
                items = [
                    nav.get_by_role("link", name="Therapy Notes"),
                    *(
                        nav.get_by_role("link", name=name, exact=True)
                        for name in ["Dashboard", "Audit log"]
                    ),
                    search,
                    user_menu,
                ]
                self.screenshot(page, f"60-top-bar-{width}")
                middles = set()
                for item in items:
                    expect(item).to_be_visible()
                    box = item.bounding_box()
                    middles.add(round(box["y"] + box["height"] / 2))
                # One line: every item's middle within a few pixels of the others'; nothing
                # sticks out of the window.
                self.assertLessEqual(max(middles) - min(middles), 4, middles)
                box = user_menu.bounding_box()
                self.assertLessEqual(box["x"] + box["width"], width)
                self.assertLessEqual(page.evaluate("document.documentElement.scrollWidth"), width)
                self.assert_clean(page)

    # --- filters ------------------------------------------------------------------------------

    def test_the_caseload_audit_and_week_filters_wrap_instead_of_clipping_their_fields(self):
        pages = [
            (reverse("theme_caseload"), 'form[aria-label="Filter themes"]'),
            (
                reverse("audit_log") + "?date_from=2026-12-28&date_to=2026-12-31",
                'form[aria-label="Filter the audit log"]',
            ),
            (reverse("appointment_week"), "form:has(#week-jump)"),
        ]
        for width, height in FILTER_WIDTHS:
            page = self.page_at(width, height)
            for number, (url, form_selector) in enumerate(pages):
                with self.subTest(url=url, width=width):
                    page.goto(url)
                    expect(page.locator(form_selector)).to_be_visible()
                    self.screenshot(page, f"61-filters-{number}-{width}")
                    self.assertEqual(page.evaluate(CLIPPED_FIELDS, form_selector), [])
                    self.assertLessEqual(
                        page.evaluate("document.documentElement.scrollWidth"),
                        width,
                        "page scrolls sideways",
                    )

    # --- touch --------------------------------------------------------------------------------

    def test_the_timeline_says_tap_on_a_touch_screen_and_hover_with_a_mouse(self):
        url = reverse("client_themes", args=[self.client_record.pk])
        touch = self.page_at(820, 1180, has_touch=True, is_mobile=True)
        touch.goto(url)
        self.assertTrue(touch.evaluate("matchMedia('(hover: none)').matches"))
        intro = touch.get_by_text("a cell for its date and intensity")
        expect(intro).to_contain_text("Tap a cell")
        expect(touch.get_by_text("Hover over", exact=True)).to_be_hidden()
        expect(touch.get_by_text("Tap", exact=True)).to_be_visible()

        # A tap on a cell writes what its tooltip would say under the strip.
        readout = touch.locator("#heat-strip-readout")
        expect(readout).to_be_hidden()
        touch.locator(".heat-strip .cell").first.tap()
        expect(readout).to_be_visible()
        expect(readout).to_contain_text("Maternal rejection")
        self.screenshot(touch, "62-timeline-touch")
        self.assert_clean(touch)

        # Negative control: with a mouse, the page says hover.
        mouse = self.page_at(1280, 800)
        mouse.goto(url)
        self.assertFalse(mouse.evaluate("matchMedia('(hover: none)').matches"))
        expect(mouse.get_by_text("Hover over", exact=True)).to_be_visible()
        expect(mouse.get_by_text("Tap", exact=True)).to_be_hidden()

    # --- colour mode --------------------------------------------------------------------------

    def test_the_colour_mode_follows_the_device_and_its_changes(self):
        dark = self.page_at(820, 1180, color_scheme="dark")
        dark.goto(reverse("dashboard"))
        expect(dark.locator("html")).to_have_attribute("data-bs-theme", "dark")
        background = dark.evaluate("getComputedStyle(document.body).backgroundColor")
        self.assertEqual(background, "rgb(43, 48, 53)")  # Bootstrap's dark body-tertiary
        self.assert_clean(dark)

        light = self.page_at(820, 1180, color_scheme="light")
        light.goto(reverse("dashboard"))
        expect(light.locator("html")).to_have_attribute("data-bs-theme", "light")
        self.assertEqual(
            light.evaluate("getComputedStyle(document.body).backgroundColor"), "rgb(248, 249, 250)"
        )
        # The device switches to dark while the page is open: the page follows.
        light.emulate_media(color_scheme="dark")
        expect(light.locator("html")).to_have_attribute("data-bs-theme", "dark")
        light.emulate_media(color_scheme="light")
        expect(light.locator("html")).to_have_attribute("data-bs-theme", "light")


class TabletScreenshotTests(base.BrowserTestCase):
    """Screenshots to look at (tests/browser/screenshots/): the main pages at 820 x 1180 in both
    colour modes and at 1280 x 800; each page is also free of CSP violations and script errors,
    and in dark mode has no surface left light (a hard-coded white)."""

    def setUp(self):
        self.therapist = make_therapist("tess", last_name="Lindqvist")
        self.client_record = make_client(
            self.therapist, full_name="Ingrid Solberg", presenting_concerns="Low mood."
        )
        themes = {t.slug: t.pk for t in Theme.objects.filter(owner__isnull=True)}
        today = timezone.localdate()
        for week in range(4):
            make_session(
                self.client_record,
                date=today - datetime.timedelta(weeks=4 - week),
                note={"subjective": "Her mother never called back."},
                risk_level=RiskLevel.LOW,
                themes=[{"theme": themes["maternal-rejection"], "intensity": 1 + week % 3}],
            )

    def test_screenshots_of_the_main_pages(self):
        pages = {
            "dashboard": reverse("dashboard"),
            "client": reverse("client_detail", args=[self.client_record.pk]),
            "timeline": reverse("client_themes", args=[self.client_record.pk]),
            "caseload": reverse("theme_caseload"),
            "audit": reverse("audit_log"),
        }
        for label, (width, height), scheme in [
            ("820-light", (820, 1180), "light"),
            ("820-dark", (820, 1180), "dark"),
            ("1280", DESKTOP, "light"),
        ]:
            page = self.new_context(user=self.therapist, color_scheme=scheme).new_page()
            page.set_viewport_size({"width": width, "height": height})
            self.watch_errors(page)
            for name, url in pages.items():
                page.goto(url)
                expect(page.locator("html")).to_have_attribute("data-bs-theme", scheme)
                self.screenshot(page, f"63-{name}-{label}")
                self.assert_clean(page)
                light_surfaces = page.evaluate(LIGHT_SURFACES)
                if scheme == "dark":
                    self.assertEqual(light_surfaces, [], f"{name} in dark mode")
                elif name == "client":  # negative control: the same check sees light mode
                    self.assertNotEqual(light_surfaces, [])
