"""Every form, fuzzed (issue 7, "Tests that attack").

Hypothesis posts to every view that accepts POST (found from the URL resolver; a new POST route
fails ``test_every_post_route_is_fuzzed`` until it is given a spec or a reason below), signed in
as alice, starting from a valid submission and changing one to four fields at a time into:
arbitrary Unicode (lone surrogates, NUL, controls, bidirectional overrides), strings of 1 MB,
numbers, lists, malformed dates where text is expected, the same key twice, missing keys and
unknown keys. The body is an urlencoded string built here (the test client cannot encode a lone
surrogate), posted as a browser would.

For every input:
- no response is 5xx, and Django's ``got_request_exception`` fires 0 times;
- a form that saves stores exactly what arrived (a CharField strips surrounding whitespace, a
  theme name collapses inner runs; a process note keeps everything): checked field by field;
- a refused form shows its errors and changes nothing: a snapshot of every stored record
  (decrypted) is the same before and after.

What "arrived" means: the server decodes a body as UTF-8 with replacement characters, so a lone
surrogate never reaches a form (it arrives as U+FFFD, as it does from any browser, which never
sends one). The round-trip oracle compares with the decoded value; ``validate_plain_text``'s
surrogate rule is defence in depth for values that do not come from a request.

Who posts: alice's one signed-in session, except where a route changes the session itself
(hand-over mode refuses every other post, so the hand-over pages have a session of their own,
put at the stage each needs before each post) and a client's one-time questionnaire link (an
anonymous browser, links turned on, a fresh link per post so that the form itself is reached).

Reproducible in CI: the examples are derandomized unless FUZZ_RANDOM=1 (a local exploration run).
"""

import datetime
import functools
import os
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from unittest import mock
from urllib.parse import quote_plus

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.signals import got_request_exception
from django.http import QueryDict
from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from accounts.testing import sign_in
from appointments import services as appointment_services
from appointments.models import Appointment, CalendarFeed
from clients.models import Client, Disclosure
from measures import catalogue as measure_catalogue
from measures import services as measure_services
from measures.handover import ANSWERING, LOCKED
from measures.handover import STATE as HANDOVER_STATE
from measures.models import (
    Administration,
    AdministrationSource,
    ClientLink,
    HandOver,
    MeasureSchedule,
)
from plans import reading as plan_reading
from plans import services as plan_services
from plans.forms import ROW_PATTERNS
from plans.models import NoteProgress, PlanVersion
from sessions.forms import EVIDENCE_FIELD_PREFIX, SECTION_FIELD_PREFIX, THEME_FIELD_PREFIX
from sessions.models import (
    FORMAT_SECTIONS,
    Addendum,
    NoteFormat,
    ProcessNote,
    SessionDraft,
    TherapySession,
)
from sessions.services import autosave as store_autosave
from summaries import jobs as summary_jobs
from summaries.models import PreparedSummary
from summaries.pdf import SummaryOptions
from tests.base import (
    PASSWORD,
    PersonaTestCase,
    make_administration,
    make_plan,
    make_session,
    make_signed_session,
)
from tests.builders import (
    addendum_form,
    autosave_form,
    client_form,
    discharge_form,
    erase_form,
    export_form,
    measure_form,
    note_template_form,
    plan_form,
    process_note_form,
    session_form,
    snippet_form,
    summary_form,
    theme_form,
)
from themes.models import Theme
from writing import services as writing_services
from writing.models import NoteTemplate, Snippet

from . import integers
from .counts import report
from .integers import OVERSIZED, unbounded_integers

RANDOM = os.environ.get("FUZZ_RANDOM") == "1"
MIN_TOTAL_INPUTS = 2_000
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
MEGABYTE = 1_000_000
DRAFT_VALUE_MAX_CHARS = 200_000  # sessions.forms: autosaved values are clipped to this

