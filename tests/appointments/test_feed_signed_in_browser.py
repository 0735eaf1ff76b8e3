"""The feed's address opened in a browser whose session has run out: the account checks leave
it alone (accounts.decorators.secret_address), so no redirect carries the address in `next`,
and the fetch does not count as activity."""

import time

from django.urls import reverse

from accounts import policy
from appointments import feed
from tests.base import PersonaTestCase


class ExpiredSessionFetchTests(PersonaTestCase):
    def setUp(self):
        self.sign_in(self.alice)
        self.token = feed.renew(therapist=self.alice)
        self.address = reverse("calendar_feed_ics", args=[self.token])

    def age_session(self, seconds: float) -> None:
        session = self.client.session
        session[policy.LAST_SEEN] = time.time() - seconds
        session.save()

    def test_an_idle_session_gets_the_feed_not_a_sign_in_redirect(self):
        self.age_session(policy.idle_timeout() + 60)
        response = self.client.get(self.address)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/calendar; charset=utf-8")
        # Negative control: any other page in the same state goes to sign-in, with `next`.
        other = self.client.get(reverse("appointment_week"))
        self.assertEqual(other.status_code, 302)
        self.assertIn("next=", other["Location"])

    def test_a_fetch_is_not_activity(self):
        self.age_session(120)
        before = self.client.session[policy.LAST_SEEN]
        self.client.get(self.address)
        self.assertEqual(self.client.session[policy.LAST_SEEN], before)


class RefusalFloodTests(PersonaTestCase):
    def test_refused_fetches_are_audited_up_to_the_rate_then_only_logged(self):
        from appointments.feed import REFUSALS_AUDITED_PER_MINUTE
        from audit.models import Action, AuditEvent, Outcome

        bad = reverse("calendar_feed_ics", args=["x" * 43])
        with self.assertLogs("appointments.feed", "WARNING") as logs:
            for _ in range(REFUSALS_AUDITED_PER_MINUTE + 5):
                self.assertEqual(self.client.get(bad).status_code, 404)
        denied = AuditEvent.objects.filter(action=Action.FEED_FETCHED, outcome=Outcome.DENIED)
        self.assertEqual(denied.count(), REFUSALS_AUDITED_PER_MINUTE)
        self.assertEqual(len(logs.records), 5)
        self.assertNotIn("x" * 43, " ".join(logs.output))
        # Another address is counted on its own.
        self.client.get(bad, REMOTE_ADDR="192.0.2.55")
        self.assertEqual(denied.count(), REFUSALS_AUDITED_PER_MINUTE + 1)
