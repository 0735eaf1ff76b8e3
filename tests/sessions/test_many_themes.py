"""A therapist with 600 active themes (issue 13, item 6).

The session form used to post two fields for every theme (its select and a hidden evidence
input), and Django reads at most DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) fields of a post: from
about 448 themes on, autosave answered 400, Save was refused, and the note being typed was lost.
Now an untagged theme's select shows a disabled placeholder, which a browser does not post, and
an evidence input is written only where a phrase is kept: the page posts a field only for the
themes given a value. A post that still has too many fields (a page from before, a forged one)
is read again for its note text (sessions.middleware), which is kept as a draft.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import reverse
from django.utils.html import escape

from accounts.testing import sign_in
from sessions.forms import EVIDENCE_FIELD_PREFIX, THEME_FIELD_PREFIX
from sessions.models import SessionDraft, TherapySession
from tests.base import PersonaTestCase
from tests.builders import posted_by_browser
from themes.models import Theme

THEMES = 600
NOTE = "She spoke about her sister's wedding for the first time. каракатица"
WITHOUT_MIDDLEWARE = [m for m in settings.MIDDLEWARE if "KeepNoteText" not in m]


def urlencoded(pairs) -> dict:
    return {"data": urlencode(pairs), "content_type": "application/x-www-form-urlencoded"}


class ManyThemesTestCase(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Theme.objects.bulk_create(
            Theme(owner=cls.alice, slug=f"u-many-{n}", name=f"Theme {n}", category="relational")
            for n in range(THEMES)
        )
        cls.many = list(Theme.objects.filter(owner=cls.alice).order_by("pk"))

    def setUp(self):
        # The CSRF check is on: it reads the post before any view, which is where the limit bit.
        self.http = HttpClient(enforce_csrf_checks=True)
        sign_in(self.http, self.alice)

    def page(self, url) -> list[tuple[str, str]]:
        response = self.http.get(url)
        self.assertEqual(response.status_code, 200)
        return posted_by_browser(response.content.decode(), "session-form")

    def old_page_post(self, pairs, *, note=NOTE) -> list[tuple[str, str]]:
        """What the page posted before the fix: every theme's select and evidence input."""
        kept = [(name, value) for name, value in pairs if not name.startswith("theme_")]
        kept = [(n, NOTE if n == "section_subjective" else v) for n, v in kept]
        every = Theme.objects.available_to(self.alice)
        tagged = dict(pairs)
        for theme in every:
            kept.append((f"{THEME_FIELD_PREFIX}{theme.pk}", tagged.get(f"theme_{theme.pk}", "")))
            kept.append((f"{EVIDENCE_FIELD_PREFIX}{theme.pk}", ""))
        self.assertGreater(len(kept), settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)
        return kept

    def autosave_extras(self, pairs, *, session=None, seq=1) -> tuple[list, str]:
        key = dict(pairs)["draft_key"]
        return [
            *pairs,
            ("seq", str(seq)),
            ("client", str(self.alice_client.pk)),
            ("session", str(session.pk) if session else ""),
            ("base_version", str(session.version) if session else "0"),
        ], reverse("draft_autosave", args=[key])


class PageTests(ManyThemesTestCase):
    def test_the_page_posts_no_field_for_an_untagged_theme(self):
        pairs = self.page(reverse("session_create", args=[self.alice_client.pk]))
        names = [name for name, _ in pairs]
        self.assertFalse([n for n in names if n.startswith(("theme_", "evidence_"))])
        self.assertLess(len(pairs), 40)
        # Every theme is still offered.
        page = self.http.get(reverse("session_create", args=[self.alice_client.pk]))
        self.assertContains(page, 'name="theme_', count=Theme.objects.count())

    def test_the_edit_page_posts_the_tagged_themes_only(self):
        pairs = self.page(reverse("session_edit", args=[self.alice_session.pk]))
        themes = [(n, v) for n, v in pairs if n.startswith("theme_")]
        self.assertEqual(themes, [(f"theme_{self.maternal_rejection.pk}", "3")])

    def test_save_with_600_themes_stores_the_note_and_the_chosen_themes(self):
        pairs = self.page(reverse("session_create", args=[self.alice_client.pk]))
        chosen = {self.many[0].pk: "1", self.many[-1].pk: "3"}
        pairs = [(n, NOTE if n == "section_subjective" else v) for n, v in pairs]
        pairs = [(n, "low" if n == "risk_level" else v) for n, v in pairs]
        pairs += [(f"theme_{pk}", value) for pk, value in chosen.items()]
        response = self.http.post(
            reverse("session_create", args=[self.alice_client.pk]), **urlencoded(pairs)
        )
        self.assertEqual(response.status_code, 302, response.content[:300])
        session = TherapySession.objects.exclude(pk=self.alice_session.pk).get()
        self.assertEqual(session.note["subjective"], NOTE)
        self.assertEqual(session.theme_intensities(), {pk: int(v) for pk, v in chosen.items()})

    def test_autosave_with_600_themes_stores_the_note(self):
        pairs = self.page(reverse("session_edit", args=[self.alice_session.pk]))
        pairs = [(n, NOTE if n == "section_subjective" else v) for n, v in pairs]
        pairs, url = self.autosave_extras(pairs, session=self.alice_session)
        for body in ({"data": dict(pairs)}, urlencoded(pairs)):  # as FormData, and urlencoded
            with self.subTest(content_type=body.get("content_type", "multipart")):
                SessionDraft.objects.all().delete()
                response = self.http.post(url, **body)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.json()["status"], "saved")
                self.assertNotIn("warning", response.json())
                draft = SessionDraft.objects.get()
                self.assertEqual(draft.payload["section_subjective"], NOTE)
                self.assertEqual(draft.payload[f"theme_{self.maternal_rejection.pk}"], "3")


