"""A therapist's own themes: adding, renaming, archiving and deleting them, as the therapist sees
them on the taxonomy page and the session form; and that another therapist can neither see nor
touch them, and that nobody edits the built-in taxonomy through these pages."""

import datetime
import re

from django.urls import reverse

from sessions.models import TherapySession
from tests.base import PersonaTestCase, make_client, make_session, make_signed_session
from tests.builders import session_edit_form, session_form, theme_form
from tests.pages import follow_messages
from tests.records import raw_column
from themes.models import Theme


def select_of(page: str, name: str) -> str | None:
    """The inside of the <select> named ``name`` on the page, or None when there is none."""
    found = re.search(rf'<select name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    return found.group(1) if found else None


def selected_value(page: str, name: str) -> str | None:
    options = select_of(page, name)
    assert options is not None, f"no <select name={name!r}> on the page"
    found = re.findall(r'<option value="([^"]*)"\s+selected', options)
    return found[0] if len(found) == 1 else None


class CustomThemeTestCase(PersonaTestCase):
    """alice's own theme "Sibling rivalry", not yet used by any session."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.rivalry = Theme.objects.create(
            owner=cls.alice,
            slug=f"u{cls.alice.pk}-sibling-rivalry",
            name="Sibling rivalry",
            category="relational",
            description="Competing with a brother or sister for a parent's attention.",
        )
        cls.shame = Theme.objects.get(slug="shame")

    def new_session_page(self, user, client) -> str:
        self.sign_in(user)
        response = self.client.get(reverse("session_create", args=[client.pk]))
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def use_rivalry(self, intensity=2, **fields) -> TherapySession:
        """One of alice's sessions that touched her theme."""
        fields.setdefault("date", datetime.date(2026, 3, 16))
        return make_session(
            self.alice_client,
            themes=[{"theme": self.rivalry.pk, "intensity": intensity}],
            **fields,
        )


class AddThemeTests(CustomThemeTestCase):
    def test_added_theme_is_offered_on_her_session_form_and_listed_as_hers(self):
        self.sign_in(self.alice)
        response = self.client.post(
            reverse("theme_create"),
            theme_form(name="  Fear of  abandonment by friends ", category="attachment"),
        )
        self.assertRedirects(response, reverse("theme_list"))
        theme = Theme.objects.get(owner=self.alice, name="Fear of abandonment by friends")
        self.assertEqual(theme.category, "attachment")
        self.assertTrue(theme.active)
        page = self.new_session_page(self.alice, self.alice_client)
        self.assertIsNotNone(select_of(page, f"theme_{theme.pk}"))
        self.assertIn("Fear of abandonment by friends", page)
        listing = self.client.get(reverse("theme_list"))
        self.assertContains(listing, reverse("theme_edit", args=[theme.pk]))
        self.assertContains(listing, "Fear of abandonment by friends")

    def test_slug_of_an_added_theme_starts_with_the_owners_id(self):
        self.sign_in(self.alice)
        self.client.post(reverse("theme_create"), theme_form(name="Work stress: night shifts"))
        theme = Theme.objects.get(owner=self.alice, name="Work stress: night shifts")
        self.assertEqual(theme.slug, f"u{self.alice.pk}-work-stress-night-shifts")

    def test_two_therapists_may_use_the_same_name_without_sharing_the_theme(self):
        self.sign_in(self.bob)
        response = self.client.post(reverse("theme_create"), theme_form(name="Sibling rivalry"))
        self.assertRedirects(response, reverse("theme_list"))
        bobs = Theme.objects.get(owner=self.bob, name="Sibling rivalry")
        self.assertNotEqual(bobs.pk, self.rivalry.pk)
        self.assertTrue(bobs.slug.startswith(f"u{self.bob.pk}-"), bobs.slug)
        self.assertEqual(Theme.objects.get(pk=self.rivalry.pk).owner, self.alice)

    def test_alices_theme_is_not_offered_on_bobs_session_form(self):
        alices_page = self.new_session_page(self.alice, self.alice_client)
        self.assertIsNotNone(select_of(alices_page, f"theme_{self.rivalry.pk}"))  # control
        bobs_page = self.new_session_page(self.bob, self.bob_client)
        self.assertIsNone(select_of(bobs_page, f"theme_{self.rivalry.pk}"))
        self.assertNotIn("Sibling rivalry", bobs_page)
        self.assertIsNotNone(select_of(bobs_page, f"theme_{self.shame.pk}"))

    def test_alices_theme_is_not_in_bobs_theme_list(self):
        self.sign_in(self.alice)
        self.assertContains(self.client.get(reverse("theme_list")), "Sibling rivalry")  # control
        self.sign_in(self.bob)
        listing = self.client.get(reverse("theme_list"))
        self.assertEqual(listing.status_code, 200)
        self.assertNotContains(listing, "Sibling rivalry")
        self.assertNotContains(listing, reverse("theme_edit", args=[self.rivalry.pk]))
        self.assertContains(listing, "Shame")  # the built-in taxonomy is everyone's

    def test_bob_posting_alices_theme_as_his_own_session_theme_is_ignored(self):
        """A forged theme_<pk> field for alice's theme is not a field of bob's form."""
        self.sign_in(self.bob)
        response = self.client.post(
            reverse("session_create", args=[self.bob_client.pk]),
            session_form(**{f"theme_{self.rivalry.pk}": "3", f"theme_{self.shame.pk}": "1"}),
        )
        self.assertEqual(response.status_code, 302)
        session = TherapySession.objects.get(client=self.bob_client)
        self.assertEqual(session.theme_intensities(), {self.shame.pk: 1})

    def test_anonymous_visitor_is_sent_to_sign_in_and_nothing_is_added(self):
        response = self.client.post(reverse("theme_create"), theme_form(name="Anonymous theme"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")), response["Location"])
        self.assertFalse(Theme.objects.filter(name="Anonymous theme").exists())


class DuplicateNameTests(CustomThemeTestCase):
    def test_a_name_already_taken_is_refused_whatever_its_case_and_the_text_is_kept(self):
        for name in (
            "Sibling rivalry",
            "SIBLING RIVALRY",
            "  sibling   Rivalry ",
            "Shame",
            "shame",
        ):
            with self.subTest(name=name):
                self.sign_in(self.alice)
                before = Theme.objects.count()
                response = self.client.post(
                    reverse("theme_create"),
                    theme_form(name=name, description="Kept as typed after the error"),
                )
                self.assertEqual(response.status_code, 200)
                self.assertFormError(
                    response.context["form"], "name", "You already have a theme with this name."
                )
                self.assertContains(response, "You already have a theme with this name.")
                self.assertContains(response, 'value="Kept as typed after the error"')
                self.assertContains(response, f'value="{name}"')
                self.assertEqual(Theme.objects.count(), before)

    def test_a_name_differing_only_in_the_case_of_an_accented_letter_is_refused(self):
        Theme.objects.create(
            owner=self.alice,
            slug=f"u{self.alice.pk}-eloignement",
            name="Éloignement",
            category="affect",
        )
        self.sign_in(self.alice)
        response = self.client.post(reverse("theme_create"), theme_form(name="éloignement"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "You already have a theme with this name.")
        self.assertEqual(
            Theme.objects.filter(owner=self.alice, slug__contains="eloignement").count(), 1
        )

    def test_a_name_in_a_non_latin_script_is_accepted(self):
        self.sign_in(self.alice)
        response = self.client.post(reverse("theme_create"), theme_form(name="Тревога"))
        self.assertRedirects(response, reverse("theme_list"))
        theme = Theme.objects.get(owner=self.alice, name="Тревога")
        self.assertTrue(theme.slug.startswith(f"u{self.alice.pk}-"), theme.slug)
        url = reverse("client_theme_sessions", args=[self.alice_client.pk, theme.slug])
        self.assertEqual(self.client.get(url).status_code, 200)

    def test_a_name_without_letters_or_digits_is_refused(self):
        self.sign_in(self.alice)
        response = self.client.post(reverse("theme_create"), theme_form(name="— ? —"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Use at least one letter or digit in the name.")
        self.assertFalse(Theme.objects.filter(owner=self.alice, name="— ? —").exists())

    def test_a_new_name_is_accepted(self):
        """Negative control for the refusals above: same form, a name nobody uses."""
        self.sign_in(self.alice)
        response = self.client.post(reverse("theme_create"), theme_form(name="Sibling loyalty"))
        self.assertRedirects(response, reverse("theme_list"))
        self.assertTrue(Theme.objects.filter(owner=self.alice, name="Sibling loyalty").exists())

    def test_renaming_onto_another_name_already_taken_is_refused(self):
        self.sign_in(self.alice)
        response = self.client.post(
            reverse("theme_edit", args=[self.rivalry.pk]), theme_form(name="shame")
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "You already have a theme with this name.")
        self.assertEqual(Theme.objects.get(pk=self.rivalry.pk).name, "Sibling rivalry")

    def test_saving_a_theme_under_its_own_name_is_not_a_clash(self):
        self.sign_in(self.alice)
        response = self.client.post(
            reverse("theme_edit", args=[self.rivalry.pk]),
            theme_form(name="sibling RIVALRY", description="Now with a new description."),
        )
        self.assertRedirects(response, reverse("theme_list"))
        theme = Theme.objects.get(pk=self.rivalry.pk)
        self.assertEqual(
            (theme.name, theme.description), ("sibling RIVALRY", "Now with a new description.")
        )


class RenameTests(CustomThemeTestCase):
    def test_rename_keeps_the_theme_and_its_sessions_show_the_new_name(self):
        session = self.use_rivalry(intensity=2)
        self.sign_in(self.alice)
        detail = self.client.get(session.get_absolute_url())
        self.assertContains(detail, 'title="Sibling rivalry: Explored"')  # control
        response = self.client.post(
            reverse("theme_edit", args=[self.rivalry.pk]),
            theme_form(name="Rivalry between siblings"),
        )
        self.assertRedirects(response, reverse("theme_list"))
        renamed = Theme.objects.get(pk=self.rivalry.pk)
        self.assertEqual(renamed.name, "Rivalry between siblings")
        self.assertEqual(renamed.slug, self.rivalry.slug)
        self.assertEqual(Theme.objects.filter(owner=self.alice).count(), 1)
        detail = self.client.get(session.get_absolute_url())
        self.assertContains(detail, 'title="Rivalry between siblings: Explored"')
        self.assertNotContains(detail, "Sibling rivalry")
        stored = TherapySession.objects.get(pk=session.pk)
        self.assertEqual(stored.theme_intensities(), {self.rivalry.pk: 2})

    def test_renamed_theme_keeps_its_intensity_on_the_sessions_edit_form(self):
        session = self.use_rivalry(intensity=3)
        self.sign_in(self.alice)
        self.client.post(
            reverse("theme_edit", args=[self.rivalry.pk]), theme_form(name="Rivalry at home")
        )
        page = self.client.get(reverse("session_edit", args=[session.pk])).content.decode()
        self.assertEqual(selected_value(page, f"theme_{self.rivalry.pk}"), "3")
        self.assertIn("Rivalry at home", page)


class ArchiveTests(CustomThemeTestCase):
    def archive(self):
        self.sign_in(self.alice)
        response = self.client.post(
            reverse("theme_edit", args=[self.rivalry.pk]), theme_form(active=None)
        )
        self.assertRedirects(response, reverse("theme_list"))
        self.assertFalse(Theme.objects.get(pk=self.rivalry.pk).active)

    def test_archived_theme_is_no_longer_offered_on_a_new_session_form(self):
        page = self.new_session_page(self.alice, self.alice_client)
        self.assertIsNotNone(select_of(page, f"theme_{self.rivalry.pk}"))  # control
        self.archive()
        page = self.new_session_page(self.alice, self.alice_client)
        self.assertIsNone(select_of(page, f"theme_{self.rivalry.pk}"))
        self.assertIsNotNone(select_of(page, f"theme_{self.shame.pk}"))

    def test_archived_theme_is_marked_archived_in_her_list(self):
        self.archive()
        listing = self.client.get(reverse("theme_list")).content.decode()
        entry = listing[listing.index(reverse("theme_edit", args=[self.rivalry.pk])) :]
        entry = entry[: entry.index("</a>")]
        self.assertIn("Sibling rivalry", entry)
        self.assertIn("archived", entry)

    def test_archived_theme_still_shows_on_an_old_session_that_used_it(self):
        session = self.use_rivalry(intensity=2)
        self.archive()
        detail = self.client.get(session.get_absolute_url())
        self.assertContains(detail, 'title="Sibling rivalry: Explored"')

    def test_archived_theme_still_shows_on_an_old_signed_session(self):
        signed = make_signed_session(
            self.alice_client,
            self.alice,
            themes=[{"theme": self.rivalry.pk, "intensity": 3}],
        )
        self.archive()
        detail = self.client.get(signed.get_absolute_url())
        self.assertContains(detail, 'title="Sibling rivalry: Central"')

    def test_archived_theme_stays_selectable_on_the_old_sessions_edit_form_and_survives_a_save(
        self,
    ):
        session = self.use_rivalry(intensity=2)
        self.archive()
        page = self.client.get(reverse("session_edit", args=[session.pk])).content.decode()
        self.assertEqual(selected_value(page, f"theme_{self.rivalry.pk}"), "2")
        response = self.client.post(
            reverse("session_edit", args=[session.pk]),
            session_edit_form(session, **{f"theme_{self.rivalry.pk}": "3"}),
        )
        self.assertRedirects(response, session.get_absolute_url())
        stored = TherapySession.objects.get(pk=session.pk)
        self.assertEqual(stored.theme_intensities(), {self.rivalry.pk: 3})

    def test_archived_theme_cannot_be_added_to_a_session_that_did_not_use_it(self):
        other = make_session(self.alice_client, date=datetime.date(2026, 3, 23))
        self.archive()
        page = self.client.get(reverse("session_edit", args=[other.pk])).content.decode()
        self.assertIsNone(select_of(page, f"theme_{self.rivalry.pk}"))
        self.client.post(
            reverse("session_edit", args=[other.pk]),
            session_edit_form(other, **{f"theme_{self.rivalry.pk}": "2"}),
        )
        self.assertEqual(TherapySession.objects.get(pk=other.pk).theme_intensities(), {})

    def test_unarchiving_offers_it_again(self):
        self.archive()
        self.client.post(reverse("theme_edit", args=[self.rivalry.pk]), theme_form())
        page = self.new_session_page(self.alice, self.alice_client)
        self.assertIsNotNone(select_of(page, f"theme_{self.rivalry.pk}"))


class DeleteTests(CustomThemeTestCase):
    def test_deleting_an_unused_theme_removes_it(self):
        self.sign_in(self.alice)
        page = self.client.get(reverse("theme_delete", args=[self.rivalry.pk]))
        self.assertContains(page, "No session uses this theme.")
        response = self.client.post(
            reverse("theme_delete", args=[self.rivalry.pk]), {"confirm": "on"}
        )
        self.assertEqual(
            follow_messages(self.client, response), ["Theme “Sibling rivalry” deleted."]
        )
        self.assertFalse(Theme.objects.filter(pk=self.rivalry.pk).exists())
        self.assertNotContains(self.client.get(reverse("theme_list")), "Sibling rivalry")

    def test_deleting_without_ticking_confirm_deletes_nothing(self):
        self.sign_in(self.alice)
        response = self.client.post(reverse("theme_delete", args=[self.rivalry.pk]), {})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(Theme.objects.filter(pk=self.rivalry.pk).exists())

    def test_deleting_a_theme_one_session_uses_is_refused_naming_the_count(self):
        self.use_rivalry()
        self.sign_in(self.alice)
        page = self.client.get(reverse("theme_delete", args=[self.rivalry.pk]))
        self.assertContains(page, "This theme is used in 1 session, so it cannot be deleted.")
        self.assertNotContains(page, 'name="confirm"')
        response = self.client.post(
            reverse("theme_delete", args=[self.rivalry.pk]), {"confirm": "on"}
        )
        self.assertEqual(response["Location"], reverse("theme_edit", args=[self.rivalry.pk]))
        [message] = follow_messages(self.client, response)
        self.assertIn("“Sibling rivalry” is used in 1 session and cannot be deleted.", message)
        self.assertTrue(Theme.objects.filter(pk=self.rivalry.pk).exists())

    def test_the_count_covers_every_client_and_signed_sessions(self):
        self.use_rivalry()
        other_client = make_client(self.alice, full_name="Second Client")
        make_signed_session(
            other_client, self.alice, themes=[{"theme": self.rivalry.pk, "intensity": 1}]
        )
        make_session(other_client, date=datetime.date(2026, 3, 30))  # does not use it
        self.sign_in(self.alice)
        response = self.client.post(
            reverse("theme_delete", args=[self.rivalry.pk]), {"confirm": "on"}
        )
        [message] = follow_messages(self.client, response)
        self.assertIn("is used in 2 sessions and cannot be deleted", message)
        self.assertTrue(Theme.objects.filter(pk=self.rivalry.pk).exists())

    def test_the_links_that_block_deletion_are_stored_encrypted(self):
        """The in-use check cannot be a plain query: no column holds the theme id in clear."""
        session = self.use_rivalry()
        marker = f'"theme": {self.rivalry.pk}'.encode()
        self.assertNotIn(marker, raw_column(TherapySession, "themes", session.pk))
        self.assertEqual(
            TherapySession.objects.get(pk=session.pk).themes,
            [{"theme": self.rivalry.pk, "intensity": 2}],
        )


class OtherTherapistTests(CustomThemeTestCase):
    def urls(self) -> list[str]:
        return [
            reverse("theme_edit", args=[self.rivalry.pk]),
            reverse("theme_delete", args=[self.rivalry.pk]),
        ]

    def assert_rivalry_unchanged(self):
        theme = Theme.objects.get(pk=self.rivalry.pk)
        self.assertEqual(
            (theme.name, theme.category, theme.description, theme.active, theme.owner_id),
            (
                "Sibling rivalry",
                "relational",
                "Competing with a brother or sister for a parent's attention.",
                True,
                self.alice.pk,
            ),
        )

    def test_other_therapist_gets_404_for_her_theme_pages(self):
        self.sign_in(self.bob)
        for url in self.urls():
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_other_therapist_posting_to_her_theme_gets_404_and_changes_nothing(self):
        self.sign_in(self.bob)
        edit_url, delete_url = self.urls()
        response = self.client.post(edit_url, theme_form(name="Taken over", active=None))
        self.assertEqual(response.status_code, 404)
        response = self.client.post(delete_url, {"confirm": "on"})
        self.assertEqual(response.status_code, 404)
        self.assert_rivalry_unchanged()

    def test_the_owner_posting_the_same_edit_changes_it(self):
        """Negative control for the refusal above: the same POST from alice goes through."""
        self.sign_in(self.alice)
        edit_url, _ = self.urls()
        response = self.client.post(edit_url, theme_form(name="Taken over", active=None))
        self.assertRedirects(response, reverse("theme_list"))
        theme = Theme.objects.get(pk=self.rivalry.pk)
        self.assertEqual((theme.name, theme.active), ("Taken over", False))

    def test_missing_theme_is_404(self):
        self.sign_in(self.alice)
        missing = Theme.objects.order_by("-pk").first().pk + 1000
        self.assertEqual(self.client.get(reverse("theme_edit", args=[missing])).status_code, 404)


class BuiltInThemeTests(CustomThemeTestCase):
    def test_built_in_themes_cannot_be_edited_or_deleted_through_these_pages(self):
        self.sign_in(self.alice)
        edit_url = reverse("theme_edit", args=[self.shame.pk])
        delete_url = reverse("theme_delete", args=[self.shame.pk])
        self.assertEqual(self.client.get(edit_url).status_code, 404)
        self.assertEqual(self.client.get(delete_url).status_code, 404)
        self.assertEqual(
            self.client.post(edit_url, theme_form(name="Not shame", active=None)).status_code, 404
        )
        self.assertEqual(self.client.post(delete_url, {"confirm": "on"}).status_code, 404)
        shame = Theme.objects.get(pk=self.shame.pk)
        self.assertEqual((shame.name, shame.active, shame.owner_id), ("Shame", True, None))

    def test_built_in_themes_are_not_listed_as_hers(self):
        self.sign_in(self.alice)
        listing = self.client.get(reverse("theme_list"))
        self.assertNotContains(listing, reverse("theme_edit", args=[self.shame.pk]))
        self.assertContains(listing, reverse("theme_edit", args=[self.rivalry.pk]))
