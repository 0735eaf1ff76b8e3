import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as _LoginRequired
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect
from django.template import loader
from django.urls import reverse

from . import policy
from .models import Account
from .two_factor import has_confirmed_device

_ENDED = {
    "idle": "You were signed out after {minutes} without activity. "
    "Any open note was saved as a draft.",
    "lifetime": "Your session reached its {hours}-hour limit. Please sign in again.",
    "ended": "You were signed out. Please sign in again.",
}


class AccountSecurityMiddleware:
    """For signed-in requests, in this order:

    1. end the session if it is idle, too old, or was ended from elsewhere (sign-out
       everywhere, deactivation, 2FA reset);
    2. send a user who has not passed the second step to it (setting it up on first sign-in);
    3. keep a practice administrator to the account-management pages;
    4. note the activity, for the idle timeout.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or getattr(view_func, "secret_address", False):
            return None
        account = request.account = Account.for_user(user)
        reason = policy.expiry_reason(request.session, epoch=account.session_epoch)
        if reason is not None:
            return self._end_session(request, reason)

        if not user.is_verified() and not getattr(view_func, "before_two_factor", False):
            step = "two_factor_verify" if has_confirmed_device(user) else "two_factor_setup"
            return _redirect_with_next(step, request)

        if account.is_practice_admin and not getattr(view_func, "practice_admin_allowed", False):
            return HttpResponseForbidden(
                loader.render_to_string("accounts/admin_forbidden.html", request=request)
            )

        if not getattr(view_func, "keeps_idle_clock", False):
            policy.touch(request.session)
        return None

    def _end_session(self, request: HttpRequest, reason: str) -> HttpResponse:
        logout(request)
        messages.info(
            request,
            _ENDED[reason].format(
                minutes=_minutes(policy.idle_timeout()), hours=policy.absolute_lifetime() // 3600
            ),
        )
        return _redirect_with_next("login", request)


def _redirect_with_next(url_name: str, request: HttpRequest) -> HttpResponse:
    url = reverse(url_name)
    # Only paths go back into `next` (ids are opaque); never the query string.
    if request.method == "GET" and request.path != url:
        url += "?" + urlencode({"next": request.path})
    return redirect(url)


def _minutes(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


class LoginRequiredMiddleware(_LoginRequired):
    """Django's, except that the page to come back to keeps only opaque ids from the query
    string (`?client=<uuid>`): any other parameter could carry words the therapist typed,
    which would end up in the sign-in URL, the browser history and the proxy's log."""

    def handle_no_permission(self, request, view_func):
        return redirect_to_login(
            path_with_opaque_ids(request),
            self.get_login_url(view_func),
            self.get_redirect_field_name(view_func),
        )


def path_with_opaque_ids(request: HttpRequest) -> str:
    kept = []
    for name, values in request.GET.lists():
        for value in values:
            try:
                kept.append((name, str(uuid.UUID(value))))
            except ValueError:
                continue
    return request.path + ("?" + urlencode(kept) if kept else "")
