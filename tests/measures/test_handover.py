"""Hand-over mode: the client answers on the therapist's device and can reach nothing else.

Every route of the access matrix (tests/security/access_matrix.py), with alice's ids, is tried
with each method in a session in hand-over mode: all are refused (a GET goes to the locked
screen, anything else is a 403) and nothing stored changes, except the hand-over pages
themselves and the idle clock's two endpoints. The same walk without the middleware fails
(negative control). Then the questionnaire page, the locked screen, its password, and the idle
timeout."""

import time

from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from accounts import policy
from audit.models import Action, AuditEvent
from measures.handover import ALLOWED_ROUTES, MAX_UNLOCK_FAILURES, STATE
from measures.models import Administration
from tests.builders import measure_form
from tests.security.access_matrix import MATRIX, PREFIX_PROBES, TRIED_METHODS
from tests.security.attack import AttackCase, census, census_changes

WITHOUT_HANDOVER = [m for m in settings.MIDDLEWARE if m != "measures.handover.HandOverMiddleware"]
SAMPLE = ("client_detail", "session_detail", "search", "dashboard", "client_measures")


def handed_over(case, user=None, slug="gad7"):
    """A signed-in client (browser) in hand-over mode for alice's client."""
    http = case.signed_in(user or case.alice)
    response = http.post(reverse("handover_start", args=[case.alice_client.pk, slug]))
    assert response.status_code == 302, response.status_code
    assert response["Location"] == reverse("handover_questionnaire")
    return http


def refusal_failures(case, http, matrix) -> tuple[list[str], int]:
    """Every route of ``matrix`` but the hand-over ones, every method: (failures, refusals)."""
    failures, refused = [], 0
    locked = reverse("handover_locked")
    before = census()
    for key, route in matrix.items():
        if key in ALLOWED_ROUTES:
            continue
        for path, data in case.targets(key, route):
            for method in TRIED_METHODS:
                response = case.send(http, method, path, data)
                if method == "GET":
                    ok = response.status_code == 302 and response["Location"] == locked
                else:
                    ok = response.status_code == 403
                if ok:
                    refused += 1
                else:
                    where = response.get("Location", "")
                    failures.append(f"{method} {path} ({key}): {response.status_code} {where}")
    for paths in PREFIX_PROBES.values():
        for path in [*paths, "/no-such-page/", "/static/../clients/"]:
            response = http.get(path)
            if response.status_code == 302 and response["Location"] == locked:
                refused += 1
            else:
                failures.append(f"GET {path}: {response.status_code}")
    # Refused before any view (and before the idle clock): not one row changes, sessions too.
    failures += [f"changed {c}" for c in census_changes(before, census(), strict=True)]
    return failures, refused


