"""The admin shows the audit log read-only, without IP addresses or ids."""

from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse

from accounts.testing import sign_in
from audit.models import Action, AuditEvent
from audit.services import log_event
from tests.audit.helpers import request_from


class AuditAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = get_user_model().objects.create_superuser("root", password="x" * 16)
        cls.entry = log_event(
            action=Action.VIEW_CLIENT, request=request_from(cls.admin, ip="198.51.100.23")
        )

    def setUp(self):
        sign_in(self.client, self.admin)

    def test_the_list_shows_entries_without_ip_addresses(self):
        response = self.client.get(reverse("admin:audit_auditevent_changelist"))

        self.assertContains(response, "Viewed client")
        self.assertNotContains(response, "198.51.100.23")

    def test_nothing_can_be_added_changed_or_deleted(self):
        add = self.client.get(reverse("admin:audit_auditevent_add"))
        delete = self.client.post(
            reverse("admin:audit_auditevent_delete", args=[self.entry.pk]), {"post": "yes"}
        )
        change = self.client.post(
            reverse("admin:audit_auditevent_change", args=[self.entry.pk]),
            {"username": "mallory"},
        )

        self.assertEqual(add.status_code, 403)
        self.assertEqual(delete.status_code, 403)
        self.assertEqual(change.status_code, 403)
        self.assertEqual(AuditEvent.objects.get(pk=self.entry.pk).username, "root")

    def test_an_entry_can_be_viewed(self):
        response = self.client.get(reverse("admin:audit_auditevent_change", args=[self.entry.pk]))

        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, 'name="_save"')
