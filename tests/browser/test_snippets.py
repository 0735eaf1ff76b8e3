"""The writing aids on the note form, in the browser: a snippet trigger typed in a section is
replaced with its text (and the autosave stores the result), Tab expands too, an unknown
trigger is left as typed; choosing a template switches the format and fills only the empty
parts, saying which it left alone."""

import re

from playwright.sync_api import expect

from sessions.models import SessionDraft
from tests.base import make_client, make_therapist
from writing import services

from .base import BrowserTestCase, wait_until

MSE = "Mental status: appearance ___; speech ___."
HOMEWORK = "Homework reviewed: ___."


class SnippetAndTemplateTests(BrowserTestCase):
    def setUp(self):
        self.user = make_therapist("wren")
        self.client_record = make_client(self.user, full_name="Ingrid Solberg")
        services.create_snippet(therapist=self.user, trigger=";mse", text=MSE)
        services.create_snippet(therapist=self.user, trigger=";hw", text=HOMEWORK)
        self.dap = services.create_template(
            therapist=self.user,
            name="DAP short",
            note_format="dap",
            sections={"data": "Data: ___.", "assessment": "Assessment: ___."},
            plan="Template plan.",
        )
        self.soap = services.create_template(
            therapist=self.user,
            name="SOAP follow-up",
            note_format="soap",
            sections={"subjective": "Since last time: ___."},
        )

    def open_form(self):
        page = self.new_page(user=self.user)
        page.goto(f"/clients/{self.client_record.pk}/sessions/new/")
        expect(page.locator("#snippet-hint")).to_contain_text(";hw, ;mse")
        return page

    def stored_draft(self, name: str, expected: str):
        """The autosaved value of the field once the server has it (a browser posts a line
        break as CR LF)."""
        return wait_until(
            lambda: next(
                (
                    d
                    for d in SessionDraft.objects.filter(client=self.client_record)
                    if (d.payload.get(name) or "").replace("\r\n", "\n") == expected
                ),
                None,
            ),
            message=f"the autosave of {name}",
        )

    def test_a_typed_trigger_is_replaced_and_autosaved(self):
        page = self.open_form()
        subjective = page.get_by_label("Subjective")
        subjective.click()
        subjective.press_sequentially("Arrived early. ;mse ")
        expect(subjective).to_have_value(f"Arrived early. {MSE} ")
        expect(page.locator("#autosave-status")).to_have_text(re.compile(r"Saved at \d"))
        self.stored_draft("section_subjective", f"Arrived early. {MSE} ")

        # Tab expands without moving on; a trigger that is not a snippet stays as typed.
        plan = page.get_by_label("Plan / homework")
        plan.click()
        plan.press_sequentially(";hw")
        plan.press("Tab")
        expect(plan).to_have_value(HOMEWORK)
        expect(plan).to_be_focused()
        plan.press_sequentially(" ;nope ")
        expect(plan).to_have_value(f"{HOMEWORK} ;nope ")
        # Enter expands and keeps the line break.
        plan.press_sequentially(";mse")
        plan.press("Enter")
        expect(plan).to_have_value(f"{HOMEWORK} ;nope {MSE}\n")
        self.stored_draft("plan", f"{HOMEWORK} ;nope {MSE}\n")
        self.assert_clean(page)

    def test_a_template_switches_the_format_and_fills_only_the_empty_parts(self):
        page = self.open_form()
        expect(page.get_by_label("Note format")).to_have_value("soap")
        page.get_by_label("Plan / homework").fill("My own plan.")
        page.get_by_label("Use template").select_option(label="DAP short (DAP)")
        expect(page.get_by_label("Note format")).to_have_value("dap")
        expect(page.get_by_label("Data", exact=True)).to_have_value("Data: ___.")
        expect(page.get_by_label("Assessment")).to_have_value("Assessment: ___.")
        expect(page.get_by_label("Plan / homework")).to_have_value("My own plan.")
        expect(page.get_by_label("Subjective")).to_be_hidden()
        status = page.locator("#template-status")
        expect(status).to_contain_text("filled Data, Assessment.")
        expect(status).to_contain_text("Left alone (already had text): Plan / homework.")
        self.stored_draft("section_data", "Data: ___.")

        # Another template replaces what the last one filled and nobody edited since.
        page.get_by_label("Assessment").press_sequentially(" Edited.")
        page.get_by_label("Use template").select_option(label="SOAP follow-up (SOAP)")
        expect(page.get_by_label("Note format")).to_have_value("soap")
        expect(page.get_by_label("Subjective")).to_have_value("Since last time: ___.")
        expect(page.get_by_label("Data", exact=True)).to_be_hidden()
        expect(page.get_by_label("Assessment")).to_have_value("Assessment: ___. Edited.")
        self.stored_draft("section_subjective", "Since last time: ___.")
        self.assert_clean(page)

    def test_the_pages_have_no_serious_axe_violations_in_either_colour_mode(self):
        snippet = services.create_snippet(therapist=self.user, trigger=";x", text="X text.")
        pages = {
            "templates and snippets": "/writing/",
            "template form": f"/writing/templates/{self.dap.pk}/edit/",
            "snippet form": f"/writing/snippets/{snippet.pk}/edit/",
            "note form with the aids": f"/clients/{self.client_record.pk}/sessions/new/",
        }
        for scheme in ("light", "dark"):
            page = self.new_page(user=self.user, bypass_csp=True, color_scheme=scheme)
            for name, url in pages.items():
                with self.subTest(page=name, scheme=scheme):
                    page.goto(url)
                    violations = self.axe_violations(page)
                    self.assertEqual(
                        violations, [], self.describe_violations(name, url, violations)
                    )
                    self.assertEqual(self.unlabelled_controls(page), [])
                    slug = name.replace(" ", "-")
                    self.screenshot(page, f"60-writing-{slug}-{scheme}")
        # A refused form too: the duplicate trigger, shown again with its error.
        page.goto("/writing/")
        page.get_by_label("Trigger").fill(";mse")
        page.get_by_label("Text").fill("Another text.")
        page.get_by_role("button", name="Add snippet").click()
        expect(page.get_by_text("You already have a snippet typed as ;mse.")).to_be_visible()
        expect(page.get_by_label("Text")).to_have_value("Another text.")
        self.assertEqual(self.axe_violations(page), [])
