"""Simulated therapists for the load and crash tests, and the ledger of acknowledged writes.

Each simulated therapist has its own browser (cookies, CSRF token), signs in through the real
two steps, then works: dashboard, client pages, search, a case summary PDF now and then, and
above all writing notes: open the session form, type, autosave every few seconds, save, maybe
edit and save again, maybe sign.

Every write is entered in the therapist's ledger in the order it was sent, with a hash of the
content sent and whether the server acknowledged it. ``bench.appside`` reads the database back
afterwards and checks every acknowledged write against it (see ``verify`` there).
"""

import hashlib
import json
import random
import re
import threading
import time

from bench.liveserver import Browser, RequestFailed, parse_form, path_of

# The note text the ledger tracks, under the session form's field names (SOAP format).
CONTENT_FIELDS = [
    "mood_affect",
    "section_subjective",
    "section_objective",
    "section_assessment",
    "plan",
]
SESSION_PATH = re.compile(r"^/sessions/([0-9a-f-]{36})/$")
SEARCH_WORDS = ["anxiety", "sleep", "mother", "work", "boundaries", "grief", "anx*", "panic"]
WORDS = re.findall(
    r"[\w-]+",
    "client reported low mood this week with poor sleep and worry about work; discussed her "
    "mother and the pattern of pleasing others; explored boundaries at home; practised a "
    "grounding exercise; agreed to keep a thought record; affect brighter by the end; no risk "
    "indicators today; next session continues the work on assertiveness and self-compassion",
)


