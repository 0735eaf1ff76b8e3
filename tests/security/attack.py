"""Shared by the route inventory and CSRF suites: alice's records of every kind, the personas,
a census of the whole database, and the checks, each returning its failures as lines (so that
the negative controls can show a check failing without failing themselves)."""

import copy
import datetime
import hashlib
import uuid
from collections import Counter
from contextlib import contextmanager
from urllib.parse import urlparse

from django.db import connection, transaction
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from accounts import policy
from accounts.models import Account
from accounts.testing import sign_in, totp_device
from appointments import services as appointment_services
from measures import services as measure_services
from measures.catalogue import get_measure
from measures.scoring import answers_for_total
from plans import services as plan_services
from sessions import services as session_services
from sessions.models import SessionDraft
from summaries import jobs as summary_jobs
from summaries.pdf import SummaryOptions
from tests.base import (
    ALICE_CANARY_NAME,
    ALICE_CANARY_NOTE,
    PASSWORD,
    PLAN_CONTENT,
    PersonaTestCase,
    make_plan,
    make_session,
    make_therapist,
)
from themes.models import Theme
from writing import services as writing_services

from .access_matrix import (
    CLINICAL,
    PRACTICE_ADMIN,
    PREFIX_PROBES,
    PUBLIC,
    SECRET_LINK,
    SIGN_IN_STEP,
    THERAPIST_OBJECT,
    THERAPIST_PAGE,
    TRIED_METHODS,
    Route,
    path_for,
)
from .counts import report

ALICE_SIGNED_NOTE = "okapi-Ж3-ξυλόφωνο slept badly before the anniversary"
ALICE_ADDENDUM = "pangolin-Ю8 correction: the anniversary is in May"
ALICE_PROCESS_NOTE = "axolotl-Ϡ5 countertransference: protective urge"
ALICE_DRAFT_TEXT = "quokka-Ѯ2 unsaved: mentions the sister's wedding"
ALICE_THEME_NAME = "Narwhal-Ђ9 grief of the lost homeland"
ALICE_TEMPLATE_TEXT = "tapir-Ӂ4 template: the flood again"
ALICE_SNIPPET_TEXT = "ocelot-Ԓ1 snippet: grounding"
ALICE_APPOINTMENT_REMARK = "capybara-Ѣ6 remark: asked to move to evenings"
ALICE_PLAN_GOAL = "marmoset-Ӭ7 goal: visit her mother without apologising"
# Whole values and distinctive pieces, compared case-insensitively.
ALICE_CANARIES = [
    ALICE_CANARY_NAME,
    ALICE_CANARY_NOTE,
    "quillfeather",
    "Ŋarvåsdóttir",
    "zebrafinch",
    "каракатица",
    "okapi-Ж3",
    "pangolin-Ю8",
    "axolotl-Ϡ5",
    "quokka-Ѯ2",
    "Narwhal-Ђ9",
    "tapir-Ӂ4",
    "ocelot-Ԓ1",
    "capybara-Ѣ6",
    "marmoset-Ӭ7",
]

# Every request the checks below make, by kind ("bob POST"): each test asserts how many it made
# (AttackCase.checks_made) and reports them for the run's summary (counts.py).
CHECKS: Counter = Counter()


def count(what: str, n: int = 1) -> None:
    CHECKS[what] += n


def report_counts(title: str, counter: Counter) -> None:
    """Printed to stderr (pytest -s shows it) and summed at the end of the run (counts.py)."""
    for what, n in sorted(counter.items()):
        report(f"{title}: {what}", n)


def canaries_in(body: bytes | str) -> list[str]:
    text = body.decode(errors="replace") if isinstance(body, bytes) else body
    folded = text.casefold()
    return [c for c in ALICE_CANARIES if c.casefold() in folded]


# --- the census -------------------------------------------------------------------------------

