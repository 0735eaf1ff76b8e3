"""A plan at the content limits fits in one post of the editor (attack review, L6).

Django reads at most DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) fields of a post; past it the post
is refused with a 400 before any view runs, and what was typed is lost. The editor posts a
field per row part, and its link boxes grow with the square of the rows (a goal has a box per
problem, an intervention one per goal): at the old limits (50 of each list, 100 objectives) a
full plan posted about 1,150 fields. The limits in plans/content.py are set so that the most
the editor can post, counted here from the form's own fields, stays below the limit.
"""

import datetime
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.testing import sign_in
from plans.content import (
    MAX_OBJECTIVES,
    MAX_OBJECTIVES_PER_GOAL,
    MAX_ROWS,
    MAX_TEXT,
    MAX_THEMES,
)
from plans.models import PlanStatus, PlanVersion
from tests.base import PersonaTestCase, make_plan
from tests.builders import posted_by_browser
from themes.models import Theme


def long_text(label: str) -> str:
    return (f"{label}: " + "Grübelt über die Woche; " * 100)[:MAX_TEXT]


def at_the_limits(theme_ids: list[int]) -> dict:
    """Every list full, every text at its longest, every link there can be: each problem with
    its most themes, each goal addressing every problem, each intervention serving every goal.
    The objectives are spread so that every goal still has room for one more: the editor then
    shows a blank objective under each, its largest form."""
    problems = [f"p{n}" for n in range(1, MAX_ROWS + 1)]
    goals = [f"g{n}" for n in range(1, MAX_ROWS + 1)]
    share, extra = divmod(MAX_OBJECTIVES, MAX_ROWS)
    counts = [share + (1 if n < extra else 0) for n in range(MAX_ROWS)]
    assert max(counts) < MAX_OBJECTIVES_PER_GOAL
    numbers = iter(range(1, MAX_OBJECTIVES + 1))
    return {
        "problems": [
            {"id": pk, "text": long_text(f"Problem {pk}"), "theme_ids": theme_ids}
            for pk in problems
        ],
        "goals": [
            {
                "id": pk,
                "text": long_text(f"Goal {pk}"),
                "problem_ids": problems,
                "objectives": [
                    {
                        "id": f"o{n}",
                        "text": long_text(f"Objective {n}"),
                        "target_date": "2027-01-31",
                    }
                    for n in (next(numbers) for _ in range(count))
                ],
            }
            for pk, count in zip(goals, counts, strict=True)
        ],
        "interventions": [
            {"id": f"i{n}", "text": long_text(f"Intervention {n}"), "goal_ids": goals}
            for n in range(1, MAX_ROWS + 1)
        ],
    }


def most_fields(form) -> int:
    """The most fields the editor's form can post: one per field, every box of a link field
    ticked (Remove boxes too), a problem's themes at their limit (a choice of more is refused
    by the form), and the CSRF token."""
    count = 1
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxSelectMultiple):
            count += len(field.choices)
        elif isinstance(field, forms.MultipleChoiceField):
            count += MAX_THEMES
        else:
            count += 1
    return count


class EditorAtTheLimitsTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        themes = Theme.objects.available_to(cls.alice).order_by("pk")
        cls.theme_ids = list(themes.values_list("pk", flat=True)[:MAX_THEMES])
        cls.signed = make_plan(
            cls.alice_client,
            content=at_the_limits(cls.theme_ids),
            review_date=datetime.date(2026, 12, 1),
        )

    def setUp(self):
        # The CSRF check is on: it reads the post before the view, where the limit bites.
        self.http = HttpClient(enforce_csrf_checks=True)
        sign_in(self.http, self.alice)
        self.url = reverse("plan_edit", args=[self.alice_client.pk])

    def browser_post(self) -> list[tuple[str, str]]:
        """The editor's form as a browser posts it. (posted_by_browser reads a <select
        multiple> as a single select: a problem's themes are put back as a browser sends
        them, one field per theme chosen.)"""
        page = self.http.get(self.url).content.decode()
        pairs = [pair for pair in posted_by_browser(page, "plan-form") if "-themes" not in pair[0]]
        pairs += [
            (f"problem-{n}-themes", str(pk)) for n in range(MAX_ROWS) for pk in self.theme_ids
        ]
        return pairs

    def post(self, pairs) -> object:
        return self.http.post(
            self.url, urlencode(pairs), content_type="application/x-www-form-urlencoded"
        )

    def test_the_most_the_editor_can_post_at_the_limits_is_below_what_a_post_may_have(self):
        form = self.http.get(self.url).context["form"]
        # The editor's largest form: every list full and a blank objective under each goal.
        self.assertEqual(len(form.problem_keys), MAX_ROWS)
        self.assertEqual(len(form.intervention_keys), MAX_ROWS)
        self.assertEqual(len(form.goal_keys), MAX_ROWS)
        self.assertEqual(sum(len(rows) for _, rows in form.goal_keys), MAX_OBJECTIVES + MAX_ROWS)
        self.assertLessEqual(most_fields(form), settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)

    def test_the_full_form_at_the_limits_is_saved(self):
        pairs = self.browser_post()
        self.assertGreater(len(pairs), 550)  # every field but the Remove boxes
        response = self.post(pairs)
        self.assertRedirects(
            response,
            reverse("plan_detail", args=[self.alice_client.pk]),
            fetch_redirect_response=False,
        )
        draft = PlanVersion.objects.get(client=self.alice_client, status=PlanStatus.DRAFT)
        self.assertEqual(draft.content, self.signed.content)

    def test_a_post_past_the_limit_is_refused_control(self):
        # What the test above guards against: past the limit, the post is refused whole.
        pairs = self.browser_post()
        pairs += [("spare", "")] * (settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1 - len(pairs))
        self.assertEqual(self.post(pairs).status_code, 400)
        self.assertFalse(PlanVersion.objects.filter(status=PlanStatus.DRAFT).exists())

    def test_more_themes_than_a_problem_may_have_are_refused_on_its_row(self):
        seventh = Theme.objects.available_to(self.alice).exclude(pk__in=self.theme_ids).first()
        pairs = [*self.browser_post(), ("problem-0-themes", str(seventh.pk))]
        pairs = [(n, "Changed text" if n == "problem-0-text" else v) for n, v in pairs]
        response = self.post(pairs)
        self.assertContains(response, f"Choose at most {MAX_THEMES} themes.")
        self.assertContains(response, "Changed text")  # what was typed is kept
        self.assertFalse(PlanVersion.objects.filter(status=PlanStatus.DRAFT).exists())

    def test_a_row_past_the_limit_is_refused_and_every_row_shown_again(self):
        pairs = [*self.browser_post(), ("problem-12-id", ""), ("problem-12-text", "One more")]
        response = self.post(pairs)
        self.assertContains(response, f"A plan holds at most {MAX_ROWS} problems; this one has 13.")
        for text in ("One more", long_text("Problem p12")):
            self.assertContains(response, text)  # nothing typed is lost
        self.assertFalse(PlanVersion.objects.filter(status=PlanStatus.DRAFT).exists())
        # Removing a row then saves it.
        response = self.post([*pairs, ("problem-0-remove", "on")])
        self.assertEqual(response.status_code, 302)
        draft = PlanVersion.objects.get(status=PlanStatus.DRAFT)
        self.assertEqual(draft.content["problems"][-1]["text"], "One more")
