import datetime
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from audit.models import Action, Outcome
from audit.services import log_event
from clients.models import Client, ClientStatus
from encryption.validators import validate_plain_text
from integrity.check import check_children
from themes.models import Intensity, Theme
from themes.suggest.service import (
    exact_theme_ids,
    parse_theme_ids,
    risk_notices,
    suggestions_for,
)
from themes.summary import links_for, theme_map

from . import services
from .forms import (
    EVIDENCE_MAX_CHARS,
    MAX_SEQ,
    MAX_VERSION,
    AddendumForm,
    ProcessNoteForm,
    SessionForm,
    StartSessionForm,
    bounded_number,
    draft_payload_from,
    parse_draft_key,
)
from .models import NoteStatus, SessionDraft, TherapySession

RECENT_SESSIONS = 10
RECENTLY_SEEN_DAYS = 30


def _sessions(request: HttpRequest):
    return TherapySession.objects.for_therapist(request.user).select_related("client")


@require_http_methods(["GET"])
def dashboard(request: HttpRequest) -> HttpResponse:
    sessions = _sessions(request)
    themes = theme_map(request.user)
    recent = [(s, links_for(s, themes)) for s in sessions[:RECENT_SESSIONS]]
    today = timezone.localdate()
    since = today - datetime.timedelta(days=RECENTLY_SEEN_DAYS)
    seen = {}
    for session in sessions.filter(date__gte=since, date__lte=today):
        entry = seen.setdefault(session.client_id, {"client": session.client, "count": 0})
        entry["count"] += 1
    overdue_before = today - datetime.timedelta(days=settings.DRAFT_OVERDUE_DAYS)
    unsigned = [
        {"session": s, "overdue": s.date < overdue_before}
        for s in sessions.drafts().order_by("date", "start_time")
    ]
    unsaved = (
        SessionDraft.objects.filter(author=request.user, client__therapist=request.user)
        .select_related("client", "session")
        .order_by("saved_at")
    )
    active_clients = Client.objects.for_therapist(request.user).exclude(
        status=ClientStatus.DISCHARGED
    )
    return render(
        request,
        "sessions/dashboard.html",
        {
            "recent": recent,
            "recently_seen": sorted(seen.values(), key=lambda e: e["client"].sort_key()),
            "recently_seen_days": RECENTLY_SEEN_DAYS,
            "unsigned": unsigned,
            "unsaved_drafts": unsaved,
            "overdue_days": settings.DRAFT_OVERDUE_DAYS,
            "start_form": StartSessionForm(clients=active_clients),
        },
    )


@require_http_methods(["GET"])
def session_start(request: HttpRequest) -> HttpResponse:
    clients = Client.objects.for_therapist(request.user)
    form = StartSessionForm(request.GET, clients=clients.exclude(status=ClientStatus.DISCHARGED))
    if not form.is_valid():
        messages.error(request, "Choose a client to log a session for.")
        return redirect("dashboard")
    client = get_object_or_404(clients, pk=form.cleaned_data["client"])
    return redirect("session_create", client_pk=client.pk)


def _initial_for_new_session() -> dict:
    now = timezone.localtime()
    start = now.time().replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)
    return {"date": now.date(), "start_time": start, "duration_minutes": 50}


def _restore(request, *, client, session, initial: dict) -> tuple[dict, uuid.UUID, int]:
    """Initial values, draft key and autosave sequence start for a fresh form page, from the
    newest autosaved draft when there is one."""
    draft = services.latest_draft(author=request.user, client=client, session=session)
    if session is not None:
        for older in services.superseded_drafts(author=request.user, session=session):
            saved = timezone.localtime(older.saved_at)
            messages.warning(
                request,
                f"Text autosaved at {saved:%H:%M} on {saved:%d %b %Y} was not saved into this "
                "note before a later version was. Open it from the dashboard to copy what you "
                "need, then discard it.",
            )
    if draft is None:
        return initial, uuid.uuid4(), 0
    saved = timezone.localtime(draft.saved_at)
    messages.info(
        request,
        f"Restored your unsaved text, autosaved at {saved:%H:%M} on {saved:%d %b %Y}. "
        "Save the session to keep it.",
    )
    # The restored text was typed on top of the version the draft's page was loaded from: the
    # form must say so, or saving it would silently overwrite a save made since.
    based_on = {"version": draft.base_version} if draft.base_version else {}
    return {**initial, **draft.payload, **based_on}, draft.pk, draft.seq


