"""writing.services: the one door for templates and snippets; what is stored, and how."""

from django.test import TestCase

from audit.models import AuditEvent
from encryption.errors import DecryptionError
from tests.base import make_therapist
from tests.records import raw, raw_column
from tests.scanning import hits, new_canary
from writing import services
from writing.models import NoteTemplate, Snippet

from .helpers import make_snippet, make_template


class StoredEncryptedTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        cls.bob = make_therapist("bob")

    def test_no_value_of_a_template_or_snippet_is_stored_in_the_clear(self):
        canaries = {name: new_canary(name) for name in ("name", "section", "mood", "plan")}
        canaries |= {"interventions": new_canary("interventions"), "text": new_canary("text")}
        template = make_template(
            self.alice,
            name=canaries["name"],
            sections={"subjective": canaries["section"]},
            mood_affect=canaries["mood"],
            plan=canaries["plan"],
            interventions=canaries["interventions"],
        )
        snippet = make_snippet(self.alice, trigger=";si-check", text=canaries["text"])
        # Positive control: the values are stored, and read back through the models.
        stored = NoteTemplate.objects.get(pk=template.pk)
        self.assertEqual(stored.name, canaries["name"])
        self.assertEqual(stored.sections, {"subjective": canaries["section"]})
        self.assertEqual(Snippet.objects.get(pk=snippet.pk).text, canaries["text"])
        columns = {
            NoteTemplate: ["name", "sections", "mood_affect", "plan", "interventions"],
            Snippet: ["trigger", "text"],
        }
        for model, names in columns.items():
            pk = template.pk if model is NoteTemplate else snippet.pk
            for column in names:
                with self.subTest(column=f"{model.__name__}.{column}"):
                    stored_bytes = raw_column(model, column, pk)
                    self.assertEqual(hits(stored_bytes, canaries.values()), [])
                    self.assertNotIn(b"si-check", stored_bytes)

    def test_the_scan_finds_a_value_stored_in_the_clear_negative_control(self):
        canary = new_canary("plain")
        type(self.alice).objects.filter(pk=self.alice.pk).update(last_name=canary[:150])
        (stored,) = raw("SELECT last_name FROM auth_user WHERE id = %s", [self.alice.pk])[0]
        self.assertEqual(hits(stored, [canary]), [f"{canary!r} (utf-8)"])

    def test_a_snippet_moved_to_another_therapist_cannot_be_read(self):
        snippet = make_snippet(self.alice, text="Alice's own phrase.")
        Snippet.objects.filter(pk=snippet.pk).update(therapist=self.bob)
        with self.assertRaises(DecryptionError):
            _ = Snippet.objects.get(pk=snippet.pk).text
        # Control: where it was written, it reads.
        Snippet.objects.filter(pk=snippet.pk).update(therapist=self.alice)
        self.assertEqual(Snippet.objects.get(pk=snippet.pk).text, "Alice's own phrase.")


class TriggerTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        cls.bob = make_therapist("bob")

    def test_a_trigger_is_unique_per_therapist(self):
        make_snippet(self.alice, trigger=";mse")
        with self.assertRaises(services.TriggerTaken):
            services.create_snippet(therapist=self.alice, trigger=" ;MSE ", text="Another.")
        self.assertEqual(Snippet.objects.for_therapist(self.alice).count(), 1)
        # Another therapist's snippets are no obstacle.
        make_snippet(self.bob, trigger=";mse")
        self.assertEqual(Snippet.objects.count(), 2)

    def test_editing_keeps_its_own_trigger_and_refuses_another_one(self):
        first = make_snippet(self.alice, trigger=";mse")
        second = make_snippet(self.alice, trigger=";hw")
        services.update_snippet(snippet=first, trigger=";mse", text="New text.")
        self.assertEqual(Snippet.objects.get(pk=first.pk).text, "New text.")
        with self.assertRaises(services.TriggerTaken):
            services.update_snippet(snippet=second, trigger=";mse", text="Taken.")
        self.assertEqual(Snippet.objects.get(pk=second.pk).trigger, ";hw")

    def test_a_malformed_trigger_is_refused(self):
        for trigger in ("mse", ";", ";a b", ";" + "x" * 20, ";é"):
            with self.subTest(trigger=trigger), self.assertRaises(ValueError):
                services.create_snippet(therapist=self.alice, trigger=trigger, text="x")
        self.assertFalse(Snippet.objects.exists())


class TemplateTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")

    def test_only_the_sections_of_the_format_with_text_are_kept(self):
        template = make_template(
            self.alice,
            note_format="dap",
            sections={"data": "D", "assessment": "", "subjective": "not DAP"},
        )
        self.assertEqual(NoteTemplate.objects.get(pk=template.pk).sections, {"data": "D"})


class StarterTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")

    def test_the_starters_are_installed_once(self):
        self.assertEqual(services.install_starters(self.alice), 4)
        self.assertEqual(services.install_starters(self.alice), 0)
        triggers = sorted(s.trigger for s in Snippet.objects.for_therapist(self.alice))
        self.assertEqual(triggers, [";hw", ";mse", ";safety"])
        (template,) = NoteTemplate.objects.for_therapist(self.alice)
        self.assertEqual(template.note_format, "soap")
        self.assertEqual(set(template.sections), {"subjective", "objective", "assessment"})
        self.assertFalse(AuditEvent.objects.exists())

    def test_a_starter_the_therapist_changed_or_removed_is_handled_by_trigger(self):
        services.install_starters(self.alice)
        mse = next(s for s in Snippet.objects.for_therapist(self.alice) if s.trigger == ";mse")
        services.update_snippet(snippet=mse, trigger=";mse", text="My own MSE.")
        hw = next(s for s in Snippet.objects.for_therapist(self.alice) if s.trigger == ";hw")
        services.delete_snippet(snippet=hw)
        self.assertEqual(services.install_starters(self.alice), 1)  # ;hw again
        mse.refresh_from_db()
        self.assertEqual(mse.text, "My own MSE.")
