"""Valid POSTs of the app's forms, one builder per form, as a browser sends them.

Each builder returns a form that is accepted as it is; a test passes as keywords the values it
depends on (what it asserts, or what it breaks on purpose). A value of None leaves the field out
of the post, as a browser does for an unchecked box. The defaults are plain ASCII text (so that a
test can look for them in a page without escaping) on dates in the past.

Also here: the post a browser would make of a form already on a page (``as_browser_would_post``
for a bound Django form, ``posted_by_browser`` for the HTML itself).
"""

import datetime
from html.parser import HTMLParser

from django.utils import timezone

from sessions.models import TherapySession

# Typed text that HTML must escape, in several scripts, over several lines and long: posted where
# a test checks that what was typed comes back exactly.
LONG_NOTE = (
    'She said <she\'d> "never" be good enough for her mother & left the room.\n'
    "Then: 'I keep apologising to everyone, even the cat.' Ψ ж é 😀\n"
) * 60


def _merged(data: dict, overrides: dict) -> dict:
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def _yesterday() -> str:
    return (timezone.localdate() - datetime.timedelta(days=1)).isoformat()


# --- clients ------------------------------------------------------------------------------


def client_form(**overrides) -> dict[str, str]:
    """The client form (new client and edit): every field filled in."""
    data = {
        "full_name": "Rosalind Featherstonehaugh",
        "preferred_name": "Ros",
        "pronouns": "she/her",
        "date_of_birth": "1984-09-17",
        "phone": "+44 20 7946 0321",
        "email": "ros.f@example.org",
        "address": "4 Lantern Row\nBristol BS1 4XY",
        "emergency_contact": "Partner Sam, 07700 900456",
        "other_names": "Sam = partner",
        "referral_source": "GP surgery",
        "status": "active",
        "intake_date": "2026-01-05",
        "discharge_date": "",
        "presenting_concerns": "Low mood since the birth of her daughter; feels never good enough.",
        "general_notes": "Prefers morning appointments.",
    }
    return _merged(data, overrides)


def discharge_form(**overrides) -> dict[str, str]:
    """The discharge form: today, with a closing summary."""
    data = {"discharge_date": timezone.localdate().isoformat(), "closing_summary": "Ended well."}
    return _merged(data, overrides)


def export_form(**overrides) -> dict[str, str]:
    """The export form as it opens: process notes left out (the box unchecked), no reason."""
    return _merged({"include_process_notes": None, "reason": ""}, overrides)


def erase_form(client, **overrides) -> dict[str, str]:
    """The erasure form with the client's code typed, as it asks."""
    return _merged({"confirm_code": client.code}, overrides)


# --- sessions -----------------------------------------------------------------------------


def session_form(**overrides) -> dict[str, str]:
    """The new session form, SOAP, yesterday (the hidden sections of the other formats are
    posted empty, as a browser does)."""
    data = {
        "date": _yesterday(),
        "start_time": "10:00",
        "duration_minutes": "50",
        "session_type": "individual",
        "modality": "in_person",
        "note_format": "soap",
        "mood_affect": "Guarded, then warmer",
        "section_subjective": "Spoke about her mother's visit.",
        "section_objective": "",
        "section_assessment": "",
        "section_data": "",
        "section_behaviour": "",
        "section_goal": "",
        "section_intervention": "",
        "section_response": "",
        "section_narrative": "",
        "risk_level": "none",
        "risk_notes": "",
        "interventions": "",
        "plan": "",
        "next_appointment": "",
    }
    return _merged(data, overrides)


def session_edit_form(session: TherapySession, **overrides) -> dict[str, str]:
    """The edit form of ``session`` as loaded now: its version, and the values it holds."""
    data = session_form(
        date=session.date.isoformat(),
        start_time=session.start_time.strftime("%H:%M"),
        duration_minutes=str(session.duration_minutes),
        note_format=session.note_format,
        risk_level=session.risk_level,
        mood_affect=session.mood_affect,
        plan=session.plan,
        version=str(session.version),
    )
    for key, text in (session.note or {}).items():
        data[f"section_{key}"] = text
    return _merged(data, overrides)


def autosave_form(*, client, session=None, seq=1, base_version=None, **fields) -> dict[str, str]:
    """What the session page's script posts to draft_autosave: the client, the note being
    edited (none for a new one), the autosave's sequence number and the version the page was
    loaded at (``seq=None`` leaves the number out); and the form ``fields`` given."""
    if base_version is None:
        base_version = str(session.version) if session else "0"
    data = {
        "client": str(client.pk),
        "session": str(session.pk) if session else "",
        "base_version": str(base_version),
        "seq": None if seq is None else str(seq),
    }
    return _merged(data, fields)


def addendum_form(**overrides) -> dict[str, str]:
    """The addendum form of a signed note, confirmed (its confirmation step's button posts
    ``confirm``)."""
    data = {"text": "Correction: the visit was on Tuesday.", "confirm": "signed"}
    return _merged(data, overrides)


def process_note_form(**overrides) -> dict[str, str]:
    """The process note form (the therapist's private note of a session)."""
    return _merged({"text": "Noticed a protective urge when she described the visit."}, overrides)


# --- themes and summaries -----------------------------------------------------------------