def _form_page(request, form, *, client, session, seq_start: int, status=200) -> HttpResponse:
    suggested, risk_flags = [], []
    if form.is_bound:
        # Without JavaScript, suggestions appear when the form comes back after a save attempt.
        tagged = set(
            parse_theme_ids(
                " ".join(
                    name.removeprefix("theme_")
                    for name in form.data
                    if name.startswith("theme_") and form.data.get(name)
                )
            )
        )
        suggested, risk_flags = suggestions_for(
            form.note_text(with_plan=False),
            request.user,
            plan=form.plan_text(),
            client=client,
            exclude_ids=tagged | set(form.dismissed_theme_ids()),
        )
    if form.is_bound and hasattr(form, "cleaned_data") and "draft_key" in form.cleaned_data:
        draft_key = form.cleaned_data["draft_key"]
    else:
        draft_key = parse_draft_key(form["draft_key"].value())
    return render(
        request,
        "sessions/session_form.html",
        {
            "form": form,
            "draft_key": draft_key,
            "suggested": suggested,
            "risk_notices": risk_notices(risk_flags),
            # Empty notices, for the page script's <template>s: the same markup as the page's.
            "blank_notices": {"current": {"current": True}, "neutral": {"current": False}},
            "intensities": Intensity.choices,
            "client": client,
            "session": session,
            "seq_start": seq_start,
            "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
        },
        status=status,
    )


def _keep_as_draft(request, form, *, client, session, base_version=None) -> int:
    key = form.cleaned_data.get("draft_key") if hasattr(form, "cleaned_data") else None
    if key is None:
        return 0
    if base_version is None:
        base_version = session.version if session else 0
    services.save_form_as_draft(
        draft_key=key,
        author=request.user,
        client=client,
        session=session,
        base_version=base_version,
        payload=form.draft_payload(),
    )
    return SessionDraft.objects.filter(pk=key).values_list("seq", flat=True).first() or 0


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest, client_pk) -> HttpResponse:
    client = get_object_or_404(Client.objects.for_therapist(request.user), pk=client_pk)
    if request.method == "GET":
        initial, key, seq = _restore(
            request, client=client, session=None, initial=_initial_for_new_session()
        )
        form = SessionForm(
            client=client,
            instance=TherapySession(client=client),
            initial={**initial, "draft_key": key},
        )
        return _form_page(request, form, client=client, session=None, seq_start=seq)
    form = SessionForm(
        request.POST,
        client=client,
        instance=TherapySession(client=client),
        fields_dropped=_fields_dropped(request),
    )
    if form.is_valid():
        session = form.save()
        services.discard_draft(draft_key=form.cleaned_data["draft_key"], author=request.user)
        log_event(action=Action.CREATE_SESSION, request=request, obj=session, client=client)
        messages.success(request, f"Session of {session.date:%d %b %Y} saved as a draft.")
        return redirect(session)
    seq = _keep_as_draft(request, form, client=client, session=None)
    return _form_page(request, form, client=client, session=None, seq_start=seq)


