"""Hand-over mode: the client answers on the therapist's device and can reach nothing else.

Every route of the access matrix (tests/security/access_matrix.py), with alice's ids, is tried
with each method in a session in hand-over mode: all are refused (a GET goes to the locked
screen, anything else is a 403) and nothing stored changes, except the hand-over pages
themselves and the idle clock's two endpoints. The same walk without the middleware fails
(negative control). Then the questionnaire page, the locked screen, its password, and the idle
timeout."""

import time
import uuid
from unittest import mock

from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from accounts import policy
from audit.models import Action, AuditEvent
from measures.handover import ALLOWED_ROUTES, MAX_UNLOCK_FAILURES, STATE
from measures.models import Administration, HandOver
from sessions.models import SessionDraft
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


class RaceTests(HandOverCase):
    """Requests sent side by side each load the session as it was when they started. A copy of
    the session put back before each post is what every one of them saw: the counts must hold
    anyway (they are kept in the database, measures/handovers.py)."""

    def snapshot(self) -> dict:
        return dict(self.http.session.items())

    def put_back(self, saved: dict) -> None:
        session = self.http.session
        session.clear()
        session.update(saved)
        session.save()

    def test_answers_posted_side_by_side_store_one_questionnaire(self):
        saved = self.snapshot()
        first = self.http.post(reverse("handover_questionnaire"), measure_form("gad7", total=9))
        self.assertEqual(first["Location"], reverse("handover_locked"))
        self.put_back(saved)  # the second post loaded the session before the first ended
        second = self.http.post(reverse("handover_questionnaire"), measure_form("gad7", total=3))
        self.assertEqual(second["Location"], reverse("handover_locked"))
        stored = Administration.objects.exclude(pk=self.alice_administration.pk)
        self.assertEqual([row.total for row in stored], [9])

    def test_answers_after_the_device_was_given_back_are_not_stored(self):
        saved = self.snapshot()
        self.http.post(reverse("handover_give_back"))
        self.put_back(saved)
        self.http.post(reverse("handover_questionnaire"), measure_form("gad7", total=9))
        self.assertEqual(Administration.objects.count(), 1)  # alice's own, from the setup

    def test_refused_answers_leave_the_turn_open_control(self):
        self.http.post(reverse("handover_questionnaire"), {})  # nothing answered
        response = self.http.post(reverse("handover_questionnaire"), measure_form("gad7", total=9))
        self.assertEqual(response["Location"], reverse("handover_locked"))
        self.assertEqual(Administration.objects.count(), 2)

    def test_wrong_passwords_sent_side_by_side_are_all_counted(self):
        self.http.get(reverse("handover_locked"))
        saved = self.snapshot()
        statuses = []
        for attempt in range(MAX_UNLOCK_FAILURES + 3):
            if self.http.cookies.get(settings.SESSION_COOKIE_NAME):
                self.put_back(saved)
            response = self.http.post(reverse("handover_locked"), {"password": f"x{attempt}"})
            statuses.append(response.get("Location") or response.status_code)
            if response.get("Location") == reverse("login"):
                break
        self.assertEqual(statuses, [200] * (MAX_UNLOCK_FAILURES - 1) + [reverse("login")])
        self.assertEqual(
            AuditEvent.objects.filter(action=Action.HANDOVER_UNLOCK_FAILED).count(),
            MAX_UNLOCK_FAILURES,
        )
        # Kept, exhausted: a request still running finds no attempt left.
        self.assertEqual(HandOver.objects.get().attempts, MAX_UNLOCK_FAILURES)

    def test_the_limit_is_checked_before_the_password(self):
        # Five attempts already counted (still being checked, side by side): a sixth is refused
        # without its password being looked at, even the right one.
        HandOver.objects.update(attempts=MAX_UNLOCK_FAILURES)
        with mock.patch.object(type(self.alice), "check_password") as checked:
            response = self.http.post(reverse("handover_locked"), {"password": self.password})
        checked.assert_not_called()
        self.assertEqual(response["Location"], reverse("login"))
        self.assertNotIn(STATE, self.http.session)

    def test_the_right_password_within_the_limit_unlocks_control(self):
        HandOver.objects.update(attempts=MAX_UNLOCK_FAILURES - 1)
        response = self.http.post(reverse("handover_locked"), {"password": self.password})
        self.assertEqual(
            response["Location"], reverse("client_measures", args=[self.alice_client.pk])
        )
        self.assertNotIn(STATE, self.http.session)

    def test_a_request_still_running_after_the_sign_out_gets_no_check(self):
        """The fifth wrong password signs out; a post that loaded the session before that
        finds the hand-over's attempts used up, and its password is never checked."""
        saved = self.snapshot()
        HandOver.objects.update(attempts=MAX_UNLOCK_FAILURES - 1)
        self.http.post(reverse("handover_locked"), {"password": "wrong"})  # signs out
        late = self.signed_in(self.alice)  # the same state, in a session that still lives
        session = late.session
        session.update({STATE: saved[STATE]})
        session.save()
        with mock.patch.object(type(self.alice), "check_password") as checked:
            response = late.post(reverse("handover_locked"), {"password": self.password})
        checked.assert_not_called()
        self.assertEqual(response["Location"], reverse("login"))

    def test_a_hand_over_whose_row_is_gone_is_closed(self):
        HandOver.objects.all().delete()  # outside the app
        self.http.post(reverse("handover_questionnaire"), measure_form("gad7", total=9))
        self.assertEqual(Administration.objects.count(), 1)  # alice's own, from the setup
        response = self.http.post(reverse("handover_locked"), {"password": self.password})
        self.assertEqual(response["Location"], reverse("login"))

    def test_a_session_handed_over_before_the_counts_moved_gets_its_own(self):
        # A hand-over begun before this release: its state has no row; one is made from it.
        session = self.http.session
        state = dict(session[STATE], stage="locked", failures=MAX_UNLOCK_FAILURES - 1)
        del state["id"]
        session[STATE] = state
        session.save()
        HandOver.objects.all().delete()
        response = self.http.post(reverse("handover_locked"), {"password": "wrong"})
        self.assertEqual(response["Location"], reverse("login"))


