"""Every URL of the app, attacked by every persona (issue 7, "Tests that attack").

The inventory comes from the URL resolver, so a new URL without an entry in the access matrix
(tests/security/access_matrix.py) fails here with its name. Each route is tried with GET,
POST, PUT and DELETE:

- anonymous: a redirect to the sign-in page (except the public pages);
- alice with the password only: a redirect to the 2FA step (except the sign-in steps);
- bob, fully signed in, with each of alice's ids: 404, nothing of hers in the body, and the
  database unchanged (a census of every table's rows);
- carol, a practice administrator: 403 on every clinical route, nothing of alice's shown.

Every check has a control showing it can fail: an unlisted URL, the middleware removed, a view
that forgets to filter by therapist.
"""

from django.conf import settings
from django.test import override_settings

from tests.security import access_matrix, attack
from tests.security.access_matrix import (
    CLINICAL,
    MATRIX,
    PRACTICE_ADMIN,
    PUBLIC,
    THERAPIST_OBJECT,
    THERAPIST_PAGE,
    TRIED_METHODS,
    inventory,
    inventory_problems,
)
from tests.security.attack import AttackCase
from tests.security.leaky_urls import LEAKY_MATRIX, LEAKY_URLS

# A few clinical routes are enough to show a check failing (the whole matrix is slow without
# the middleware: every view then runs).
SAMPLE = {
    key: MATRIX[key]
    for key in ("dashboard", "client_list", "audit_log", "client_detail", "session_detail")
}
WITHOUT_ACCOUNT_SECURITY = [
    m for m in settings.MIDDLEWARE if m != "accounts.middleware.AccountSecurityMiddleware"
]


def _lines(failures: list[str]) -> str:
    return "\n".join(failures)


def routes(kinds, method: str | None = None) -> int:
    """How many routes of the matrix are of one of ``kinds`` (and accept ``method``)."""
    return sum(
        1
        for route in MATRIX.values()
        if route.kind in kinds and (method is None or method in route.methods)
    )


class RouteInventoryCase(AttackCase):
    counts_title = "route inventory"


class InventoryTests(RouteInventoryCase):
    def test_every_url_pattern_has_an_entry_in_the_access_matrix(self):
        self.assertEqual(inventory_problems(), [], _lines(inventory_problems()))

    def test_the_walk_finds_the_included_urlconfs_and_the_admin_prefix(self):
        found, prefixes = inventory()
        keys = {item.key for item in found}
        # One route of each included URLconf, and the unnamed health check.
        self.assertLessEqual(
            {"login", "audit_log", "client_detail", "theme_edit", "search", "case_summary"}
            | {"draft_autosave", "account_reset_two_factor", "logout", "healthz"},
            keys,
        )
        self.assertEqual(prefixes, ["admin/"])
        self.assertFalse([key for key in keys if key.startswith("admin:")])
        attack.report_counts("route inventory", {"routes": len(found), "prefixes": len(prefixes)})

    def test_a_url_without_an_entry_fails_the_inventory_negative_control(self):
        with override_settings(ROOT_URLCONF=LEAKY_URLS):
            problems = inventory_problems()
        self.assertEqual(len(problems), 2, _lines(problems))
        self.assertIn("'leaky_client_detail' (/leaky/clients/<uuid:pk>/) has no entry", problems[0])
        self.assertIn("'leaky_writes_on_get'", problems[1])

    def test_an_entry_for_a_url_that_is_gone_fails_the_inventory_negative_control(self):
        matrix = {**MATRIX, "client_archive": MATRIX["client_edit"]}
        problems = inventory_problems(matrix)
        self.assertEqual(
            problems, ["access matrix entry 'client_archive' matches no URL pattern any more"]
        )

    def test_each_kind_is_used_and_each_object_route_points_at_one_of_alices_records(self):
        self.assertEqual({route.kind for route in MATRIX.values()}, access_matrix.KINDS)
        for key, route in MATRIX.items():
            if route.kind == THERAPIST_OBJECT:
                with self.subTest(key=key):
                    ids = [v for kwargs in route.ids(self) for v in kwargs.values()]
                    ids += [v for query in route.query(self) for v in query.values()]
                    self.assertTrue(ids, "an object route tried without an id proves nothing")


