"""Cross-site request forgery, and safe methods that stay safe (issue 7).

Every route that accepts POST (from the access matrix, so a new one is covered as soon as it
is listed) refuses a POST without a valid CSRF token: 403 and not one row of the database
changed. With a valid token the same request is accepted (positive control), and with
CsrfViewMiddleware removed the tokenless POST goes through (negative control: the check sees a
missing protection).

No GET changes the database: a census of every table's rows before and after GETting every
route, as alice with her ids and anonymously. Excluded, with the reason (tests/security/
attack.py): the audit table may grow (viewing is audited by design; earlier rows must stay),
the session table (idle clock, messages), and django-otp's last-used time of a device.
"""

from django.conf import settings
from django.test import override_settings

from tests.security import attack
from tests.security.access_matrix import MATRIX, SECRET_LINK
from tests.security.attack import AttackCase, census, census_changes, rolled_back
from tests.security.csrf import POSTING, CsrfCase, new_token
from tests.security.leaky_urls import LEAKY_MATRIX, LEAKY_URLS

WITHOUT_CSRF = [m for m in settings.MIDDLEWARE if m != "django.middleware.csrf.CsrfViewMiddleware"]
NEGATIVE_SAMPLE = (
    "logout",
    "search",
    "client_edit",
    "session_sign",
    "draft_autosave",
    "account_deactivate",
)


def _lines(failures: list[str]) -> str:
    return "\n".join(failures)


class CsrfTests(CsrfCase):
    counts_title = "CSRF and safe methods"

    def test_every_post_route_is_in_the_suite(self):
        self.assertGreaterEqual(len(POSTING), 25)
        self.assertLessEqual(
            {"login", "logout", "client_edit", "draft_autosave", "search", "account_create"},
            set(POSTING),
        )

    def test_every_post_without_a_valid_token_is_refused_and_changes_nothing(self):
        failures = self.refusal_failures(POSTING)
        self.assertEqual(failures, [], _lines(failures))
        # Three tokenless POSTs to each route (refusal_failures).
        self.assertEqual(self.checks_made()["CSRF refusals"], 3 * len(POSTING))

    def test_with_a_valid_token_the_same_posts_are_accepted_positive_control(self):
        failures = []
        for key, route in POSTING.items():
            path, data = self.targets(key, route)[0]
            client = self.poster(key, route)
            secret, token = new_token()
            client.cookies[settings.CSRF_COOKIE_NAME] = secret
            with rolled_back():
                before = census()
                response = client.post(path, {**(data or {}), "csrfmiddlewaretoken": token})
                # Any table but the idle clock: an audit entry counts as storing something.
                changed = [
                    c
                    for c in census_changes(before, census(), strict=True)
                    if not c.startswith("django_session")
                ]
            attack.count("CSRF accepted")
            if response.status_code == 403 or b"CSRF" in response.content:
                failures.append(f"POST {path} ({key}) with a valid token: refused")
            elif response.status_code >= 400 and not (
                # A secret link tried with an address that is no key: the view's own 404,
                # after CSRF let the post through (tests/measures/test_links.py posts real ones).
                route.kind == SECRET_LINK and response.status_code == 404
            ):
                failures.append(f"POST {path} ({key}) with a valid token: {response.status_code}")
            if route.changes and not changed:
                failures.append(f"POST {path} ({key}) with a valid token stored nothing")
        self.assertEqual(failures, [], _lines(failures))
        self.assertEqual(self.checks_made()["CSRF accepted"], len(POSTING))

    def test_the_token_in_the_header_is_accepted_too_autosave_positive_control(self):
        route = MATRIX["draft_autosave"]
        path, data = self.targets("draft_autosave", route)[0]
        client = self.poster("draft_autosave", route)
        secret, token = new_token()
        client.cookies[settings.CSRF_COOKIE_NAME] = secret
        response = client.post(path, data, headers={"X-CSRFToken": token})
        self.assertEqual(response.json()["status"], "saved")

    @override_settings(MIDDLEWARE=WITHOUT_CSRF)
    def test_without_the_csrf_middleware_the_check_fails_negative_control(self):
        # A sample of each kind (every view runs now, which is slow).
        sample = {key: POSTING[key] for key in NEGATIVE_SAMPLE}
        failures = self.refusal_failures(sample)
        refused_keys = {key for key in sample if not any(f"({key})," in f for f in failures)}
        # Every POST route now answers without a token; those that store something do.
        self.assertEqual(refused_keys, set(), _lines(failures))
        for key in ("client_edit", "session_sign", "draft_autosave", "account_deactivate"):
            self.assertTrue(any(f"({key}), no cookie, no token: changed" in f for f in failures))

    @override_settings(MIDDLEWARE=WITHOUT_CSRF)
    def test_the_sign_in_page_stays_protected_without_the_middleware(self):
        """Django's LoginView carries csrf_protect itself: a second line of defence (which is
        why it is not in the negative control's sample)."""
        self.assertEqual(self.refusal_failures({"login": POSTING["login"]}), [])


class SafeMethodTests(AttackCase):
    counts_title = "CSRF and safe methods"

    def get_census_failures(self, matrix, client) -> list[str]:
        return attack.get_census_failures(self, matrix, client)

    def assert_every_route_got(self) -> None:
        self.assertGreaterEqual(self.checks_made()["GET census"], len(MATRIX))

    def test_no_get_by_alice_changes_the_database(self):
        failures = self.get_census_failures(MATRIX, self.signed_in(self.alice))
        self.assertEqual(failures, [], _lines(failures))
        self.assert_every_route_got()

    def test_no_get_by_an_anonymous_visitor_changes_the_database(self):
        failures = self.get_census_failures(MATRIX, self.anonymous())
        self.assertEqual(failures, [], _lines(failures))
        self.assert_every_route_got()

    def test_no_get_by_the_practice_administrator_changes_the_database(self):
        failures = self.get_census_failures(MATRIX, self.signed_in(self.carol))
        self.assertEqual(failures, [], _lines(failures))
        self.assert_every_route_got()

    def test_viewing_a_record_appends_to_the_audit_log_positive_control(self):
        """The census sees a write: the audit table grows on viewing (and is allowed to), and
        it would fail if an earlier audit row changed."""
        client = self.signed_in(self.alice)
        before = census()
        client.get(f"/clients/{self.alice_client.pk}/")
        after = census()
        self.assertGreater(len(after["audit_auditevent"]), len(before["audit_auditevent"]))
        self.assertEqual(census_changes(before, after), [])
        tampered = {**after, "audit_auditevent": after["audit_auditevent"][1:]}
        self.assertEqual(
            census_changes(before, tampered),
            ["audit_auditevent: earlier rows changed or removed"],
        )

    @override_settings(ROOT_URLCONF=LEAKY_URLS)
    def test_a_get_that_writes_is_caught_negative_control(self):
        failures = self.get_census_failures(LEAKY_MATRIX, self.signed_in(self.alice))
        self.assertTrue(failures, "the GET that writes went unnoticed")
        self.assertTrue(all("(leaky_writes_on_get)" in f for f in failures), _lines(failures))
        self.assertIn("(leaky_writes_on_get) changed clients_client", failures[0])