# Inputs no clinician types but an attacker or a broken client sends.
NASTY = [
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\u202eevil\u202c",
    "\u200f\u200e\u2066\u2069",
    "\x07\x1b[31m",
    "\r\n\t",
    "\x85\u2028\u2029",
    "\ufeff",
    "\uffff\U0010ffff",
    "e\u0301\u0301\u0301",
    "😀👩‍👩‍👧",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00%ZZ",
    "   ",
    "",
]
WRONG_TYPES = [
    "1",
    "-1",
    "0",
    "1e309",
    "NaN",
    "-0",
    "9" * 40,
    "٣",
    "¹",
    "0x10",
    " 42 ",
    "[]",
    "{}",
    "null",
    "true",
    "2026-02-30",
    "0000-00-00",
    "99999-01-01",
    "2026-13-45T25:61",
    "-2026-01-01",
    "1/2/3",
    "25:00",
    "00000000-0000-0000-0000-000000000000",
    str(uuid.uuid4()),
]
BIG = {"<1 MB ascii>": "x" * MEGABYTE, "<1 MB with bidi>": "ab\u202e" * (MEGABYTE // 3)}
BIG_TEXTS = frozenset(BIG.values())

any_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=300)
value = st.one_of(
    any_text,
    st.sampled_from(NASTY),
    st.sampled_from(WRONG_TYPES),
    st.integers().map(str),
    st.dates(min_value=datetime.date(1, 1, 1)).map(lambda d: d.isoformat()),
)


@st.composite
def mutation(draw, names: list[str]):
    """A change to a valid submission: (name, kind, values)."""
    name = draw(st.sampled_from(names))
    kind = draw(
        st.sampled_from(["replace"] * 6 + ["big", "duplicate", "list", "missing", "unknown"])
    )
    if kind == "replace":
        return name, kind, [draw(value)]
    if kind == "big":
        return name, kind, [draw(st.sampled_from(sorted(BIG)))]  # a marker, see build_body
    if kind == "duplicate":
        return name, kind, [None, draw(value)]  # None: the valid value, then another
    if kind == "list":
        return name, kind, draw(st.lists(value, min_size=2, max_size=4))
    if kind == "unknown":
        return f"{name}_{draw(st.integers(0, 9))}", kind, [draw(value)]
    return name, kind, []


def build_body(valid: dict[str, str], mutations) -> tuple[str, QueryDict]:
    """The urlencoded body, and what the server will decode from it."""
    pairs = {name: [text] for name, text in valid.items()}
    for name, kind, values in mutations:
        if kind == "missing":
            pairs.pop(name, None)
        elif kind == "duplicate":
            pairs[name] = [pairs.get(name, [""])[0], values[1]]
        elif kind == "big":
            pairs[name] = [BIG[values[0]]]
        else:
            pairs[name] = list(values)
    flat = [(name, text) for name, texts in pairs.items() for text in texts]
    quoted = [(_quoted(name), _quoted(text)) for name, text in flat]
    body = "&".join(f"{name}={text}" for name, text in quoted)
    # What the server decodes: QueryDict's decoding, pair by pair (which is the same), a 1 MB
    # value's decoded once (urllib takes half a second over one).
    arrived = QueryDict(mutable=True)
    for (_name, text), (quoted_name, quoted_text) in zip(flat, quoted, strict=True):
        if text in BIG_TEXTS:
            (decoded_name,) = QueryDict(f"{quoted_name}=")
            arrived.appendlist(decoded_name, _decoded_big(text))
        else:
            arrived.update(QueryDict(f"{quoted_name}={quoted_text}"))
    return body, arrived


def _quoted(text: str) -> str:
    """As urlencode quotes a name or a value, a lone surrogate kept (as a broken client would
    send it)."""
    if text in BIG_TEXTS:
        return _quoted_big(text)
    return quote_plus(text, safe="", encoding="utf-8", errors="surrogatepass")


@functools.cache
def _quoted_big(text: str) -> str:
    return quote_plus(text, safe="", encoding="utf-8", errors="surrogatepass")


@functools.cache
def _decoded_big(text: str) -> str:
    return QueryDict(f"x={_quoted_big(text)}")["x"]


# --- what is stored, for "a refusal changes nothing" ----------------------------------------


def snapshot(user) -> dict:
    """Every record alice can change through a form, decrypted (drafts apart: see below)."""
    clients = Client.objects.filter(therapist=user)
    sessions = TherapySession.objects.filter(client__therapist=user)

    def rows(queryset, *names):
        return sorted((str(obj.pk), *(repr(getattr(obj, n)) for n in names)) for obj in queryset)

    client_fields = [f.name for f in Client._meta.concrete_fields]
    session_fields = [f.name for f in TherapySession._meta.concrete_fields]
    return {
        "clients": rows(clients, *client_fields),
        "sessions": rows(sessions, *session_fields),
        "addenda": rows(Addendum.objects.filter(session__in=sessions), "text", "content_hash"),
        "process_notes": rows(
            ProcessNote.objects.filter(session__in=sessions), "text", "updated_at"
        ),
        "disclosures": rows(Disclosure.objects.filter(client__in=clients), "kind"),
        "themes": rows(Theme.objects.filter(owner=user), "name", "description", "active"),
        "user": rows(get_user_model().objects.filter(pk=user.pk), "password", "is_active"),
        "calendar_feed": rows(CalendarFeed.objects.filter(therapist=user), "label", "token_hash"),
        "note_templates": rows(
            NoteTemplate.objects.filter(therapist=user),
            *(f.name for f in NoteTemplate._meta.concrete_fields),
        ),
        "snippets": rows(Snippet.objects.filter(therapist=user), "trigger", "text", "updated_at"),
        # Outcome measures. A link's refused_count is left out: a refused answer through a link
        # counts against it by design (check_link_answers checks the count).
        "administrations": rows(
            Administration.objects.filter(client__in=clients),
            "measure",
            "administered_on",
            "answers",
            "result",
            "source",
        ),
        "measure_schedules": rows(MeasureSchedule.objects.filter(client__in=clients), "due"),
        "measure_links": rows(
            ClientLink.objects.filter(client__in=clients),
            "measure",
            "token_hash",
            "expires_at",
            "used_at",
        ),
        # Treatment plans, and the progress notes record against them.
        "plan_versions": rows(
            PlanVersion.objects.filter(client__in=clients),
            "number",
            "status",
            "version",
            "content",
            "review_date",
            "signed_at",
            "content_hash",
        ),
        "plan_progress": rows(
            NoteProgress.objects.filter(client__in=clients), "plan_version_id", "entries"
        ),
        "prepared_summaries": rows(PreparedSummary.objects.filter(therapist=user), "status"),
    }


def drafts(user) -> list:
    return sorted(
        (str(d.pk), d.seq, repr(d.payload)) for d in SessionDraft.objects.filter(author=user)
    )


# --- the forms ----------------------------------------------------------------------------


@dataclass
class Spec:
    """How to fuzz one POST route: its URL, a valid submission, and the round-trip check."""

    url: object  # (test) -> str
    valid: object  # (test) -> dict[str, str]
    examples: int
    check: object = None  # (test, response, arrived QueryDict) -> "saved" | "refused"
    # Forms whose refusal keeps the typed text as an autosaved draft (by design).
    keeps_drafts: bool = False
    # Routes whose other outcomes change state by design (sign, discard, sign out, ...).
    refusal_unchecked: bool = False
    extra_names: list[str] = field(default_factory=list)
    # Who posts: (test) -> (django.test.Client, its cookies); alice's shared session if None.
    # A route that changes the session itself (hand-over mode) gets a session of its own.
    poster: object = None
    # Settings the route needs for its form to be reached (override_settings while posting).
    overrides: dict = field(default_factory=dict)


def stripped(arrived: QueryDict, name: str) -> str:
    return (arrived.get(name) or "").strip()


def _is_form_page(response) -> bool:
    return response.status_code == 200 and response["Content-Type"].startswith("text/html")


def _refused(response) -> bool:
    """The form again with its errors, the edit conflict page, or Django's 400 for a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE (read by no form)."""
    if response.status_code == 409:  # a stale version: the conflict page, nothing saved
        return True
    return response.status_code == 400 or (_is_form_page(response) and _form_errors(response))


def _form_errors(response) -> bool:
    context = response.context
    if context is None:
        return False
    if hasattr(context, "flatten"):
        values = context.flatten()
    else:  # a ContextList (several templates): iterating it gives contexts, not names
        names = context.keys()
        values = {k: context[k] for k in names}
    forms = [v for k, v in values.items() if k.endswith("form")]
    return any(getattr(form, "errors", None) for form in forms)


def check_client_form(test, response, arrived, *, kept=None):
    """``kept``: the client an edit was posted to. A field the post leaves out keeps its stored
    value there (Django's ModelForm leaves a field with a model default alone when the post
    omits it, as no browser does)."""
    if response.status_code != 302:
        test.assertTrue(_refused(response), response)
        return "refused"
    client = Client.objects.get(pk=kept.pk if kept else resolve(response["Location"]).kwargs["pk"])
    for name in ClientTextFields:
        left_out = kept is not None and name not in arrived
        expected = getattr(kept, name) if left_out else stripped(arrived, name)
        test.assertEqual(getattr(client, name), expected, name)
    return "saved"


ClientTextFields = [
    "full_name",
    "preferred_name",
    "pronouns",
    "phone",
    "email",
    "address",
    "emergency_contact",
    "referral_source",
    "presenting_concerns",
    "general_notes",
]


def check_session_form(test, response, arrived, *, pk=None):
    if response.status_code != 302:
        test.assertTrue(_refused(response), response)
        return "refused"
    session = TherapySession.objects.get(pk=pk or resolve(response["Location"]).kwargs["pk"])
    for name in ("mood_affect", "risk_notes", "interventions", "plan", "risk_level"):
        test.assertEqual(getattr(session, name), stripped(arrived, name), name)
    for key in FORMAT_SECTIONS[NoteFormat(session.note_format)]:
        test.assertEqual(
            session.note.get(key, ""), stripped(arrived, SECTION_FIELD_PREFIX + key), key
        )
    for link in session.themes:
        evidence = stripped(arrived, f"{EVIDENCE_FIELD_PREFIX}{link['theme']}")
        test.assertEqual(link.get("evidence", ""), evidence)
    progress = NoteProgress.objects.filter(session=session).first()
    test.assertEqual(progress.entries if progress else None, progress_as_posted(arrived))
    return "saved"


def check_text(model, name, *, strip=True):
    def check(test, response, arrived):
        created = model.objects.order_by("-pk")
        if response.status_code == 302 and test.last_count(model) < model.objects.count():
            new = created.exclude(pk__in=test.before_pks[model]).get()
            expected = stripped(arrived, name) if strip else (arrived.get(name) or "")
            test.assertEqual(getattr(new, name), expected)
            return "saved"
        if response.status_code == 302 and model is ProcessNote:
            note = ProcessNote.objects.get(session=test.signed)
            test.assertEqual(note.text, arrived.get("text") or "")
            return "saved"
        test.assertTrue(_refused(response), response)
        return "refused"

    return check


def check_discharge(test, response, arrived):
    if response.status_code == 302:
        client = Client.objects.get(pk=test.alice_client.pk)
        test.assertEqual(client.closing_summary, stripped(arrived, "closing_summary"))
        return "saved"
    test.assertTrue(_refused(response), response)
    return "refused"


def check_export(test, response, arrived):
    if response.status_code == 200 and response["Content-Type"] == "application/zip":
        disclosure = Disclosure.objects.filter(client=test.alice_client).latest("created_at")
        include = disclosure.includes_process_notes
        test.assertEqual(
            disclosure.process_notes_reason, stripped(arrived, "reason") if include else ""
        )
        return "saved"
    test.assertTrue(_refused(response), response)
    return "refused"


def check_summary(test, response, arrived):
    if response.status_code == 200 and response["Content-Type"] == "application/pdf":
        return "saved"
    test.assertTrue(_refused(response), response)
    return "refused"


def check_theme(test, response, arrived, *, pk=None):
    if response.status_code == 302:
        theme = (
            Theme.objects.get(pk=pk)
            if pk
            else Theme.objects.filter(owner=test.alice).exclude(pk=test.custom_theme.pk).get()
        )
        test.assertEqual(theme.name, " ".join((arrived.get("name") or "").split()))
        test.assertEqual(theme.description, stripped(arrived, "description"))
        return "saved"
    test.assertTrue(_refused(response), response)
    return "refused"


def check_note_template(test, response, arrived, *, pk=None):
    if response.status_code != 302:
        test.assertTrue(_refused(response), response)
        return "refused"
    if pk is None:
        template = NoteTemplate.objects.filter(therapist=test.alice).exclude(pk=test.template.pk)
        template = template.get()
    else:
        template = NoteTemplate.objects.get(pk=pk)
    test.assertEqual(template.name, " ".join((arrived.get("name") or "").split()))
    test.assertEqual(template.note_format, arrived.get("note_format"))
    for name in ("mood_affect", "plan", "interventions"):
        test.assertEqual(getattr(template, name), stripped(arrived, name), name)
    for key in FORMAT_SECTIONS[NoteFormat(template.note_format)]:
        typed = stripped(arrived, SECTION_FIELD_PREFIX + key)
        test.assertEqual(template.sections.get(key, ""), typed, key)
    return "saved"


def check_snippet(test, response, arrived, *, pk=None):
    if response.status_code != 302:
        test.assertTrue(_refused(response), response)
        return "refused"
    if pk is None:
        snippet = Snippet.objects.filter(therapist=test.alice).exclude(pk=test.snippet.pk).get()
    else:
        snippet = Snippet.objects.get(pk=pk)
    typed = stripped(arrived, "trigger").lower()
    test.assertEqual(snippet.trigger, typed if typed.startswith(";") else ";" + typed)
    test.assertEqual(snippet.text, stripped(arrived, "text"))
    return "saved"


def check_deleted(model, pk_of):
    def check(test, response, arrived):
        if response.status_code == 302:
            test.assertFalse(model.objects.filter(pk=pk_of(test)).exists())
            return "saved"
        test.assertTrue(_refused(response), response)
        return "refused"

    return check


def check_feed_label(test, response, arrived):
    if response.status_code == 302:
        test.assertEqual(CalendarFeed.objects.get(therapist=test.alice).label, arrived["label"])
        return "saved"
    test.assertTrue(_refused(response), response)
    return "refused"


def check_autosave(test, response, arrived):
    if response.status_code == 200:
        test.assertEqual(response.json()["status"], "saved")
        draft = SessionDraft.objects.get(pk=test.autosave_key)
        for name, text in draft.payload.items():
            test.assertEqual(text, (arrived.get(name) or "")[:DRAFT_VALUE_MAX_CHARS], name)
        return "saved"
    test.assertIn(response.status_code, (400, 404, 409))
    if response["Content-Type"] == "application/json":
        test.assertIn(response.json()["status"], ("invalid", "not_found", "stale", "signed"))
    return "refused"


def check_search(test, response, arrived):
    if response.status_code == 400:
        return "refused"
    test.assertEqual(response.status_code, 200)
    return "saved" if response.context["outcome"] else "refused"


def session_valid(test, session=None):
    theme = test.maternal_rejection.pk
    data = session_form(
        **{f"{THEME_FIELD_PREFIX}{theme}": "2", f"{EVIDENCE_FIELD_PREFIX}{theme}": ""},
        draft_key=str(uuid.uuid4()),
    )
    if session is not None:
        data["version"] = str(session.version)
    # The treatment plan's aid (plans/note_aid.py): alice's client has a signed plan, so the
    # note records progress against it with its own fields.
    return data | PROGRESS_VALID


# Progress against alice's client's signed plan (tests.base.PLAN_CONTENT: goals g1 with
# objectives o1 and o2, g2 with o3), as the note form's aid posts it.
PLAN_GOALS, PLAN_OBJECTIVES = ("g1", "g2"), ("o1", "o2", "o3")
PROGRESS_VALID = {
    "plan_progress": "1",
    "plan_goal_g1": "on",
    "plan_rating_o1": "some_progress",
    "plan_comment_o1": "Said no to her mother twice.",
}
PROGRESS_EXTRA_NAMES = ["plan_goal_g2", "plan_rating_o3", "plan_comment_o2", "plan_goal_g9"]


def progress_as_posted(arrived) -> dict | None:
    """What the note must record against the plan: nothing without the aid's marker (a form
    without the aid leaves progress alone), else the goals ticked (as the checkbox widget
    reads them) and each objective rated or commented, the comment stripped."""
    if not stripped(arrived, "plan_progress"):
        return None
    ticked = forms.CheckboxInput().value_from_datadict
    goals = [goal for goal in PLAN_GOALS if ticked(arrived, {}, f"plan_goal_{goal}")]
    objectives = {}
    for objective in PLAN_OBJECTIVES:
        rating = arrived.get(f"plan_rating_{objective}") or ""
        comment = stripped(arrived, f"plan_comment_{objective}")
        if rating or comment:
            objectives[objective] = {"rating": rating, "comment": comment}
    if not (goals or objectives):
        return None  # nothing to record, and nothing recorded before
    return {"goals_addressed": goals, "objectives": objectives}


def summary_valid(test):
    # One section as a plain value: build_body posts one value per name.
    return summary_form(
        date_from="2020-01-01",
        date_to=timezone.localdate().isoformat(),
        sections="concerns",
        full_notes="none",
    )


SPECS: dict[str, Spec] = {
    "client_create": Spec(
        url=lambda t: reverse("client_create"),
        valid=lambda t: client_form(),
        examples=140,
        check=check_client_form,
    ),
    "client_edit": Spec(
        url=lambda t: reverse("client_edit", args=[t.alice_client.pk]),
        valid=lambda t: client_form(date_of_birth="1988-06-01"),
        examples=140,
        check=lambda t, r, a: check_client_form(t, r, a, kept=t.alice_client),
    ),
    "client_discharge": Spec(
        url=lambda t: reverse("client_discharge", args=[t.alice_client.pk]),
        valid=lambda t: discharge_form(closing_summary="Ended well."),
        examples=80,
        check=check_discharge,
    ),
    "client_export": Spec(
        url=lambda t: reverse("client_export", args=[t.alice_client.pk]),
        valid=lambda t: export_form(include_process_notes="on", reason="Court order."),
        examples=50,
        check=check_export,
    ),
    "client_erase": Spec(
        url=lambda t: reverse("client_erase", args=[t.alice_client.pk]),
        valid=lambda t: erase_form(t.alice_client, confirm_code="C-9999"),
        examples=60,
        check=lambda t, r, a: "refused",
    ),
    "session_create": Spec(
        url=lambda t: reverse("session_create", args=[t.alice_client.pk]),
        valid=lambda t: session_valid(t),
        examples=150,
        check=check_session_form,
        keeps_drafts=True,
        extra_names=PROGRESS_EXTRA_NAMES,
    ),
    "session_edit": Spec(
        url=lambda t: reverse("session_edit", args=[t.alice_session.pk]),
        valid=lambda t: session_valid(t, t.alice_session),
        examples=150,
        check=lambda t, r, a: check_session_form(t, r, a, pk=t.alice_session.pk),
        keeps_drafts=True,
        extra_names=PROGRESS_EXTRA_NAMES,
    ),
    "session_sign": Spec(
        url=lambda t: reverse("session_sign", args=[t.alice_session.pk]),
        valid=lambda t: {"version": "999"},
        examples=50,
        refusal_unchecked=True,
    ),
    "session_accept_theme": Spec(
        url=lambda t: reverse("session_accept_theme", args=[t.alice_session.pk]),
        valid=lambda t: {
            "theme": str(t.maternal_rejection.pk + 1),
            "version": str(t.alice_session.version),
            "evidence": "difficult week",
        },
        examples=60,
        refusal_unchecked=True,
    ),
    "session_dismiss_theme": Spec(
        url=lambda t: reverse("session_dismiss_theme", args=[t.alice_session.pk]),
        valid=lambda t: {
            "theme": str(t.maternal_rejection.pk + 1),
            "version": str(t.alice_session.version),
        },
        examples=40,
        refusal_unchecked=True,
    ),
    "client_theme_exclusions": Spec(
        url=lambda t: reverse("client_theme_exclusions", args=[t.alice_client.pk]),
        valid=lambda t: {"theme": str(t.maternal_rejection.pk + 1), "action": "exclude"},
        examples=40,
        refusal_unchecked=True,
    ),
    "addendum_create": Spec(
        url=lambda t: reverse("addendum_create", args=[t.signed.pk]),
        valid=lambda t: addendum_form(text="Correction: it was Tuesday."),
        examples=100,
        check=check_text(Addendum, "text"),
    ),
    "process_note": Spec(
        url=lambda t: reverse("process_note", args=[t.signed.pk]),
        valid=lambda t: process_note_form(text="  My countertransference.  "),
        examples=100,
        check=check_text(ProcessNote, "text", strip=False),
    ),
    "draft_autosave": Spec(
        url=lambda t: reverse("draft_autosave", args=[t.autosave_key]),
        valid=lambda t: autosave_form(
            client=t.alice_client,
            session=t.alice_session,
            seq=5,
            **session_valid(t, t.alice_session),
        ),
        examples=120,
        check=check_autosave,
        keeps_drafts=True,
    ),
    "draft_discard": Spec(
        url=lambda t: reverse("draft_discard", args=[t.draft_key]),
        valid=lambda t: {"return_to": "dashboard"},
        examples=30,
        refusal_unchecked=True,
    ),
    "theme_create": Spec(
        url=lambda t: reverse("theme_create"),
        valid=lambda t: theme_form(name="Sibling rivalry", description="Old competition."),
        examples=100,
        check=check_theme,
    ),
    "theme_edit": Spec(
        url=lambda t: reverse("theme_edit", args=[t.custom_theme.pk]),
        valid=lambda t: theme_form(name="Renamed theme", description="New line."),
        examples=80,
        check=lambda t, r, a: check_theme(t, r, a, pk=t.custom_theme.pk),
    ),
    "theme_delete": Spec(
        url=lambda t: reverse("theme_delete", args=[t.custom_theme.pk]),
        valid=lambda t: {"confirm": "on"},
        examples=30,
        refusal_unchecked=True,
    ),
    "theme_suggest": Spec(
        url=lambda t: reverse("theme_suggest"),
        valid=lambda t: {"text": "She felt rejected by her mother again."},
        examples=80,
        refusal_unchecked=True,
    ),
    "case_summary": Spec(
        url=lambda t: reverse("case_summary", args=[t.alice_client.pk]),
        valid=summary_valid,
        examples=40,
        check=check_summary,
        extra_names=["include_process_notes", "picked", "de_identified"],
    ),
    "search": Spec(
        url=lambda t: reverse("search"),
        valid=lambda t: {
            "q": "difficult",
            "client": "",
            "themes": str(t.maternal_rejection.pk),
            "theme_mode": "any",
            "date_from": "",
            "date_to": "",
            "note_format": "",
            "risk_level": "",
            "status": "",
            "page": "1",
        },
        examples=150,
        check=check_search,
        extra_names=["include_process_notes"],
    ),
    "session_keepalive": Spec(
        url=lambda t: reverse("session_keepalive"),
        valid=lambda t: {},
        examples=20,
        refusal_unchecked=True,
        extra_names=["seconds"],
    ),
    "two_factor_manage": Spec(
        url=lambda t: reverse("two_factor_manage"),
        valid=lambda t: {"action": "show", "password": "wrong password here"},
        examples=40,
    ),
    "account_details": Spec(
        url=lambda t: reverse("account_details"),
        valid=lambda t: {"credentials": "MSc, UKCP registered psychotherapist"},
        examples=20,
    ),
    "password_change": Spec(
        url=lambda t: reverse("password_change"),
        valid=lambda t: {
            "old_password": "not-the-password-1",
            "new_password1": "a-new-long-password-2027",
            "new_password2": "a-new-long-password-2027",
        },
        examples=40,
    ),
    "account_create": Spec(
        url=lambda t: reverse("account_create"),
        valid=lambda t: {"username": "carol", "first_name": "Carol", "password": "x" * 14},
        examples=20,
    ),
    "login": Spec(
        url=lambda t: reverse("login"),
        valid=lambda t: {"username": "alice", "password": "wrong-password-123"},
        examples=40,
        refusal_unchecked=True,
    ),
    "two_factor_verify": Spec(
        url=lambda t: reverse("two_factor_verify"),
        valid=lambda t: {"otp_token": "000000", "next": "/"},
        examples=20,
        refusal_unchecked=True,
    ),
    "two_factor_setup": Spec(
        url=lambda t: reverse("two_factor_setup"),
        valid=lambda t: {"otp_token": "000000", "next": "/"},
        examples=20,
        refusal_unchecked=True,
    ),
    "logout": Spec(
        url=lambda t: reverse("logout"),
        valid=lambda t: {},
        examples=20,
        refusal_unchecked=True,
        extra_names=["next"],
    ),
}
for _name in ("account_deactivate", "account_reactivate", "account_reset_two_factor"):
    SPECS[_name] = Spec(
        url=lambda t, n=_name: reverse(n, args=[t.bob.pk]),
        valid=lambda t: {"confirm": "on"},
        examples=10,
    )

SPECS |= {
    "note_template_create": Spec(
        url=lambda t: reverse("note_template_create"),
        valid=lambda t: note_template_form(name="Fuzzed template"),
        examples=100,
        check=check_note_template,
    ),
    "note_template_edit": Spec(
        url=lambda t: reverse("note_template_edit", args=[t.template.pk]),
        valid=lambda t: note_template_form(name="Renamed template"),
        examples=80,
        check=lambda t, r, a: check_note_template(t, r, a, pk=t.template.pk),
    ),
    "note_template_delete": Spec(
        url=lambda t: reverse("note_template_delete", args=[t.template.pk]),
        valid=lambda t: {"confirm": "on"},
        examples=20,
        check=check_deleted(NoteTemplate, lambda t: t.template.pk),
    ),
    "snippet_create": Spec(
        url=lambda t: reverse("snippet_create"),
        valid=lambda t: snippet_form(trigger=";fuzz", text="Fuzzed snippet."),
        examples=80,
        check=check_snippet,
    ),
    "snippet_edit": Spec(
        url=lambda t: reverse("snippet_edit", args=[t.snippet.pk]),
        valid=lambda t: snippet_form(trigger=";edited", text="Edited snippet."),
        examples=60,
        check=lambda t, r, a: check_snippet(t, r, a, pk=t.snippet.pk),
    ),
    "snippet_delete": Spec(
        url=lambda t: reverse("snippet_delete", args=[t.snippet.pk]),
        valid=lambda t: {"confirm": "on"},
        examples=20,
        check=check_deleted(Snippet, lambda t: t.snippet.pk),
    ),
}

SPECS["calendar_feed"] = Spec(
    url=lambda t: reverse("calendar_feed"),
    valid=lambda t: {"label": "initials"},
    examples=40,
    check=check_feed_label,
)
# Any post makes a new address, or turns the feed off: changing state is what they are for.
for _name in ("calendar_feed_renew", "calendar_feed_revoke"):
    SPECS[_name] = Spec(
        url=lambda t, n=_name: reverse(n),
        valid=lambda t: {},
        examples=15,
        refusal_unchecked=True,
        extra_names=["label"],
    )


def check_appointment(test, response, arrived, *, pk=None):
    if response.status_code != 302:
        test.assertTrue(_refused(response), response)
        return "refused"
    if pk is None:
        appointment = Appointment.objects.filter(client__therapist=test.alice).latest("created_at")
    else:
        appointment = Appointment.objects.get(pk=pk)
    test.assertEqual(appointment.location, stripped(arrived, "location"))
    test.assertEqual(appointment.remark, stripped(arrived, "remark"))
    test.assertEqual(appointment.duration_minutes, int(arrived["duration_minutes"]))
    test.assertEqual(appointment.modality, arrived["modality"])
    return "saved"


def check_appointment_status(test, response, arrived):
    if response.status_code != 302:
        test.assertTrue(_refused(response), response)
        return "refused"
    appointment = Appointment.objects.get(pk=test.appointment.pk)
    test.assertEqual(appointment.status, arrived["status"])
    expected = "" if arrived["status"] == "scheduled" else stripped(arrived, "reason")
    test.assertEqual(appointment.status_reason, expected)
    return "saved"


def _appointment_post(t) -> dict:
    return {
        "date": "2027-01-11",
        "time": "09:30",
        "duration_minutes": "50",
        "modality": "video",
        "location": "Room 2",
        "remark": "Asked for mornings",
    }


SPECS["appointment_book"] = Spec(
    url=lambda t: reverse("appointment_book"),
    valid=lambda t: {
        **_appointment_post(t),
        "client": str(t.alice_client.pk),
        "repeat": "",
        "until": "",
        "count": "",
        "skip": "",
    },
    examples=60,
    check=check_appointment,
)
SPECS["appointment_change"] = Spec(
    url=lambda t: reverse("appointment_change", args=[t.appointment.pk]),
    valid=_appointment_post,
    examples=50,
    check=lambda t, r, a: check_appointment(t, r, a, pk=t.appointment.pk),
)
SPECS["appointment_status"] = Spec(
    url=lambda t: reverse("appointment_status", args=[t.appointment.pk]),
    valid=lambda t: {"status": "cancelled", "reason": "Unwell"},
    examples=40,
    check=check_appointment_status,
)


def _calendar_with_one_unmatched_group() -> bytes:
    day = (timezone.now() + datetime.timedelta(days=3)).strftime("%Y%m%d")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0"]
    for uid, title in (("m", "C-0001 weekly"), ("u", "Fuzzed unmatched title")):
        lines += ["BEGIN:VEVENT", f"UID:{uid}@fuzz", f"DTSTART:{day}T100000Z"]
        lines += [f"SUMMARY:{title}", "RRULE:FREQ=WEEKLY;COUNT=3", "END:VEVENT"]
    return ("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n").encode()


def calendar_review_valid(t) -> dict:
    """Uploads a calendar first (the example's transaction undoes it), so that the review has
    events to import: C-0001's three, and one unmatched group given alice's client."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("fuzz.ics", _calendar_with_one_unmatched_group())
    t.http.post(reverse("calendar_import"), {"calendar": upload})
    t.imported_before = Appointment.objects.exclude(import_key="").count()
    return {"group-0": str(t.alice_client.pk), "action": "import", "offset": "0", "limit": "4"}


def check_calendar_review(test, response, arrived):
    imported = Appointment.objects.exclude(import_key="")
    if response.status_code == 302 or (
        response.status_code == 200 and response["Content-Type"] == "application/json"
    ):
        test.assertFalse(imported.exclude(client__therapist=test.alice).exists())
        return "saved"
    test.assertTrue(_refused(response), response)
    test.assertEqual(imported.count(), test.imported_before)
    return "refused"


SPECS["calendar_import"] = Spec(
    url=lambda t: reverse("calendar_import"),
    valid=lambda t: {"calendar": "calendar.ics"},  # urlencoded: no file, always refused
    examples=30,
)
SPECS["calendar_import_review"] = Spec(
    url=lambda t: reverse("calendar_import_review"),
    valid=calendar_review_valid,
    examples=50,
    check=check_calendar_review,
)

SPECS["client_list"] = Spec(
    url=lambda t: reverse("client_list"),
    valid=lambda t: {"q": "Quill", "status": "all"},
    examples=60,
)


# --- outcome measures (measures app) ----------------------------------------------------------


def _answers_as_posted(measure, arrived) -> dict[str, str | None]:
    """Each item's answer as its radio buttons sent it (the last of a repeated name, as the
    widget reads it; none for a missing or empty one): a saved questionnaire holds exactly
    these."""
    return {str(item.number): arrived.get(f"item_{item.number}") or None for item in measure.items}


def _answers_as_stored(administration) -> dict[str, str | None]:
    return {
        number: None if answer is None else str(answer)
        for number, answer in administration.answers.items()
    }


def _new_administrations(test) -> list:
    return list(Administration.objects.exclude(pk__in=test.before_pks[Administration]))


def check_administration(slug: str, source: str, *, success, dated: bool = False):
    """A questionnaire's post: saved (one new record of alice's client: the answers as sent,
    the day typed, or today where the page has no date; ``success`` checks the answer) or
    refused (the form again with its errors, nothing stored)."""
    measure = measure_catalogue.get_measure(slug)

    def check(test, response, arrived):
        new = _new_administrations(test)
        if not new:
            test.assertTrue(_refused(response), response)
            return "refused"
        (administration,) = new
        success(test, response)
        test.assertEqual(administration.client_id, test.alice_client.pk)
        test.assertEqual(administration.measure, slug)
        test.assertEqual(administration.source, source)
        test.assertEqual(_answers_as_stored(administration), _answers_as_posted(measure, arrived))
        day = (
            forms.DateField().clean(arrived.get("administered_on"))
            if dated
            else timezone.localdate()
        )
        test.assertEqual(administration.administered_on, day)
        return "saved"

    return check


def _redirected(test, response):
    test.assertEqual(response.status_code, 302)


def check_schedule(test, response, arrived):
    if response.status_code != 302:
        test.assertTrue(_refused(response), response)
        return "refused"
    schedule = MeasureSchedule.objects.get(client=test.alice_client)
    slugs = measure_catalogue.all_measures()
    test.assertEqual(schedule.due, {slug: arrived[slug] for slug in slugs if arrived.get(slug)})
    return "saved"


def handover_poster(t):
    return t.handover_http, t.handover_cookies


def in_handover(t, stage: str | None) -> dict:
    """Put the hand-over session at ``stage`` (None: out of hand-over mode) with GAD-7 handed
    over for alice's client, as handover_start leaves it; no fields to post."""
    http = t.handover_http
    http.cookies = SimpleCookie(t.handover_cookies)
    session = http.session
    session.pop(HANDOVER_STATE, None)
    if stage is not None:
        session[HANDOVER_STATE] = {
            "client": str(t.alice_client.pk),
            "measure": "gad7",
            "stage": stage,
            "failures": 0,
        }
    session.save()
    return {}


