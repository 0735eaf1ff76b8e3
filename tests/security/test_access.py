"""Who may reach what.

Every page needs sign-in except the login page. One therapist never reaches another's records:
the answer is 404 ("no such record"), never 403 (which would confirm the record exists) and never
200. Each refusal has a positive control: alice, the owner, gets the same URL.
"""

import datetime
from urllib.parse import quote

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.html import escape

from clients.models import Client
from sessions.models import TherapySession
from tests.base import (
    ALICE_CANARY_NAME,
    ALICE_CANARY_NOTE,
    PersonaTestCase,
    make_session,
)
from tests.builders import client_form, session_form

ALICE_EMAIL = "quillfeather@example.org"
# Whole values and the distinctive pieces of them, compared case-insensitively.
ALICE_CANARIES = [
    ALICE_CANARY_NAME,
    ALICE_CANARY_NOTE,
    ALICE_EMAIL,
    "Quillfeather",
    "Ŋarvåsdóttir",
    "zebrafinch",
    "каракатица",
]
ALICE_TODAY_NOTE = "marmoset-Ξ4-вьюрок said she keeps apologising to everyone"
BOB_CLIENT_NAME = "Bob's Own Client"

# The pages reachable without signing in (the calendar feed's address is its own key: see
# "secret link" in access_matrix.py).
PUBLIC_URL_NAMES = {"login", "calendar_feed_ics", "measure_link"}


def _named_routes(patterns=None, namespace="", converters=None):
    """(full name, converters of its path) of every named route, walking included URLconfs
    (a parameter may be in the prefix of an include)."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        found = {**(converters or {}), **entry.pattern.converters}
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_routes(entry.url_patterns, inner, found)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", found


def _canaries_in(html: str) -> list[str]:
    folded = html.casefold()
    return [canary for canary in ALICE_CANARIES if canary.casefold() in folded]


def _snapshot(obj) -> dict:
    """Every stored field of the row, decrypted, as read afresh from the database."""
    fresh = type(obj).objects.get(pk=obj.pk)
    return {field.attname: getattr(fresh, field.attname) for field in fresh._meta.concrete_fields}


class AccessTestCase(PersonaTestCase):
    """The personas, plus a session of today for each therapist (so that dashboards have data)."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        today = timezone.localdate()
        cls.alice_today = make_session(
            cls.alice_client,
            date=today,
            note={"subjective": ALICE_TODAY_NOTE},
            themes=[{"theme": cls.maternal_rejection.pk, "intensity": 2}],
        )
        cls.bob_session = make_session(
            cls.bob_client, date=today, note={"subjective": "Bob's client had a calm week."}
        )

    def kwargs_for(self, name: str, converters: dict) -> dict:
        """Real ids for the app's routes; plausible values for any route added later."""
        real = {
            "client_detail": {"pk": self.alice_client.pk},
            "client_edit": {"pk": self.alice_client.pk},
            "session_create": {"client_pk": self.alice_client.pk},
            "session_detail": {"pk": self.alice_session.pk},
            "session_edit": {"pk": self.alice_session.pk},
        }
        if name in real:
            return real[name]
        kwargs = {}
        for key, converter in converters.items():
            kind = type(converter).__name__
            kwargs[key] = {"UUIDConverter": self.alice_client.pk, "IntConverter": 1}.get(kind, "x")
        return kwargs


