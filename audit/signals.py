"""The password step, sign-out and failed sign-in, from django.contrib.auth's signals.

Django's `user_logged_in` fires when the password is accepted, before the second factor: it is
recorded as `password_accepted`. `sign_in` is recorded by accounts.views once the second factor
is passed (or set up).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from .models import Action, Outcome
from .services import log_event


def record_password_accepted(sender, request, user, **kwargs) -> None:
    log_event(action=Action.PASSWORD_ACCEPTED, request=request, user=user, obj=user)


def record_sign_out(sender, request, user, **kwargs) -> None:
    if user is not None:  # signing out when not signed in
        log_event(action=Action.SIGN_OUT, request=request, user=user, obj=user)


def account_named(attempted):
    """The account with this username, or None. An attempted name is kept only when it is an
    account's: people type passwords into the username box, and a stranger's guess is nobody's
    business."""
    model = get_user_model()
    if not isinstance(attempted, str) or not attempted:
        return None
    return model._default_manager.filter(**{model.USERNAME_FIELD: attempted}).first()


def record_sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    account = account_named(credentials.get(get_user_model().USERNAME_FIELD))
    log_event(
        action=Action.SIGN_IN_FAILED,
        request=request,
        user=account or AnonymousUser(),  # never whoever is signed in on this browser
        obj=account,
        object_type="user",
        outcome=Outcome.DENIED,
    )
