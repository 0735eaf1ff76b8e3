"""Review follow-ups: codes never reused, keyed content seal, superseded autosaves visible."""

import datetime
import hashlib
import json
import uuid

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.testing import sign_in
from audit.keys import reset_audit_key
from clients.models import Client
from sessions.models import SessionDraft
from tests.base import PersonaTestCase, make_client, make_session


class ClientCodesAreNeverReusedTests(PersonaTestCase):
    def test_a_new_client_after_an_erasure_gets_a_fresh_code(self):
        self.sign_in(self.alice)
        second = make_client(self.alice, full_name="Second Client")
        self.assertEqual(second.code, "C-0002")
        response = self.client.post(
            reverse("client_erase", args=[second.pk]), {"confirm_code": "C-0002"}
        )
        self.assertEqual(response.status_code, 302)
        third = make_client(self.alice, full_name="Third Client")
        # Negative control: "highest existing number + 1" would hand out C-0002 again.
        self.assertEqual(
            max(Client.objects.filter(therapist=self.alice).values_list("number", flat=True)), 3
        )
        self.assertEqual(third.code, "C-0003")

    def test_numbering_is_per_therapist(self):
        self.assertEqual(make_client(self.bob, full_name="Another").code, "C-0002")
        self.assertEqual(make_client(self.alice, full_name="Yet another").code, "C-0002")


class KeyedContentSealTests(PersonaTestCase):
    def test_the_seal_is_not_a_plain_hash_of_the_content(self):
        session = make_session(self.alice_client, note={"narrative": "Did not attend."})
        seal = session.content_digest()
        self.assertRegex(seal, r"^[0-9a-f]{64}$")
        canonical = json.dumps(
            {
                "id": str(session.pk),
                "client": str(session.client_id),
                "date": session.date.isoformat(),
                "start_time": session.start_time.isoformat(),
                "duration_minutes": session.duration_minutes,
                "session_type": session.session_type,
                "modality": session.modality,
                "note_format": session.note_format,
                "next_appointment": None,
                "note": session.note,
                "mood_affect": session.mood_affect,
                "risk_level": session.risk_level,
                "risk_notes": session.risk_notes,
                "interventions": session.interventions,
                "plan": session.plan,
                "themes": session.themes,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        self.assertNotEqual(seal, hashlib.sha256(canonical.encode()).hexdigest())

    def test_the_seal_depends_on_the_audit_key(self):
        session = make_session(self.alice_client)
        seal = session.content_digest()
        try:
            with override_settings(AUDIT_HMAC_KEY="b3RoZXItdGVzdC1hdWRpdC1rZXktMzItYnl0ZXMhISE="):
                reset_audit_key()
                self.assertNotEqual(session.content_digest(), seal)
        finally:
            reset_audit_key()
        self.assertEqual(session.content_digest(), seal)


class SupersededAutosaveTests(PersonaTestCase):
    def test_an_autosave_overtaken_by_a_later_save_stays_visible(self):
        self.sign_in(self.alice)
        draft = SessionDraft.objects.create(
            id=uuid.uuid4(),
            client=self.alice_client,
            session=self.alice_session,
            author=self.alice,
            seq=1,
            saved_at=timezone.now() - datetime.timedelta(hours=2),
            payload={"section_subjective": "Text typed in a tab that was closed"},
        )
        edit = self.client.get(reverse("session_edit", args=[self.alice_session.pk]))
        self.assertContains(edit, "was not saved into this note")
        dashboard = self.client.get(reverse("dashboard"))
        self.assertContains(dashboard, reverse("draft_detail", args=[draft.pk]))
        page = self.client.get(reverse("draft_detail", args=[draft.pk]))
        self.assertContains(page, "Text typed in a tab that was closed")
        sign_in(self.client, self.bob)
        self.assertEqual(self.client.get(reverse("draft_detail", args=[draft.pk])).status_code, 404)
