"""The calendar feed's pages: the subscription address itself (anonymous: the address is the
key) and the therapist's page to turn it on, renew it, turn it off and choose its labels."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.decorators import secret_address

from . import feed as calendar_feed
from .models import FeedLabel

# The answer to any address that is not a working one: the same few bytes for an unknown, a
# renewed and a turned-off address, so that it tells nothing.
NOT_FOUND_BODY = b"Not found.\n"


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


# No sign-in: a calendar program sends no cookies. secret_address keeps the account
# middleware out of it: none of its redirects (which would put the address in a `next`
# parameter, even for an expired session in a browser), and no idle-clock activity.
@login_not_required
@secret_address
@require_safe
def calendar_ics(request: HttpRequest, token: str) -> HttpResponse:
    body = calendar_feed.fetch(token, request=request)
    if body is None:
        return _private(HttpResponse(NOT_FOUND_BODY, status=404, content_type="text/plain"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="appointments.ics"'
    return _private(response)


class FeedLabelForm(forms.Form):
    label = forms.ChoiceField(
        choices=FeedLabel.choices,
        widget=forms.RadioSelect,
        label="What the calendar shows for each appointment",
        help_text="Never a name, a place or a note.",
    )


def _page(request: HttpRequest, *, form=None, new_address: str = "", status: int = 200):
    feed = calendar_feed.feed_of(request.user)
    form = form or FeedLabelForm(initial={"label": feed.label})
    context = {"feed": feed, "form": form, "new_address": new_address}
    return render(request, "appointments/calendar_feed.html", context, status=status)


@require_http_methods(["GET", "POST"])
def calendar_feed_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = FeedLabelForm(request.POST)
        if not form.is_valid():
            return _page(request, form=form)
        calendar_feed.set_label(therapist=request.user, label=form.cleaned_data["label"])
        messages.success(request, "Saved. Calendars show the new labels at their next refresh.")
        return redirect("calendar_feed")
    return _page(request)


@require_POST
def calendar_feed_renew(request: HttpRequest) -> HttpResponse:
    """A new address, shown on this page only (it is not stored anywhere it could be read
    again); the old one stops working."""
    token = calendar_feed.renew(therapist=request.user, request=request)
    address = request.build_absolute_uri(reverse("calendar_feed_ics", args=[token]))
    messages.success(request, "New address made. Any earlier address no longer works.")
    return _page(request, new_address=address)


@require_POST
def calendar_feed_revoke(request: HttpRequest) -> HttpResponse:
    if calendar_feed.revoke(therapist=request.user, request=request):
        messages.success(request, "Calendar feed turned off: its address no longer works.")
    else:
        messages.info(request, "The calendar feed was already off.")
    return redirect("calendar_feed")
