"""django-axes hooks: which address a sign-in attempt comes from, and counting failed codes."""

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import user_login_failed
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The peer address, as the audit log records it.

    Behind a reverse proxy this is the proxy's address unless the proxy is configured to pass
    the client's (docs/deploy.md); X-Forwarded-For from the open internet is not trusted.
    """
    return request.META.get("REMOTE_ADDR", "")


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