def handover_state(test) -> dict | None:
    return test.handover_http.session.get(HANDOVER_STATE)


def check_handover_started(test, response, arrived):
    test.assertEqual(response.status_code, 302)
    test.assertEqual(response["Location"], reverse("handover_questionnaire"))
    expected = {
        "client": str(test.alice_client.pk),
        "measure": "gad7",
        "stage": ANSWERING,
        "failures": 0,
    }
    state = handover_state(test)
    # "id": the hand-over's row, where its turn and unlock attempts are counted.
    test.assertEqual(state, {**expected, "id": state.get("id")})
    test.assertTrue(HandOver.objects.filter(pk=state["id"]).exists())
    return "saved"


def handover_answers_valid(t) -> dict:
    in_handover(t, ANSWERING)
    return measure_form("gad7", total=9, administered_on=None)


def _locked_after(test, response):
    test.assertEqual(response.status_code, 302)
    test.assertEqual(response["Location"], reverse("handover_locked"))


def check_handover_answers(test, response, arrived):
    outcome = check_administration("gad7", AdministrationSource.HANDOVER, success=_locked_after)(
        test, response, arrived
    )
    # Sent: only the locked screen remains; refused: the client answers again.
    test.assertEqual(handover_state(test)["stage"], LOCKED if outcome == "saved" else ANSWERING)
    return outcome


