"""*Save and sign* on the note form: the view side (the write is services.save_and_sign_session).

The form's confirmation step (the same disclosure as *Sign note…* on a draft's page) holds the
only button that posts ``sign=confirmed``; the plain *Save session* button, Enter in a field and
Ctrl+Enter post without it and only save. A form that is refused signs nothing: the view shows it
again with what was typed, as for a plain save.
"""

from django.contrib import messages

from audit.models import Action
from audit.services import log_event

from . import services
from .form_aids import save_aids
from .models import TherapySession

SIGN_FIELD = "sign"
SIGN_CONFIRMED = "confirmed"


def requested(request) -> bool:
    """Whether the post came from the confirmation step's *Save, sign and lock* button."""
    return request.POST.get(SIGN_FIELD) == SIGN_CONFIRMED


def save_and_sign(
    request, form, *, session: TherapySession, client, expected_version: int | None = None
) -> services.SaveResult:
    """Save and sign the note ``form`` built (``session``, from ``form.save(commit=False)``):
    audited and said on success; on a refusal nothing is stored, and the caller shows the form
    (a new note) or the conflict page (an edited one)."""
    result = services.save_and_sign_session(
        session=session,
        client=client,
        signer=request.user,
        expected_version=expected_version,
        # What the form's aids record with the note, stored before the note locks.
        before_signing=lambda saved: save_aids(request=request, form=form, session=saved),
    )
    if result is not services.SaveResult.SAVED:
        if expected_version is None:
            messages.error(
                request,
                "The note could not be signed, so nothing was saved. Your text is below: "
                "save it again.",
            )
        return result
    services.discard_draft(draft_key=form.cleaned_data["draft_key"], author=request.user)
    written = Action.CREATE_SESSION if expected_version is None else Action.EDIT_SESSION
    log_event(action=written, request=request, obj=session, client=client)
    log_event(action=Action.SIGN_SESSION, request=request, obj=session, client=client)
    messages.success(
        request,
        f"Session of {session.date:%d %b %Y} saved and signed. It is now locked; corrections "
        "go in addenda.",
    )
    return result
