"""The one-time questionnaire link (off unless ``settings.MEASURES_CLIENT_LINKS``): the
therapist makes one for a client and a questionnaire, and the client fills it in at
``/q/<token>/``, signed in to nothing.

The public page shows the questions and nothing else: no name, no client code, no navigation
(``measures/minimal_base.html``). An unknown, used or expired token, the feature turned off, and
an address over its refusal limit all get the same page ("This link is no longer valid", 404),
which tells a guesser nothing. Refusals are counted per client address (the cache, as the
calendar feed counts them): past ``REFUSALS_PER_WINDOW`` in ``WINDOW_SECONDS`` an address is
answered with that page for every token, without a look-up, and refusals are audited only up to
``REFUSALS_AUDITED_PER_MINUTE`` per address. The token is never logged (config/log_filters.py
writes the path as /q/[secret]/) nor audited, and the page's referrer policy sends no path.

The post is CSRF-protected like every other form: the page itself sets the token's cookie.
"""

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import secret_address
from audit.models import Action, Outcome
from audit.services import log_event

from . import services
from .forms import AnswersForm
from .models import LINK_LIFETIME
from .views import client_or_404, measure_or_404

logger = logging.getLogger(__name__)
REFUSALS_PER_WINDOW = 30
WINDOW_SECONDS = 600
REFUSALS_AUDITED_PER_MINUTE = 20
OBJECT_TYPE = "measure_link"


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    # Not "no-referrer": Chromium then sends "Origin: null" with the page's own form post, and
    # the CSRF check refuses the answers. "strict-origin" sends the origin only, never the
    # path that holds the token (not even to this site's own static files).
    response["Referrer-Policy"] = "strict-origin"
    return response


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "-"


def _count(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr
        return 1


def _window_key(request: HttpRequest) -> str:
    return f"measure-link-refused:{_address(request)}:{int(time.time() // WINDOW_SECONDS)}"


def over_limit(request: HttpRequest) -> bool:
    """Whether this address has been refused too often in the current window."""
    return (cache.get(_window_key(request)) or 0) >= REFUSALS_PER_WINDOW


def _refused(request: HttpRequest) -> HttpResponse:
    """The one answer to a link that does not work, counted and (within a rate) audited."""
    _count(_window_key(request), WINDOW_SECONDS * 2)
    minute = f"measure-link-audited:{_address(request)}:{int(time.time() // 60)}"
    if _count(minute, 120) <= REFUSALS_AUDITED_PER_MINUTE:
        log_event(
            action=Action.MEASURE_LINK_REFUSED,
            request=request,
            user=None,
            object_type=OBJECT_TYPE,
            outcome=Outcome.DENIED,
        )
    else:
        logger.warning("Questionnaire link: refusals over the audited rate (not audited).")
    return _gone(request)


def _gone(request: HttpRequest) -> HttpResponse:
    return _private(render(request, "measures/link_invalid.html", status=404))


def _page(request, form, status: int = 200) -> HttpResponse:
    context = {"measure": form.measure, "form": form}
    return _private(render(request, "measures/link_questionnaire.html", context, status=status))


# No sign-in: the address is the key. secret_address keeps the account middleware out of it
# (no redirect putting the address in `next`, no idle clock), whoever is signed in.
@login_not_required
@secret_address
@require_http_methods(["GET", "POST"])
def measure_link(request: HttpRequest, token: str) -> HttpResponse:
    if not settings.MEASURES_CLIENT_LINKS:
        return _gone(request)
    if over_limit(request):
        return _gone(request)
    link = services.find_link(token)
    measure = link.measure_obj if link is not None else None
    if measure is None:
        return _refused(request)
    form = AnswersForm(
        request.POST if request.method == "POST" else None, measure=measure, dated=False
    )
    if request.method == "GET":
        return _page(request, form)
    if not form.is_valid():
        services.refuse_link(link=link, request=request)
        return _page(request, form)
    try:
        services.redeem_link(raw_token=token, answers=form.answers(), request=request)
    except services.LinkInvalid:
        return _refused(request)
    except ValueError as exc:
        services.refuse_link(link=link, request=request)
        form.add_error(None, str(exc))
        return _page(request, form)
    return _private(render(request, "measures/link_thanks.html"))


@require_POST
def measure_link_create(request: HttpRequest, client_pk, slug: str) -> HttpResponse:
    """A new link, shown on the answering page only (its token is not stored)."""
    client = client_or_404(request, client_pk)
    measure = measure_or_404(slug)
    if not settings.MEASURES_CLIENT_LINKS:
        messages.info(request, "Questionnaire links are turned off for this practice.")
        return redirect("client_measures", client_pk=client.pk)
    _, token = services.create_link(
        client=client, measure_slug=measure.slug, user=request.user, request=request
    )
    address = request.build_absolute_uri(reverse("measure_link", args=[token]))
    hours = int(LINK_LIFETIME.total_seconds() // 3600)
    return _private(
        render(
            request,
            "measures/link_created.html",
            {"client": client, "measure": measure, "address": address, "hours": hours},
        )
    )
