"""Shared by the theme suggestion tests: alice's note that suggests themes, what the pages show
of suggestions and risk notices, and a test case with bob's own theme (which must never be
suggested to alice)."""

import re

from django.urls import reverse

from tests.base import PersonaTestCase
from themes.models import Theme
from themes.suggest import suggest

DISMISSIVE_MOTHER = (
    "She described her mother as dismissive whenever she phoned. At home she works "
    "hard to please her partner and rarely says what she needs."
)


def engine_evidence(text: str, slug: str) -> list[str]:
    """The phrases the suggestion engine quotes for a theme: what the pages must show, whatever
    the engine's wording of the day."""
    [found] = [item for item in suggest(text).themes if item.slug == slug]
    assert found.evidence and all(phrase in text for phrase in found.evidence), found
    return list(found.evidence)


def suggestion_ids(page: str) -> list[str]:
    """The theme ids of the suggestions shown on a session form or page (not the template the
    page script clones, which has none)."""
    page = re.sub(r"<template.*?</template>", "", page, flags=re.S)
    return re.findall(r'class="suggestion [^"]*" data-theme-id="(\d+)"', page) + re.findall(
        r'<form method="post" action="[^"]*/themes/accept/" class="suggestion .*?'
        r'name="theme" value="(\d+)"',
        page,
        re.S,
    )


def risk_panel(page: str) -> str:
    """The risk notices of a session form or page, without the page script's templates."""
    found = re.search(
        r'<div[^>]*id="risk-prompts"[^>]*>(.*?)</div>\s*(?:<template|</section|<p)', page, re.S
    )
    return found.group(1) if found else ""


class SuggestTestCase(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.people_pleasing = Theme.objects.get(slug="people-pleasing")
        cls.shame = Theme.objects.get(slug="shame")
        cls.bob_theme = Theme.objects.create(
            owner=cls.bob,
            slug=f"u{cls.bob.pk}-dismissive-mothers",
            name="Bob's dismissive mothers",
            category="attachment",
        )

    def suggest_json(self, text: str, user=None) -> dict:
        self.sign_in(user or self.alice)
        response = self.client.post(reverse("theme_suggest"), {"text": text})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/json")
        return response.json()

    def suggested(self, text: str, user=None) -> dict[str, dict]:
        return {item["slug"]: item for item in self.suggest_json(text, user)["themes"]}
