"""A stored value that fails authentication gets a clear page, not a server error.

A flipped bit, a value copied from another row or column, an unknown key id or a truncated
envelope raises an ``EncryptionError`` when the value is first read (see fields.py), as does
a record that no longer matches its integrity record (``RecordIntegrityError``, integrity
app). Without this middleware that became Django's generic 500 page. Here it becomes a page
saying that a record could not be read and nothing of it was shown, an ``integrity_failure``
audit entry (with the record's type, id and client code, never a value) and an error in the
log.

Programming and configuration errors (``PlaintextQueryError``, ``KeyConfigurationError``) stay
server errors: they are bugs, not damaged data.
"""

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .errors import (
    DecryptionError,
    MalformedCiphertextError,
    RecordIntegrityError,
    UnknownKeyError,
)

logger = logging.getLogger("encryption.integrity")

UNREADABLE = (DecryptionError, MalformedCiphertextError, UnknownKeyError, RecordIntegrityError)
# The request was understood, but the stored record it needs is in a state that cannot be read.
STATUS = 409


class UnreadableRecordMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not isinstance(exception, UNREADABLE):
            return None
        model = getattr(exception, "model", None)
        row_id = getattr(exception, "row_id", None)
        field_name = getattr(exception, "field_name", None)
        where = f"{model._meta.label}.{field_name} row {row_id}" if model else "unknown field"
        logger.error(
            "Unreadable encrypted value (%s) at %s: %s",
            exception.__class__.__name__,
            request.path,
            where,
        )
        _audit(request, model, row_id)
        return render(request, "unreadable_record.html", status=STATUS)


def _audit(request: HttpRequest, model, row_id) -> None:
    from audit.models import Action, Outcome
    from audit.services import log_event

    obj = model._base_manager.filter(pk=row_id).first() if model and row_id else None
    try:
        log_event(
            action=Action.INTEGRITY_FAILURE,
            request=request,
            obj=obj,
            object_type=None if obj else "unknown",
            outcome=Outcome.FAILED,
        )
    except Exception:  # the page must still be shown; the log line above names the record
        logger.exception("The integrity failure could not be written to the audit log.")
