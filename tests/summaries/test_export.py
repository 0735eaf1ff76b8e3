"""Exporting a client's whole record: a ZIP with record.json (valid against the published
schema) and the case summary PDF; an opaque file name, never cached, audited, 404 for others."""

import copy
import datetime
import json
import re
import unittest
from pathlib import Path

import jsonschema
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.testing import sign_in
from audit.models import Action, AuditEvent
from clients.models import Disclosure
from measures import services as measure_services
from plans import services as plan_services
from sessions.services import add_addendum
from tests.audit.helpers import new_entries
from tests.base import (
    ALICE_CANARY_NAME,
    ALICE_CANARY_NOTE,
    PersonaTestCase,
    make_client,
    make_session,
    make_signed_session,
)
from tests.builders import client_form
from tests.pages import export, exported_record, unzip
from tests.pdfs import PDFTOTEXT, ascii_canary, pdf_text

SCHEMA = json.loads((Path(settings.BASE_DIR) / "docs" / "export-schema.json").read_text())
MARKUP = '<b>&<img src="x">'


def _is_datetime(value) -> bool:
    if not isinstance(value, str):
        return True
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        return False
    return parsed.tzinfo is not None  # RFC 3339 needs a zone


FORMATS = jsonschema.FormatChecker()
if "date-time" not in FORMATS.checkers:  # jsonschema checks it only with rfc3339-validator
    FORMATS.checks("date-time")(_is_datetime)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=FORMATS)