def check_given_back(test, response, arrived):
    _locked_after(test, response)
    test.assertEqual(handover_state(test)["stage"], LOCKED)
    test.assertEqual(_new_administrations(test), [])
    return "saved"


def check_unlock(test, response, arrived):
    """The therapist's own password, exactly as typed (never stripped), ends hand-over mode;
    anything else is a refusal counted towards the sign-out."""
    state = handover_state(test)
    if response.status_code == 302:
        client_measures = reverse("client_measures", args=[test.alice_client.pk])
        test.assertEqual(response["Location"], client_measures)
        test.assertIsNone(state)
        test.assertEqual(arrived.get("password"), PASSWORD)
        return "saved"
    test.assertTrue(_refused(response), response)
    test.assertEqual(state["stage"], LOCKED)
    test.assertEqual(state["failures"], 0 if response.status_code == 400 else 1)
    return "refused"


def check_link_created(test, response, arrived):
    test.assertEqual(response.status_code, 200)
    link = ClientLink.objects.exclude(pk__in=test.before_pks[ClientLink]).get()
    made = (link.client_id, link.measure, link.created_by_id)
    test.assertEqual(made, (test.alice_client.pk, "phq9", test.alice.pk))
    # The address shown is the one link made (only its hash is stored).
    token = response.context["address"].rstrip("/").rsplit("/", 1)[1]
    test.assertEqual(measure_services.token_hash(token), link.token_hash)
    return "saved"