@require_http_methods(["GET"])
def session_detail(request: HttpRequest, pk) -> HttpResponse:
    session = get_object_or_404(_sessions(request), pk=pk)
    client = session.client
    check_children(session)  # its addenda and process note, as the ledger knows them
    integrity_ok = session.integrity_ok()
    addenda = list(session.addenda.select_related("author"))
    addenda_ok = all(a.integrity_ok() for a in addenda)
    log_event(action=Action.VIEW_SESSION, request=request, obj=session, client=client)
    suggested, risk_flags = ([], [])
    if not session.is_signed:
        suggested, risk_flags = suggestions_for(
            session.full_text(with_plan=False),
            request.user,
            plan=session.plan,
            client=client,
            exclude_ids={*session.theme_intensities(), *session.dismissed_themes},
        )
    if not (integrity_ok and addenda_ok):
        log_event(
            action=Action.INTEGRITY_FAILURE,
            request=request,
            obj=session,
            client=client,
            outcome=Outcome.FAILED,
        )
    return render(
        request,
        "sessions/session_detail.html",
        {
            "session": session,
            "client": client,
            "themes": links_for(session, theme_map(request.user)),
            "integrity_ok": integrity_ok,
            "addenda": addenda,
            "addenda_ok": addenda_ok,
            "addendum_form": AddendumForm(),
            "has_process_note": hasattr(session, "process_note"),
            "suggested": suggested,
            "risk_notices": risk_notices(risk_flags),
            "intensities": Intensity.choices,
        },
    )


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, pk) -> HttpResponse:
    session = get_object_or_404(_sessions(request), pk=pk)
    client = session.client
    if session.is_signed:
        messages.error(
            request, "This note is signed and cannot be changed. Add an addendum instead."
        )
        return redirect(session)
    if request.method == "GET":
        log_event(action=Action.VIEW_SESSION, request=request, obj=session, client=client)
        initial, key, seq = _restore(
            request, client=client, session=session, initial={"version": session.version}
        )
        form = SessionForm(client=client, instance=session, initial={**initial, "draft_key": key})
        return _form_page(request, form, client=client, session=session, seq_start=seq)
    saved = TherapySession.objects.get(pk=session.pk)  # what is stored, before the form edits
    form = SessionForm(
        request.POST, client=client, instance=session, fields_dropped=_fields_dropped(request)
    )
    if not form.is_valid():
        # Kept on top of the version this page was loaded from, not the one stored now.
        seq = _keep_as_draft(
            request,
            form,
            client=client,
            session=saved,
            base_version=form.cleaned_data.get("version"),
        )
        return _form_page(request, form, client=client, session=saved, seq_start=seq)
    session = form.save(commit=False)
    result = services.save_draft_session(
        session=session, expected_version=form.cleaned_data["version"]
    )
    if result is services.SaveResult.SAVED:
        services.discard_draft(draft_key=form.cleaned_data["draft_key"], author=request.user)
        log_event(action=Action.EDIT_SESSION, request=request, obj=session, client=client)
        messages.success(request, "Session updated.")
        return redirect(session)
    seq = _keep_as_draft(request, form, client=client, session=saved)
    log_event(
        action=Action.CONFLICT, request=request, obj=saved, client=client, outcome=Outcome.DENIED
    )
    current = TherapySession.objects.get(pk=saved.pk)
    return render(
        request,
        "sessions/session_conflict.html",
        {
            "client": client,
            "session": current,
            "rows": _side_by_side(
                form.comparison_rows(),
                SessionForm(client=client, instance=current).comparison_rows(),
            ),
            "signed": result is services.SaveResult.SIGNED,
            "resubmit": {
                **form.draft_payload(),
                "version": current.version,
                "draft_key": form.cleaned_data["draft_key"],
            },
            "seq_start": seq,
        },
        status=409,
    )


def _side_by_side(mine: list[tuple[str, str]], theirs: list[tuple[str, str]]) -> list[dict]:
    mine_by_label, theirs_by_label = dict(mine), dict(theirs)
    labels = dict.fromkeys([label for label, _ in theirs] + [label for label, _ in mine])
    return [
        {
            "label": label,
            "mine": mine_by_label.get(label, ""),
            "theirs": theirs_by_label.get(label, ""),
            "differs": mine_by_label.get(label, "") != theirs_by_label.get(label, ""),
        }
        for label in labels
        if mine_by_label.get(label) or theirs_by_label.get(label)
    ]


def _is_plain_text(text: str) -> bool:
    try:
        validate_plain_text(text)
    except ValidationError:
        return False
    return True


def _fields_dropped(request: HttpRequest) -> int:
    """How many fields a post had when sessions.middleware had to read it again without the
    theme choices; 0 for every ordinary post."""
    return getattr(request, "fields_dropped", 0)


def _posted_version(request: HttpRequest) -> int | None:
    """The version of the note the page was loaded from; None when it names none. A number
    past the column's range is no note's version: 0, which the conditional save never finds,
    so the page is told that the note changed."""
    text = request.POST.get("version") or ""
    if not (text.isascii() and text.isdecimal()):
        return None
    return bounded_number(text, minimum=1, maximum=MAX_VERSION) or 0


def _posted_themes(request: HttpRequest) -> list[Theme]:
    """The active themes of this therapist named by the posted ``theme`` values; empty when any
    of them is not one (a stale page, or a forged id)."""
    ids = exact_theme_ids(request.POST.getlist("theme"))
    if not ids:
        return []
    themes = Theme.objects.available_to(request.user).filter(active=True).in_bulk(ids)
    return [themes[pk] for pk in ids] if len(themes) == len(ids) else []


