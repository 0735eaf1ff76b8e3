from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from . import policy


def account(request: HttpRequest) -> dict:
    """What the page frame needs: the administrator's menu, the home link and the idle-timeout
    timings."""
    acct = getattr(request, "account", None)
    return {
        "is_practice_admin": bool(acct and acct.is_practice_admin),
        "home_url": acct.home_url() if acct else reverse("dashboard"),
        "idle_timeout_seconds": policy.idle_timeout(),
        "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
    }