def content_hash(values: dict) -> str:
    """The ledger's hash of a note's tracked text (the same function reads the database)."""
    canonical = json.dumps(
        {name: str(values.get(name) or "") for name in CONTENT_FIELDS},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class Stop(Exception):
    """The run is over (deadline passed or the server was killed)."""


class SimulatedTherapist:
    def __init__(
        self,
        therapist: dict,
        base_url: str,
        stats,
        *,
        deadline: float,
        stop: threading.Event,
        think_scale: float = 1.0,
        seed: int = 0,
        browser: Browser | None = None,
        writes_only: bool = False,
    ):
        self.therapist = therapist
        self.browser = browser or Browser(base_url, stats)
        self.browser.stats = stats
        self.browser.base_url = base_url
        self.deadline = deadline
        self.stop = stop
        self.think_scale = think_scale
        self.rng = random.Random(seed)
        self.ledger: list[dict] = []
        self.unexpected: list[str] = []
        self.own_drafts: dict[str, int] = {}  # session id -> version, notes still draft
        # write note, dashboard, client page, search, edit a draft, case summary PDF
        self.weights = [70, 0, 0, 0, 30, 0] if writes_only else [35, 20, 20, 15, 5, 5]

    # --- pacing -------------------------------------------------------------------------------
    def think(self, low: float, high: float) -> None:
        pause = self.rng.uniform(low, high) * self.think_scale
        remaining = self.deadline - time.monotonic()
        if remaining <= 0 or self.stop.is_set():
            raise Stop
        if self.stop.wait(min(pause, remaining)) or time.monotonic() >= self.deadline:
            raise Stop

    def _expect(self, response, statuses, what: str) -> bool:
        if response.status in statuses:
            return True
        self.unexpected.append(f"{what}: {response.status} {response.location}".strip())
        return False

    def _text(self, sentences: int) -> str:
        return " ".join(
            " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(6, 14))) + "."
            for _ in range(sentences)
        )

    def _client(self) -> str:
        return self.rng.choice(self.therapist["clients"])

    # --- the day's work -----------------------------------------------------------------------
    def run(self) -> None:
        try:
            # Therapists do not all click at the same instant: a staggered start.
            self.think(0.0, 5.0)
            while True:
                if self.stop.is_set() or time.monotonic() >= self.deadline:
                    return
                actions = [
                    self.write_note,
                    self.dashboard,
                    self.client_page,
                    self.search,
                    self.edit_own_draft,
                    self.summary_pdf,
                ]
                action = self.rng.choices(actions, weights=self.weights)[0]
                action()
                self.think(1.0, 4.0)
        except (Stop, RequestFailed):
            return

    def dashboard(self) -> None:
        self._expect(self.browser.get("/"), {200}, "dashboard")

    def client_page(self) -> None:
        self._expect(self.browser.get(f"/clients/{self._client()}/"), {200}, "client page")

    def search(self) -> None:
        response = self.browser.get("/search/")
        if not self._expect(response, {200}, "search page"):
            return
        self.think(1.0, 3.0)
        query = " ".join(self.rng.sample(SEARCH_WORDS, self.rng.randint(1, 2)))
        self._expect(self.browser.post("/search/", {"q": query}), {200}, "search")

    def summary_pdf(self) -> None:
        path = f"/summaries/clients/{self._client()}/"
        response = self.browser.get(path)
        if not self._expect(response, {200}, "summary form"):
            return
        fields = parse_form(response.text, action="").fields
        self.think(1.0, 3.0)
        response = self.browser.post(path, fields, category="pdf")
        if self._expect(response, {200}, "summary pdf") and not response.body.startswith(b"%PDF"):
            self.unexpected.append("summary pdf: not a PDF")

    # --- writing ------------------------------------------------------------------------------
    def write_note(self) -> None:
        client = self._client()
        path = f"/clients/{client}/sessions/new/"
        response = self.browser.get(path)
        if not self._expect(response, {200}, "new session form"):
            return
        form = parse_form(response.text, form_id="session-form")
        content = {
            "mood_affect": "",
            "section_subjective": "",
            "section_objective": "",
            "section_assessment": "",
            "plan": "",
        }
        draft_key = dict(form.fields)["draft_key"]
        seq = int(form.attrs.get("data-seq-start") or 0)
        for _ in range(self.rng.randint(2, 6)):
            self.think(2.0, 5.0)  # typing, then the 3-second debounce
            self._type(content)
            seq += 1
            self._autosave(form, draft_key, client, None, seq, content)
        self.think(1.0, 3.0)
        self._type(content)
        created = self._save(path, form, draft_key, client, None, content)
        if created is None:
            return
        self.own_drafts[created] = 1
        if self.rng.random() < 0.3:
            self.think(1.0, 3.0)
            self.edit(created)
        if self.rng.random() < 0.6:
            self.think(1.0, 3.0)
            self.sign(created)

    def edit_own_draft(self) -> None:
        if self.own_drafts:
            self.edit(self.rng.choice(sorted(self.own_drafts)))

    def edit(self, session: str) -> None:
        path = f"/sessions/{session}/edit/"
        response = self.browser.get(path)
        if not self._expect(response, {200}, "edit form"):
            return
        form = parse_form(response.text, form_id="session-form")
        values = dict(form.fields)
        content = {name: values.get(name, "") for name in CONTENT_FIELDS}
        draft_key = values["draft_key"]
        seq = int(form.attrs.get("data-seq-start") or 0)
        client = form.attrs["data-client"]
        for _ in range(self.rng.randint(1, 3)):
            self.think(2.0, 5.0)
            self._type(content)
            seq += 1
            self._autosave(form, draft_key, client, session, seq, content)
        self.think(1.0, 3.0)
        self._type(content)
        self._save(path, form, draft_key, client, session, content)

    def sign(self, session: str) -> None:
        """Open the note, then press Sign (its form carries the version shown)."""
        page = self.browser.get(f"/sessions/{session}/")
        if not self._expect(page, {200}, "session page"):
            return
        try:
            form = parse_form(page.text, action=f"/sessions/{session}/sign/")
        except ValueError:  # already signed (a signature whose answer was lost)
            self.own_drafts.pop(session, None)
            return
        self.think(1.0, 3.0)
        version = dict(form.fields).get("version", "")
        event = {"kind": "sign", "session": session, "version": version, "acked": False}
        self.ledger.append(event)
        response = self.browser.post(
            f"/sessions/{session}/sign/", {"version": version}, category="write"
        )
        if not self._expect(response, {302}, "sign"):
            return
        # The redirect is the answer to any sign request; the page says whether it was signed.
        page = self.browser.get(path_of(response.location))
        if self._expect(page, {200}, "signed session page") and "Note signed." in page.text:
            event["acked"] = True
            self.own_drafts.pop(session, None)
        else:
            self.unexpected.append("sign: the page does not say the note was signed")

    def _type(self, content: dict) -> None:
        """A few more words in one or two parts of the note (text grows as it is typed)."""
        for name in self.rng.sample(CONTENT_FIELDS, self.rng.randint(1, 2)):
            addition = self._text(1)
            content[name] = f"{content[name]} {addition}".strip() if content[name] else addition
            if name == "mood_affect":  # at most 500 characters; the form strips the end
                content[name] = content[name][:400].strip()

    def _fields(self, form, content: dict, extra: dict) -> list[tuple[str, str]]:
        replaced = {**content, **extra}
        fields = [(name, value) for name, value in form.fields if name not in replaced]
        return fields + list(replaced.items())

    def _autosave(self, form, draft_key, client, session, seq, content) -> None:
        extra = {
            "seq": str(seq),
            "client": client,
            "session": session or "",
            "base_version": form.attrs.get("data-base-version") or "0",
            "csrfmiddlewaretoken": self.browser.csrf_token(),
        }
        event = {
            "kind": "autosave",
            "key": draft_key,
            "client": client,
            "session": session,
            "seq": seq,
            "hash": content_hash(content),
            "acked": False,
        }
        self.ledger.append(event)
        response = self.browser.post(
            form.attrs["data-autosave-url"], self._fields(form, content, extra), category="autosave"
        )
        if self._expect(response, {200}, "autosave"):
            try:
                event["acked"] = json.loads(response.body).get("status") == "saved"
            except ValueError:
                self.unexpected.append("autosave: not JSON")

    def _save(self, path, form, draft_key, client, session, content) -> str | None:
        """POST the whole form (Save). Returns the session id when the save was acknowledged."""
        extra = {"risk_level": "low", "note_format": "soap"}
        if not content["mood_affect"]:
            content["mood_affect"] = "settled"
        event = {
            "kind": "save",
            "key": draft_key,
            "client": client,
            "session": session,
            # The version the edit is based on (what the page was loaded from).
            "base": int(dict(form.fields).get("version") or 0) if session else 0,
            "hash": content_hash(content),
            "acked": False,
        }
        self.ledger.append(event)
        before = self.own_drafts.get(session) if session else 0
        response = self.browser.post(path, self._fields(form, content, extra), category="write")
        if not self._expect(response, {302}, "save"):
            return None
        match = SESSION_PATH.match(path_of(response.location))
        if match is None:
            self.unexpected.append(f"save: redirected to {response.location}")
            return None
        saved = match.group(1)
        event["acked"] = True
        event["session"] = saved
        if session is None:
            event["version_after"] = 1
        else:
            version = int(dict(form.fields).get("version") or before or 1)
            event["version_after"] = version + 1
            self.own_drafts[session] = version + 1
        return saved