def theme_form(**overrides) -> dict[str, str]:
    """The custom theme form (new theme and edit), active."""
    data = {
        "name": "Sibling rivalry",
        "category": "relational",
        "description": "Competing with a brother or sister for a parent's attention.",
        "active": "on",
    }
    return _merged(data, overrides)


def summary_form(**overrides) -> dict:
    """The case summary form: a period, every section, every full note, no process notes and
    no passphrase (``sections`` is a list: the boxes are checked one by one)."""
    data = {
        "date_from": "2026-01-12",
        "date_to": "2026-11-26",
        "sections": ["identification", "concerns", "measures", "themes", "risk", "log"],
        "risk_history": "changes",
        "full_notes": "all",
        "process_notes_reason": "",
        "purpose": "",
        "passphrase": "",
        "passphrase_confirm": "",
    }
    return _merged(data, overrides)


# --- writing aids (templates and snippets) ------------------------------------------------


def note_template_form(**overrides) -> dict[str, str]:
    """The note template form (new and edit): a SOAP template with every part filled."""
    data = {
        "name": "SOAP: follow-up",
        "note_format": "soap",
        "mood_affect": "Mood reported as ___.",
        "section_subjective": "Since last session: ___.",
        "section_objective": "Presentation: ___.",
        "section_assessment": "Progress: ___.",
        "plan": "Homework: ___.",
        "interventions": "CBT: ___.",
    }
    return _merged(data, overrides)


def snippet_form(**overrides) -> dict[str, str]:
    """The snippet form (new and edit)."""
    data = {"trigger": ";hw", "text": "Homework reviewed: ___."}
    return _merged(data, overrides)


# --- treatment plans ----------------------------------------------------------------------


def plan_form(**overrides) -> dict[str, str]:
    """The plan editor of a client with no draft: one problem, one goal with one objective,
    one intervention (rows numbered as the editor numbers them), and a review date."""
    data = {
        "review_date": "2026-12-01",
        "version": "",
        "draft": "",
        "problem-0-id": "",
        "problem-0-text": "Feels unheard at home.",
        "goal-0-id": "",
        "goal-0-text": "Speak up at home",
        "goal-0-objective-0-id": "",
        "goal-0-objective-0-text": "Raises one need a week",
        "goal-0-objective-0-target_date": "2026-10-01",
        "intervention-0-id": "",
        "intervention-0-text": "Assertiveness practice",
    }
    return _merged(data, overrides)


# --- a form already on a page -------------------------------------------------------------


def as_browser_would_post(form) -> dict[str, str]:
    """The fields of a rendered form, as a browser submits them untouched (hidden ones too)."""
    data = {}
    for bound in form:
        value = bound.field.widget.format_value(bound.value())
        if isinstance(value, list):
            value = value[0] if value else ""
        data[bound.html_name] = "" if value is None else str(value)
    return data


class _FormReader(HTMLParser):
    """The controls of one <form> of a page, read as a browser submits them (HTML's "constructing
    the entry list"): no disabled control, no unchecked box, and a select's selected option only
    when it is not disabled."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.entries = form_id, False, []
        self.select = self.option = self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        named = attrs.get("name") is not None and "disabled" not in attrs
        if tag == "input" and named:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind not in ("submit", "button", "reset", "image", "file"):
                default = "on" if kind in ("checkbox", "radio") else ""
                self.entries.append((attrs["name"], attrs.get("value") or default))
        elif tag == "textarea" and named:
            self.textarea = [attrs["name"], ""]
        elif tag == "select":
            self.select = {"name": attrs.get("name") if named else None, "options": []}
        elif tag == "option" and self.select is not None:
            self.option = {**attrs, "text": ""}
            self.select["options"].append(self.option)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data
        if self.option is not None:
            self.option["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            self.entries.append((name, text.removeprefix("\n")))  # HTML drops that newline
            self.textarea = None
        elif tag == "option":
            self.option = None
        elif tag == "select" and self.select is not None:
            options = self.select["options"]
            chosen = [o for o in options if "selected" in o]
            option = (
                chosen[-1] if chosen else next((o for o in options if "disabled" not in o), None)
            )
            if self.select["name"] and option is not None and "disabled" not in option:
                value = option["value"] if option.get("value") is not None else option["text"]
                self.entries.append((self.select["name"], value))
            self.select = None


def posted_by_browser(page: str, form_id: str) -> list[tuple[str, str]]:
    """(name, value) of every field a browser posts from the form ``form_id`` of ``page``."""
    reader = _FormReader(form_id)
    reader.feed(page)
    return reader.entries


# --- outcome measures ---------------------------------------------------------------------


def measure_form(slug: str = "phq9", *, total: int = 10, leave_out=(), **overrides) -> dict:
    """A questionnaire as the therapist's form posts it (measures.forms.AnswersForm): answers
    adding up to ``total`` (risk items 0 unless the total needs them), the items in
    ``leave_out`` unanswered, completed yesterday. Pass ``administered_on=None`` for the
    hand-over and link pages, which have no date."""
    from measures import catalogue
    from measures.scoring import answers_for_total

    answers = answers_for_total(catalogue.get_measure(slug), total)
    data = {f"item_{number}": str(value) for number, value in answers.items()}
    for number in leave_out:
        data.pop(f"item_{number}", None)
    data["administered_on"] = _yesterday()
    return _merged(data, overrides)