class ExportTestCase(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        client = cls.alice_client
        client.presenting_concerns = "Low mood since the birth of her son."
        client.save()
        cls.guilt = cls.maternal_rejection.__class__.objects.get(slug="guilt")
        cls.signed_word = ascii_canary("signednote")
        cls.signed = make_signed_session(
            client,
            cls.alice,
            date=datetime.date(2026, 2, 23),
            note={"subjective": f"She said {cls.signed_word} about the visit."},
            themes=[{"theme": cls.guilt.pk, "intensity": 2}],
            risk_level="low",
            risk_notes="No plan or intent.",
        )
        cls.addendum_word = ascii_canary("addendum")
        add_addendum(session=cls.signed, author=cls.alice, text=f"Correction {cls.addendum_word}")
        cls.markup_session = make_session(
            client,
            date=datetime.date(2026, 3, 16),
            note={"subjective": f"Wrote {MARKUP} on the board."},
        )

    def setUp(self):
        self.sign_in(self.alice)

    def download(self):
        response = export(self.client, self.alice_client)
        self.assertEqual(response.status_code, 200)
        return response


class RecordJsonTests(ExportTestCase):
    def test_record_json_is_valid_against_the_published_schema(self):
        record = exported_record(self.download())
        errors = [f"{list(e.path)}: {e.message}" for e in VALIDATOR.iter_errors(record)]
        self.assertEqual(errors, [])

    def test_the_validator_catches_a_record_that_breaks_the_schema_control(self):
        record = exported_record(self.download())
        broken = {
            "unknown session key": lambda r: r["sessions"][0].update(extra="x"),
            "bad date": lambda r: r["sessions"][0].update(date="2 March"),
            "bad uuid": lambda r: r["client"].update(id="not-a-uuid"),
            "bad time stamp": lambda r: r.update(exported_at="yesterday"),
            "missing client": lambda r: r.pop("client"),
            "bad intensity": lambda r: r["sessions"][0]["themes"][0].update(intensity=4),
            "evidence not text": lambda r: r["sessions"][0]["themes"][0].update(evidence=5),
            "no evidence key": lambda r: r["sessions"][0]["themes"][0].pop("evidence"),
        }
        for what, breaks in broken.items():
            with self.subTest(what):
                changed = copy.deepcopy(record)
                breaks(changed)
                self.assertFalse(VALIDATOR.is_valid(changed))

    def test_it_holds_the_clients_data_every_session_addenda_and_themes(self):
        record = exported_record(self.download())
        self.assertEqual(record["exported_by"], {"username": "alice", "name": "Alice"})
        client = record["client"]
        self.assertEqual(client["id"], str(self.alice_client.pk))
        self.assertEqual(client["code"], "C-0001")
        self.assertEqual(client["full_name"], ALICE_CANARY_NAME)
        self.assertEqual(client["date_of_birth"], "1988-06-01")
        self.assertEqual(client["email"], "quillfeather@example.org")
        self.assertEqual(client["presenting_concerns"], "Low mood since the birth of her son.")

        sessions = record["sessions"]
        self.assertEqual(
            [s["id"] for s in sessions],
            [str(self.signed.pk), str(self.alice_session.pk), str(self.markup_session.pk)],
        )  # oldest first: 23 Feb, 2 Mar, 16 Mar
        signed, draft, markup = sessions
        self.assertEqual(signed["status"], "signed")
        self.assertEqual(signed["signed_by"]["username"], "alice")
        self.assertEqual(signed["content_hash"], self.signed.content_hash)
        self.assertEqual(
            signed["note"], {"subjective": f"She said {self.signed_word} about the visit."}
        )
        self.assertEqual(signed["risk_level"], "low")
        self.assertEqual(
            signed["themes"],
            [
                {
                    "slug": "guilt",
                    "name": self.guilt.name,
                    "category": self.guilt.category,
                    "intensity": 2,
                    "evidence": None,  # chosen by hand, not from a suggestion
                }
            ],
        )
        (addendum,) = signed["addenda"]
        self.assertEqual(addendum["text"], f"Correction {self.addendum_word}")
        self.assertEqual(addendum["author"]["username"], "alice")
        self.assertRegex(addendum["content_hash"], r"^[0-9a-f]{64}$")
        self.assertEqual(draft["status"], "draft")
        self.assertIsNone(draft["signed_at"])
        self.assertEqual(draft["note"], {"subjective": ALICE_CANARY_NOTE})
        self.assertEqual([t["slug"] for t in draft["themes"]], ["maternal-rejection"])
        self.assertEqual(draft["themes"][0]["intensity"], 3)
        self.assertEqual(markup["note"]["subjective"], f"Wrote {MARKUP} on the board.")

    def test_an_accepted_suggestion_keeps_its_evidence_phrase(self):
        """Issue 13, item 8: the phrase that suggested a theme, accepted on the session page,
        is in the export with the theme."""
        phrase = "felt dismissed by her mother"
        self.assertIn(phrase, self.alice_session.full_text())
        response = self.client.post(
            reverse("session_accept_theme", args=[self.alice_session.pk]),
            {"theme": self.guilt.pk, "version": self.alice_session.version, "evidence": phrase},
        )
        self.assertEqual(response.status_code, 302)
        record = exported_record(self.download())
        self.assertEqual(VALIDATOR.is_valid(record), True)
        draft = next(s for s in record["sessions"] if s["id"] == str(self.alice_session.pk))
        evidence = {theme["slug"]: theme["evidence"] for theme in draft["themes"]}
        self.assertEqual(evidence, {"maternal-rejection": None, "guilt": phrase})

    def test_typed_text_loses_its_surrounding_white_space_as_the_schema_says(self):
        """Issue 13, item 8: stripping is kept, and documented for each stripped field."""
        data = client_form(full_name="  Wren\u00a0Ashby \n", general_notes="\t Line one\n  two  ")
        response = self.client.post(reverse("client_edit", args=[self.alice_client.pk]), data)
        self.assertEqual(response.status_code, 302)
        client = exported_record(self.download())["client"]
        self.assertEqual(client["full_name"], "Wren\u00a0Ashby")
        self.assertEqual(client["general_notes"], "Line one\n  two")
        text = SCHEMA["$defs"]["text"]
        self.assertIn("without white space at the start and end", text["description"])
        client_props = SCHEMA["properties"]["client"]["properties"]
        session_props = SCHEMA["$defs"]["session"]["properties"]
        for props, names in (
            (client_props, ["full_name", "preferred_name", "general_notes", "closing_summary"]),
            (session_props, ["mood_affect", "risk_notes", "interventions", "plan"]),
        ):
            for name in names:
                self.assertEqual(props[name], {"$ref": "#/$defs/text"}, name)
        process = session_props["process_note"]["oneOf"][1]["properties"]["text"]
        self.assertIn("white space at the start and end is kept", process["description"])

    def test_it_holds_nothing_of_another_therapists_clients(self):
        files = unzip(self.download())
        for name, content in files.items():
            with self.subTest(name):
                self.assertNotIn(b"Bob's Own Client", content)


class DownloadTests(ExportTestCase):
    def test_the_file_name_is_the_code_and_date_never_a_name_and_it_is_not_cached(self):
        response = self.download()
        today = timezone.localdate().isoformat()
        self.assertEqual(
            response["Content-Disposition"], f'attachment; filename="C-0001-export-{today}.zip"'
        )
        self.assertRegex(
            response["Content-Disposition"], r'filename="C-\d{4}-export-\d{4}-\d{2}-\d{2}\.zip"$'
        )
        self.assertIn("no-store", response["Cache-Control"])
        self.assertEqual(set(unzip(response)), {"record.json", "case-summary.pdf", "README.txt"})
        readme = unzip(response)["README.txt"].decode()
        self.assertIn("C-0001", readme)
        self.assertNotIn("Quillfeather", readme)

    def test_opening_the_export_page_downloads_nothing_control(self):
        with new_entries() as entries:
            page = self.client.get(reverse("client_export", args=[self.alice_client.pk]))
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "Include process notes")
        self.assertNotIn("Content-Disposition", page)
        self.assertEqual(entries, [])

    def test_bob_gets_404_and_nothing_is_recorded(self):
        sign_in(self.client, self.bob)
        url = reverse("client_export", args=[self.alice_client.pk])
        with new_entries() as entries:
            self.assertEqual(self.client.get(url).status_code, 404)
            response = self.client.post(url, {})
            self.assertEqual(response.status_code, 404)
        self.assertNotIn(b"PK", response.content[:2])
        self.assertEqual(entries, [])
        self.assertFalse(Disclosure.objects.exists())

    def test_each_export_writes_one_audit_entry_and_one_disclosure(self):
        with new_entries() as entries:
            self.download()
        self.assertEqual([e.action for e in entries], [Action.EXPORT_RECORD])
        event = entries[0]
        self.assertEqual(
            (event.username, event.object_type, event.object_id, event.client_code),
            ("alice", "client", str(self.alice_client.pk), "C-0001"),
        )
        self.assertEqual(Disclosure.objects.filter(client=self.alice_client).count(), 1)
        self.download()
        self.assertEqual(AuditEvent.objects.filter(action=Action.EXPORT_RECORD).count(), 2)