class OtherTabsTests(HandOverCase):
    def test_the_idle_clock_says_the_device_is_handed_over(self):
        status = self.http.get(reverse("session_status")).json()
        self.assertEqual(status["handover"], True)
        self.assertEqual(status["locked_url"], reverse("handover_locked"))
        self.assertGreater(status["seconds_left"], 0)

    def test_outside_hand_over_the_idle_clock_says_nothing_of_it_control(self):
        status = self.signed_in(self.alice).get(reverse("session_status")).json()
        self.assertEqual(set(status), {"seconds_left"})

    def test_an_autosave_from_another_tab_is_refused_with_the_locked_screens_address(self):
        drafts = SessionDraft.objects.count()
        response = self.http.post(
            reverse("draft_autosave", args=[uuid.uuid4()]),
            {"client": str(self.alice_client.pk), "seq": "1", "subjective": "typed by the client"},
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response["X-Hand-Over"], reverse("handover_locked"))
        self.assertEqual(SessionDraft.objects.count(), drafts)

    def test_the_pages_send_their_own_origin_with_their_posts(self):
        """ "no-referrer" made Chromium post "Origin: null", which the CSRF check refuses
        (tests/browser/test_handover.py sends the forms in a browser)."""
        for name in ("handover_questionnaire", "handover_locked"):
            with self.subTest(name):
                page = self.http.get(reverse(name))
                self.assertContains(page, '<meta name="referrer" content="same-origin">')
                self.assertNotContains(page, "no-referrer")


class IdleClockTests(HandOverCase):
    def age(self, seconds: int) -> float:
        session = self.http.session
        session[policy.LAST_SEEN] = time.time() - seconds
        session.save()
        return session[policy.LAST_SEEN]

    def test_stay_signed_in_does_not_extend_the_sign_in_in_hand_over_mode(self):
        seen = self.age(300)
        answer = self.http.post(reverse("session_keepalive")).json()
        self.assertLessEqual(answer["seconds_left"], policy.idle_timeout() - 299)
        self.assertEqual(self.http.session[policy.LAST_SEEN], seen)

    def test_the_hand_over_pages_do_not_count_as_activity(self):
        seen = self.age(300)
        self.http.get(reverse("handover_questionnaire"))
        self.http.post(reverse("handover_give_back"))
        self.http.get(reverse("handover_locked"))
        self.http.post(reverse("handover_locked"), {"password": "wrong"})
        self.assertEqual(self.http.session[policy.LAST_SEEN], seen)

    def test_the_unlock_starts_the_clock_again(self):
        self.age(300)
        self.http.post(reverse("handover_locked"), {"password": self.password})
        self.assertLess(time.time() - self.http.session[policy.LAST_SEEN], 30)

    def test_stay_signed_in_extends_it_outside_hand_over_mode_control(self):
        http = self.signed_in(self.alice)
        session = http.session
        session[policy.LAST_SEEN] = time.time() - 300
        session.save()
        http.post(reverse("session_keepalive"))
        self.assertLess(time.time() - http.session[policy.LAST_SEEN], 30)
