"""The access matrix: every URL pattern of the app, what kind of page it is, which methods its
view accepts, and how to point it at alice's records.

tests/security/test_route_inventory.py walks the URL resolver and fails, naming the pattern,
when a route has no entry here (or an entry names a route that is gone). Adding a URL means
adding a line here, and with it every attack of the route inventory and CSRF suites.

Kinds, and what each persona must get (checked in tests/security/attack.py):

- "public": open to anonymous visitors (login, health check).
- "sign-in step": part of signing in or out; reachable after the password, before the code
  (views marked ``@before_two_factor``).
- "own account": the signed-in user's own account (2FA, password, idle clock); marked
  ``@practice_admin_allowed``, since administrators have accounts too.
- "therapist page": a clinical page without an id of a record (lists, forms, search).
- "therapist object": a clinical page about one record, whose id is in the URL (or the query).
  Another therapist gets 404 for it; a practice administrator gets 403.
- "practice admin": account management, for practice administrators only (others get 404).
- "secret link": no sign-in at all, the secret in the address is the key (the calendar feed,
  fetched by calendar programs that send no cookie). Tried with an address that is no key: 404
  for GET whoever asks (anonymous, password only), 405 for the other methods, never a redirect
  to a sign-in step (which would put the secret in ``next``). tests/appointments/test_feed.py
  tries the working, renewed and revoked addresses.

Entries give builders that take the test case (see attack.AttackCase for its objects):
``ids`` the URL kwargs (one dict per record to try), ``query`` a query string, ``data`` the POST
body alice would send (valid where cheap, so that the CSRF suite's positive control really
stores something: ``changes=True`` says it must), ``cross`` extra requests that mix bob's own
records with alice's ids (bob must get 404 for each).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.builders import (
    addendum_form,
    autosave_form,
    client_form,
    discharge_form,
    erase_form,
    measure_form,
    note_template_form,
    plan_form,
    process_note_form,
    session_form,
    snippet_form,
    summary_form,
    theme_form,
)

PUBLIC = "public"
SIGN_IN_STEP = "sign-in step"
OWN_ACCOUNT = "own account"
THERAPIST_PAGE = "therapist page"
THERAPIST_OBJECT = "therapist object"
PRACTICE_ADMIN = "practice admin"
SECRET_LINK = "secret link"
KINDS = {
    PUBLIC,
    SIGN_IN_STEP,
    OWN_ACCOUNT,
    THERAPIST_PAGE,
    THERAPIST_OBJECT,
    PRACTICE_ADMIN,
    SECRET_LINK,
}
CLINICAL = {THERAPIST_PAGE, THERAPIST_OBJECT}

GET, POST, PUT, DELETE = "GET", "POST", "PUT", "DELETE"
# The methods every route is tried with; those it does not accept must be refused.
TRIED_METHODS = (GET, POST, PUT, DELETE)


def _none(case) -> list[dict]:
    return [{}]


def _no_data(case) -> dict:
    return {}


@dataclass(frozen=True)
class Route:
    kind: str
    methods: frozenset[str]
    ids: Callable = _none
    query: Callable = _none
    data: Callable = _no_data
    changes: bool = False
    cross: Callable = lambda case: []
    # Methods outside `methods` that the view does not answer with 405 but treats like another
    # method (Django's FormView maps PUT to POST, with an empty body): refused all the same.
    loose: frozenset[str] = field(default_factory=frozenset)
    note: str = ""


def _m(*methods: str) -> frozenset[str]:
    return frozenset(methods)


# Whole prefixes not walked route by route, with the reason.
PREFIXES = {
    "admin/": "Django's admin: staff only, behind its own login; no therapist or practice "
    "administrator is staff. Checked by its index and login page below, not per model.",
}
# Paths of the prefixes tried per persona (anonymous: a login page; password only: the 2FA
# step; practice administrator: 403; bob: the admin's own login, he is not staff).
PREFIX_PROBES = {"admin/": ["/admin/", "/admin/login/", "/admin/clients/client/"]}


def _today() -> str:
    return timezone.localdate().isoformat()


# The bodies are the builders' (tests/builders.py); tests/security/test_form_charset.py posts
# them encoded as latin-1, so they hold no character outside it.
def _client_post(case) -> dict:
    return client_form(full_name="Posted Client")


def _session_post(case) -> dict:
    return session_form(date=_today(), start_time="09:00", section_subjective="Posted note.")


def _autosave_post(case, client=None) -> dict:
    return autosave_form(
        client=client or case.alice_client,
        seq=99,
        base_version=0,
        note_format="soap",
        section_subjective="Typed text, autosaved.",
    )


def _calendar_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:posted@example\r\n"
        "DTSTART:20270104T100000Z\r\nSUMMARY:C-0001\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    return SimpleUploadedFile("posted.ics", ics.encode(), content_type="text/calendar")


def _theme_post(case) -> dict:
    return theme_form(name="Posted theme", description="A theme posted by a test.")


MATRIX: dict[str, Route] = {
    # --- signing in and out -----------------------------------------------------------------
    "healthz": Route(PUBLIC, _m(GET), note="unnamed pattern; config/health.py, require_safe"),
    "login": Route(
        PUBLIC,
        _m(GET, POST),
        data=lambda case: {"username": "alice", "password": case.password},
        loose=_m(PUT),
        note="Django's LoginView (a FormView: PUT is handled as a POST with an empty body)",
    ),
    "logout": Route(SIGN_IN_STEP, _m(POST), changes=True, note="ends every session of the user"),
    "two_factor_verify": Route(
        SIGN_IN_STEP,
        _m(GET, POST),
        data=lambda case: {"otp_token": "000000"},
    ),
    "two_factor_setup": Route(
        SIGN_IN_STEP,
        _m(GET, POST),
    ),
    # --- the user's own account -------------------------------------------------------------
    "two_factor_manage": Route(
        OWN_ACCOUNT,
        _m(GET, POST),
        data=lambda case: {"action": "renew", "password": case.password},
        changes=True,
    ),
    "session_status": Route(OWN_ACCOUNT, _m(GET)),
    "session_keepalive": Route(OWN_ACCOUNT, _m(POST)),
    "password_change": Route(
        OWN_ACCOUNT,
        _m(GET, POST),
        data=lambda case: {
            "old_password": case.password,
            "new_password1": "a-new-long-test-password-2027",
            "new_password2": "a-new-long-test-password-2027",
        },
        changes=True,
        loose=_m(PUT),
        note="Django's PasswordChangeView (a FormView: PUT is a POST with an empty body)",
    ),
    "password_change_done": Route(OWN_ACCOUNT, _m(GET)),
    # The credentials printed on the case summaries the user prepares (issue 16).
    "account_details": Route(
        OWN_ACCOUNT,
        _m(GET, POST),
        data=lambda case: {"credentials": "MSc, UKCP registered psychotherapist"},
        changes=True,
    ),
    # --- practice administrator ---------------------------------------------------------------
    "account_list": Route(
        PRACTICE_ADMIN,
        _m(GET),
    ),
    "account_create": Route(
        PRACTICE_ADMIN,
        _m(GET, POST),
        data=lambda case: {
            "username": "dave",
            "first_name": "Dave",
            "password": "a-long-password-for-dave-2026",
        },
        changes=True,
    ),
    "account_deactivate": Route(
        PRACTICE_ADMIN, _m(POST), ids=lambda case: [{"pk": case.alice.pk}], changes=True
    ),
    "account_reactivate": Route(
        PRACTICE_ADMIN, _m(POST), ids=lambda case: [{"pk": case.alice.pk}], changes=True
    ),
    "account_reset_two_factor": Route(
        PRACTICE_ADMIN, _m(POST), ids=lambda case: [{"pk": case.alice.pk}], changes=True
    ),
    # --- an address that is its own key -----------------------------------------------------
    "calendar_feed_ics": Route(
        SECRET_LINK,
        _m(GET),
        ids=lambda case: [{"token": "x" * 43}, {"token": "not-a-token"}],
        note="appointments/feed_views.py; HEAD too (require_safe)",
    ),
    # --- clinical pages without a record id ------------------------------------------------
    "dashboard": Route(THERAPIST_PAGE, _m(GET)),
    "audit_log": Route(THERAPIST_PAGE, _m(GET)),
    "client_list": Route(
        THERAPIST_PAGE,
        _m(GET, POST),
        query=lambda case: [{}, {"status": "all"}],
        data=lambda case: {"q": "C-0001", "status": "all"},
        note="a typed name is posted (read-only), never put in the URL",
    ),
    "client_create": Route(THERAPIST_PAGE, _m(GET, POST), data=_client_post, changes=True),
    "theme_list": Route(THERAPIST_PAGE, _m(GET)),
    "theme_create": Route(THERAPIST_PAGE, _m(GET, POST), data=_theme_post, changes=True),
    "theme_suggest": Route(
        THERAPIST_PAGE,
        _m(POST),
        data=lambda case: {"text": "She felt dismissed by her mother, again."},
        note="JSON suggestions; computes, stores nothing",
    ),
    "theme_caseload": Route(
        THERAPIST_PAGE,
        _m(GET),
        # alice's own theme as the filter: bob must not learn its name or her clients.
        query=lambda case: [{}, {"theme": case.alice_theme.slug}],
    ),
    "calendar_feed": Route(
        THERAPIST_PAGE,
        _m(GET, POST),
        data=lambda case: {"label": "initials"},
        changes=True,
        note="the label choice; the feed's own address is calendar_feed_ics",
    ),
    "calendar_feed_renew": Route(
        THERAPIST_PAGE,
        _m(POST),
        changes=True,
        note="answers the page with the new address, shown once",
    ),
    "calendar_feed_revoke": Route(
        THERAPIST_PAGE, _m(POST), note="alice has no feed on here: nothing to turn off"
    ),
    "search": Route(
        THERAPIST_PAGE,
        _m(GET, POST),
        data=lambda case: {"q": "dismissed", "client": str(case.alice_client.pk)},
        note="GET shows the empty form; the search itself is a POST (read-only)",
    ),
    # --- one of alice's records -----------------------------------------------------------
    "client_detail": Route(
        THERAPIST_OBJECT, _m(GET), ids=lambda case: [{"pk": case.alice_client.pk}]
    ),
    "client_edit": Route(
        THERAPIST_OBJECT,
        _m(GET, POST),
        ids=lambda case: [{"pk": case.alice_client.pk}],
        data=_client_post,
        changes=True,
    ),
    "client_discharge": Route(
        THERAPIST_OBJECT,
        _m(GET, POST),
        ids=lambda case: [{"pk": case.alice_client.pk}],
        data=lambda case: discharge_form(discharge_date=_today()),
        changes=True,
    ),
    "client_export": Route(
        THERAPIST_OBJECT,
        _m(GET, POST),
        ids=lambda case: [{"pk": case.alice_client.pk}],
        changes=True,
        note="POST answers the ZIP and records a disclosure",
    ),
    "client_erase": Route(
        THERAPIST_OBJECT,
        _m(GET, POST),
        ids=lambda case: [{"pk": case.alice_client.pk}],
        data=lambda case: erase_form(case.alice_client),
        changes=True,
    ),
    "case_summary": Route(
        THERAPIST_OBJECT,
        _m(GET, POST),
        ids=lambda case: [{"client_pk": case.alice_client.pk}],
        # Not a section the form offers: the form with its error, no PDF to make.
        data=lambda case: summary_form(
            date_from="2026-01-01", date_to=_today(), sections=["demographics"], full_notes="none"
        ),
        note="POST answers the PDF (or the form with errors)",
    ),
    # --- a large case summary prepared outside the request (summaries/jobs.py) -------------
    "prepared_summary": Route(
        THERAPIST_OBJECT, _m(GET), ids=lambda case: [{"pk": case.alice_prepared.pk}]
    ),
    "prepared_summary_status": Route(
        THERAPIST_OBJECT,
        _m(GET),
        ids=lambda case: [{"pk": case.alice_prepared.pk}],
        note="JSON for the waiting page's script",
    ),
    "prepared_summary_download": Route(
        THERAPIST_OBJECT,
        _m(POST),
        ids=lambda case: [{"pk": case.alice_prepared.pk}],
        changes=True,
        note="answers the PDF once, deletes it and records the disclosure",
    ),
    "prepared_summary_discard": Route(
        THERAPIST_OBJECT,
        _m(POST),
        ids=lambda case: [{"pk": case.alice_prepared.pk}],
        changes=True,
    ),
    "client_themes": Route(
        THERAPIST_OBJECT, _m(GET), ids=lambda case: [{"client_pk": case.alice_client.pk}]
    ),
    "client_theme_exclusions": Route(
        THERAPIST_OBJECT,
        _m(GET, POST),
        ids=lambda case: [{"client_pk": case.alice_client.pk}],
        data=lambda case: {"theme": str(case.alice_theme.pk), "action": "exclude"},
        changes=True,
    ),
    "client_theme_sessions": Route(
        THERAPIST_OBJECT,
        _m(GET),
        ids=lambda case: [
            {"client_pk": case.alice_client.pk, "slug": "maternal-rejection"},
            {"client_pk": case.alice_client.pk, "slug": case.alice_theme.slug},
        ],
        # bob's own client with alice's custom theme.
        cross=lambda case: [
            ({"client_pk": case.bob_client.pk, "slug": case.alice_theme.slug}, {}, None)
        ],
    ),
    "theme_edit": Route(
        THERAPIST_OBJECT,
        _m(GET, POST),
        ids=lambda case: [{"pk": case.alice_theme.pk}],
        data=_theme_post,
        changes=True,
    ),
    "theme_delete": Route(
        THERAPIST_OBJECT,
        _m(GET, POST),
        ids=lambda case: [{"pk": case.alice_theme.pk}],
        data=lambda case: {"confirm": "on"},
        note="alice's theme is on a signed note: deleting it is refused with a message",
    ),
    "session_start": Route(
        THERAPIST_OBJECT,
        _m(GET),
        query=lambda case: [{"client": str(case.alice_client.pk)}],
        note="the client's id is in the query string",
    ),
    "session_create": Route(
        THERAPIST_OBJECT,
        _m(GET, POST),
        ids=lambda case: [{"client_pk": case.alice_client.pk}],
        data=_session_post,
        changes=True,
    ),
    "session_detail": Route(
        THERAPIST_OBJECT,
        _m(GET),
        ids=lambda case: [{"pk": case.alice_session.pk}, {"pk": case.alice_signed.pk}],
    ),
    "session_edit": Route(
        THERAPIST_OBJECT,
        _m(GET, POST),
        ids=lambda case: [{"pk": case.alice_session.pk}, {"pk": case.alice_signed.pk}],
        data=lambda case: {**_session_post(case), "version": str(case.alice_session.version)},
        changes=True,
    ),
    # --- the schedule (appointments app) ---------------------------------------------------
    "appointment_week": Route(THERAPIST_PAGE, _m(GET), query=lambda case: [{}, {"week": _today()}]),
    "appointment_book": Route(
        THERAPIST_PAGE,
        _m(POST),
        data=lambda case: {
            "client": str(case.alice_client.pk),
            "date": _today(),
            "time": "07:00",
            "duration_minutes": "50",
            "modality": "video",
        },
        changes=True,
        note="another therapist's client is a form error, not a 404 (tests/appointments)",
    ),
    "calendar_import": Route(
        THERAPIST_PAGE,
        _m(GET, POST),
        data=lambda case: {"calendar": _calendar_upload()},
        note="the upload: parsed events wait sealed in the session (no table changes)",
    ),
    "calendar_import_review": Route(
        THERAPIST_PAGE,
        _m(GET, POST),
        data=lambda case: {"action": "import"},
        note="nothing uploaded: back to the upload form; tests/appointments/test_import_views.py",
    ),
    "appointment_detail": Route(
        THERAPIST_OBJECT, _m(GET), ids=lambda case: [{"pk": case.alice_appointment.pk}]
    ),
    "appointment_change": Route(
        THERAPIST_OBJECT,
        _m(POST),
        ids=lambda case: [{"pk": case.alice_appointment.pk}],
        data=lambda case: {
            "date": _today(),
            "time": "08:00",
            "duration_minutes": "45",
            "modality": "phone",
        },
        changes=True,
    ),
    "appointment_status": Route(
        THERAPIST_OBJECT,
        _m(POST),
        ids=lambda case: [{"pk": case.alice_appointment.pk}],
        data=lambda case: {"status": "no_show", "reason": "Posted reason"},
        changes=True,
    ),
    "appointment_note": Route(
        THERAPIST_OBJECT,
        _m(GET),
        ids=lambda case: [{"pk": case.alice_appointment.pk}],
        note="sessions/appointment_views.py: redirects to the note, or a new one prefilled",
    ),
    "session_print": Route(
        THERAPIST_OBJECT,
        _m(GET),
        ids=lambda case: [{"pk": case.alice_session.pk}, {"pk": case.alice_signed.pk}],
    ),
    "session_sign": Route(
        THERAPIST_OBJECT,
        _m(POST),
        ids=lambda case: [{"pk": case.alice_session.pk}],
        data=lambda case: {"version": str(case.alice_session.version)},
        changes=True,
    ),
    "session_accept_theme": Route(
        THERAPIST_OBJECT,
        _m(POST),
        ids=lambda case: [{"pk": case.alice_session.pk}],
        data=lambda case: {
            "theme": str(case.alice_theme.pk),
            "version": str(case.alice_session.version),
        },
        changes=True,
    ),
    "session_dismiss_theme": Route(
        THERAPIST_OBJECT,
        _m(POST),
        ids=lambda case: [{"pk": case.alice_session.pk}],
        data=lambda case: {
            "theme": str(case.alice_theme.pk),
            "version": str(case.alice_session.version),
        },
        changes=True,
    ),
    "addendum_create": Route(
        THERAPIST_OBJECT,
        _m(POST),
        ids=lambda case: [{"pk": case.alice_signed.pk}],
        data=lambda case: addendum_form(text="A posted addendum."),
        changes=True,
    ),
    "process_note": Route(
        THERAPIST_OBJECT,
        _m(GET, POST),
        ids=lambda case: [{"pk": case.alice_signed.pk}, {"pk": case.alice_session.pk}],
        data=lambda case: process_note_form(text="A posted process note."),
        changes=True,
    ),
    "draft_autosave": Route(
        THERAPIST_OBJECT,
        _m(POST),
        ids=lambda case: [{"draft_key": case.alice_draft.pk}],
        data=_autosave_post,
        changes=True,
        # alice's draft key with bob's own client; a new key with alice's client.
        cross=lambda case: [
            ({"draft_key": case.alice_draft.pk}, {}, _autosave_post(case, case.bob_client)),
            ({"draft_key": case.bob_new_draft_key}, {}, _autosave_post(case)),
        ],
    ),
    "draft_detail": Route(
        THERAPIST_OBJECT, _m(GET), ids=lambda case: [{"draft_key": case.alice_draft.pk}]
    ),
    "draft_discard": Route(
        THERAPIST_OBJECT,
        _m(POST),
        ids=lambda case: [{"draft_key": case.alice_draft.pk}],
        changes=True,
    ),
    # --- writing aids: alice's own templates and snippets (writing app) --------------------
    "writing_aids": Route(THERAPIST_PAGE, _m(GET)),
    "note_template_create": Route(
        THERAPIST_PAGE,
        _m(GET, POST),
        data=lambda case: note_template_form(name="Posted template"),
        changes=True,
    ),
    "snippet_create": Route(
        THERAPIST_PAGE,
        _m(GET, POST),
        data=lambda case: snippet_form(trigger=";posted", text="A posted snippet."),
        changes=True,
    ),
    "note_template_edit": Route(
        THERAPIST_OBJECT,
        _m(GET, POST),
        ids=lambda case: [{"pk": case.alice_template.pk}],
        data=lambda case: note_template_form(name="Renamed template"),
        changes=True,
    ),
    "note_template_delete": Route(
        THERAPIST_OBJECT,
        _m(GET, POST),
        ids=lambda case: [{"pk": case.alice_template.pk}],
        data=lambda case: {"confirm": "on"},
        changes=True,
    ),
    "snippet_edit": Route(
        THERAPIST_OBJECT,
        _m(GET, POST),
        ids=lambda case: [{"pk": case.alice_snippet.pk}],
        data=lambda case: snippet_form(trigger=";ocelot", text="An edited snippet."),
        changes=True,
    ),
    "snippet_delete": Route(
        THERAPIST_OBJECT,
        _m(GET, POST),
        ids=lambda case: [{"pk": case.alice_snippet.pk}],
        data=lambda case: {"confirm": "on"},
        changes=True,
    ),
    # --- treatment plans (plans app): alice's signed plan and its draft ----------------------
    "plan_detail": Route(
        THERAPIST_OBJECT, _m(GET), ids=lambda case: [{"client_pk": case.alice_client.pk}]
    ),
    "plan_edit": Route(
        THERAPIST_OBJECT,
        _m(GET, POST),
        ids=lambda case: [{"client_pk": case.alice_client.pk}],
        data=lambda case: plan_form(
            draft=str(case.alice_plan_draft.pk), version=str(case.alice_plan_draft.version)
        ),
        changes=True,
    ),
    "plan_sign": Route(
        THERAPIST_OBJECT,
        _m(POST),
        ids=lambda case: [{"client_pk": case.alice_client.pk}],
        data=lambda case: {
            "draft": str(case.alice_plan_draft.pk),
            "version": str(case.alice_plan_draft.version),
        },
        changes=True,
    ),
    "plan_discard": Route(
        THERAPIST_OBJECT,
        _m(POST),
        ids=lambda case: [{"client_pk": case.alice_client.pk}],
        data=lambda case: {"draft": str(case.alice_plan_draft.pk)},
        changes=True,
    ),
    "plan_version_detail": Route(
        THERAPIST_OBJECT,
        _m(GET),
        ids=lambda case: [{"pk": case.alice_plan.pk}, {"pk": case.alice_plan_draft.pk}],
    ),
    # --- outcome measures (measures app) ------------------------------------------------------
    "measures_attention": Route(THERAPIST_PAGE, _m(GET), note="the caseload list"),
    "client_measures": Route(
        THERAPIST_OBJECT, _m(GET), ids=lambda case: [{"client_pk": case.alice_client.pk}]
    ),
    "measure_choose": Route(
        THERAPIST_OBJECT, _m(GET), ids=lambda case: [{"client_pk": case.alice_client.pk}]
    ),
    "measure_record": Route(
        THERAPIST_OBJECT,
        _m(GET, POST),
        ids=lambda case: [{"client_pk": case.alice_client.pk, "slug": "phq9"}],
        data=lambda case: measure_form("phq9", total=7),
        changes=True,
    ),
    "measure_schedule": Route(
        THERAPIST_OBJECT,
        _m(GET, POST),
        ids=lambda case: [{"client_pk": case.alice_client.pk}],
        data=lambda case: {"phq9": "every_session", "gad7": "every_4_weeks"},
        changes=True,
    ),
    "client_progress": Route(
        THERAPIST_OBJECT,
        _m(GET),
        ids=lambda case: [{"client_pk": case.alice_client.pk}],
        note="the measures above the theme heat strip",
    ),
    "handover_start": Route(
        THERAPIST_OBJECT,
        _m(POST),
        ids=lambda case: [{"client_pk": case.alice_client.pk, "slug": "gad7"}],
        changes=True,
        note="puts the session in hand-over mode (audited); tests/measures/test_handover.py",
    ),
    "measure_link_create": Route(
        THERAPIST_OBJECT,
        _m(POST),
        ids=lambda case: [{"client_pk": case.alice_client.pk, "slug": "gad7"}],
        note="MEASURES_CLIENT_LINKS is off here: back to the measures with a message "
        "(tests/measures/test_links.py turns it on)",
    ),
    # Hand-over mode's own pages: outside it, each sends the therapist to the dashboard.
    "handover_questionnaire": Route(
        THERAPIST_PAGE, _m(GET, POST), data=lambda case: measure_form("gad7", total=9)
    ),
    "handover_give_back": Route(THERAPIST_PAGE, _m(POST)),
    "handover_locked": Route(
        THERAPIST_PAGE, _m(GET, POST), data=lambda case: {"password": case.password}
    ),
    "measure_link": Route(
        SECRET_LINK,
        _m(GET, POST),
        ids=lambda case: [{"token": "x" * 43}, {"token": "not-a-token"}],
        note="a client's one-time questionnaire (measures/link_views.py); off here, and a "
        "non-key is 404 either way; tests/measures/test_links.py tries working ones",
    ),
}


# --- the inventory ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    key: str  # the pattern's name, or its route when it has none
    route: str  # the full route, e.g. "clients/<uuid:pk>/"
    name: str | None


def inventory(urlconf=None) -> tuple[list[Found], list[str]]:
    """(every URL pattern, every prefix in PREFIXES met), walking included URLconfs."""
    patterns, prefixes = [], []

    def walk(entries, prefix: str, namespace: str) -> None:
        for entry in entries:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                if route in PREFIXES:
                    prefixes.append(route)
                    continue
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, route, inner)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}{entry.name}" if entry.name else None
                patterns.append(Found(name or route, route, name))

    walk(get_resolver(urlconf).url_patterns, "", "")
    return patterns, prefixes


def inventory_problems(matrix: dict[str, Route] | None = None, urlconf=None) -> list[str]:
    """What is wrong between the URLconf and the matrix, one line each (empty: nothing)."""
    matrix = MATRIX if matrix is None else matrix
    found, prefixes = inventory(urlconf)
    problems = []
    for item in found:
        if item.key not in matrix:
            problems.append(
                f"URL pattern {item.key!r} (/{item.route}) has no entry in the access matrix "
                "(tests/security/access_matrix.py): say who may reach it and with which ids"
            )
    keys = [item.key for item in found]
    for key in sorted(set(keys)):
        if keys.count(key) > 1:
            problems.append(f"URL pattern {key!r} appears {keys.count(key)} times")
    for key, route in matrix.items():
        if key not in keys:
            problems.append(f"access matrix entry {key!r} matches no URL pattern any more")
        if route.kind not in KINDS:
            problems.append(f"access matrix entry {key!r} has an unknown kind {route.kind!r}")
    for prefix in PREFIXES:
        if prefix not in prefixes:
            problems.append(f"prefix {prefix!r} is listed but no longer in the URLconf")
    return problems


def path_for(key: str, kwargs: dict, query: dict | None = None) -> str:
    from urllib.parse import urlencode

    found = {item.key: item for item in inventory()[0]}
    item = found.get(key)
    if item is not None and item.name is None:
        path = "/" + item.route
    else:
        path = reverse(key, kwargs=kwargs)
    return f"{path}?{urlencode(query)}" if query else path