# Tables whose rows may change on a request that must not change anything, and why:
# appended by design (audit/services.log_event on every viewing; rows may only be added, the
# census still checks that every earlier row is kept unchanged).
APPEND_ONLY = {"audit_auditevent": "audit entries are appended by design (VIEW_CLIENT etc.)"}
IGNORED_TABLES = {
    # The idle clock: every request of a signed-in user stores its last-seen time (and
    # messages) in the session.
    "django_session": "idle clock (accounts.policy.touch) and flash messages",
}
IGNORED_COLUMNS = {
    # django-otp notes when a device was last used to sign in.
    "otp_totp_totpdevice": {"last_used_at"},
    "otp_static_staticdevice": {"last_used_at"},
}


def _value(value):
    if isinstance(value, memoryview):
        return bytes(value)
    return value


_QUERIES: dict[tuple, list[tuple[str, str]]] = {}


def _census_queries() -> list[tuple[str, str]]:
    """(table, SELECT of its columns) for every table; introspected once per database."""
    key = (connection.vendor, connection.settings_dict["NAME"])
    if key not in _QUERIES:
        quote = connection.ops.quote_name
        queries = []
        with connection.cursor() as cursor:
            for table in sorted(connection.introspection.table_names(cursor)):
                columns = [
                    quote(column.name)
                    for column in connection.introspection.get_table_description(cursor, table)
                    if column.name not in IGNORED_COLUMNS.get(table, ())
                ]
                sql = f"SELECT {', '.join(columns)} FROM {quote(table)}"  # noqa: S608
                queries.append((table, sql))
        _QUERIES[key] = queries
    return _QUERIES[key]


def census() -> dict[str, list[str]]:
    """Every row of every table, as sorted reprs (the count and a hash are derived)."""
    result = {}
    with connection.cursor() as cursor:
        for table, sql in _census_queries():
            cursor.execute(sql)
            result[table] = sorted(repr(tuple(map(_value, row))) for row in cursor.fetchall())
    return result


def digest(rows: list[str]) -> str:
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:12]


def census_changes(before: dict, after: dict, *, strict: bool = False) -> list[str]:
    """Tables whose rows changed; `strict` ignores no table (for requests refused outright)."""
    changed = []
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table, []), after.get(table, [])
        if not strict and table in IGNORED_TABLES:
            continue
        if not strict and table in APPEND_ONLY:
            if not Counter(old) <= Counter(new):
                changed.append(f"{table}: earlier rows changed or removed")
            continue
        if old != new:
            changed.append(
                f"{table}: {len(old)} rows #{digest(old)} -> {len(new)} rows #{digest(new)}"
            )
    return changed


