"""A practice administrator's pages: open, deactivate and reactivate therapists' accounts, and
reset their second factor. Nothing here reads a clinical record (the middleware keeps an
administrator out of every other page)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Action
from audit.services import log_event

from . import two_factor
from .decorators import practice_admin_allowed
from .forms import NewTherapistForm
from .models import Account, end_all_sessions


def _require_admin(request: HttpRequest) -> None:
    if not Account.for_user(request.user).is_practice_admin:
        raise Http404


def _therapist(pk: int):
    """A therapist's account (never an administrator's or a superuser's)."""
    user = get_object_or_404(get_user_model(), pk=pk, is_superuser=False)
    if Account.for_user(user).is_practice_admin:
        raise PermissionDenied
    return user


@practice_admin_allowed
@require_GET
def account_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    users = (
        get_user_model()
        .objects.filter(is_superuser=False)
        .exclude(account__is_practice_admin=True)
        .order_by("username")
    )
    with_device = set(
        TOTPDevice.objects.filter(confirmed=True, user__in=users).values_list("user_id", flat=True)
    )
    rows = [{"user": u, "has_two_factor": u.pk in with_device} for u in users]
    return render(request, "accounts/admin/account_list.html", {"rows": rows})


@practice_admin_allowed
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("password")
def account_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = NewTherapistForm(request.POST) if request.method == "POST" else NewTherapistForm()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            user = get_user_model().objects.create_user(
                username=data["username"],
                password=data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
            )
            Account.for_user(user)
            log_event(action=Action.ACCOUNT_CREATED, request=request, obj=user)
        messages.success(
            request,
            f"Account {user.username} opened. At the first sign-in they will set up an "
            "authenticator app.",
        )
        return redirect("account_list")
    return render(request, "accounts/admin/account_form.html", {"form": form})


@practice_admin_allowed
@require_POST
def account_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    user = _therapist(pk)
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        end_all_sessions(user)
        log_event(action=Action.ACCOUNT_DEACTIVATED, request=request, obj=user)
    messages.success(request, f"{user.username} can no longer sign in; their records are kept.")
    return redirect("account_list")


@practice_admin_allowed
@require_POST
def account_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    user = _therapist(pk)
    with transaction.atomic():
        user.is_active = True
        user.save(update_fields=["is_active"])
        log_event(action=Action.ACCOUNT_REACTIVATED, request=request, obj=user)
    messages.success(request, f"{user.username} can sign in again.")
    return redirect("account_list")


@practice_admin_allowed
@require_POST
def account_reset_two_factor(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    user = _therapist(pk)
    with transaction.atomic():
        two_factor.reset(user)
        end_all_sessions(user)
        log_event(action=Action.TWO_FACTOR_RESET, request=request, obj=user)
    messages.success(
        request,
        f"{user.username}'s authenticator and backup codes are removed; they set up a new "
        "one at their next sign-in.",
    )
    return redirect("account_list")