@sensitive_post_parameters()
@require_http_methods(["POST"])
def session_accept_theme(request: HttpRequest, pk) -> HttpResponse:
    """Accept suggested themes on a draft (the no-JavaScript path): one, or all shown, at the
    chosen intensity, each with the phrase that suggested it kept as evidence."""
    session = get_object_or_404(_sessions(request), pk=pk)
    if session.is_signed:
        messages.error(request, "This note is signed; its themes can no longer change.")
        return redirect(session)
    themes = _posted_themes(request)
    expected = _posted_version(request)
    # Pages from before the choice of intensity posted none: they meant "mentioned".
    intensity = request.POST.get("intensity") or str(Intensity.MENTIONED.value)
    if not themes or expected is None or intensity not in {str(v) for v in Intensity.values}:
        messages.error(request, "That suggestion could not be accepted. Reload the page.")
        return redirect(session)
    tagged = session.theme_intensities()
    added = [theme for theme in themes if theme.pk not in tagged]
    if added:
        text = session.full_text()
        links = [
            _accepted_link(request, theme, int(intensity), text, len(themes)) for theme in added
        ]
        session.themes = [*session.themes, *links]
        result = services.save_draft_session(session=session, expected_version=expected)
        if result is not services.SaveResult.SAVED:
            messages.error(request, "The note changed since you opened it; nothing was added.")
            return redirect(session)
        log_event(action=Action.EDIT_SESSION, request=request, obj=session, client=session.client)
    label = Intensity(int(intensity)).label.lower()
    if len(themes) == 1:
        messages.success(request, f"The suggested theme was added as {label}.")
    else:
        messages.success(request, f"The suggested themes were added as {label}.")
    return redirect(session)


def _accepted_link(request, theme: Theme, intensity: int, note_text: str, count: int) -> dict:
    link = {"theme": theme.pk, "intensity": intensity}
    evidence = request.POST.get(f"evidence_{theme.pk}")
    if evidence is None and count == 1:
        evidence = request.POST.get("evidence")
    evidence = (evidence or "")[:EVIDENCE_MAX_CHARS].strip()  # as the form strips it
    # Evidence is a phrase of the note itself; anything else posted is dropped.
    if evidence and _is_plain_text(evidence) and evidence in note_text:
        link["evidence"] = evidence
    return link


@sensitive_post_parameters()
@require_http_methods(["POST"])
def session_dismiss_theme(request: HttpRequest, pk) -> HttpResponse:
    """Dismiss a suggested theme on a draft (the no-JavaScript path): it is not offered again
    for this note."""
    session = get_object_or_404(_sessions(request), pk=pk)
    if session.is_signed:
        messages.error(request, "This note is signed; its suggestions no longer change.")
        return redirect(session)
    themes = _posted_themes(request)
    expected = _posted_version(request)
    if len(themes) != 1 or expected is None:
        messages.error(request, "That suggestion could not be dismissed. Reload the page.")
        return redirect(session)
    [theme] = themes
    if theme.pk not in session.dismissed_themes:
        session.dismissed_themes = [*session.dismissed_themes, theme.pk]
        result = services.save_draft_session(session=session, expected_version=expected)
        if result is not services.SaveResult.SAVED:
            messages.error(request, "The note changed since you opened it; nothing was dismissed.")
            return redirect(session)
        log_event(action=Action.EDIT_SESSION, request=request, obj=session, client=session.client)
    # No theme name in the message: messages travel in a cookie, which is not encrypted.
    messages.info(request, "That theme will not be suggested again for this note.")
    return redirect(session)


@require_http_methods(["POST"])
def session_sign(request: HttpRequest, pk) -> HttpResponse:
    session = get_object_or_404(_sessions(request), pk=pk)
    if session.is_signed:
        messages.info(request, "This note was already signed; nothing was changed.")
        return redirect(session)
    expected = _posted_version(request)
    if expected is None:
        messages.error(request, "The sign request did not say which version to sign. Try again.")
        return redirect(session)
    result = services.sign_session(session=session, signer=request.user, expected_version=expected)
    if result is services.SaveResult.SAVED:
        log_event(action=Action.SIGN_SESSION, request=request, obj=session, client=session.client)
        messages.success(request, "Note signed. It is now locked; corrections go in addenda.")
    elif result is services.SaveResult.SIGNED:
        messages.info(request, "This note was already signed; nothing was changed.")
    else:
        messages.error(
            request,
            "The note changed since you opened it (in another tab or device), so it was not "
            "signed. Read the current version below, then sign again.",
        )
    return redirect(session)


