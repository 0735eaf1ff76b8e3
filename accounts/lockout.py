"""django-axes hooks: which address a sign-in attempt comes from, what stands for the typed
username, and counting failed codes."""

import hashlib
import hmac

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import user_login_failed
from django.http import HttpRequest

from audit.keys import lockout_username_key


def client_ip(request: HttpRequest) -> str:
    """The peer address, as the audit log records it.

    Behind a reverse proxy this is the proxy's address unless the proxy is configured to pass
    the client's (docs/deploy.md); X-Forwarded-For from the open internet is not trusted.
    """
    return request.META.get("REMOTE_ADDR", "")


def username_digest(typed: str) -> str:
    """The keyed hash django-axes keeps instead of a typed username (AXES_USERNAME_CALLABLE).

    Failures still count per username and address, but a stored row, a backup or a log line
    does not say what was typed: often a password in the wrong box, or a client's name.
    """
    data = typed.encode("utf-8", "surrogatepass")
    return hmac.new(lockout_username_key(), data, hashlib.sha256).hexdigest()


def stored_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: the typed username, from where django-axes would read it, as
    its digest."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        typed = credentials.get(field)
    else:
        typed = getattr(request, "data", request.POST).get(field)
    return username_digest(typed) if isinstance(typed, str) else None


def typed_username(request: HttpRequest) -> str | None:
    """The username as typed in the attempt django-axes just counted (its signals carry only
    the digest)."""
    credentials = getattr(request, "axes_credentials", None) or {}
    typed = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    return typed if isinstance(typed, str) else None


def credentials_of(user) -> dict:
    return {"username": user.get_username()}


def is_locked_out(request: HttpRequest, user) -> bool:
    return not AxesProxyHandler.is_allowed(request, credentials_of(user))


def count_failed_code(request: HttpRequest, user) -> None:
    """A wrong one-time code counts as a failed sign-in for the same username and address."""
    user_login_failed.send(sender=__name__, credentials=credentials_of(user), request=request)


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """The page for a paused sign-in (django-axes' AXES_LOCKOUT_CALLABLE, and the code step)."""
    from django.conf import settings
    from django.shortcuts import render

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
