"""Sign-in, sign-out and failed sign-in, from django.contrib.auth's signals."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from .models import Action, Outcome
from .services import record


def record_sign_in(sender, request, user, **kwargs) -> None:
    record(action=Action.SIGN_IN, request=request, user=user, obj=user)


def record_sign_out(sender, request, user, **kwargs) -> None:
    if user is not None:  # signing out when not signed in
        record(action=Action.SIGN_OUT, request=request, user=user, obj=user)


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
    record(
        action=Action.SIGN_IN_FAILED,
        request=request,
        user=account or AnonymousUser(),  # never whoever is signed in on this browser
        obj=account,
        object_type="user",
        outcome=Outcome.DENIED,
    )