class AnonymousTests(RouteInventoryCase):
    def test_every_route_and_method_sends_an_anonymous_visitor_to_sign_in(self):
        failures = anonymous = attack.anonymous_failures(self, MATRIX)
        self.assertEqual(anonymous, [], _lines(failures))
        tried = self.checks_made()
        for method in TRIED_METHODS:
            self.assertGreaterEqual(tried[f"anonymous {method}"], len(MATRIX), method)


class TwoFactorStepTests(RouteInventoryCase):
    def test_every_route_and_method_sends_a_password_only_user_to_the_2fa_step(self):
        failures = attack.password_only_failures(self, MATRIX)
        self.assertEqual(failures, [], _lines(failures))
        tried = self.checks_made()
        signed_in_routes = len(MATRIX) - routes({PUBLIC})
        for method in TRIED_METHODS:
            self.assertGreaterEqual(tried[f"password only {method}"], signed_in_routes, method)

    def test_without_the_account_middleware_the_check_fails_negative_control(self):
        with override_settings(MIDDLEWARE=WITHOUT_ACCOUNT_SECURITY):
            failures = attack.password_only_failures(self, SAMPLE)
        failed = " ".join(failures)
        for key in SAMPLE:
            self.assertIn(f"({key}): 200", failed)
        self.assertIn("password only GET /admin/", failed)


class OtherTherapistTests(RouteInventoryCase):
    def test_bob_gets_404_for_each_of_alices_ids_and_changes_nothing(self):
        failures = attack.bob_failures(self, MATRIX)
        self.assertEqual(failures, [], _lines(failures))
        tried = self.checks_made()
        objects = routes({THERAPIST_OBJECT, PRACTICE_ADMIN})
        self.assertGreaterEqual(tried["bob GET"], objects + routes({THERAPIST_PAGE}, "GET"))
        for method in TRIED_METHODS[1:]:
            self.assertGreaterEqual(tried[f"bob {method}"], objects, method)

    def test_alice_reaches_the_same_routes_with_the_same_ids_positive_control(self):
        failures = attack.owner_failures(self, MATRIX)
        self.assertEqual(failures, [], _lines(failures))
        owned = routes(CLINICAL | {PRACTICE_ADMIN}, "GET")
        self.assertGreaterEqual(self.checks_made()["owner GET"], owned)

    def test_alice_sees_her_canaries_so_the_leak_check_can_fire_positive_control(self):
        client = self.signed_in(self.alice)
        pages = {
            "client_detail": ({"pk": self.alice_client.pk}, attack.ALICE_CANARY_NAME),
            "session_detail": ({"pk": self.alice_signed.pk}, "okapi-Ж3"),
            "process_note": ({"pk": self.alice_signed.pk}, "axolotl-Ϡ5"),
            "draft_detail": ({"draft_key": self.alice_draft.pk}, "quokka-Ѯ2"),
            "theme_list": ({}, "Narwhal-Ђ9"),
        }
        for key, (kwargs, canary) in pages.items():
            with self.subTest(key=key):
                response = client.get(access_matrix.path_for(key, kwargs))
                self.assertIn(canary, attack.canaries_in(response.content))
        session = client.get(access_matrix.path_for("session_detail", {"pk": self.alice_signed.pk}))
        self.assertIn("pangolin-Ю8", attack.canaries_in(session.content))

    @override_settings(ROOT_URLCONF=LEAKY_URLS)
    def test_a_view_that_forgets_the_therapist_is_caught_negative_control(self):
        failures = attack.bob_failures(self, LEAKY_MATRIX)
        leaky = [f for f in failures if "(leaky_client_detail)" in f]
        self.assertTrue(any(": 200" in f for f in leaky), _lines(failures))
        self.assertTrue(any("alice's data shown" in f for f in leaky), _lines(failures))


class PracticeAdministratorTests(RouteInventoryCase):
    def test_an_administrator_gets_403_on_every_clinical_route_and_sees_nothing(self):
        failures = attack.practice_admin_failures(self, MATRIX)
        self.assertEqual(failures, [], _lines(failures))
        tried = self.checks_made()
        for method in TRIED_METHODS:
            self.assertGreaterEqual(tried[f"practice admin {method}"], routes(CLINICAL), method)

    def test_without_the_account_middleware_the_check_fails_negative_control(self):
        with override_settings(MIDDLEWARE=WITHOUT_ACCOUNT_SECURITY):
            failures = attack.practice_admin_failures(self, SAMPLE)
        failed = " ".join(failures)
        self.assertIn("(dashboard): 200", failed)
        self.assertIn("(client_list): 200", failed)
