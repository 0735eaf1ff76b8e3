"""The page of an autosaved draft: an autosave overtaken by a later save of the note stays
visible (the edit page says so, the dashboard links to it) to its author only."""

import datetime
import uuid

from django.urls import reverse
from django.utils import timezone

from accounts.testing import sign_in
from sessions.models import SessionDraft
from tests.base import PersonaTestCase


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