def link_valid(t) -> dict:
    """A fresh link for each post (a link stops after five refused answers), and the refusal
    counters per address cleared: the questionnaire itself is reached every time."""
    cache.clear()
    t.link, t.link_token = measure_services.create_link(
        client=t.alice_client, measure_slug="core10", user=t.alice
    )
    return measure_form("core10", total=14, administered_on=None)


def _thanked(test, response):
    test.assertEqual(response.status_code, 200)
    test.assertIn("measures/link_thanks.html", [t.name for t in response.templates])


def check_link_answers(test, response, arrived):
    outcome = check_administration("core10", AdministrationSource.LINK, success=_thanked)(
        test, response, arrived
    )
    link = ClientLink.objects.get(pk=test.link.pk)
    if outcome == "saved":
        test.assertIsNotNone(link.used_at)
    else:  # the refusal counts against the link (a body too large for any form: not read)
        test.assertIsNone(link.used_at)
        test.assertEqual(link.refused_count, 0 if response.status_code == 400 else 1)
    return outcome


LINKS_ON = {"MEASURES_CLIENT_LINKS": True}  # off by default: the link pages say so and stop

SPECS |= {
    "measure_record": Spec(
        url=lambda t: reverse("measure_record", args=[t.alice_client.pk, "phq9"]),
        valid=lambda t: measure_form("phq9", total=11),
        examples=100,
        check=check_administration(
            "phq9", AdministrationSource.THERAPIST, dated=True, success=_redirected
        ),
    ),
    "measure_schedule": Spec(
        url=lambda t: reverse("measure_schedule", args=[t.alice_client.pk]),
        valid=lambda t: {
            "phq9": "every_session",
            "gad7": "",
            "pcl5": "every_4_weeks",
            "core10": "intake_discharge",
        },
        examples=60,
        check=check_schedule,
    ),
    # A button: the post has no fields, and puts its own session in hand-over mode.
    "handover_start": Spec(
        url=lambda t: reverse("handover_start", args=[t.alice_client.pk, "gad7"]),
        valid=lambda t: in_handover(t, None),
        examples=15,
        check=check_handover_started,
        poster=handover_poster,
        extra_names=["measure", "client"],
    ),
    "handover_questionnaire": Spec(
        url=lambda t: reverse("handover_questionnaire"),
        valid=handover_answers_valid,
        examples=80,
        check=check_handover_answers,
        poster=handover_poster,
        extra_names=["administered_on"],
    ),
    "handover_give_back": Spec(
        url=lambda t: reverse("handover_give_back"),
        valid=lambda t: in_handover(t, ANSWERING),
        examples=15,
        check=check_given_back,
        poster=handover_poster,
        extra_names=["item_1"],
    ),
    "handover_locked": Spec(
        url=lambda t: reverse("handover_locked"),
        valid=lambda t: {**in_handover(t, LOCKED), "password": PASSWORD},
        examples=50,
        check=check_unlock,
        poster=handover_poster,
        extra_names=["next", "username"],
    ),
    "measure_link_create": Spec(
        url=lambda t: reverse("measure_link_create", args=[t.alice_client.pk, "phq9"]),
        valid=lambda t: {},
        examples=15,
        check=check_link_created,
        extra_names=["measure", "client"],
        overrides=LINKS_ON,
    ),
    # The client's one-time questionnaire: anonymous, at a real link.
    "measure_link": Spec(
        url=lambda t: reverse("measure_link", args=[t.link_token]),
        valid=link_valid,
        examples=80,
        check=check_link_answers,
        poster=lambda t: (t.anonymous_http, ""),
        extra_names=["administered_on"],
        overrides=LINKS_ON,
    ),
}