@contextmanager
def rolled_back():
    """Whatever the block writes is undone at its end."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# --- the test case: alice's records of every kind, and the personas --------------------------


class AttackCase(PersonaTestCase):
    password = PASSWORD
    # The title of the suite's counts in the run's summary.
    counts_title = "attacks"

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.alice_theme = Theme.objects.create(
            name=ALICE_THEME_NAME, slug="narwhal-homeland", category="relational", owner=cls.alice
        )
        cls.alice_signed = make_session(
            cls.alice_client,
            date=timezone.localdate(),
            note={"subjective": ALICE_SIGNED_NOTE},
            themes=[{"theme": cls.alice_theme.pk, "intensity": 2}],
        )
        session_services.sign_session(
            session=cls.alice_signed, signer=cls.alice, expected_version=cls.alice_signed.version
        )
        cls.alice_signed.refresh_from_db()
        session_services.add_addendum(
            session=cls.alice_signed, author=cls.alice, text=ALICE_ADDENDUM
        )
        session_services.save_process_note(session=cls.alice_signed, text=ALICE_PROCESS_NOTE)
        cls.alice_draft = SessionDraft.objects.create(
            pk=uuid.uuid4(),
            client=cls.alice_client,
            session=None,
            author=cls.alice,
            seq=1,
            base_version=0,
            saved_at=timezone.now(),
            payload={"note_format": "soap", "section_subjective": ALICE_DRAFT_TEXT},
        )
        cls.bob_new_draft_key = uuid.uuid4()
        cls.bob_session = make_session(cls.bob_client)
        (cls.alice_appointment,) = appointment_services.schedule(
            therapist=cls.alice,
            client=cls.alice_client,
            start=timezone.now() + datetime.timedelta(days=1),
            details=appointment_services.Details(remark=ALICE_APPOINTMENT_REMARK),
        )
        cls.alice_template = writing_services.create_template(
            therapist=cls.alice,
            name="Alice's template",
            note_format="soap",
            sections={"subjective": ALICE_TEMPLATE_TEXT},
        )
        cls.alice_snippet = writing_services.create_snippet(
            therapist=cls.alice, trigger=";ocelot", text=ALICE_SNIPPET_TEXT
        )
        # A treatment plan: version 1 signed (its goal a canary), version 2 a draft.
        plan = copy.deepcopy(PLAN_CONTENT)
        plan["goals"][0]["text"] = ALICE_PLAN_GOAL
        cls.alice_plan = make_plan(cls.alice_client, content=plan)
        cls.alice_plan_draft = plan_services.start_draft(client=cls.alice_client, user=cls.alice)
        # A large case summary prepared for download (summaries/jobs.py), built here at once.
        cls.alice_prepared = summary_jobs.prepare_summary(
            client=cls.alice_client, user=cls.alice, options=SummaryOptions()
        )
        summary_jobs.build_prepared(cls.alice_prepared.pk)
        # A questionnaire of alice's client, so that the measures pages draw a chart.
        cls.alice_administration = measure_services.record_administration(
            client=cls.alice_client,
            measure_slug="phq9",
            answers=answers_for_total(get_measure("phq9"), 12),
            administered_on=timezone.localdate(),
            user=cls.alice,
        )
        # A practice administrator: manages accounts, must never see a clinical record.
        cls.carol = make_therapist("carol")
        account = Account.for_user(cls.carol)
        account.is_practice_admin = True
        account.save()
        for user in (cls.alice, cls.bob, cls.carol):
            totp_device(user)
            Account.for_user(user)

    def setUp(self):
        super().setUp()
        self._checks_before = CHECKS.copy()
        self.addCleanup(lambda: report_counts(self.counts_title, self.checks_made()))

    def checks_made(self) -> Counter:
        """The requests this test has checked so far, by kind (see ``count``)."""
        return CHECKS - self._checks_before

    # personas: each a fresh django.test.Client -----------------------------------------------

    def anonymous(self, **kwargs) -> HttpClient:
        return HttpClient(**kwargs)

    def signed_in(self, user, **kwargs) -> HttpClient:
        """Password and 2FA passed."""
        client = HttpClient(**kwargs)
        sign_in(client, user)
        return client

    def password_only(self, user, **kwargs) -> HttpClient:
        """What the password step leaves: signed in, not verified."""
        client = HttpClient(**kwargs)
        client.force_login(user)
        session = client.session
        policy.start(session, epoch=Account.for_user(user).session_epoch)
        session.save()
        return client

    # requests -----------------------------------------------------------------------------

    def targets(self, key: str, route: Route) -> list[tuple[str, dict | None]]:
        """(path, POST body) of every way of pointing the route at alice's records."""
        return [
            (path_for(key, kwargs, query), route.data(self))
            for kwargs in route.ids(self)
            for query in route.query(self)
        ]

    def cross_targets(self, key: str, route: Route) -> list[tuple[str, dict | None]]:
        return [(path_for(key, kwargs, query), data) for kwargs, query, data in route.cross(self)]

    @staticmethod
    def send(client: HttpClient, method: str, path: str, data=None):
        if method == "POST":
            return client.post(path, data or {})
        return client.generic(method, path)


def _where(response) -> str:
    return urlparse(response.get("Location", "")).path


def _is_redirect_to(response, url_name: str) -> bool:
    return response.status_code == 302 and _where(response) == reverse(url_name)


def _secret_link_ok(route: Route, method: str, response) -> bool:
    """An address that is no key (the matrix gives no working one): 404 to anyone, the other
    methods 405; never a redirect (to sign in or to the 2FA step)."""
    return response.status_code == (404 if method in route.methods else 405)


