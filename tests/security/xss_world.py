"""A therapist's record full of XSS payloads, stored through the app's real forms and services.

Shared by the parser suite (test_xss.py) and the browser suite (test_xss_browser.py). Payloads
are packed several to a field (" ~ " between them) up to each field's length limit, so that
every payload goes through every text field that can hold it, spread over as few records as
possible. ``World.shown`` says which stored texts each page must show whole.
"""

import datetime
import uuid
from dataclasses import dataclass, field

from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from accounts.testing import sign_in
from clients.forms import ClientForm, DischargeForm
from clients.models import Client
from clients.services import create_client, discharge_client
from sessions.forms import AddendumForm, ProcessNoteForm, SessionForm
from sessions.models import FORMAT_SECTIONS, NoteFormat, TherapySession
from sessions.services import add_addendum, create_session, save_process_note, sign_session
from tests.builders import (
    addendum_form,
    autosave_form,
    client_form,
    discharge_form,
    process_note_form,
    session_form,
    theme_form,
)
from themes.forms import CustomThemeForm
from themes.models import Theme

from .xss_payloads import PAYLOADS, Payload

SEPARATOR = " ~ "
# Clients whose own pages (detail, edit, session) are rendered one by one; the rest show up in
# the pages that list every client (client list, dashboard).
PER_RECORD_CLIENTS = 8


def pack(limit: int, payloads: list[Payload] = PAYLOADS) -> list[str]:
    """The payloads' texts joined into as few strings of at most ``limit`` characters as fit;
    a payload longer than ``limit`` is left out (the field would refuse it)."""
    chunks, current = [], ""
    for payload in payloads:
        text = payload.text
        if len(text) > limit:
            continue
        if current and len(current) + len(SEPARATOR) + len(text) <= limit:
            current += SEPARATOR + text
        else:
            if current:
                chunks.append(current)
            current = text
    if current:
        chunks.append(current)
    return chunks


CORPUS = SEPARATOR.join(p.text for p in PAYLOADS)


def _valid(form):
    if not form.is_valid():
        raise AssertionError(f"{type(form).__name__} refused a payload: {form.errors.as_data()}")
    return form


@dataclass
class World:
    alice: object
    main: Client  # the client whose every long field holds the whole corpus
    discharged: Client
    clients: list[Client]
    themes: list[Theme]
    sessions: dict[str, TherapySession]  # by note format; "soap" is signed
    draft_key: str = ""
    stored: list[str] = field(default_factory=list)
    # page name -> (url, texts the page must show whole)
    shown: dict[str, tuple[str, list[str]]] = field(default_factory=dict)

    def page(self, name: str, url: str, texts) -> None:
        self.shown[name] = (url, [t for t in texts if t])


