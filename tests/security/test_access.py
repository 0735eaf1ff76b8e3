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

from accounts.testing import password_works, sign_in_through_pages, totp_device, unused_code
from clients.models import Client
from sessions.models import TherapySession
from tests.base import (
    ALICE_CANARY_NAME,
    ALICE_CANARY_NOTE,
    PASSWORD,
    PersonaTestCase,
    make_session,
)

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

# The pages reachable without signing in.
PUBLIC_URL_NAMES = {"login"}


def _named_routes(patterns=None, namespace=""):
    """(full name, URLPattern) of every named route, walking included URLconfs."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_routes(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


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

    def kwargs_for(self, name: str, route: URLPattern) -> dict:
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
        for key, converter in route.pattern.converters.items():
            kind = type(converter).__name__
            kwargs[key] = {"UUIDConverter": self.alice_client.pk, "IntConverter": 1}.get(kind, "x")
        return kwargs


class SignInRequiredTests(AccessTestCase):
    def test_every_page_except_login_redirects_an_anonymous_visitor_to_the_login_page(self):
        login = reverse("login")
        checked = []
        for name, route in _named_routes():
            if name.startswith("admin:") or name in PUBLIC_URL_NAMES:
                continue
            path = reverse(name, kwargs=self.kwargs_for(name, route))
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
        return {
            "full_name": "Bob was here",
            "status": "active",
            "intake_date": "2026-01-05",
        }

    def valid_session_post(self) -> dict:
        return {
            "date": timezone.localdate().isoformat(),
            "start_time": "09:00",
            "duration_minutes": "50",
            "session_type": "individual",
            "modality": "in_person",
            "note_format": "soap",
            "section_subjective": "Bob wrote this.",
            "risk_level": "none",
        }

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


class AccountPagesTests(AccessTestCase):
    def test_login_page_shows_a_crispy_form(self):
        response = self.client.get(reverse("login"))
        self.assertContains(response, 'id="div_id_username"')
        self.assertContains(response, 'id="div_id_password"')
        self.assertContains(response, "form-control")

    def test_signing_in_with_the_right_password_and_code_opens_the_dashboard(self):
        response = sign_in_through_pages(self.client, "alice", PASSWORD)
        self.assertRedirects(response, reverse("dashboard"), fetch_redirect_response=False)
        response = self.client.get(response.url)
        self.assertContains(response, "Dashboard")
        self.assertContains(response, ALICE_CANARY_NAME)

    def test_signing_in_with_a_wrong_password_shows_an_error_and_keeps_the_username(self):
        response = self.client.post(reverse("login"), {"username": "alice", "password": "wrong"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Please enter a correct username and password")
        self.assertContains(response, 'value="alice"')
        self.assertContains(response, "alert-danger")
        self.assertRedirects(
            self.client.get(reverse("dashboard")),
            f"{reverse('login')}?next=/",
            fetch_redirect_response=False,
        )

    def test_signing_in_returns_to_the_page_asked_for(self):
        path = reverse("client_detail", args=[self.alice_client.pk])
        totp_device(self.alice)
        response = self.client.post(
            f"{reverse('login')}?next={quote(path)}",
            {"username": "alice", "password": PASSWORD, "next": path},
        )
        # The path travels through the second step.
        self.assertRedirects(
            response,
            f"{reverse('two_factor_verify')}?next={quote(path, safe='')}",
            fetch_redirect_response=False,
        )
        response = self.client.post(
            response.url, {"otp_token": unused_code(totp_device(self.alice))}
        )
        self.assertRedirects(response, path, fetch_redirect_response=False)

    def test_signing_out_by_post_ends_the_session(self):
        self.sign_in(self.alice)
        self.assertEqual(self.client.get(reverse("dashboard")).status_code, 200)
        response = self.client.post(reverse("logout"))
        self.assertRedirects(response, reverse("login"), fetch_redirect_response=False)
        after = self.client.get(reverse("client_list"))
        self.assertRedirects(
            after, f"{reverse('login')}?next=/clients/", fetch_redirect_response=False
        )

    def test_password_change_page_shows_a_crispy_form(self):
        self.sign_in(self.alice)
        response = self.client.get(reverse("password_change"))
        self.assertEqual(response.status_code, 200)
        for name in ("old_password", "new_password1", "new_password2"):
            self.assertContains(response, f'id="div_id_{name}"')
        self.assertContains(response, "form-control")

    def test_changing_the_password_works_and_the_old_one_stops_working(self):
        self.sign_in(self.alice)
        new_password = "another-long-test-password-2027"
        response = self.client.post(
            reverse("password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": new_password,
                "new_password2": new_password,
            },
            follow=True,
        )
        self.assertEqual(response.redirect_chain[-1][0], reverse("password_change_done"))
        self.assertContains(response, "Password changed")
        self.client.post(reverse("logout"))
        self.assertFalse(password_works("alice", PASSWORD))
        self.assertTrue(password_works("alice", new_password))

    def test_changing_the_password_with_a_wrong_old_password_shows_an_error(self):
        self.sign_in(self.alice)
        response = self.client.post(
            reverse("password_change"),
            {
                "old_password": "not-it",
                "new_password1": "another-long-test-password-2027",
                "new_password2": "another-long-test-password-2027",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Your old password was entered incorrectly")
        self.assertTrue(password_works("alice", PASSWORD))
