"""The theme pages as a therapist sees them: the heat strip, a theme's sessions with their
excerpts, the caseload; and that nobody reaches another therapist's clients through them."""

import dataclasses
import datetime
import html
import re

from django.test import SimpleTestCase
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date

from tests.base import ALICE_CANARY_NAME, PersonaTestCase, make_client, make_session
from themes.heatstrip import FILLS, PALETTE
from themes.models import Theme
from themes.views import EXCERPT_MAX_CHARS, derive_excerpt

CELL = re.compile(
    r'<rect class="cell" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+" '
    r'fill="(#[0-9a-f]{6})"><title>(.*?)</title></rect>'
)
LEVELS = {1: "mentioned", 2: "explored", 3: "central"}


def cells(response) -> list[tuple[str, str]]:
    """(tooltip, fill) of every drawn cell of the heat strip."""
    return [(html.unescape(title), fill) for fill, title in CELL.findall(response.content.decode())]


def links(*pairs) -> list[dict]:
    return [{"theme": theme.pk, "intensity": level} for theme, level in pairs]


class ThemePagesTestCase(PersonaTestCase):
    """alice's client: maternal rejection in 3 of 4 sessions (recurring), guilt in 2 (not)."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.guilt = Theme.objects.get(slug="guilt")
        cls.anxiety = Theme.objects.get(slug="anxiety")
        rejection = cls.maternal_rejection
        cls.sessions = [cls.alice_session]  # 2 Mar 2026, maternal rejection: central
        for day, pairs in (
            (datetime.date(2026, 3, 9), ((rejection, 2), (cls.guilt, 1))),
            (datetime.date(2026, 3, 16), ((rejection, 1), (cls.anxiety, 2))),
            (datetime.date(2026, 3, 23), ((cls.guilt, 3),)),
        ):
            cls.sessions.append(make_session(cls.alice_client, date=day, themes=links(*pairs)))
        cls.timeline_url = reverse("client_themes", args=[cls.alice_client.pk])
        cls.rejection_url = reverse(
            "client_theme_sessions", args=[cls.alice_client.pk, "maternal-rejection"]
        )


class ClientThemesPageTests(ThemePagesTestCase):
    def test_the_heat_strip_has_a_cell_per_session_and_theme_with_its_fill(self):
        self.sign_in(self.alice)
        response = self.client.get(self.timeline_url)
        self.assertEqual(response.status_code, 200)
        expected = sorted(
            (f"{Theme.objects.get(pk=link['theme']).name}, {format_date(s.date, 'j M Y')}: "
             f"{LEVELS[link['intensity']]}", FILLS[link["intensity"]])
            for s in self.sessions
            for link in s.themes
        )  # fmt: skip
        self.assertEqual(len(expected), 6)
        self.assertEqual(sorted(cells(response)), expected)
        self.assertIn(("Maternal rejection, 2 Mar 2026: central", "#1f4e8c"), expected)

    def test_the_strip_is_an_image_with_a_text_alternative(self):
        self.sign_in(self.alice)
        page = self.client.get(self.timeline_url).content.decode()
        self.assertIn('role="img"', page)
        match = re.search(r'aria-label="([^"]*)"', page[page.index("<svg") :])
        self.assertIn("4 sessions", match.group(1))
        self.assertIn("Recurring: Maternal rejection.", match.group(1))
        self.assertNotIn("style=", page[page.index("<svg") : page.index("</svg>")])

    def test_the_strip_draws_only_colours_of_the_shared_palette(self):
        # The PDF's strip takes its colours from the same palette (tests/summaries).
        self.sign_in(self.alice)
        page = self.client.get(self.timeline_url).content.decode()
        svg = page[page.index("<svg") : page.index("</svg>")]
        used = set(re.findall(r"#[0-9a-fA-F]{6}\b", svg))
        palette = {getattr(PALETTE, field.name) for field in dataclasses.fields(PALETTE)}
        self.assertIn(PALETTE.untouched, used)  # the untouched cells' pattern
        self.assertIn(PALETTE.recurring, used)  # the dot of the recurring theme
        self.assertLessEqual(used, palette)

    def test_rows_are_themes_sessions_are_columns_oldest_first(self):
        self.sign_in(self.alice)
        strip = self.client.get(self.timeline_url).context["strip"]
        self.assertEqual(
            [row.name for row in strip.rows], ["Maternal rejection", "Guilt", "Anxiety"]
        )
        xs = [float(cell.x) for cell in strip.rows[0].cells]
        self.assertEqual(xs, sorted(xs))
        self.assertEqual([row.recurring for row in strip.rows], [True, False, False])
        self.assertEqual(strip.ticks[0][2], "23 Mar 2026")  # the newest is always labelled

    def test_the_figures_table_marks_only_the_recurring_theme(self):
        self.sign_in(self.alice)
        response = self.client.get(self.timeline_url)
        rows = response.context["rows"]
        self.assertEqual([row["theme"].slug for row in rows if row["stat"].recurring], [
            "maternal-rejection"
        ])  # fmt: skip
        first = rows[0]
        self.assertEqual((first["stat"].sessions_touched, first["share_percent"]), (3, 75))
        # Shared as often: the taxonomy's order (ids follow it) decides.
        self.assertEqual(first["co_occurring"], [(self.anxiety, 1), (self.guilt, 1)])
        self.assertContains(response, "Recurring</span>", count=1)
        self.assertContains(response, f'href="{self.rejection_url}"')

    def test_a_client_without_themes_gets_an_explanation(self):
        self.sign_in(self.bob)
        response = self.client.get(reverse("client_themes", args=[self.bob_client.pk]))
        self.assertContains(response, "No themes recorded for this client yet.")
        self.assertIsNone(response.context["strip"])

    def test_the_client_record_links_to_the_timeline(self):
        self.sign_in(self.alice)
        response = self.client.get(reverse("client_detail", args=[self.alice_client.pk]))
        self.assertContains(response, f'href="{self.timeline_url}"', count=2)
        self.assertContains(response, "Theme timeline")

    def test_another_therapists_custom_theme_is_never_shown(self):
        secret = Theme.objects.create(
            slug="bobs-private-theme", name="Bob's private theme", category="affect", owner=self.bob
        )
        make_session(self.alice_client, date=datetime.date(2026, 3, 30), themes=links((secret, 3)))
        self.sign_in(self.alice)
        self.assertNotContains(self.client.get(self.timeline_url), "private theme")
        other = reverse("client_theme_sessions", args=[self.alice_client.pk, secret.slug])
        self.assertEqual(self.client.get(other).status_code, 404)


class ThemeSessionsPageTests(ThemePagesTestCase):
    def test_the_sessions_that_touched_the_theme_newest_first(self):
        self.sign_in(self.alice)
        response = self.client.get(self.rejection_url)
        self.assertEqual(response.status_code, 200)
        entries = response.context["entries"]
        self.assertEqual(
            [(e["session"].date, e["intensity_label"]) for e in entries],
            [
                (datetime.date(2026, 3, 16), "Mentioned"),
                (datetime.date(2026, 3, 9), "Explored"),
                (datetime.date(2026, 3, 2), "Central"),
            ],
        )
        self.assertContains(response, reverse("session_detail", args=[self.alice_session.pk]))
        self.assertTrue(response.context["stat"].recurring)

    def test_the_excerpt_is_the_sentence_of_the_note_about_the_theme(self):
        # The persona's note: "zebrafinch-Ψ7-каракатица felt dismissed by her mother".
        self.sign_in(self.alice)
        entry = self.client.get(self.rejection_url).context["entries"][-1]
        self.assertIn("felt dismissed by her mother", entry["excerpt"])
        self.assertEqual(entry["source"], "From the note (Subjective)")

    def test_the_evidence_recorded_with_the_theme_comes_first(self):
        session = make_session(
            self.alice_client,
            date=datetime.date(2026, 4, 6),
            note={"subjective": "Her mother did not call on her birthday."},
            themes=[
                {
                    "theme": self.maternal_rejection.pk,
                    "intensity": 2,
                    "evidence": "Said: <b>never</b> good enough.",
                }
            ],
        )  # fmt: skip
        self.sign_in(self.alice)
        response = self.client.get(self.rejection_url)
        first = response.context["entries"][0]
        self.assertEqual(first["session"].session_id, session.pk)
        self.assertEqual(first["source"], "Evidence recorded with the theme")
        self.assertContains(response, "Said: &lt;b&gt;never&lt;/b&gt; good enough.")
        self.assertNotContains(response, "<b>never</b>")

    def test_markup_in_a_note_is_shown_escaped(self):
        make_session(
            self.alice_client,
            date=datetime.date(2026, 4, 13),
            note={"subjective": "<script>alert('mother')</script> Her mother rejected her again."},
            themes=links((self.maternal_rejection, 3)),
        )
        self.sign_in(self.alice)
        response = self.client.get(self.rejection_url)
        self.assertContains(response, "&lt;script&gt;alert(&#x27;mother&#x27;)&lt;/script&gt;")
        self.assertNotContains(response, "<script>alert")

    def test_a_theme_the_client_never_touched(self):
        self.sign_in(self.alice)
        url = reverse("client_theme_sessions", args=[self.alice_client.pk, "trauma"])
        response = self.client.get(url)
        self.assertContains(response, "None of C-0001's sessions touched this theme.")
        self.assertIsNone(response.context["stat"])

    def test_an_unknown_theme_is_not_found(self):
        self.sign_in(self.alice)
        url = reverse("client_theme_sessions", args=[self.alice_client.pk, "no-such-theme"])
        self.assertEqual(self.client.get(url).status_code, 404)


class DeriveExcerptTests(SimpleTestCase):
    theme = Theme(
        name="Maternal rejection",
        description="Experiences of a mother as dismissive, withholding or impossible to satisfy.",
    )

    def test_name_words_outweigh_description_words(self):
        note = {
            "subjective": "She spoke about work. Her mother was dismissive. "
            "She felt rejected by her mother. Sleep was poor.",
        }
        section, excerpt = derive_excerpt(note, "soap", self.theme)
        self.assertEqual(section, "Subjective")
        self.assertEqual(
            excerpt, "Her mother was dismissive. … She felt rejected by her mother."
        )  # the best sentence and the next best, in note order

    def test_sections_outside_the_format_are_ignored(self):
        note = {"narrative": "Her mother rejected her.", "subjective": "A quiet week."}
        self.assertEqual(derive_excerpt(note, "soap", self.theme), ("", ""))
        self.assertEqual(
            derive_excerpt(note, "narrative", self.theme)[1], "Her mother rejected her."
        )

    def test_nothing_matching_gives_no_excerpt(self):
        self.assertEqual(
            derive_excerpt({"subjective": "Talked about work."}, "soap", self.theme), ("", "")
        )

    def test_a_long_sentence_is_cut(self):
        note = {"subjective": "Her mother " + "went on and on " * 60 + "."}
        _, excerpt = derive_excerpt(note, "soap", self.theme)
        self.assertEqual(len(excerpt), EXCERPT_MAX_CHARS)
        self.assertTrue(excerpt.endswith("…"))


class AccessTests(ThemePagesTestCase):
    def alice_urls(self) -> list[str]:
        return [self.timeline_url, self.rejection_url]

    def test_bob_gets_not_found_for_alices_theme_pages(self):
        self.sign_in(self.bob)
        for url in self.alice_urls():
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 404)
                self.assertNotIn("Quillfeather", response.content.decode())

    def test_alice_reaches_the_same_pages_positive_control(self):
        self.sign_in(self.alice)
        for url in self.alice_urls():
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, ALICE_CANARY_NAME)

    def test_anonymous_visitors_are_sent_to_sign_in(self):
        for url in [*self.alice_urls(), reverse("theme_caseload")]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_the_pages_only_answer_get(self):
        self.sign_in(self.alice)
        for url in [*self.alice_urls(), reverse("theme_caseload")]:
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url).status_code, 405)


class CaseloadPageTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        today = timezone.localdate()
        cls.today = today
        recent = [today - datetime.timedelta(weeks=week) for week in (3, 2, 1)]
        cls.noor = make_client(cls.alice, full_name="Noor <Example>")
        for day in recent:
            make_session(cls.noor, date=day, themes=links((cls.maternal_rejection, 2)))
        # Bob's client has the same theme recurring: it must never show on alice's page.
        for day in recent:
            make_session(cls.bob_client, date=day, themes=links((cls.maternal_rejection, 3)))
        cls.url = reverse("theme_caseload")

    def test_alice_sees_the_clients_for_whom_a_theme_recurs(self):
        self.sign_in(self.alice)
        response = self.client.get(self.url)
        (row,) = [
            item
            for item in response.context["table"]
            if item["row"].theme.slug == "maternal-rejection"
        ]
        self.assertEqual([c.client_id for c in row["shown"]], [self.noor.pk])
        self.assertContains(response, reverse("client_themes", args=[self.noor.pk]))
        self.assertContains(response, "Noor &lt;Example&gt;")
        self.assertContains(response, self.noor.code)

    def test_bobs_caseload_never_shows_alices_clients(self):
        self.sign_in(self.bob)
        response = self.client.get(self.url)
        page = response.content.decode()
        for client in (self.noor, self.alice_client):
            self.assertNotIn(str(client.pk), page)
        self.assertNotIn("Noor", page)
        self.assertNotIn("Quillfeather", page)
        self.assertContains(response, reverse("client_themes", args=[self.bob_client.pk]))

    def test_the_default_range_is_the_last_twelve_months(self):
        self.sign_in(self.alice)
        chosen = self.client.get(self.url).context["chosen"]
        self.assertEqual(chosen["date_to"], self.today)
        self.assertEqual((self.today - chosen["date_from"]).days in (365, 366), True)

    def test_a_range_without_the_sessions_lists_nothing(self):
        self.sign_in(self.alice)
        response = self.client.get(self.url, {"date_from": "2001-01-01", "date_to": "2001-12-31"})
        self.assertEqual(response.context["table"], [])
        self.assertContains(response, "No themes recorded for active clients in this range.")

    def test_the_category_filter(self):
        self.sign_in(self.alice)
        attachment = self.client.get(self.url, {"category": "attachment"}).context["table"]
        self.assertEqual([item["row"].theme.slug for item in attachment], ["maternal-rejection"])
        affect = self.client.get(self.url, {"category": "affect"}).context["table"]
        self.assertEqual(affect, [])

    def test_bad_filters_give_a_message_never_an_error(self):
        self.sign_in(self.alice)
        cases = {
            "date_from=2026-13-45": "From: Enter a valid date.",
            "date_to=yesterday": "To: Enter a valid date.",
            "date_from=2026-05-01&date_to=2026-04-01": "The start date is after the end date.",
            "category=nonsense": "Category: Select a valid choice.",
            "theme=%3Cscript%3E": "Theme: Enter a valid",
            "date_from=99999-01-01": "From: Enter a valid date.",
        }
        for query, message in cases.items():
            with self.subTest(query=query):
                response = self.client.get(f"{self.url}?{query}")
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, message)
                self.assertContains(response, "Showing all themes for the last 12 months instead.")
                self.assertNotContains(response, "<script>")

    def test_one_theme_lists_every_client(self):
        others = [make_client(self.alice, full_name=f"Client {n:02d}") for n in range(9)]
        for client in others:
            for week in (3, 2, 1):
                day = self.today - datetime.timedelta(weeks=week)
                make_session(client, date=day, themes=links((self.maternal_rejection, 1)))
        self.sign_in(self.alice)
        (item,) = [
            item for item in self.client.get(self.url).context["table"]
            if item["row"].theme.slug == "maternal-rejection"
        ]  # fmt: skip
        self.assertEqual((len(item["shown"]), item["more"]), (8, 2))
        response = self.client.get(self.url, {"theme": "maternal-rejection"})
        (item,) = response.context["table"]
        self.assertEqual((len(item["shown"]), item["more"]), (10, 0))
        self.assertEqual(item["shown"][0].client_id, self.noor.pk)  # explored beats mentioned
        self.assertContains(response, 'aria-current="page">Maternal rejection</li>')

    def test_the_navigation_marks_the_themes_page(self):
        self.sign_in(self.alice)
        response = self.client.get(self.url)
        self.assertContains(
            response, f'class="nav-link active" href="{self.url}" aria-current="page">Themes</a>'
        )

    def test_the_form_shows_the_dates_in_use(self):
        self.sign_in(self.alice)
        response = self.client.get(self.url, {"theme": "maternal-rejection"})
        self.assertContains(response, f'name="date_to" value="{self.today.isoformat()}"')
        self.assertContains(
            response, f'value="{response.context["chosen"]["date_from"].isoformat()}"'
        )
        self.assertNotContains(self.client.get(self.url), ">Reset</a>")
        self.assertContains(response, ">Reset</a>")