def build_world(alice, *, compact: bool = False) -> World:
    """Store the corpus. ``compact``: fewer records with short fields (the browser test)."""
    today = timezone.localdate()
    stored: list[str] = []

    # --- custom themes: name (80) and description (240) ------------------------------------
    names, descriptions = pack(80), pack(240)
    if compact:
        names = names[:12]
        descriptions = descriptions[:12]
    themes = []
    for index, name in enumerate(names):
        form = _valid(
            CustomThemeForm(
                theme_form(
                    name=name,
                    category="coping",
                    description=descriptions[index % len(descriptions)],
                ),
                owner=alice,
            )
        )
        themes.append(form.save())
    stored += [t.name for t in themes] + [t.description for t in themes]

    # --- clients: every ClientForm text field ------------------------------------------------
    short = {
        "full_name": pack(200),
        "preferred_name": pack(100),
        "pronouns": pack(40),
        "referral_source": pack(200),
        "address": pack(1000),
        "emergency_contact": pack(1000),
    }
    # As many clients as it takes to put every payload in a name; the other short fields
    # cycle through their chunks on the same clients.
    count = 4 if compact else len(short["full_name"])
    clients = []
    for index in range(count):
        data = client_form(
            **{name: chunks[index % len(chunks)] for name, chunks in short.items()},
            intake_date=(today - datetime.timedelta(days=200)).isoformat(),
            presenting_concerns=CORPUS if index < 2 else "",
            general_notes=CORPUS if index < 2 else "",
        )
        form = _valid(ClientForm(data))
        clients.append(create_client(therapist=alice, client=form.save(commit=False)))
    main, discharged = clients[0], clients[1]
    for client in clients:
        stored += [
            getattr(client, f)
            for f in ("full_name", "preferred_name", "pronouns", "referral_source", "address")
        ]
        stored.append(client.emergency_contact)
    stored.append(CORPUS)

    # --- sessions of the main client: one per format, every section and field -------------
    mood_chunks, intervention_chunks, evidence_chunks = pack(500), pack(5000), pack(300)
    sessions: dict[str, TherapySession] = {}
    for offset, note_format in enumerate(NoteFormat):
        data = session_form(
            date=(today - datetime.timedelta(days=10 - offset)).isoformat(),
            note_format=note_format.value,
            mood_affect=mood_chunks[offset % len(mood_chunks)],
            risk_level="low",
            risk_notes=CORPUS,
            interventions=intervention_chunks[offset % len(intervention_chunks)],
            plan=CORPUS,
            section_subjective="",
        )
        for key in FORMAT_SECTIONS[note_format]:
            data[f"section_{key}"] = CORPUS
        for index, theme in enumerate(themes):
            data[f"theme_{theme.pk}"] = str(index % 3 + 1)
            data[f"evidence_{theme.pk}"] = evidence_chunks[index % len(evidence_chunks)]
        form = _valid(SessionForm(data, client=main, instance=TherapySession(client=main)))
        sessions[note_format.value] = create_session(session=form.save(commit=False), client=main)
    stored += mood_chunks + intervention_chunks + evidence_chunks
    # A short session for a few other clients, so their names reach the session pages.
    for index, client in enumerate(clients[2:PER_RECORD_CLIENTS], start=2):
        data = session_form(
            date=(today - datetime.timedelta(days=index)).isoformat(),
            start_time="11:00",
            modality="phone",
            note_format="narrative",
            mood_affect="",
            section_subjective="",
            section_narrative=client.full_name,
        )
        if themes:
            data[f"theme_{themes[index % len(themes)].pk}"] = "2"
        form = _valid(SessionForm(data, client=client, instance=TherapySession(client=client)))
        create_session(session=form.save(commit=False), client=client)

    # --- the signed SOAP note: addendum and process note -------------------------------------
    signed = sessions["soap"]
    sign_session(session=signed, signer=alice, expected_version=signed.version)
    signed.refresh_from_db()
    add_addendum(
        session=signed,
        author=alice,
        text=_valid(AddendumForm(addendum_form(text=CORPUS))).cleaned_data["text"],
    )
    save_process_note(
        session=signed,
        text=_valid(ProcessNoteForm(process_note_form(text=CORPUS))).cleaned_data["text"],
    )
    save_process_note(
        session=sessions["dap"],
        text=_valid(ProcessNoteForm(process_note_form(text=CORPUS))).cleaned_data["text"],
    )

    # --- discharge: closing summary --------------------------------------------------------------
    form = _valid(
        DischargeForm(
            discharge_form(discharge_date=today.isoformat(), closing_summary=CORPUS),
            client=discharged,
        )
    )
    discharge_client(
        client=discharged,
        discharge_date=form.cleaned_data["discharge_date"],
        closing_summary=form.cleaned_data["closing_summary"],
    )

    world = World(
        alice=alice,
        main=main,
        discharged=discharged,
        clients=clients,
        themes=themes,
        sessions=sessions,
        stored=stored,
    )

    # --- autosaved draft, through the endpoint autosave.js posts to ----------------------------
    http = HttpClient()
    sign_in(http, alice)
    draft_key = str(uuid.uuid4())
    draft_data = autosave_form(
        client=main,
        date=today.isoformat(),
        start_time="10:00",
        duration_minutes="50",
        note_format="soap",
        mood_affect=mood_chunks[0],
        risk_level="moderate",
        risk_notes=CORPUS,
        plan=CORPUS,
        interventions=CORPUS,
        section_subjective=CORPUS,
        section_objective=CORPUS,
        section_assessment=CORPUS,
    )
    response = http.post(reverse("draft_autosave", args=[draft_key]), draft_data)
    assert response.status_code == 200, response.content
    world.draft_key = draft_key
    return world