class HandOverLockdownTests(AttackCase):
    counts_title = "hand-over"

    def test_every_route_and_method_is_refused_in_hand_over_mode(self):
        http = handed_over(self)
        failures, refused = refusal_failures(self, http, MATRIX)
        self.assertEqual(failures, [], "\n".join(failures))
        # A census floor: every other route, each method, each of alice's ids at least once.
        routes = len(MATRIX) - len(ALLOWED_ROUTES & set(MATRIX))
        self.assertGreaterEqual(refused, routes * len(TRIED_METHODS))
        self.assertGreaterEqual(refused, 300)
        self.assertIn(STATE, http.session)

    @override_settings(MIDDLEWARE=WITHOUT_HANDOVER)
    def test_without_the_middleware_the_walk_fails_negative_control(self):
        http = handed_over(self)
        failures, _ = refusal_failures(self, http, {key: MATRIX[key] for key in SAMPLE})
        failed = "\n".join(failures)
        self.assertIn(f"GET {reverse('client_detail', args=[self.alice_client.pk])}", failed)
        self.assertIn("(search): 200", failed)

    def test_the_client_page_is_reachable_outside_hand_over_positive_control(self):
        http = self.signed_in(self.alice)
        response = http.get(reverse("client_detail", args=[self.alice_client.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, self.alice_client.code)

    def test_the_idle_clock_endpoints_stay_reachable(self):
        http = handed_over(self)
        self.assertEqual(http.get(reverse("session_status")).status_code, 200)
        self.assertEqual(http.post(reverse("session_keepalive")).status_code, 200)


class HandOverCase(AttackCase):
    def setUp(self):
        super().setUp()
        self.http = handed_over(self)


class QuestionnaireTests(HandOverCase):
    def test_the_page_shows_only_the_questions(self):
        response = self.http.get(reverse("handover_questionnaire"))
        html = response.content.decode()
        self.assertContains(response, "Feeling nervous, anxious, or on edge")
        for absent in (
            self.alice_client.full_name,
            self.alice_client.code,
            "Quillfeather",
            "navbar",
            "Search",
            "<a ",
            "alice",
        ):
            with self.subTest(absent=absent):
                self.assertNotIn(absent, html)

    def test_the_answers_are_stored_as_the_clients_and_the_device_locks(self):
        response = self.http.post(
            reverse("handover_questionnaire"), measure_form("gad7", total=9, leave_out=[7])
        )
        self.assertEqual(response["Location"], reverse("handover_locked"))
        stored = Administration.objects.exclude(pk=self.alice_administration.pk).get()
        self.assertEqual(
            (stored.measure, stored.source, stored.status), ("gad7", "handover", "prorated")
        )
        # Answered once: the questionnaire is gone, only the locked screen remains.
        again = self.http.get(reverse("handover_questionnaire"))
        self.assertEqual(again["Location"], reverse("handover_locked"))
        locked = self.http.get(reverse("handover_locked"))
        self.assertContains(locked, "hand the device back to your therapist")
        self.assertNotContains(locked, self.alice_client.code)

    def test_nothing_answered_shows_the_questions_again(self):
        response = self.http.post(reverse("handover_questionnaire"), {})
        self.assertContains(response, "Answer at least one question.")
        self.assertNotContains(response, self.alice_client.code)
        self.assertEqual(Administration.objects.count(), 1)  # alice's own, from the setup

    def test_giving_the_device_back_locks_it_without_answers(self):
        response = self.http.post(reverse("handover_give_back"))
        self.assertEqual(response["Location"], reverse("handover_locked"))
        self.assertEqual(
            self.http.get(reverse("handover_questionnaire"))["Location"],
            reverse("handover_locked"),
        )

    def test_leaving_the_questionnaire_ends_the_clients_turn(self):
        self.http.get(reverse("client_list"))  # refused: to the locked screen
        self.http.get(reverse("handover_locked"))
        self.assertEqual(
            self.http.get(reverse("handover_questionnaire"))["Location"],
            reverse("handover_locked"),
        )


class UnlockTests(HandOverCase):
    def unlock(self, password):
        return self.http.post(reverse("handover_locked"), {"password": password})

    def test_a_wrong_password_keeps_it_locked_and_is_audited(self):
        response = self.unlock("not-the-password")
        self.assertContains(response, "That is not the password")
        self.assertIn(STATE, self.http.session)
        self.assertEqual(
            self.http.get(reverse("client_detail", args=[self.alice_client.pk]))["Location"],
            reverse("handover_locked"),
        )
        self.assertEqual(AuditEvent.objects.filter(action=Action.HANDOVER_UNLOCK_FAILED).count(), 1)

    def test_another_users_password_does_not_unlock(self):
        self.bob.set_password("bobs-own-long-password-2026")
        self.bob.save()
        self.unlock("bobs-own-long-password-2026")
        self.assertIn(STATE, self.http.session)

    def test_the_therapists_password_unlocks_and_returns_to_the_clients_measures(self):
        response = self.unlock(self.password)
        self.assertRedirects(
            response,
            reverse("client_measures", args=[self.alice_client.pk]),
            fetch_redirect_response=False,
        )
        self.assertNotIn(STATE, self.http.session)
        page = self.http.get(reverse("client_detail", args=[self.alice_client.pk]))
        self.assertEqual(page.status_code, 200)
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        self.assertLessEqual({Action.HANDOVER_STARTED, Action.HANDOVER_ENDED}, actions)

    def test_five_wrong_passwords_end_the_sign_in(self):
        for attempt in range(MAX_UNLOCK_FAILURES - 1):
            self.assertEqual(self.unlock(f"wrong-{attempt}").status_code, 200)
        response = self.unlock("wrong-again")
        self.assertEqual(response["Location"], reverse("login"))
        self.assertEqual(
            AuditEvent.objects.filter(action=Action.HANDOVER_UNLOCK_FAILED).count(),
            MAX_UNLOCK_FAILURES,
        )
        dashboard = self.http.get(reverse("dashboard"))
        self.assertTrue(dashboard["Location"].startswith(reverse("login")))
        # Signing in again does not bring the hand-over or its failures back.
        self.assertNotIn(STATE, self.http.session)


class IdleTimeoutTests(HandOverCase):
    def expire(self):
        session = self.http.session
        session[policy.LAST_SEEN] = time.time() - policy.idle_timeout() - 1
        session.save()

    def test_the_idle_timeout_lands_on_the_sign_in_page(self):
        self.expire()
        # What idle.js does at the deadline: ask for the time left, then reload the page.
        status = self.http.get(reverse("session_status"))
        self.assertTrue(status["Location"].startswith(reverse("login")))
        page = self.http.get(reverse("handover_questionnaire"))
        self.assertTrue(page["Location"].startswith(reverse("login")))
        login = self.http.get(page["Location"])
        self.assertEqual(login.status_code, 200)
        self.assertNotContains(login, self.alice_client.code)
        self.assertNotIn(STATE, self.http.session)

    def test_a_refused_address_after_the_timeout_also_ends_on_the_sign_in_page(self):
        self.expire()
        response = self.http.get(reverse("client_list"), follow=True)
        self.assertEqual(response.redirect_chain[-1][0].split("?")[0], reverse("login"))
        self.assertNotContains(response, self.alice_client.code)