class PdfTests(ExportTestCase):
    def pdf(self) -> bytes:
        return unzip(self.download())["case-summary.pdf"]

    def test_the_pdf_is_a_pdf(self):
        self.assertTrue(self.pdf().startswith(b"%PDF-"))

    @unittest.skipUnless(PDFTOTEXT, "pdftotext (poppler-utils) is not installed")
    def test_the_pdf_holds_the_notes_and_addenda(self):
        text = pdf_text(self.pdf())
        self.assertIn(f"She said {self.signed_word} about the visit.", text)
        self.assertIn(f"Correction {self.addendum_word}", text)
        self.assertIn(ALICE_CANARY_NAME, text)
        self.assertIn("CONFIDENTIAL · C-0001", text)
        self.assertIn("Draft — not signed", text)
        self.assertIn("Signed by Alice", text)

    @unittest.skipUnless(PDFTOTEXT, "pdftotext (poppler-utils) is not installed")
    def test_markup_in_a_note_prints_literally(self):
        text = pdf_text(self.pdf())
        self.assertIn(f"Wrote {MARKUP} on the board.", text)
        self.assertIsNone(re.search(r"Wrote\s+on the board", text))


def signed_plan(client, user, *, goal: str, review_date: datetime.date):
    """A plan with one problem, goal, objective and intervention, signed (plans.services)."""
    draft = plan_services.start_draft(client=client, user=user)
    content = {
        "problems": [{"text": f"Problem of {goal}", "theme_ids": []}],
        "goals": [
            {
                "text": goal,
                "problem_ids": [],
                "objectives": [{"text": f"Objective of {goal}", "target_date": "2026-09-01"}],
            }
        ],
        "interventions": [{"text": f"Intervention for {goal}", "goal_ids": []}],
    }
    draft = plan_services.save_draft(
        version=draft,
        user=user,
        content=content,
        review_date=review_date,
        expected_version=draft.version,
    )
    return plan_services.sign_version(version=draft, user=user)


