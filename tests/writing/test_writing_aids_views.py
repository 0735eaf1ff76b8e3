"""The templates and snippets page: listing, adding, editing and deleting a therapist's own
aids, a refused form shown again with what was typed, another therapist's aids as 404s, and
an audit entry for every write (never its text)."""

from django.urls import reverse
from django.utils.html import escape

from audit.models import Action, AuditEvent
from tests.base import PersonaTestCase
from tests.builders import note_template_form, snippet_form
from tests.pages import RedisplayAssertions, follow_messages
from writing.models import NoteTemplate, Snippet

from .helpers import make_snippet, make_template

ALICE_TEMPLATE_TEXT = "Walrus-Ω4 tells of the flood"
ALICE_SNIPPET_TEXT = "Ibis-Ж6 grounding exercise"


class WritingAidsTestCase(RedisplayAssertions, PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.template = make_template(
            cls.alice, name="Alice's intake", sections={"subjective": ALICE_TEMPLATE_TEXT}
        )
        cls.snippet = make_snippet(cls.alice, trigger=";ground", text=ALICE_SNIPPET_TEXT)

    def setUp(self):
        self.sign_in(self.alice)

    def audit_entries(self) -> list[tuple[str, str, str]]:
        return list(
            AuditEvent.objects.filter(action=Action.EDIT_WRITING_AID)
            .order_by("seq")
            .values_list("username", "object_type", "object_id")
        )


class ListPageTests(WritingAidsTestCase):
    def test_the_page_lists_the_therapists_own_templates_and_snippets(self):
        response = self.client.get(reverse("writing_aids"))
        self.assertContains(response, "Alice&#x27;s intake")
        self.assertContains(response, ALICE_TEMPLATE_TEXT)
        self.assertContains(response, "<code>;ground</code>", html=True)
        self.assertContains(response, ALICE_SNIPPET_TEXT)
        self.assertContains(response, 'href="/writing/"')  # the top bar's link

    def test_another_therapist_sees_none_of_them(self):
        self.sign_in(self.bob)
        response = self.client.get(reverse("writing_aids"))
        self.assertEqual(response.status_code, 200)
        for text in ("Alice&#x27;s intake", ALICE_TEMPLATE_TEXT, ";ground", ALICE_SNIPPET_TEXT):
            self.assertNotContains(response, text)
        self.assertContains(response, "No templates yet.")


class OtherTherapistTests(WritingAidsTestCase):
    def urls(self) -> list[str]:
        return [
            reverse("note_template_edit", args=[self.template.pk]),
            reverse("note_template_delete", args=[self.template.pk]),
            reverse("snippet_edit", args=[self.snippet.pk]),
            reverse("snippet_delete", args=[self.snippet.pk]),
        ]

    def test_the_owner_opens_each_page(self):
        for url in self.urls():
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_another_therapists_template_or_snippet_is_a_404_and_stays_unchanged(self):
        self.sign_in(self.bob)
        for url in self.urls():
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
                data = {**note_template_form(), **snippet_form(), "confirm": "on"}
                self.assertEqual(self.client.post(url, data).status_code, 404)
        template = NoteTemplate.objects.get(pk=self.template.pk)
        self.assertEqual(template.sections, {"subjective": ALICE_TEMPLATE_TEXT})
        self.assertEqual(Snippet.objects.get(pk=self.snippet.pk).text, ALICE_SNIPPET_TEXT)
        self.assertEqual(self.audit_entries(), [])


class SnippetFormTests(WritingAidsTestCase):
    def test_a_snippet_is_added_and_audited_without_its_text(self):
        response = self.client.post(
            reverse("snippet_create"), snippet_form(trigger=" ;MSE ", text="Mental status: ___.")
        )
        self.assertEqual(follow_messages(self.client, response), ["Snippet added."])
        snippet = Snippet.objects.for_therapist(self.alice).get(pk__in=self.new_snippet_pks())
        self.assertEqual((snippet.trigger, snippet.text), (";mse", "Mental status: ___."))
        self.assertEqual(self.audit_entries(), [("alice", "snippet", str(snippet.pk))])

    def new_snippet_pks(self):
        return Snippet.objects.exclude(pk=self.snippet.pk).values_list("pk", flat=True)

    def test_a_trigger_without_its_semicolon_gets_one(self):
        self.client.post(reverse("snippet_create"), snippet_form(trigger="risk"))
        self.assertEqual(
            sorted(s.trigger for s in Snippet.objects.for_therapist(self.alice)),
            [";ground", ";risk"],
        )

    def test_a_duplicate_trigger_is_refused_and_the_form_shown_again(self):
        data = snippet_form(trigger=";Ground", text="A second grounding <phrase> & more")
        response = self.client.post(reverse("snippet_create"), data)
        self.assert_only_error(response, "trigger", "You already have a snippet typed as ;ground.")
        self.assert_redisplayed(response, data)
        self.assertEqual(Snippet.objects.count(), 1)
        self.assertEqual(self.audit_entries(), [])

    def test_an_empty_text_or_a_bad_trigger_is_refused_with_what_was_typed(self):
        cases = [
            (
                snippet_form(trigger=";new", text="   "),
                "text",
                "Write the text the trigger stands for.",
            ),
            (
                snippet_form(trigger=";two words", text="Kept text"),
                "trigger",
                "Use ; and then 1 to 19 lower-case letters, digits or hyphens, e.g. ;mse.",
            ),
        ]
        for data, field, message in cases:
            with self.subTest(field=field):
                response = self.client.post(reverse("snippet_create"), data)
                self.assert_only_error(response, field, message)
                self.assert_redisplayed(response, {k: v.strip() for k, v in data.items()})
        self.assertEqual(Snippet.objects.count(), 1)

    def test_editing_to_another_snippets_trigger_is_refused(self):
        other = make_snippet(self.alice, trigger=";hw")
        data = snippet_form(trigger=";ground", text="Changed text")
        response = self.client.post(reverse("snippet_edit", args=[other.pk]), data)
        self.assert_only_error(response, "trigger", "You already have a snippet typed as ;ground.")
        self.assert_redisplayed(response, data)
        self.assertEqual(Snippet.objects.get(pk=other.pk).text, "Homework reviewed: ___.")

    def test_a_snippet_is_edited_and_deleted(self):
        url = reverse("snippet_edit", args=[self.snippet.pk])
        self.assertContains(self.client.get(url), ALICE_SNIPPET_TEXT)
        response = self.client.post(url, snippet_form(trigger=";ground", text="Shorter."))
        self.assertEqual(follow_messages(self.client, response), ["Snippet saved."])
        self.assertEqual(Snippet.objects.get(pk=self.snippet.pk).text, "Shorter.")
        delete = reverse("snippet_delete", args=[self.snippet.pk])
        self.assertContains(self.client.post(delete, {}), "Tick the box to confirm.")
        self.assertTrue(Snippet.objects.filter(pk=self.snippet.pk).exists())
        response = self.client.post(delete, {"confirm": "on"})
        self.assertEqual(follow_messages(self.client, response), ["Snippet deleted."])
        self.assertFalse(Snippet.objects.filter(pk=self.snippet.pk).exists())
        pk = str(self.snippet.pk)
        self.assertEqual(self.audit_entries(), [("alice", "snippet", pk)] * 2)


class TemplateFormTests(WritingAidsTestCase):
    def test_a_template_is_added_with_the_sections_of_its_format(self):
        data = note_template_form(name="DAP: short", note_format="dap", section_subjective="")
        data |= {"section_data": "Data: ___.", "section_objective": "", "section_assessment": "A"}
        response = self.client.post(reverse("note_template_create"), data)
        self.assertEqual(follow_messages(self.client, response), ["Template added."])
        template = NoteTemplate.objects.exclude(pk=self.template.pk).get()
        self.assertEqual(template.note_format, "dap")
        self.assertEqual(template.sections, {"data": "Data: ___.", "assessment": "A"})
        self.assertEqual((template.plan, template.interventions), ("Homework: ___.", "CBT: ___."))
        self.assertEqual(self.audit_entries(), [("alice", "note_template", str(template.pk))])

    def test_text_in_a_section_the_format_lacks_is_refused_and_kept(self):
        data = note_template_form(
            note_format="dap", section_subjective="Typed <for> SOAP & kept", section_objective=""
        )
        response = self.client.post(reverse("note_template_create"), data)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(list(response.context["form"].errors), ["section_subjective"])
        self.assertContains(response, "DAP notes have no Subjective section.")
        self.assertContains(response, "Nothing you typed has been lost")
        self.assert_redisplayed(response, data)
        self.assertEqual(NoteTemplate.objects.count(), 1)

    def test_a_duplicate_name_or_an_empty_template_is_refused(self):
        cases = [
            (
                note_template_form(name=" alice's  INTAKE "),
                "You already have a template with this name.",
            ),
            (
                note_template_form(
                    name="Empty",
                    mood_affect="",
                    section_subjective="",
                    section_objective="",
                    section_assessment="",
                    plan="",
                    interventions="",
                ),
                "Write the text of at least one part of the note.",
            ),
        ]
        for data, message in cases:
            with self.subTest(message=message):
                response = self.client.post(reverse("note_template_create"), data)
                self.assertContains(response, escape(message))
                self.assert_redisplayed(response, {"name": data["name"].strip()})
        self.assertEqual(NoteTemplate.objects.count(), 1)

    def test_the_edit_page_shows_the_template_and_saves_changes(self):
        url = reverse("note_template_edit", args=[self.template.pk])
        self.assertContains(self.client.get(url), ALICE_TEMPLATE_TEXT)
        data = note_template_form(name="Alice's intake", section_subjective="Rewritten.")
        response = self.client.post(url, data)
        self.assertEqual(follow_messages(self.client, response), ["Template saved."])
        template = NoteTemplate.objects.get(pk=self.template.pk)
        self.assertEqual(template.sections["subjective"], "Rewritten.")

    def test_a_template_is_deleted_after_confirmation(self):
        url = reverse("note_template_delete", args=[self.template.pk])
        self.assertContains(self.client.get(url), "Delete the template “Alice&#x27;s intake”")
        response = self.client.post(url, {"confirm": "on"})
        self.assertEqual(follow_messages(self.client, response), ["Template deleted."])
        self.assertFalse(NoteTemplate.objects.exists())
        self.assertEqual(self.audit_entries(), [("alice", "note_template", str(self.template.pk))])