class SignInRequiredTests(AccessTestCase):
    def test_every_page_except_login_redirects_an_anonymous_visitor_to_the_login_page(self):
        login = reverse("login")
        checked = []
        for name, converters in _named_routes():
            if name.startswith("admin:") or name in PUBLIC_URL_NAMES:
                continue
            path = reverse(name, kwargs=self.kwargs_for(name, converters))
            with self.subTest(name=name, path=path):
                response = self.client.get(path)
                self.assertRedirects(
                    response, f"{login}?next={quote(path)}", fetch_redirect_response=False
                )
            checked.append(name)
        # The app's own pages are all among those checked (the walk found the URLconf).
        self.assertTrue(
            {
                "dashboard",
                "client_list",
                "client_create",
                "client_detail",
                "client_edit",
                "session_create",
                "session_start",
                "session_detail",
                "session_edit",
                "logout",
                "password_change",
                "password_change_done",
            }
            <= set(checked),
            checked,
        )

    def test_the_dashboard_shortcut_redirects_an_anonymous_visitor_to_the_login_page(self):
        path = f"{reverse('session_start')}?client={self.alice_client.pk}"
        response = self.client.get(path)
        self.assertRedirects(
            response,
            f"{reverse('login')}?next={quote(path, safe='/')}",
            fetch_redirect_response=False,
        )

    def test_admin_pages_redirect_an_anonymous_visitor_to_a_login_page(self):
        paths = [
            reverse("admin:index"),
            reverse("admin:clients_client_changelist"),
            reverse("admin:clients_client_change", args=[self.alice_client.pk]),
            reverse("admin:therapy_sessions_therapysession_changelist"),
            reverse("admin:therapy_sessions_therapysession_change", args=[self.alice_session.pk]),
            reverse("admin:themes_theme_changelist"),
        ]
        login_pages = (reverse("login"), reverse("admin:login"))
        for path in paths:
            with self.subTest(path=path):
                response = self.client.get(path)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(login_pages), response["Location"])
                self.assertEqual(_canaries_in(response.content.decode()), [])

    def test_the_login_page_is_open_to_anonymous_visitors(self):
        response = self.client.get(reverse("login"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Sign in")

    def test_a_signed_in_therapist_who_is_not_staff_cannot_open_the_admin(self):
        self.sign_in(self.bob)
        response = self.client.get(reverse("admin:index"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("admin:login")))


class OtherTherapistsRecordsTests(AccessTestCase):
    """bob, signed in, asks for alice's records by their real ids."""

    def valid_client_post(self) -> dict:
        return client_form(full_name="Bob was here")

    def valid_session_post(self) -> dict:
        return session_form(
            date=timezone.localdate().isoformat(),
            start_time="09:00",
            section_subjective="Bob wrote this.",
        )

    def alice_requests(self) -> list[tuple[str, str, dict | None]]:
        client, session = self.alice_client, self.alice_session
        return [
            ("GET", reverse("client_detail", args=[client.pk]), None),
            ("GET", reverse("client_edit", args=[client.pk]), None),
            ("POST", reverse("client_edit", args=[client.pk]), self.valid_client_post()),
            ("GET", reverse("session_create", args=[client.pk]), None),
            ("POST", reverse("session_create", args=[client.pk]), self.valid_session_post()),
            ("GET", reverse("session_detail", args=[session.pk]), None),
            ("GET", reverse("session_edit", args=[session.pk]), None),
            (
                "POST",
                reverse("session_edit", args=[session.pk]),
                # The edit form names the version it was loaded from (optimistic locking).
                {**self.valid_session_post(), "version": str(session.version)},
            ),
            ("GET", f"{reverse('session_start')}?client={client.pk}", None),
        ]

    def send(self, method: str, path: str, data):
        if method == "POST":
            return self.client.post(path, data)
        return self.client.get(path)

    def test_bob_gets_not_found_for_each_of_alices_records(self):
        self.sign_in(self.bob)
        for method, path, data in self.alice_requests():
            with self.subTest(method=method, path=path):
                response = self.send(method, path, data)
                self.assertEqual(response.status_code, 404)
                self.assertEqual(_canaries_in(response.content.decode()), [])

    def test_alice_reaches_the_same_urls_positive_control(self):
        self.sign_in(self.alice)
        for method, path, data in self.alice_requests():
            with self.subTest(method=method, path=path):
                response = self.send(method, path, data)
                self.assertIn(response.status_code, (200, 302))

    def test_alice_sees_her_canaries_on_her_pages_so_the_leak_check_can_fire(self):
        self.sign_in(self.alice)
        detail = self.client.get(reverse("client_detail", args=[self.alice_client.pk]))
        session = self.client.get(reverse("session_detail", args=[self.alice_session.pk]))
        self.assertIn(ALICE_CANARY_NAME, _canaries_in(detail.content.decode()))
        self.assertIn(ALICE_CANARY_NOTE, _canaries_in(session.content.decode()))

    def test_alices_data_is_unchanged_after_bobs_posts(self):
        client_before = _snapshot(self.alice_client)
        session_before = _snapshot(self.alice_session)
        sessions_before = TherapySession.objects.filter(client=self.alice_client).count()
        self.sign_in(self.bob)
        for method, path, data in self.alice_requests():
            if method == "POST":
                self.assertEqual(self.client.post(path, data).status_code, 404)
        self.assertEqual(_snapshot(self.alice_client), client_before)
        self.assertEqual(_snapshot(self.alice_session), session_before)
        self.assertEqual(
            TherapySession.objects.filter(client=self.alice_client).count(), sessions_before
        )
        self.assertEqual(Client.objects.filter(therapist=self.bob).count(), 1)

    def test_the_same_posts_by_alice_do_change_her_data_negative_control(self):
        client_before = _snapshot(self.alice_client)
        session_before = _snapshot(self.alice_session)
        self.sign_in(self.alice)
        for method, path, data in self.alice_requests():
            if method == "POST":
                self.assertEqual(self.client.post(path, data).status_code, 302, path)
        self.assertNotEqual(_snapshot(self.alice_client), client_before)
        self.assertNotEqual(_snapshot(self.alice_session), session_before)


class OwnListsTests(AccessTestCase):
    """Lists, the dashboard and search show a therapist only their own records."""

    def test_bobs_client_list_shows_only_his_client(self):
        self.sign_in(self.bob)
        response = self.client.get(reverse("client_list"))
        html = response.content.decode()
        self.assertEqual(_canaries_in(html), [])
        self.assertNotIn(str(self.alice_client.pk), html)
        self.assertContains(response, escape(BOB_CLIENT_NAME))
        self.assertEqual(response.context["clients"], [self.bob_client])
        self.assertEqual(response.context["clients"][0].session_count, 1)
        self.assertContains(response, "1 client<")

    def test_bobs_search_for_alices_client_name_finds_nothing(self):
        self.sign_in(self.bob)
        for query in (ALICE_CANARY_NAME, "quillfeather"):
            with self.subTest(query=query):
                response = self.client.post(reverse("client_list"), {"q": query})
                self.assertEqual(response.context["clients"], [])
                self.assertContains(response, "No client matches")
                # The search box echoes the query (bob typed it); nothing else of alice's shows.
                html = response.content.decode().replace(escape(query), "")
                self.assertEqual(_canaries_in(html), [])
                self.assertNotIn(str(self.alice_client.pk), html)

    def test_bobs_search_for_code_c_0001_finds_his_own_client_not_alices(self):
        self.assertEqual(self.alice_client.code, "C-0001")
        self.assertEqual(self.bob_client.code, "C-0001")
        self.sign_in(self.bob)
        response = self.client.post(reverse("client_list"), {"q": "C-0001"})
        html = response.content.decode()
        self.assertEqual(response.context["clients"], [self.bob_client])
        self.assertContains(response, escape(BOB_CLIENT_NAME))
        self.assertContains(response, reverse("client_detail", args=[self.bob_client.pk]))
        self.assertEqual(_canaries_in(html), [])
        self.assertNotIn(str(self.alice_client.pk), html)

    def test_alices_search_for_code_c_0001_finds_her_client_positive_control(self):
        self.sign_in(self.alice)
        response = self.client.post(reverse("client_list"), {"q": "C-0001"})
        self.assertEqual(response.context["clients"], [self.alice_client])
        self.assertContains(response, ALICE_CANARY_NAME)
        self.assertNotContains(response, escape(BOB_CLIENT_NAME))

    def test_bobs_dashboard_shows_only_his_sessions_and_clients(self):
        self.sign_in(self.bob)
        response = self.client.get(reverse("dashboard"))
        html = response.content.decode()
        self.assertEqual(_canaries_in(html), [])
        self.assertNotIn(str(self.alice_client.pk), html)
        self.assertNotIn(str(self.alice_today.pk), html)
        self.assertEqual([session for session, _ in response.context["recent"]], [self.bob_session])
        seen = response.context["recently_seen"]
        self.assertEqual([(e["client"], e["count"]) for e in seen], [(self.bob_client, 1)])
        choices = response.context["start_form"].fields["client"].widget.choices
        self.assertEqual([value for value, _ in choices if value], [str(self.bob_client.pk)])
        self.assertContains(response, escape(BOB_CLIENT_NAME))

    def test_alices_dashboard_shows_her_own_data_positive_control(self):
        self.sign_in(self.alice)
        response = self.client.get(reverse("dashboard"))
        html = response.content.decode()
        self.assertIn(ALICE_CANARY_NAME, _canaries_in(html))
        self.assertNotIn(escape(BOB_CLIENT_NAME), html)
        recent = [session for session, _ in response.context["recent"]]
        self.assertEqual(set(recent), {self.alice_today, self.alice_session})
        since = timezone.localdate() - datetime.timedelta(days=30)
        in_window = sum(since <= s.date <= timezone.localdate() for s in recent)
        seen = response.context["recently_seen"]
        self.assertEqual(
            [(e["client"], e["count"]) for e in seen], [(self.alice_client, in_window)]
        )