# --- treatment plans (plans app) --------------------------------------------------------------


def plan_draft(t) -> PlanVersion:
    """alice's client's draft (started again from the signed version if a post signed or
    discarded it)."""
    t.plan_draft = plan_reading.current_draft(t.alice_client) or plan_services.start_draft(
        client=t.alice_client, user=t.alice
    )
    return t.plan_draft


def plan_valid(t) -> dict:
    """The editor as the draft (tests.base.PLAN_CONTENT) shows it, partly: a problem linked
    to a theme, a new problem, a goal linked to the problem with one objective and a blank
    one, an intervention linked to the goal (what is left out goes from the draft)."""
    draft = plan_draft(t)
    return plan_form(
        review_date="2026-12-01",
        version=str(draft.version),
        draft=str(draft.pk),
        **{
            "problem-0-id": "p1",
            "problem-0-text": "Feels dismissed by her mother.",
            "problem-0-themes": str(t.maternal_rejection.pk),
            "problem-1-id": "",
            "problem-1-text": "Sleeps badly since the move.",
            "goal-0-id": "g1",
            "goal-0-text": "Set limits with her mother",
            "goal-0-problems": "p1",
            "goal-0-objective-0-id": "o1",
            "goal-0-objective-0-text": "Says no to one request a week",
            "goal-0-objective-0-target_date": "2026-09-01",
            "goal-0-objective-1-id": "",
            "goal-0-objective-1-text": "",
            "goal-0-objective-1-target_date": "",
            "intervention-0-id": "i1",
            "intervention-0-text": "Schema work on guilt",
            "intervention-0-goals": "g1",
        },
    )


# Fields the valid post leaves out, as a browser does: the Remove boxes, rows added.
PLAN_EXTRA_NAMES = [
    "problem-0-remove",
    "goal-0-remove",
    "goal-0-objective-0-remove",
    "intervention-0-remove",
    "problem-2-text",
    "goal-1-text",
    "goal-0-objective-2-text",
    "goal-0-objective-2-target_date",
    "intervention-1-text",
]


def _row_keys(arrived, kind: str) -> list[str]:
    return sorted({m[1] for name in arrived if (m := ROW_PATTERNS[kind].match(name))}, key=int)


def _objective_keys(arrived, goal: str) -> list[str]:
    found = (ROW_PATTERNS["objective"].match(name) for name in arrived)
    return sorted({m[2] for m in found if m and m[1] == goal}, key=int)


def _posted_row(arrived, prefix: str) -> dict | None:
    """A row as posted (id and text stripped, as the form's fields strip them), or None when
    it is blank or its Remove box is ticked (as the checkbox widget reads it)."""
    text = stripped(arrived, prefix + "text")
    removed = forms.CheckboxInput().value_from_datadict(arrived, {}, prefix + "remove")
    if removed or not text:
        return None
    return {"id": stripped(arrived, prefix + "id"), "text": text}


def plan_as_posted(arrived) -> dict:
    """What a saved draft must hold: every typed row not removed, in the order of its number,
    with its id (a new row gets one), links to rows kept, target dates as typed."""
    problems = []
    for key in _row_keys(arrived, "problem"):
        if row := _posted_row(arrived, f"problem-{key}-"):
            row["theme_ids"] = {int(pk) for pk in arrived.getlist(f"problem-{key}-themes")}
            problems.append(row)
    goals = []
    # A goal with objectives and no field of its own is a row too (the form reads it so).
    goal_keys = {*_row_keys(arrived, "goal"), *_row_keys(arrived, "objective")}
    for key in sorted(goal_keys, key=int):
        if not (row := _posted_row(arrived, f"goal-{key}-")):
            continue
        row["problem_ids"] = set(arrived.getlist(f"goal-{key}-problems"))
        row["objectives"] = []
        for inner in _objective_keys(arrived, key):
            prefix = f"goal-{key}-objective-{inner}-"
            if objective := _posted_row(arrived, prefix):
                day = forms.DateField(required=False).clean(arrived.get(prefix + "target_date"))
                objective["target_date"] = day.isoformat() if day else None
                row["objectives"].append(objective)
        goals.append(row)
    interventions = []
    for key in _row_keys(arrived, "intervention"):
        if row := _posted_row(arrived, f"intervention-{key}-"):
            row["goal_ids"] = set(arrived.getlist(f"intervention-{key}-goals"))
            interventions.append(row)
    # Links to rows removed (or never there) go.
    problem_ids = {row["id"] for row in problems if row["id"]}
    goal_ids = {row["id"] for row in goals if row["id"]}
    for row in goals:
        row["problem_ids"] &= problem_ids
    for row in interventions:
        row["goal_ids"] &= goal_ids
    return {"problems": problems, "goals": goals, "interventions": interventions}


def _as_posted(stored: list[dict], posted: list[dict]) -> list[dict]:
    """The stored rows with the ids of new rows blanked (the service chose them) and links as
    sets, to compare with plan_as_posted."""
    rows = []
    for row, typed in zip(stored, posted, strict=False):
        row = {**row, "id": row["id"] if typed["id"] else ""}
        for name in ("theme_ids", "problem_ids", "goal_ids"):
            if name in row:
                row[name] = set(row[name])
        if "objectives" in row:
            row["objectives"] = _as_posted(row["objectives"], typed["objectives"])
        rows.append(row)
    return rows + stored[len(posted) :]


def check_plan_edit(test, response, arrived):
    if response.status_code != 302:
        test.assertTrue(_refused(response), response)
        return "refused"
    draft = plan_reading.current_draft(test.alice_client)
    test.assertEqual(draft.pk, test.plan_draft.pk)
    expected = plan_as_posted(arrived)
    for kind, rows in expected.items():
        test.assertEqual(_as_posted(draft.content[kind], rows), rows, kind)
    review = forms.DateField(required=False).clean(arrived.get("review_date"))
    test.assertEqual(draft.review_date, review)
    return "saved"


def plan_sign_or_discard_valid(t) -> dict:
    draft = plan_draft(t)
    t.plan_draft_version = draft.version
    return {"draft": str(draft.pk), "version": str(draft.version)}


def _names_the_draft(test, arrived) -> bool:
    try:
        return uuid.UUID(arrived.get("draft") or "") == test.plan_draft.pk
    except ValueError:
        return False


