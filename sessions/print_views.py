"""The print view of one note: its header (client code, never the name), its text in the one
order (``TherapySession.text_parts``), its themes and addenda, on a page whose print stylesheet
leaves out the navigation, the forms and the buttons. Never the process note.

Read like the note's own page (``views.session_detail``): through the therapist's queryset, so
another therapist's note is a 404 and the ledger checks it; its children checked too; audited.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from audit.models import Action, Outcome
from audit.services import log_event
from integrity.check import check_children

from .models import TherapySession
from .tagging import note_themes


@require_http_methods(["GET"])
def session_print(request: HttpRequest, pk) -> HttpResponse:
    sessions = TherapySession.objects.for_therapist(request.user)
    session = get_object_or_404(sessions.select_related("client", "signed_by"), pk=pk)
    client = session.client
    check_children(session)  # its addenda, as the ledger knows them
    integrity_ok = session.integrity_ok()
    addenda = list(session.addenda.select_related("author"))
    addenda_ok = all(a.integrity_ok() for a in addenda)
    log_event(action=Action.PRINT_SESSION, request=request, obj=session, client=client)
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
        "sessions/session_print.html",
        {
            "session": session,
            "client": client,
            "parts": [part for part in session.text_parts() if part.text],
            "themes": note_themes().shown([session], request.user)[0],
            "integrity_ok": integrity_ok,
            "addenda": addenda,
            "addenda_ok": addenda_ok,
        },
    )