class TooManyFieldsTests(ManyThemesTestCase):
    def test_a_save_with_too_many_fields_keeps_the_note_text_as_a_draft(self):
        pairs = self.old_page_post(
            self.page(reverse("session_create", args=[self.alice_client.pk]))
        )
        response = self.http.post(
            reverse("session_create", args=[self.alice_client.pk]), **urlencoded(pairs)
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "more than the 1,000 the server reads")
        self.assertIn(escape(NOTE), response.content.decode())  # the form comes back with it
        self.assertFalse(TherapySession.objects.exclude(pk=self.alice_session.pk).exists())
        draft = SessionDraft.objects.get()
        self.assertEqual(draft.payload["section_subjective"], NOTE)
        self.assertEqual(str(draft.pk), dict(pairs)["draft_key"])

    def test_an_edit_with_too_many_fields_keeps_the_text_and_the_saved_themes(self):
        url = reverse("session_edit", args=[self.alice_session.pk])
        pairs = self.old_page_post(self.page(url))
        pairs = [(n, "" if n.startswith("theme_") else v) for n, v in pairs]  # all cleared
        response = self.http.post(url, **urlencoded(pairs))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "the themes shown are those saved before")
        draft = SessionDraft.objects.get()
        self.assertEqual(draft.payload["section_subjective"], NOTE)
        # Saving the page as it came back keeps the themes saved before, and the new text.
        again = posted_by_browser(response.content.decode(), "session-form")
        self.assertIn((f"theme_{self.maternal_rejection.pk}", "3"), again)
        self.assertEqual(self.http.post(url, **urlencoded(again)).status_code, 302)
        self.alice_session.refresh_from_db()
        self.assertEqual(self.alice_session.note["subjective"], NOTE)
        self.assertEqual(self.alice_session.theme_intensities(), {self.maternal_rejection.pk: 3})

    def test_an_autosave_with_too_many_fields_keeps_the_note_text(self):
        pairs = self.old_page_post(self.page(reverse("session_edit", args=[self.alice_session.pk])))
        pairs, url = self.autosave_extras(pairs, session=self.alice_session)
        multipart = {"data": dict(pairs)}
        for body in (multipart, urlencoded(pairs)):
            with self.subTest(content_type=body.get("content_type", "multipart")):
                SessionDraft.objects.all().delete()
                response = self.http.post(url, **body)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.json()["status"], "saved")
                self.assertIn("not the theme choices", response.json()["warning"])
                draft = SessionDraft.objects.get()
                self.assertEqual(draft.payload["section_subjective"], NOTE)
                self.assertFalse([n for n in draft.payload if n.startswith("theme_")])

    def test_a_post_with_too_many_fields_still_needs_its_csrf_token(self):
        pairs = self.old_page_post(
            self.page(reverse("session_create", args=[self.alice_client.pk]))
        )
        pairs = [(n, v) for n, v in pairs if n != "csrfmiddlewaretoken"]
        response = self.http.post(
            reverse("session_create", args=[self.alice_client.pk]), **urlencoded(pairs)
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(SessionDraft.objects.exists())

    def test_someone_signed_out_gets_the_sign_in_page_and_nothing_is_kept(self):
        pairs = self.old_page_post(
            self.page(reverse("session_create", args=[self.alice_client.pk]))
        )
        self.http.logout()
        response = self.http.post(
            reverse("session_create", args=[self.alice_client.pk]), **urlencoded(pairs)
        )
        self.assertIn(response.status_code, (302, 400, 403))
        self.assertFalse(SessionDraft.objects.exists())

    @override_settings(MIDDLEWARE=WITHOUT_MIDDLEWARE)
    def test_without_the_middleware_the_text_is_lost_negative_control(self):
        pairs = self.old_page_post(
            self.page(reverse("session_create", args=[self.alice_client.pk]))
        )
        response = self.http.post(
            reverse("session_create", args=[self.alice_client.pk]), **urlencoded(pairs)
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(SessionDraft.objects.exists())

    def test_the_draft_key_is_kept_whatever_else_the_post_holds(self):
        """A second refused post of the same page updates the same draft."""
        url = reverse("session_create", args=[self.alice_client.pk])
        pairs = self.old_page_post(self.page(url))
        self.http.post(url, **urlencoded(pairs))
        later = [(n, v + " More." if n == "section_subjective" else v) for n, v in pairs]
        self.http.post(url, **urlencoded(later))
        draft = SessionDraft.objects.get()
        self.assertEqual(draft.payload["section_subjective"], NOTE + " More.")
        self.assertEqual(draft.seq, 2)