def check_plan_sign(test, response, arrived):
    """Always back to the plan with a message; signed only when the post named the draft and
    the version it was loaded at (anything else signs nothing: the snapshot is checked)."""
    if response.status_code == 400:  # a body too large to read: nothing read, nothing signed
        return "refused"
    test.assertEqual(response.status_code, 302)
    test.assertEqual(response["Location"], reverse("plan_detail", args=[test.alice_client.pk]))
    if not PlanVersion.objects.get(pk=test.plan_draft.pk).is_signed:
        return "refused"
    test.assertTrue(_names_the_draft(test, arrived))
    test.assertEqual(int(arrived["version"]), test.plan_draft_version)
    return "saved"


def check_plan_discard(test, response, arrived):
    if response.status_code == 400:
        return "refused"
    test.assertEqual(response.status_code, 302)
    test.assertEqual(response["Location"], reverse("plan_detail", args=[test.alice_client.pk]))
    if PlanVersion.objects.filter(pk=test.plan_draft.pk).exists():
        return "refused"
    test.assertTrue(_names_the_draft(test, arrived))
    return "saved"


SPECS |= {
    "plan_edit": Spec(
        url=lambda t: reverse("plan_edit", args=[t.alice_client.pk]),
        valid=plan_valid,
        examples=120,
        check=check_plan_edit,
        extra_names=PLAN_EXTRA_NAMES,
    ),
    "plan_sign": Spec(
        url=lambda t: reverse("plan_sign", args=[t.alice_client.pk]),
        valid=plan_sign_or_discard_valid,
        examples=40,
        check=check_plan_sign,
        extra_names=["confirm", "next"],
    ),
    "plan_discard": Spec(
        url=lambda t: reverse("plan_discard", args=[t.alice_client.pk]),
        valid=lambda t: {"draft": plan_sign_or_discard_valid(t)["draft"]},
        examples=30,
        check=check_plan_discard,
        extra_names=["confirm", "next"],
    ),
}


# --- a large case summary prepared outside the request (summaries/jobs.py) --------------------


def check_prepared(*, downloaded: bool):
    """Buttons: the file is handed out once (downloaded) or deleted, whatever else is posted."""

    def check(test, response, arrived):
        test.assertFalse(PreparedSummary.objects.filter(pk=test.prepared.pk).exists())
        if downloaded:
            test.assertEqual(response.status_code, 200)
            test.assertEqual(response["Content-Type"], "application/pdf")
        else:
            summary = reverse("case_summary", args=[test.alice_client.pk])
            test.assertEqual(response.status_code, 302)
            test.assertEqual(response["Location"], summary)
        return "saved"

    return check


for _name, _downloaded in (
    ("prepared_summary_download", True),
    ("prepared_summary_discard", False),
):
    SPECS[_name] = Spec(
        url=lambda t, n=_name: reverse(n, args=[t.prepared.pk]),
        valid=lambda t: {},
        examples=10,
        check=check_prepared(downloaded=_downloaded),
        extra_names=["passphrase"],
    )


# Arguments of the GET-only routes, so that the coverage test can ask them too.
ROUTE_ARGS = {
    "client_detail": lambda t: [t.alice_client.pk],
    "client_themes": lambda t: [t.alice_client.pk],
    "client_theme_sessions": lambda t: [t.alice_client.pk, t.maternal_rejection.slug],
    "session_detail": lambda t: [t.alice_session.pk],
    "session_print": lambda t: [t.alice_session.pk],
    "draft_detail": lambda t: [t.draft_key],
    "calendar_feed_ics": lambda t: ["x" * 43],
    "appointment_detail": lambda t: [t.appointment.pk],
    "appointment_note": lambda t: [t.appointment.pk],
    "client_measures": lambda t: [t.alice_client.pk],
    "measure_choose": lambda t: [t.alice_client.pk],
    "client_progress": lambda t: [t.alice_client.pk],
    "plan_detail": lambda t: [t.alice_client.pk],
    "plan_version_detail": lambda t: [t.plan_signed.pk],
    "prepared_summary": lambda t: [t.prepared.pk],
    "prepared_summary_status": lambda t: [t.prepared.pk],
}

# POST routes not fuzzed here, and why.
NOT_FUZZED = {
    "admin:": "Django's own admin (staff only; alice is refused before any form)",
}

TOTALS = {"inputs": 0}


def post_routes() -> list[tuple[str, str]]:
    """(name, route) of every named URL pattern; those that answer POST are found by asking."""
    found = []

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = f"{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                found.append((namespace + pattern.name, prefix + str(pattern.pattern)))

    walk(get_resolver().url_patterns)
    return found


class FuzzTestCase(HypothesisTestCase, PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.signed = make_signed_session(cls.alice_client, cls.alice)
        make_session(cls.alice_client, date=datetime.date(2026, 2, 1))
        cls.custom_theme = Theme.objects.create(
            owner=cls.alice, slug="u-fuzz", name="Fuzz theme", category="relational"
        )
        cls.draft_key = uuid.uuid4()
        store_autosave(
            draft_key=cls.draft_key,
            author=cls.alice,
            client=cls.alice_client,
            session=None,
            seq=1,
            base_version=0,
            payload={"mood_affect": "kept"},
        )
        cls.autosave_key = uuid.uuid4()
        cls.template = writing_services.create_template(
            therapist=cls.alice,
            name="Alice's template",
            note_format="soap",
            sections={"subjective": "Since last time: ___."},
        )
        cls.snippet = writing_services.create_snippet(
            therapist=cls.alice, trigger=";mse", text="Mental status: ___."
        )
        (cls.appointment,) = appointment_services.schedule(
            therapist=cls.alice,
            client=cls.alice_client,
            start=timezone.now() + datetime.timedelta(days=2),
            details=appointment_services.Details(),
        )
        # Outcome measures: a questionnaire of alice's client, and a one-time link.
        cls.administration = make_administration(cls.alice_client, "phq9", total=12)
        cls.link, cls.link_token = measure_services.create_link(
            client=cls.alice_client, measure_slug="core10", user=cls.alice
        )
        # A treatment plan: version 1 signed (tests.base.PLAN_CONTENT), version 2 its draft.
        cls.plan_signed = make_plan(cls.alice_client)
        cls.plan_draft = plan_services.start_draft(client=cls.alice_client, user=cls.alice)
        # A large case summary prepared for download (summaries/jobs.py), built here at once.
        cls.prepared = summary_jobs.prepare_summary(
            client=cls.alice_client, user=cls.alice, options=SummaryOptions()
        )
        summary_jobs.build_prepared(cls.prepared.pk)
        cls.http = HttpClient(raise_request_exception=False)
        sign_in(cls.http, cls.alice)
        cls.cookies = cls.http.cookies.output(header="", sep=";")
        # The hand-over pages' own signed-in session: hand-over mode refuses every other post,
        # so it must never be the shared one (each spec's valid() sets the stage it needs).
        cls.handover_http = HttpClient(raise_request_exception=False)
        sign_in(cls.handover_http, cls.alice)
        cls.handover_cookies = cls.handover_http.cookies.output(header="", sep=";")
        # The client's browser at a one-time link: signed in to nothing.
        cls.anonymous_http = HttpClient(raise_request_exception=False)

    def setUp(self):
        self.exceptions = []
        got_request_exception.connect(self._count_exception)
        self.addCleanup(got_request_exception.disconnect, self._count_exception)

    def _count_exception(self, sender, request=None, **kwargs):
        self.exceptions.append(request.path if request else "?")

    def last_count(self, model):
        return len(self.before_pks[model])

    def fuzz_once(self, spec: Spec, mutations) -> str:
        http, cookies = spec.poster(self) if spec.poster else (self.http, self.cookies)
        http.cookies = SimpleCookie(cookies)  # a sign-out in the last example is undone
        body, arrived = build_body(spec.valid(self), mutations)
        self.before_pks = {
            m: set(m.objects.values_list("pk", flat=True))
            for m in (Addendum, ProcessNote, Administration, ClientLink)
        }
        before, drafts_before = snapshot(self.alice), drafts(self.alice)
        # This post's server errors only: an earlier example's failed already, and hypothesis
        # then shrinks to the input that caused it, not to any input that came after it.
        self.exceptions.clear()
        with override_settings(**spec.overrides):
            response = http.post(
                spec.url(self), body, content_type="application/x-www-form-urlencoded"
            )
        TOTALS["inputs"] += 1
        self.assertLess(response.status_code, 500, mutations)
        self.assertEqual(self.exceptions, [], mutations)
        outcome = spec.check(self, response, arrived) if spec.check else None
        refused = outcome == "refused" or (
            outcome is None
            and not spec.refusal_unchecked
            and (response.status_code >= 400 or _form_errors(response))
        )
        if refused:
            self.assertEqual(snapshot(self.alice), before, mutations)
            if not spec.keeps_drafts:
                self.assertEqual(drafts(self.alice), drafts_before, mutations)
        return outcome or "answered"


def examples_of(spec: Spec) -> int:
    return max(1, int(spec.examples * SCALE))


def _make_test(route: str, spec: Spec):
    examples = examples_of(spec)

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=not RANDOM,
        database=None if not RANDOM else settings.default.database,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
            HealthCheck.large_base_example,
        ],
        print_blob=True,
    )
    @given(data=st.data())
    def fuzz(self, data):
        field_names = sorted({*spec.valid(self), *spec.extra_names}) or ["x"]
        mutations = data.draw(st.lists(mutation(field_names), min_size=1, max_size=4))
        self.fuzz_once(spec, mutations)

    def test(self):
        before = TOTALS["inputs"]
        fuzz(self)  # each example in its own transaction (HypothesisTestCase.setup_example)
        posted = TOTALS["inputs"] - before
        report("fuzz: inputs posted to forms", posted)
        # The route's share of the floor (test_the_routes_together_reach_the_floor).
        self.assertGreaterEqual(posted, examples, f"{route}: fewer inputs than its examples")

    test.is_hypothesis_test = True  # no test-wide transaction around the examples' own
    test.__name__ = f"test_fuzz_{route}"
    return test


