import datetime
import uuid

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from audit.models import Action, Outcome
from audit.services import log_event
from clients.models import Client, ClientStatus
from integrity.check import check_children

from . import panels, schedule, services, signing
from .form_aids import form_aids, save_aids
from .forms import (
    AddendumForm,
    AutosaveForm,
    ProcessNoteForm,
    SessionForm,
    StartSessionForm,
    parse_draft_key,
    posted_version,
)
from .links import Intensity, parse_theme_ids
from .models import SessionDraft, TherapySession
from .previous import previous_session
from .starting import booked_next, initial_for_new_note, with_appointment
from .tagging import Suggestions, note_themes

RECENT_SESSIONS = 10
APPOINTMENT_TAKEN = (
    "A note for this appointment was saved a moment ago (another tab or a second click): "
    "nothing was saved here, and what you typed is kept as an autosaved draft. Open that note "
    "from the dashboard."
)
RECENTLY_SEEN_DAYS = 30


def _sessions(request: HttpRequest):
    return TherapySession.objects.for_therapist(request.user).select_related("client")


@require_http_methods(["GET"])
def dashboard(request: HttpRequest) -> HttpResponse:
    # Every client is loaded (checked against the ledger and decrypted) once, and each list
    # below takes its clients from here rather than joining them in again.
    clients = {client.pk: client for client in Client.objects.for_therapist(request.user)}
    sessions = TherapySession.objects.for_therapist(request.user)
    latest = schedule.attach_clients(sessions[:RECENT_SESSIONS], clients)
    recent = list(zip(latest, note_themes().shown(latest, request.user), strict=True))
    today = timezone.localdate()
    since = today - datetime.timedelta(days=RECENTLY_SEEN_DAYS)
    counts = (
        sessions.filter(date__gte=since, date__lte=today)
        .order_by()
        .values("client_id")
        .annotate(count=Count("pk"))
        .values_list("client_id", "count")
    )
    seen = [{"client": clients[pk], "count": count} for pk, count in counts if pk in clients]
    overdue_before = today - datetime.timedelta(days=settings.DRAFT_OVERDUE_DAYS)
    unsigned = [
        {"session": s, "overdue": s.date < overdue_before}
        for s in schedule.attach_clients(sessions.drafts().order_by("date", "start_time"), clients)
    ]
    unsaved = (
        SessionDraft.objects.for_therapist(request.user)
        .select_related("client", "session")
        .order_by("saved_at")
    )
    active_clients = [c for c in clients.values() if c.status != ClientStatus.DISCHARGED]
    day = schedule.today(request.user, clients=clients)
    panels.mark_appointments(request, day.appointments)
    return render(
        request,
        "sessions/dashboard.html",
        {
            "today": day.appointments,
            "selected_appointment": day.selected,
            "missing_notes": day.missing,
            "missing_count": day.missing_count,
            "recent": recent,
            "recently_seen": sorted(seen, key=lambda e: e["client"].sort_key()),
            "recently_seen_days": RECENTLY_SEEN_DAYS,
            "unsigned": unsigned,
            "unsaved_drafts": unsaved,
            "overdue_days": settings.DRAFT_OVERDUE_DAYS,
            "start_form": StartSessionForm(clients=active_clients),
            "dashboard_panels": panels.panels("dashboard", request=request),
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
    suggestions = Suggestions()
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
        suggestions = note_themes().suggestions(
            form.note_text(with_plan=False),
            user=request.user,
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
            "suggested": suggestions.themes,
            "risk_notices": suggestions.risk_notices,
            # Empty notices, for the page script's <template>s: the same markup as the page's.
            "blank_notices": {"current": {"current": True}, "neutral": {"current": False}},
            "intensities": Intensity.choices,
            "client": client,
            "session": session,
            "seq_start": seq_start,
            "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
            "previous": previous_session(request.user, client=client, session=session),
            "form_aids": form_aids(request, client, form["note_format"].value()),
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
        asked = initial_for_new_note(client, request.GET.get("appointment"))
        initial, key, seq = _restore(request, client=client, session=None, initial=asked)
        initial = with_appointment(initial, asked, explicit=bool(request.GET.get("appointment")))
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
    try:
        if form.is_valid() and signing.requested(request):
            session = form.save(commit=False)
            result = signing.save_and_sign(request, form, session=session, client=client)
            if result is services.SaveResult.SAVED:
                return redirect(session)
        elif form.is_valid():
            with transaction.atomic():
                session = services.create_session(session=form.save(commit=False), client=client)
                save_aids(request=request, form=form, session=session)
            services.discard_draft(draft_key=form.cleaned_data["draft_key"], author=request.user)
            log_event(action=Action.CREATE_SESSION, request=request, obj=session, client=client)
            messages.success(request, f"Session of {session.date:%d %b %Y} saved as a draft.")
            return redirect(session)
    except services.AppointmentTaken:
        form.add_error("appointment", APPOINTMENT_TAKEN)
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
    suggestions = Suggestions()
    if not session.is_signed:
        suggestions = note_themes().suggestions(
            session.full_text(with_plan=False),
            user=request.user,
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
            "themes": note_themes().shown([session], request.user)[0],
            "integrity_ok": integrity_ok,
            "addenda": addenda,
            "addenda_ok": addenda_ok,
            "addendum_form": AddendumForm(),
            "has_process_note": hasattr(session, "process_note"),
            "next_booked": booked_next(session),
            "note_panels": panels.panels("note", request=request, session=session),
            "suggested": suggestions.themes,
            "risk_notices": suggestions.risk_notices,
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
    if signing.requested(request):
        expected = form.cleaned_data["version"]
        result = signing.save_and_sign(
            request, form, session=session, client=client, expected_version=expected
        )
        if result is services.SaveResult.SAVED:
            return redirect(session)
    else:
        with transaction.atomic():
            result = services.save_draft_session(
                session=session, expected_version=form.cleaned_data["version"]
            )
            if result is services.SaveResult.SAVED:
                save_aids(request=request, form=form, session=session)
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


def _fields_dropped(request: HttpRequest) -> int:
    """How many fields a post had when sessions.middleware had to read it again without the
    theme choices; 0 for every ordinary post."""
    return getattr(request, "fields_dropped", 0)


@require_http_methods(["POST"])
def session_sign(request: HttpRequest, pk) -> HttpResponse:
    session = get_object_or_404(_sessions(request), pk=pk)
    if session.is_signed:
        messages.info(request, "This note was already signed; nothing was changed.")
        return redirect(session)
    expected = posted_version(request.POST)
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
    form = AutosaveForm(request.POST, user=request.user)
    if not form.is_valid():
        return _json_error(*form.refusal())
    client, session = form.cleaned_data["client"], form.cleaned_data["session"]
    seq = form.cleaned_data["seq"]
    outcome = services.autosave(
        draft_key=draft_key,
        author=request.user,
        client=client,
        session=session,
        seq=seq,
        base_version=form.cleaned_data["base_version"],
        payload=form.payload(),
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
        SessionDraft.objects.for_therapist(request.user).select_related("client", "session"),
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
    draft = get_object_or_404(SessionDraft.objects.for_therapist(request.user), pk=draft_key)
    session_id, client_id = draft.session_id, draft.client_id
    services.discard_autosave(draft=draft)
    messages.info(request, "The autosaved text was discarded.")
    if request.POST.get("return_to") == "dashboard":
        return redirect("dashboard")
    if session_id:
        return redirect("session_edit", pk=session_id)
    return redirect("session_create", client_pk=client_id)
