"""Session marks at sign-in, and lockouts into the audit log."""

from axes.signals import user_locked_out
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.dispatch import Signal, receiver

from audit.models import Action, Outcome
from audit.services import log_event
from audit.signals import account_named

from . import lockout, policy
from .models import Account

# Sent with ``request`` and ``user`` once both factors are passed (``user_logged_in`` comes after
# the password alone): what may follow a complete sign-in only (the search warm-up) listens here.
second_factor_passed = Signal()


@receiver(user_logged_in, dispatch_uid="accounts.start_session_policy")
def start_session_policy(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        policy.start(request.session, epoch=Account.for_user(user).session_epoch)


@receiver(user_locked_out, dispatch_uid="accounts.audit_lockout")
def audit_lockout(sender, request, username=None, ip_address=None, **kwargs) -> None:
    # `username` is the stored digest (accounts.lockout.stored_username); the account is found
    # from the attempt's own credentials.
    account = account_named(lockout.typed_username(request))
    log_event(
        action=Action.LOCKED_OUT,
        request=request,
        user=account or AnonymousUser(),
        obj=account,
        object_type="user",
        outcome=Outcome.DENIED,
    )
