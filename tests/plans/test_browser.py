"""The plans pages' scripts in a real browser (Debian's chromium): the note form's *Insert into
Goal* (GIRP) appends the goal to the Goal section, ticks it and is autosaved; the editor's *Add*
buttons add rows that are saved; neither page breaks the CSP or has an unlabelled control."""

from playwright.sync_api import expect

from plans.content import MAX_OBJECTIVES_PER_GOAL, MAX_ROWS
from plans.models import PlanVersion
from sessions.models import SessionDraft
from tests.base import make_client, make_plan, make_therapist
from tests.browser.base import BrowserTestCase, wait_until


class PlanScriptsTests(BrowserTestCase):
    def setUp(self):
        self.user = make_therapist("wren")
        self.record = make_client(self.user, full_name="Ingrid Solberg")
        make_plan(self.record)

    def test_insert_into_goal_appends_the_goal_and_ticks_it(self):
        page = self.new_page(user=self.user)
        page.goto(f"/clients/{self.record.pk}/sessions/new/")
        button = page.locator('[data-plan-goal-text="Set limits with her mother"]')
        expect(button).to_be_hidden()  # SOAP has no Goal section
        page.select_option("#id_note_format", "girp")
        expect(button).to_be_visible()
        goal = page.locator("#id_section_goal")
        goal.fill("Worked on:")
        button.click()
        expect(goal).to_have_value("Worked on:\nSet limits with her mother")
        expect(page.locator("#id_plan_goal_g1")).to_be_checked()
        page.select_option("#id_plan_rating_o1", "some_progress")
        self.assertEqual(self.unlabelled_controls(page), [])
        self.assert_clean(page)
        wait_until(
            lambda: any(
                d.payload.get("plan_goal_g1") == "on"
                and d.payload.get("plan_rating_o1") == "some_progress"
                and "Set limits" in d.payload.get("section_goal", "")
                for d in SessionDraft.objects.filter(client=self.record)
            ),
            message="the autosave of the plan's fields",
        )

    def test_the_editor_adds_rows_that_are_saved(self):
        page = self.new_page(user=self.user)
        page.goto(f"/plans/clients/{self.record.pk}/edit/")
        page.locator("[data-plan-goal='1'] [data-plan-add='objective']").click()
        page.locator("#id_goal-1-objective-2-text").fill("Lights out by eleven")
        page.locator("[data-plan-add='goal']").click()
        page.locator("#id_goal-3-text").fill("Rebuild friendships")
        page.locator("#id_goal-3-objective-0-text").fill("One call to a friend a week")
        self.assertEqual(self.unlabelled_controls(page), [])
        self.assert_clean(page)
        page.get_by_role("button", name="Save draft").click()
        expect(page.locator("h1")).to_contain_text("Treatment plan")
        draft = PlanVersion.objects.get(client=self.record, status="draft")
        self.assertEqual(
            [o["text"] for o in draft.objectives()],
            [
                "Says no to one request a week",
                "Guilt after visits below 5 of 10",
                "Six nights of sleep a week",
                "Lights out by eleven",
                "One call to a friend a week",
            ],
        )
        self.assertEqual([g["id"] for g in draft.goals()], ["g1", "g2", "g3"])
        self.assert_clean(page)

    def test_the_add_buttons_stop_at_the_limits(self):
        # The limits keep the editor's post within the fields the server reads (L6): the page
        # script must not add rows past them.
        record = make_client(self.user, full_name="Long Lists")
        objectives = [{"text": f"Objective {n}"} for n in range(MAX_OBJECTIVES_PER_GOAL - 2)]
        content = {
            "problems": [{"text": f"Problem {n}", "theme_ids": []} for n in range(MAX_ROWS - 2)],
            "goals": [{"text": "Goal", "problem_ids": [], "objectives": objectives}],
            "interventions": [],
        }
        make_plan(record, content=content)
        page = self.new_page(user=self.user)
        page.goto(f"/plans/clients/{record.pk}/edit/")
        problems = page.locator("[data-plan-list='problem'] > [data-plan-row]")
        add_problem = page.locator("[data-plan-add='problem']")
        expect(add_problem).to_be_enabled()
        add_problem.click()  # the saved rows, the blank row and this one: the limit
        expect(problems).to_have_count(MAX_ROWS)
        expect(add_problem).to_be_disabled()
        add_problem.click(force=True)
        expect(problems).to_have_count(MAX_ROWS)
        add_objective = page.locator("[data-plan-goal='0'] [data-plan-add='objective']")
        add_objective.click()
        expect(page.locator("[data-plan-goal='0'] [data-plan-objective]")).to_have_count(
            MAX_OBJECTIVES_PER_GOAL
        )
        expect(add_objective).to_be_disabled()
        expect(page.locator("[data-plan-add='goal']")).to_be_enabled()  # control: room there
        self.assert_clean(page)