def _describe(response) -> str:
    where = f" -> {_where(response)}" if response.status_code in (301, 302) else ""
    return f"{response.status_code}{where}"


# --- the checks: each returns its failures -----------------------------------------------------


def anonymous_failures(case: AttackCase, matrix: dict[str, Route]) -> list[str]:
    """Every route and method: a redirect to the sign-in page, except the public ones."""
    failures = []
    before = census()
    client = case.anonymous()
    for key, route in matrix.items():
        for path, _ in case.targets(key, route):
            for method in TRIED_METHODS:
                # No body: a visitor without an account (alice's password would sign in).
                response = case.send(client, method, path)
                count(f"anonymous {method}")
                if route.kind == PUBLIC:
                    ok = (
                        response.status_code < 500 and not _is_redirect_to(response, "login")
                        if method in route.methods | route.loose
                        else response.status_code == 405
                    )
                elif route.kind == SECRET_LINK:
                    ok = _secret_link_ok(route, method, response)
                else:
                    ok = _is_redirect_to(response, "login")
                if not ok:
                    failures.append(f"anonymous {method} {path} ({key}): {_describe(response)}")
                if canaries_in(response.content):
                    failures.append(f"anonymous {method} {path}: alice's data in the body")
    for paths in PREFIX_PROBES.values():
        for path in paths:
            response = client.get(path)
            count("anonymous GET")
            if path == reverse("admin:login"):
                ok = response.status_code == 200  # the admin's own (public) login page
            else:
                ok = _where(response) in (reverse("login"), reverse("admin:login"))
            if not ok:
                failures.append(f"anonymous GET {path}: {_describe(response)}")
    # Anonymous requests store nothing (a POST to the login page without a password either).
    failures += [f"anonymous requests changed {c}" for c in census_changes(before, census())]
    return failures


def password_only_failures(case: AttackCase, matrix: dict[str, Route]) -> list[str]:
    """Signed in with the password only: every route and method sends alice to the 2FA step,
    except the sign-in steps themselves (and public pages, which need no sign-in)."""
    failures = []
    shared = case.password_only(case.alice)
    for key, route in matrix.items():
        if route.kind == PUBLIC:
            continue
        for path, data in case.targets(key, route):
            for method in TRIED_METHODS:
                # A fresh client for the sign-in steps: they may end or advance the session.
                client = case.password_only(case.alice) if route.kind == SIGN_IN_STEP else shared
                response = case.send(client, method, path, data)
                if route.kind == SIGN_IN_STEP:
                    # Signing out ends every session of alice's, the shared one too.
                    shared = case.password_only(case.alice)
                count(f"password only {method}")
                if route.kind == SIGN_IN_STEP:
                    allowed = method in route.methods | route.loose
                    if not allowed:
                        ok = response.status_code == 405
                    elif key == "logout":  # signing out: back to the sign-in page
                        ok = _is_redirect_to(response, "login")
                    else:
                        ok = response.status_code < 400 and not _is_redirect_to(response, "login")
                elif route.kind == SECRET_LINK:
                    ok = _secret_link_ok(route, method, response)
                else:
                    ok = _is_redirect_to(response, "two_factor_verify")
                if not ok:
                    failures.append(f"password only {method} {path} ({key}): {_describe(response)}")
                if canaries_in(response.content):
                    failures.append(f"password only {method} {path}: alice's data in the body")
    client = case.password_only(case.alice)
    for paths in PREFIX_PROBES.values():
        for path in paths:
            response = client.get(path)
            count("password only GET")
            if not _is_redirect_to(response, "two_factor_verify"):
                failures.append(f"password only GET {path}: {_describe(response)}")
    return failures


