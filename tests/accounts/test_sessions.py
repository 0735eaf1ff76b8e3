"""Session policy: idle timeout, absolute lifetime, signing out everywhere, password change."""

import time

from django.test import Client, override_settings
from django.urls import reverse

from accounts import policy
from accounts.testing import sign_in
from audit.models import Action
from tests.audit.helpers import new_entries
from tests.base import ALICE_CANARY_NAME, PASSWORD, PersonaTestCase


class IdleAndLifetimeTests(PersonaTestCase):
    def setUp(self):
        sign_in(self.client, self.alice)

    def age_session(self, *, idle: float = 0, since_sign_in: float = 0):
        session = self.client.session
        now = time.time()
        session[policy.LAST_SEEN] = now - idle
        session[policy.SIGNED_IN_AT] = now - since_sign_in
        session.save()

    def test_fifteen_idle_minutes_end_the_session_with_a_message(self):
        self.age_session(idle=15 * 60 + 1, since_sign_in=3600)
        with new_entries() as entries:
            response = self.client.get(reverse("client_list"), follow=True)
        self.assertEqual(response.redirect_chain[0][0], f"{reverse('login')}?next=%2Fclients%2F")
        self.assertContains(response, "signed out after 15 minutes without activity")
        self.assertNotContains(response, ALICE_CANARY_NAME)
        self.assertIn(Action.SIGN_OUT, [e.action for e in entries])
        # Gone for good: a later request is anonymous.
        self.assertEqual(self.client.get(reverse("client_list")).status_code, 302)

    def test_fourteen_idle_minutes_do_not(self):
        self.age_session(idle=14 * 60, since_sign_in=3600)
        self.assertContains(self.client.get(reverse("client_list")), ALICE_CANARY_NAME)

    @override_settings(SESSION_IDLE_TIMEOUT=300)
    def test_the_idle_timeout_is_configurable(self):
        self.age_session(idle=301, since_sign_in=600)
        self.assertEqual(self.client.get(reverse("client_list")).status_code, 302)

    def test_activity_keeps_the_session_going(self):
        self.age_session(idle=14 * 60, since_sign_in=3600)
        self.client.get(reverse("client_list"))
        self.assertLess(time.time() - self.client.session[policy.LAST_SEEN], 60)

    def test_asking_for_the_time_left_is_not_activity(self):
        self.age_session(idle=14 * 60, since_sign_in=3600)
        response = self.client.get(reverse("session_status"))
        left = response.json()["seconds_left"]
        self.assertTrue(50 <= left <= 60, left)
        self.assertGreaterEqual(time.time() - self.client.session[policy.LAST_SEEN], 14 * 60)

    def test_stay_signed_in_resets_the_idle_clock(self):
        self.age_session(idle=14 * 60, since_sign_in=3600)
        response = self.client.post(reverse("session_keepalive"))
        self.assertGreater(response.json()["seconds_left"], 14 * 60)

    def test_stay_signed_in_resets_the_clock_even_just_after_other_activity(self):
        # Activity is written at most every 20 s; the button must not be subject to that.
        self.age_session(idle=10, since_sign_in=3600)
        response = self.client.post(reverse("session_keepalive"))
        self.assertGreaterEqual(response.json()["seconds_left"], 15 * 60 - 2)

    def test_twelve_hours_after_sign_in_the_session_ends_even_when_busy(self):
        self.age_session(idle=0, since_sign_in=12 * 3600 + 1)
        response = self.client.get(reverse("client_list"), follow=True)
        self.assertContains(response, "12-hour limit")
        self.assertNotContains(response, ALICE_CANARY_NAME)

    def test_a_session_not_started_by_the_sign_in_is_refused(self):
        other = Client()
        other.force_login(self.alice)  # no sign-in marks, no second factor
        session = other.session
        for key in (policy.SIGNED_IN_AT, policy.LAST_SEEN):
            session.pop(key, None)
        session.save()
        self.assertEqual(other.get(reverse("client_list")).status_code, 302)

    def test_the_page_carries_the_timeout_for_its_warning(self):
        page = self.client.get(reverse("dashboard"))
        self.assertContains(page, 'data-idle-timeout="900"')
        self.assertContains(page, "/static/js/idle.js")


class EndingOtherSessionsTests(PersonaTestCase):
    def test_signing_out_ends_the_other_sessions(self):
        laptop, phone = Client(), Client()
        sign_in(laptop, self.alice)
        sign_in(phone, self.alice)
        self.assertEqual(phone.get(reverse("client_list")).status_code, 200)

        laptop.post(reverse("logout"))

        response = phone.get(reverse("client_list"), follow=True)
        self.assertContains(response, "You were signed out")
        self.assertNotContains(response, ALICE_CANARY_NAME)

    def test_another_users_sign_out_ends_nothing_of_alices(self):
        alice, bob = Client(), Client()
        sign_in(alice, self.alice)
        sign_in(bob, self.bob)
        bob.post(reverse("logout"))
        self.assertContains(alice.get(reverse("client_list")), ALICE_CANARY_NAME)

    def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(self):
        laptop, phone = Client(), Client()
        sign_in(laptop, self.alice)
        sign_in(phone, self.alice)
        new = "a-brand-new-password-for-2027"
        response = laptop.post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        )
        self.assertRedirects(response, reverse("password_change_done"))
        self.assertContains(laptop.get(reverse("client_list")), ALICE_CANARY_NAME)
        self.assertEqual(phone.get(reverse("client_list")).status_code, 302)

    def test_the_session_key_changes_with_the_password(self):
        sign_in(self.client, self.alice)
        before = self.client.session.session_key
        new = "a-brand-new-password-for-2027"
        self.client.post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        )
        self.assertNotEqual(self.client.session.session_key, before)

    def test_negative_control_without_the_epoch_check_the_other_session_survives(self):
        laptop, phone = Client(), Client()
        sign_in(laptop, self.alice)
        sign_in(phone, self.alice)
        laptop.post(reverse("logout"))
        original = policy.expiry_reason

        def ignoring_epoch(session, *, epoch, now=None):
            return original(session, epoch=session.get(policy.EPOCH), now=now)

        policy.expiry_reason = ignoring_epoch
        try:
            self.assertEqual(phone.get(reverse("client_list")).status_code, 200)
        finally:
            policy.expiry_reason = original
