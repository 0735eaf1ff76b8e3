"""Marks on views, read by AccountSecurityMiddleware (the way Django's login_not_required is)."""


def before_two_factor(view):
    """The view is part of the sign-in itself: reachable after the password, before the code."""
    view.before_two_factor = True
    return view


def practice_admin_allowed(view):
    """A practice administrator may use this view (by default they may use none that could
    show clinical records)."""
    view.practice_admin_allowed = True
    return view


def secret_address(view):
    """The address itself is the key (the calendar feed): the view ignores who is signed in.
    The account checks never act on it, so that no redirect puts the address in ``next``
    and it never counts as activity."""
    view.secret_address = True
    return view


def keeps_idle_clock(view):
    """Requests to this view do not count as activity (the page asking how long is left)."""
    view.keeps_idle_clock = True
    return view