@sensitive_post_parameters()
@require_http_methods(["POST"])
def addendum_create(request: HttpRequest, pk) -> HttpResponse:
    session = get_object_or_404(_sessions(request), pk=pk)
    if not session.is_signed:
        messages.error(request, "Addenda are for signed notes. This one is a draft: edit it.")
        return redirect(session)
    form = AddendumForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "sessions/addendum_form.html",
            {"form": form, "session": session, "client": session.client},
            status=200,
        )
    addendum = services.add_addendum(
        session=session, author=request.user, text=form.cleaned_data["text"]
    )
    log_event(action=Action.ADD_ADDENDUM, request=request, obj=addendum, client=session.client)
    messages.success(request, "Addendum added and signed.")
    return redirect(session)


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def process_note(request: HttpRequest, pk) -> HttpResponse:
    """The private process note: its own page, so that every reading of it is audited."""
    session = get_object_or_404(_sessions(request), pk=pk)
    existing = getattr(session, "process_note", None)
    form = ProcessNoteForm(
        request.POST if request.method == "POST" else None,
        initial={"text": existing.text if existing else ""},
    )
    if request.method == "POST" and form.is_valid():
        note = services.save_process_note(session=session, text=form.cleaned_data["text"])
        log_event(action=Action.EDIT_PROCESS_NOTE, request=request, obj=note, client=session.client)
        messages.success(request, "Process note saved.")
        return redirect("process_note", pk=session.pk)
    if request.method == "GET":
        log_event(
            action=Action.VIEW_PROCESS_NOTE,
            request=request,
            obj=existing or session,
            object_type="process_note",
            client=session.client,
        )
    return render(
        request,
        "sessions/process_note.html",
        {"form": form, "session": session, "client": session.client, "note": existing},
    )


def _json_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"status": code, "message": message}, status=status)


@sensitive_post_parameters()
@require_http_methods(["POST"])
def autosave(request: HttpRequest, draft_key) -> JsonResponse:
    """Store the session form as typed. JSON answers; the page script shows them quietly."""
    clients = Client.objects.for_therapist(request.user)
    try:
        client = clients.get(pk=uuid.UUID(request.POST.get("client", "")))
        session_id = request.POST.get("session") or None
        session = (
            _sessions(request).get(pk=uuid.UUID(session_id), client=client) if session_id else None
        )
    except (ValueError, Client.DoesNotExist, TherapySession.DoesNotExist):
        return _json_error(404, "not_found", "This note is not one of yours.")
    if session is not None and session.status == NoteStatus.SIGNED:
        return _json_error(409, "signed", "This note has been signed; it can no longer change.")
    # Bounded by the columns (bigint, integer): a larger number would be a server error.
    seq = bounded_number(request.POST.get("seq"), minimum=1, maximum=MAX_SEQ)
    base_version = bounded_number(
        request.POST.get("base_version") or "0", minimum=0, maximum=MAX_VERSION
    )
    if seq is None or base_version is None:
        return _json_error(400, "invalid", "Autosave needs a positive sequence number.")
    payload = draft_payload_from(request.POST, SessionForm.autosaved_field_names(client))
    outcome = services.autosave(
        draft_key=draft_key,
        author=request.user,
        client=client,
        session=session,
        seq=seq,
        base_version=base_version,
        payload=payload,
    )
    if outcome.result is services.AutosaveResult.NOT_FOUND:
        return _json_error(404, "not_found", "This draft is not one of yours.")
    if outcome.result is services.AutosaveResult.STALE:
        return _json_error(409, "stale", "A newer autosave of this note is already stored.")
    saved = timezone.localtime(outcome.draft.saved_at)
    answer = {
        "status": "saved",
        "seq": seq,
        "saved_at": saved.isoformat(),
        "saved_at_display": f"{saved:%H:%M}",
    }
    if _fields_dropped(request):
        answer["warning"] = (
            "The note text was saved, but not the theme choices: this page sent more fields "
            "than the server reads. Reload the page."
        )
    return JsonResponse(answer)


@require_http_methods(["GET"])
def draft_detail(request: HttpRequest, draft_key) -> HttpResponse:
    """An autosaved text, read-only: for drafts that were overtaken by a later save."""
    draft = get_object_or_404(
        SessionDraft.objects.filter(
            author=request.user, client__therapist=request.user
        ).select_related("client", "session"),
        pk=draft_key,
    )
    form = SessionForm(draft.payload, client=draft.client, instance=draft.session)
    return render(
        request,
        "sessions/draft_detail.html",
        {
            "draft": draft,
            "client": draft.client,
            "rows": [(label, text) for label, text in form.comparison_rows() if text],
        },
    )


@require_http_methods(["POST"])
def draft_discard(request: HttpRequest, draft_key) -> HttpResponse:
    draft = get_object_or_404(SessionDraft.objects.filter(author=request.user), pk=draft_key)
    session_id, client_id = draft.session_id, draft.client_id
    draft.delete()
    messages.info(request, "The autosaved text was discarded.")
    if request.POST.get("return_to") == "dashboard":
        return redirect("dashboard")
    if session_id:
        return redirect("session_edit", pk=session_id)
    return redirect("session_create", client_pk=client_id)