class FuzzFormsTests(FuzzTestCase):
    pass


for _route, _spec in SPECS.items():
    setattr(FuzzFormsTests, f"test_fuzz_{_route}", _make_test(_route, _spec))


class CoverageTests(FuzzTestCase):
    def test_every_post_route_is_fuzzed(self):
        accepting = set()
        for name, _route in post_routes():
            if any(name.startswith(prefix) for prefix in NOT_FUZZED):
                continue
            spec = SPECS.get(name)
            try:
                args = ROUTE_ARGS[name](self) if name in ROUTE_ARGS else []
                url = spec.url(self) if spec else reverse(name, args=args)
            except Exception:  # a route with arguments and no spec: it must get one
                accepting.add(name)
                continue
            http = HttpClient(raise_request_exception=False)
            sign_in(http, self.alice)
            if http.post(url, {}).status_code != 405:
                accepting.add(name)
        self.assertEqual(accepting - set(SPECS), set(), "POST routes with no fuzz spec")
        self.assertEqual(set(SPECS) - accepting, set(), "specs of routes that refuse POST")

    def test_the_routes_together_reach_the_floor(self):
        """Each route's test posts at least its examples (it fails otherwise), so a full run
        posts at least their sum: MIN_TOTAL_INPUTS or more, in any order and on any worker."""
        if SCALE < 1:
            self.skipTest("FUZZ_SCALE < 1: a smaller exploration run, no floor to check")
        planned = sum(examples_of(spec) for spec in SPECS.values())
        self.assertGreaterEqual(planned, MIN_TOTAL_INPUTS)


# Integer fields that the valid submissions leave out.
INTEGER_EXTRAS = {"session_accept_theme": ["intensity"]}


def _is_id(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@pytest.mark.slow  # started first on a worker (tests/conftest.py)
class OversizedIntegerTests(FuzzTestCase):
    """Issue 13, item 4: every integer field of every form (a field whose valid value is a
    number) gets each of OVERSIZED, alone and with the words of the form blanked (so that the
    form is refused and the refusal path runs: the session form keeps a draft then, which is
    where a 2**63 version was written). No 5xx, the usual round-trip and refusal checks, and
    no integer column holds a value past its portable range afterwards."""

    def integer_fields(self, route: str, spec: Spec) -> list[str]:
        valid = spec.valid(self)
        numbers = {name for name, text in valid.items() if text.isascii() and text.isdecimal()}
        return sorted(numbers | set(INTEGER_EXTRAS.get(route, [])))

    def test_oversized_integers_in_every_integer_field(self):
        posted = set()
        for route, spec in SPECS.items():
            valid = spec.valid(self)
            names = self.integer_fields(route, spec)
            words = [n for n, text in valid.items() if n not in names and not _is_id(text)]
            for name in names:
                posted.add((route, name))
                for number in OVERSIZED:
                    alone = [(name, "replace", [number])]
                    blanked = alone + [(other, "replace", [""]) for other in words]
                    for mutations in (alone, blanked):
                        with self.subTest(route=route, field=name, value=number, n=len(mutations)):
                            self.fuzz_once(spec, mutations)
                            self.assertEqual(unbounded_integers(), [])
        report("oversized integers: fields tried", len(posted))
        # The fields that took the server down or were stored unbounded before are among them.
        for expected in [("session_edit", "version"), ("draft_autosave", "seq")]:
            self.assertIn(expected, posted)
        self.assertIn(("session_create", f"theme_{self.maternal_rejection.pk}"), posted)
        self.assertIn(("session_create", "duration_minutes"), posted)

    def test_the_census_finds_an_unbounded_number_negative_control(self):
        # PostgreSQL refuses 2**31 in an integer itself: the census is shown a narrower range.
        SessionDraft.objects.filter(pk=self.draft_key).update(base_version=5)
        narrower = {**integers.RANGES, "PositiveIntegerField": (0, 4)}
        with mock.patch.object(integers, "RANGES", narrower):
            found = unbounded_integers()
        self.assertIn("therapy_sessions_sessiondraft.base_version: 5", found)

    def test_without_the_version_bound_the_edit_form_fails_negative_control(self):
        """The version field without its maximum: the refused form's draft gets the number, and
        the server fails (SQLite past 64 bits, PostgreSQL past 32) or stores it unbounded."""
        from sessions.forms import SessionForm

        unbounded = SessionForm.base_fields["version"].__class__(
            required=False, min_value=1, widget=SessionForm.base_fields["version"].widget
        )
        spec = SPECS["session_edit"]
        failures = []
        with mock.patch.dict(SessionForm.base_fields, {"version": unbounded}):
            for number in (str(2**31), str(2**63)):
                body, _ = build_body(
                    spec.valid(self), [("version", "replace", [number]), ("date", "replace", [""])]
                )
                response = self.http.post(
                    spec.url(self), body, content_type="application/x-www-form-urlencoded"
                )
                # After a server error the test's transaction is broken: no census then.
                failures = [response.status_code] if response.status_code >= 500 else []
                failures = failures or unbounded_integers()
                if failures:
                    break
        self.assertTrue(failures)


class QueryStringIntegerTests(PersonaTestCase):
    """Page numbers in a query string (the audit log) and in a post (search): a number past
    any page, or none, shows a page, never a server error."""

    def test_oversized_page_numbers_show_a_page(self):
        self.sign_in(self.alice)
        for number in [*OVERSIZED, "", "0", "x"]:
            with self.subTest(page=number):
                response = self.client.get(reverse("audit_log"), {"page": number})
                self.assertEqual(response.status_code, 200)
                response = self.client.post(reverse("search"), {"q": "week", "page": number})
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.context["outcome"])


class NextParameterTests(PersonaTestCase):
    """Regression (found by test_fuzz_two_factor_verify): a "next" that is a bare word, such
    as "-1" or "x", passed url_has_allowed_host_and_scheme as a relative URL, and redirect()
    then read it as a view name: NoReverseMatch, a 500. Only paths on this site are used."""

    def test_a_next_that_is_not_a_path_goes_to_the_dashboard(self):
        http = HttpClient(raise_request_exception=False)
        sign_in(http, self.alice)
        for next_value in ("-1", "x", "dashboard", "javascript:alert(1)", "//evil.example"):
            with self.subTest(next=next_value):
                response = http.post(reverse("two_factor_verify"), {"next": next_value})
                self.assertRedirects(response, reverse("dashboard"), fetch_redirect_response=False)
        response = http.post(reverse("two_factor_verify"), {"next": "/clients/"})
        self.assertRedirects(response, "/clients/", fetch_redirect_response=False)


class LongUsernameTests(PersonaTestCase):
    """Regression (found by test_fuzz_login on PostgreSQL): AuthenticationForm never enforced
    the username's max_length, so a 300-character name went to authenticate() and django-axes
    stored it in a varchar(255): StringDataRightTruncation, a 500. Now it is a form error and
    no failed attempt is recorded for a name no account can have."""

    def test_a_username_longer_than_any_account_is_a_form_error(self):
        from axes.models import AccessAttempt

        http = HttpClient(raise_request_exception=False)
        response = http.post(reverse("login"), {"username": "u" * 300, "password": "p" * 12})
        self.assertEqual(response.status_code, 200)
        self.assertIn("username", response.context["form"].errors)
        self.assertFalse(AccessAttempt.objects.exists())
