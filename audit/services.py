"""Writing the audit log. ``log_event`` is the only way entries are made."""

import ipaddress
import re

from django.db import IntegrityError, router, transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from integrity.locks import take_append_lock

from .chain import GENESIS_MAC, compute_mac
from .models import Action, AuditEvent, Outcome

# Stable names for the audited models; any other model is named by its model_name.
OBJECT_TYPES = {
    "clients.client": "client",
    "therapy_sessions.therapysession": "session",
    "therapy_sessions.processnote": "process_note",
    "therapy_sessions.addendum": "addendum",
    "therapy_sessions.sessiondraft": "draft",
    "auth.user": "user",
}
# What may be stored: opaque ids and codes only, so that a name passed by mistake is refused.
_OBJECT_TYPE = re.compile(r"[a-z_]{0,32}")
_OBJECT_ID = re.compile(r"[A-Za-z0-9_-]{0,64}")
_CLIENT_CODE = re.compile(r"(C-[0-9]{4,12})?")
_ATTEMPTS = 5


def log_event(
    *,
    action: Action | str,
    request: HttpRequest | None = None,
    user=None,
    obj: Model | None = None,
    client: Model | None = None,  # a clients.Client
    object_type: str | None = None,
    object_id: str | None = None,
    outcome: Outcome | str = Outcome.OK,
) -> AuditEvent:
    """Append one entry to the audit log and return it.

    - ``user``: who acted; defaults to ``request.user`` when signed in. An ``AnonymousUser``
      means nobody (a failed sign-in to an unknown name).
    - ``obj``: the record acted on; gives object_type ("client", "session", "process_note",
      "addendum", "user", ...) and object_id (its pk), unless those are passed.
    - ``client``: the client concerned; when omitted it is ``obj`` itself, ``obj.client`` or
      ``obj.session.client``. Only its code (C-0007) is stored.
    - The IP address is ``request.META["REMOTE_ADDR"]``; the time is now, in UTC.

    Nothing else is stored: no names, note text, search terms or form input. Inside an outer
    transaction the entry commits or rolls back with it, so record refusals and failures
    (``outcome=Outcome.DENIED`` / ``FAILED``) outside any transaction that is rolled back.
    """
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    if client is None and obj is not None:
        client = _client_of(obj)
    if obj is not None:
        object_type = object_type or OBJECT_TYPES.get(obj._meta.label_lower, obj._meta.model_name)
        object_id = object_id or ("" if obj.pk is None else str(obj.pk))
    fields = {
        "user_id": user.pk if user is not None else None,
        "username": user.get_username() if user is not None else "",
        "action": Action(action).value,
        "object_type": _checked("object_type", object_type or "", _OBJECT_TYPE),
        "object_id": _checked("object_id", object_id or "", _OBJECT_ID),
        "client_code": _checked("client_code", client.code if client else "", _CLIENT_CODE),
        "ip_address": _ip_of(request),
        "outcome": Outcome(outcome).value,
    }
    return _append(fields)


def _append(fields: dict) -> AuditEvent:
    database = router.db_for_write(AuditEvent)
    attempts_left = _ATTEMPTS
    while True:
        try:
            return _append_once(fields, database)
        except IntegrityError:  # another writer took the seq: read the new last entry
            attempts_left -= 1
            if not attempts_left:
                raise


def _append_once(fields: dict, database: str) -> AuditEvent:
    # SQLite: the IMMEDIATE transaction holds the write lock from BEGIN. PostgreSQL: the
    # advisory lock; the unique seq and the retry cover any writer that bypasses it.
    with transaction.atomic(using=database):
        take_append_lock(database)  # the same lock as the integrity ledger's
        last = AuditEvent.objects.using(database).order_by("-seq").values("seq", "mac").first()
        event = AuditEvent(
            seq=last["seq"] + 1 if last else 1,
            at=timezone.now(),
            prev_mac=last["mac"] if last else GENESIS_MAC,
            **fields,
        )
        event.mac = compute_mac(vars(event), event.prev_mac)
        event.save(using=database, force_insert=True)
    return event


def _is_client(obj) -> bool:
    # By label, not by class: audit sits below clients in the dependency order.
    return isinstance(obj, Model) and obj._meta.label_lower == "clients.client"


def _client_of(obj: Model) -> Model | None:
    if _is_client(obj):
        return obj
    if _is_client(getattr(obj, "client", None)):
        return obj.client
    session = getattr(obj, "session", None)
    if session is not None and _is_client(getattr(session, "client", None)):
        return session.client
    return None


def _checked(name: str, value: str, pattern: re.Pattern) -> str:
    # The message never repeats the value: it may be exactly what must not be logged.
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError(f"audit {name} must be an opaque id or code ({pattern.pattern}).")
    return value


def _ip_of(request: HttpRequest | None) -> str | None:
    address = request.META.get("REMOTE_ADDR") if request is not None else None
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None  # absent, a Unix socket, or not an address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        parsed = ipaddress.IPv6Address(parsed.packed)  # without a %zone, which inet refuses
    return str(parsed)