class MeasuresAndPlanTests(ExportTestCase):
    """Issue 16: the questionnaires, the measures due, the plan with every version, and each
    note's progress, of this client only."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        client, alice = cls.alice_client, cls.alice
        cls.phq9 = measure_services.record_administration(
            client=client,
            measure_slug="phq9",
            answers={1: 3, 2: 2, 3: 2, 4: 2, 5: 1, 6: 2, 7: 1, 8: 1, 9: None},
            administered_on=datetime.date(2026, 2, 23),
            user=alice,
        )
        cls.gad7 = measure_services.record_administration(
            client=client,
            measure_slug="gad7",
            answers={1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1},
            administered_on=datetime.date(2026, 3, 2),
            user=alice,
            source="handover",
        )
        measure_services.set_schedule(client=client, user=alice, due={"phq9": "every_session"})
        cls.goal_word = ascii_canary("goal")
        cls.version = signed_plan(
            client, alice, goal=f"Feel {cls.goal_word}", review_date=datetime.date(2026, 6, 1)
        )
        cls.goal_id = cls.version.goals()[0]["id"]
        cls.objective_id = cls.version.objectives()[0]["id"]
        cls.draft = plan_services.start_draft(client=client, user=alice)  # version 2, unsigned
        cls.progress = plan_services.record_progress(
            session=cls.alice_session,
            user=alice,
            goals_addressed=[cls.goal_id],
            objectives={cls.objective_id: {"rating": "some_progress", "comment": "Calmer."}},
        )
        # Rows of other clients that must stay out: alice's second client and bob's client.
        cls.other = make_client(alice, full_name="Alice's Other Client")
        cls.other_word = ascii_canary("othergoal")
        for other_client, user in ((cls.other, alice), (cls.bob_client, cls.bob)):
            measure_services.record_administration(
                client=other_client,
                measure_slug="gad7",
                answers={number: 3 for number in range(1, 8)},
                administered_on=datetime.date(2026, 3, 3),
                user=user,
            )
            measure_services.set_schedule(
                client=other_client, user=user, due={"gad7": "every_4_weeks"}
            )
            signed_plan(
                other_client, user, goal=cls.other_word, review_date=datetime.date(2026, 7, 1)
            )

    def record(self) -> dict:
        return exported_record(self.download())

    def test_the_record_with_measures_and_a_plan_is_valid_against_the_schema(self):
        record = self.record()
        self.assertEqual(record["schema_version"], 3)
        errors = [f"{list(e.path)}: {e.message}" for e in VALIDATOR.iter_errors(record)]
        self.assertEqual(errors, [])

    def test_the_validator_catches_broken_measures_and_plans_control(self):
        record = self.record()
        broken = {
            "no measures key": lambda r: r.pop("measures"),
            "unknown source": lambda r: r["measures"][0].update(source="post"),
            "answer not a number": lambda r: r["measures"][0]["answers"].update({"1": "3"}),
            "bad status": lambda r: r["measures"][0].update(status="done"),
            "bad frequency": lambda r: r["measures_due"].update(phq9="weekly"),
            "plan version without status": lambda r: r["treatment_plan"]["versions"][0].pop(
                "status"
            ),
            "bad objective id": lambda r: r["treatment_plan"]["versions"][0]["content"]["goals"][0][
                "objectives"
            ][0].update(id="x1"),
            "bad rating": lambda r: next(s for s in r["sessions"] if s["plan_progress"])[
                "plan_progress"
            ]["objectives"][0].update(rating="better"),
            "session without progress key": lambda r: r["sessions"][0].pop("plan_progress"),
        }
        for what, breaks in broken.items():
            with self.subTest(what):
                changed = copy.deepcopy(record)
                breaks(changed)
                self.assertFalse(VALIDATOR.is_valid(changed))

    def test_each_questionnaire_is_exported_as_scored(self):
        phq9, gad7 = self.record()["measures"]
        self.assertEqual(phq9["id"], str(self.phq9.pk))
        self.assertEqual(
            (phq9["measure"], phq9["measure_name"]), ("phq9", self.phq9.measure_obj.name)
        )
        self.assertEqual(phq9["administered_on"], "2026-02-23")
        self.assertEqual(phq9["answers"]["1"], 3)
        self.assertIsNone(phq9["answers"]["9"])
        self.assertEqual(phq9["total"], self.phq9.total)
        self.assertEqual(phq9["status"], self.phq9.status)
        self.assertEqual(phq9["band"], self.phq9.band_label)
        self.assertEqual(phq9["source"], "therapist")
        self.assertEqual(phq9["recorded_by"]["username"], "alice")
        self.assertEqual(
            (gad7["measure"], gad7["total"], gad7["source"]), ("gad7", 7.0, "handover")
        )
        self.assertEqual(gad7["status"], "complete")
        self.assertEqual(self.record()["measures_due"], {"phq9": "every_session"})

    def test_the_plan_carries_every_version_and_each_notes_progress(self):
        record = self.record()
        plan = record["treatment_plan"]
        signed, draft = plan["versions"]
        self.assertEqual((signed["number"], signed["status"]), (1, "signed"))
        self.assertEqual(signed["signed_by"]["username"], "alice")
        self.assertEqual(signed["content_hash"], self.version.content_hash)
        self.assertEqual(signed["review_date"], "2026-06-01")
        (goal,) = signed["content"]["goals"]
        self.assertEqual(goal["text"], f"Feel {self.goal_word}")
        self.assertEqual(goal["objectives"][0]["target_date"], "2026-09-01")
        self.assertEqual(
            signed["content"]["interventions"][0]["text"], f"Intervention for Feel {self.goal_word}"
        )
        self.assertEqual((draft["number"], draft["status"]), (2, "draft"))
        self.assertIsNone(draft["signed_at"])
        self.assertEqual(draft["content"], signed["content"])  # a new draft starts as a copy
        by_id = {session["id"]: session for session in record["sessions"]}
        self.assertEqual(
            by_id[str(self.alice_session.pk)]["plan_progress"],
            {
                "plan_version": str(self.version.pk),
                "plan_version_number": 1,
                "goals_addressed": [self.goal_id],
                "objectives": [
                    {
                        "objective": self.objective_id,
                        "rating": "some_progress",
                        "comment": "Calmer.",
                    }
                ],
            },
        )
        self.assertIsNone(by_id[str(self.signed.pk)]["plan_progress"])

    def test_only_this_clients_rows_are_exported(self):
        record = self.record()
        self.assertEqual(len(record["measures"]), 2)
        self.assertEqual(len(record["treatment_plan"]["versions"]), 2)
        content = unzip(self.download())["record.json"]
        self.assertNotIn(self.other_word.encode(), content)
        other = exported_record(export(self.client, self.other))
        self.assertIn(self.other_word, json.dumps(other))  # control: it is in the other's
        self.assertEqual([m["measure"] for m in other["measures"]], ["gad7"])
        self.assertEqual(other["measures_due"], {"gad7": "every_4_weeks"})

    def test_a_client_with_no_measures_or_plan_exports_empty_parts(self):
        empty = make_client(self.alice, full_name="Nobody Yet")
        record = exported_record(export(self.client, empty))
        self.assertEqual((record["measures"], record["measures_due"]), ([], {}))
        self.assertIsNone(record["treatment_plan"])
        self.assertEqual(VALIDATOR.is_valid(record), True)

    @unittest.skipUnless(PDFTOTEXT, "pdftotext (poppler-utils) is not installed")
    def test_the_pdf_in_the_zip_carries_the_measures_and_the_plan(self):
        text = pdf_text(unzip(self.download())["case-summary.pdf"])
        self.assertIn(self.goal_word, text)
        self.assertIn("PHQ-9", text)
        self.assertNotIn(self.other_word, text)
