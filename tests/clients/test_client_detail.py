"""The client page as a therapist reads it: the timeline of sessions (newest first, with format,
risk and themes) and the themes that recur across them."""

import datetime

from django.utils import dateformat, timezone

from tests.sessions.helpers import SessionPagesTestCase


class ClientTimelineTests(SessionPagesTestCase):
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