def bob_failures(case: AttackCase, matrix: dict[str, Route]) -> list[str]:
    """bob, fully signed in, with each of alice's ids: 404 on every object route and method it
    accepts (405 on the others), the administrator's routes 404, no canary on any page, and
    nothing stored changes."""
    failures = []
    client = case.signed_in(case.bob)
    before = census()
    for key, route in matrix.items():
        if route.kind not in {THERAPIST_OBJECT, THERAPIST_PAGE, PRACTICE_ADMIN}:
            continue
        targets = case.targets(key, route)
        if route.kind == THERAPIST_PAGE:
            # His own lists and forms: read them (a POST would store his own records).
            methods = [m for m in TRIED_METHODS if m in route.methods and m == "GET"]
        else:
            methods = list(TRIED_METHODS)
            targets += case.cross_targets(key, route)
        for path, data in targets:
            for method in methods:
                response = case.send(client, method, path, data)
                count(f"bob {method}")
                if route.kind == THERAPIST_PAGE:
                    ok = response.status_code in (200, 302)
                elif method in route.methods or method in route.loose:
                    ok = response.status_code == 404
                else:
                    ok = response.status_code in (404, 405)
                if not ok:
                    failures.append(f"bob {method} {path} ({key}): {_describe(response)}")
                if found := canaries_in(response.content):
                    failures.append(f"bob {method} {path} ({key}): alice's data shown {found}")
    for paths in PREFIX_PROBES.values():
        for path in paths:
            response = client.get(path)
            count("bob GET")
            # He is not staff: the admin's login page (which says so), or a redirect to it.
            ok = (
                response.status_code == 200
                if path == reverse("admin:login")
                else _where(response) == reverse("admin:login")
            )
            if not ok or canaries_in(response.content):
                failures.append(f"bob GET {path}: {_describe(response)}")
    failures += [f"bob's requests changed {c}" for c in census_changes(before, census())]
    return failures


def practice_admin_failures(case: AttackCase, matrix: dict[str, Route]) -> list[str]:
    """carol, a practice administrator (fully signed in): 403 on every clinical route and
    method, with alice's ids, nothing of alice's shown and nothing stored changes."""
    failures = []
    client = case.signed_in(case.carol)
    before = census()
    for key, route in matrix.items():
        if route.kind not in CLINICAL:
            continue
        for path, data in case.targets(key, route) + case.cross_targets(key, route):
            for method in TRIED_METHODS:
                response = case.send(client, method, path, data)
                count(f"practice admin {method}")
                if response.status_code != 403:
                    failures.append(
                        f"practice admin {method} {path} ({key}): {_describe(response)}"
                    )
                if found := canaries_in(response.content):
                    failures.append(f"practice admin {method} {path}: alice's data {found}")
    for paths in PREFIX_PROBES.values():
        for path in paths:
            response = client.get(path)
            count("practice admin GET")
            if response.status_code != 403:
                failures.append(f"practice admin GET {path}: {_describe(response)}")
    # Refused before any view ran: not even the idle clock moves.
    failures += [
        f"the administrator's refused requests changed {c}"
        for c in census_changes(before, census(), strict=True)
    ]
    return failures


def owner_failures(case: AttackCase, matrix: dict[str, Route]) -> list[str]:
    """Positive control for bob's 404s: alice reaches every object route (GET) with the same ids
    and sees her records there; carol reaches the administrator's pages."""
    failures = []
    alice = case.signed_in(case.alice)
    carol = case.signed_in(case.carol)
    for key, route in matrix.items():
        if "GET" not in route.methods:
            continue
        if route.kind in CLINICAL:
            client = alice
        elif route.kind == PRACTICE_ADMIN:
            client = carol
        else:
            continue
        for path, _ in case.targets(key, route):
            response = client.get(path)
            count("owner GET")
            if response.status_code not in (200, 302):
                failures.append(f"owner GET {path} ({key}): {_describe(response)}")
    return failures


def get_census_failures(case: AttackCase, matrix: dict[str, Route], client) -> list[str]:
    """GET every route (with alice's ids): no table changes but the excluded ones."""
    failures = []
    for key, route in matrix.items():
        for path, _ in case.targets(key, route):
            before = census()
            client.get(path)
            count("GET census")
            failures += [
                f"GET {path} ({key}) changed {c}" for c in census_changes(before, census())
            ]
    return failures
