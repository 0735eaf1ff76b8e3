"""The two-step sign-in, the second factor's own page, and the idle-timeout endpoints."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Action
from audit.services import log_event

from . import lockout, policy, two_factor
from .decorators import before_two_factor, keeps_idle_clock, practice_admin_allowed
from .forms import CodeForm, CredentialsForm, PasswordConfirmForm, SetupCodeForm, SignInForm
from .models import Account, end_all_sessions
from .signals import second_factor_passed

# Set by the password confirmation on the two-factor page: the user may replace the
# authenticator although one is confirmed (for this many seconds).
_REPLACING = "accounts.replacing_authenticator"


def _next_url(request: HttpRequest) -> str:
    account = Account.for_user(request.user)
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site only: redirect() reads a bare word ("x", "-1") as a view name and
    # raised NoReverseMatch, a server error.
    if (
        candidate.startswith("/")
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and _opens_for(account, candidate)
    ):
        return candidate
    return account.home_url()


def _opens_for(account: Account, path: str) -> bool:
    """Whether the page at `path` is one this account may open: an administrator is sent to
    the practice pages rather than to a refusal."""
    if not account.is_practice_admin:
        return True
    try:
        view = resolve(path.split("?", 1)[0]).func
    except Resolver404:
        return False
    return getattr(view, "practice_admin_allowed", False)


def _with_next(url_name: str, request: HttpRequest) -> str:
    from urllib.parse import urlencode

    url = reverse(url_name)
    nxt = request.POST.get("next") or request.GET.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        url += "?" + urlencode({"next": nxt})
    return url


class SignInView(auth_views.LoginView):
    """Step one, the password. django-axes refuses a locked-out username+address here."""

    template_name = "registration/login.html"
    form_class = SignInForm

    def form_valid(self, form):
        super().form_valid(form)  # django.contrib.auth.login: a new session key
        step = (
            "two_factor_verify"
            if two_factor.has_confirmed_device(self.request.user)
            else "two_factor_setup"
        )
        return redirect(_with_next(step, self.request))


def _locked_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return lockout.lockout_response(request)


def _verified(request: HttpRequest, device) -> None:
    otp_login(request, device)
    # A new session key once the second step is passed: a key seen before it is worthless.
    request.session.cycle_key()
    second_factor_passed.send(sender=_verified, request=request, user=request.user)


def _signed_in(request: HttpRequest) -> None:
    """The audit entry for a completed sign-in: both factors passed (the password alone is
    `password_accepted`, recorded by audit.signals)."""
    log_event(action=Action.SIGN_IN, request=request, obj=request.user)


@before_two_factor
@practice_admin_allowed
@sensitive_post_parameters("otp_token")
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Step two: the authenticator's code or a backup code."""
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if not two_factor.has_confirmed_device(user):
        return redirect(_with_next("two_factor_setup", request))
    if lockout.is_locked_out(request, user):
        return _locked_out(request)

    form = CodeForm(request.POST) if request.method == "POST" else CodeForm()
    if request.method == "POST" and form.is_valid():
        device = two_factor.verify(user, form.cleaned_data["otp_token"])
        if device is not None:
            _verified(request, device)
            _signed_in(request)
            if isinstance(device, StaticDevice):
                left = len(two_factor.remaining_backup_codes(user))
                messages.warning(
                    request,
                    f"You signed in with a backup code; {left} left. "
                    "Make new ones on the Two-factor sign-in page if you are running low.",
                )
            return redirect(_next_url(request))
        lockout.count_failed_code(request, user)
        if lockout.is_locked_out(request, user):
            return _locked_out(request)
        form.add_error(
            "otp_token",
            "That code is not right, or it was already used. Wait for the next code and try again.",
        )
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": request.GET.get("next", request.POST.get("next", ""))},
    )


@before_two_factor
@practice_admin_allowed
@sensitive_post_parameters("otp_token")
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """First sign-in (or replacing the authenticator): scan, confirm with a code, then the
    backup codes once."""
    user = request.user
    replacing = user.is_verified() and request.session.get(_REPLACING)
    if two_factor.has_confirmed_device(user) and not replacing:
        if user.is_verified():
            return redirect("two_factor_manage")
        return redirect(_with_next("two_factor_verify", request))
    if lockout.is_locked_out(request, user):
        return _locked_out(request)

    device = two_factor.pending_authenticator(user)
    form = SetupCodeForm(request.POST) if request.method == "POST" else SetupCodeForm()
    if request.method == "POST" and form.is_valid():
        if two_factor.confirm_authenticator(device, form.cleaned_data["otp_token"]):
            request.session.pop(_REPLACING, None)
            codes = two_factor.new_backup_codes(user)
            _verified(request, TOTPDevice.objects.get(pk=device.pk))
            log_event(action=Action.TWO_FACTOR_SET_UP, request=request, obj=user)
            if not replacing:  # the first sign-in ends here; a replacement was signed in
                _signed_in(request)
            return render(
                request,
                "accounts/backup_codes.html",
                {
                    "codes": [two_factor.format_backup_code(c) for c in codes],
                    "continue_url": _next_url(request),
                    "first_time": not replacing,
                },
            )
        lockout.count_failed_code(request, user)
        if lockout.is_locked_out(request, user):
            return _locked_out(request)
        form.add_error(
            "otp_token",
            "That code does not match. Check that the phone's clock is right, wait a few "
            "seconds, and type the code the app shows then.",
        )
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": two_factor.qr_code_svg(device),
            "secret": two_factor.secret_for_typing(device),
            "replacing": replacing,
            "next": request.GET.get("next", request.POST.get("next", "")),
        },
    )


@practice_admin_allowed
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def two_factor_manage(request: HttpRequest) -> HttpResponse:
    """The user's own second factor: show or renew backup codes, replace the authenticator.
    Each asks for the password again."""
    user = request.user
    shown_codes = None
    form = PasswordConfirmForm(user)
    if request.method == "POST":
        form = PasswordConfirmForm(user, request.POST)
        action = request.POST.get("action")
        if action not in {"show", "renew", "replace"}:
            messages.error(request, "Choose what to do.")
        elif form.is_valid():
            if action == "show":
                shown_codes = two_factor.remaining_backup_codes(user)
                log_event(action=Action.BACKUP_CODES_SHOWN, request=request, obj=user)
            elif action == "renew":
                shown_codes = two_factor.new_backup_codes(user)
                log_event(action=Action.BACKUP_CODES_RENEWED, request=request, obj=user)
                messages.success(request, "New backup codes made; the old ones no longer work.")
            else:
                request.session[_REPLACING] = True
                return redirect("two_factor_setup")
            form = PasswordConfirmForm(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return render(
        request,
        "accounts/two_factor_manage.html",
        {
            "form": form,
            "device": device,
            "codes_left": len(two_factor.remaining_backup_codes(user)),
            "shown_codes": [two_factor.format_backup_code(c) for c in shown_codes]
            if shown_codes is not None
            else None,
        },
    )


@practice_admin_allowed
@require_http_methods(["GET", "POST"])
def account_details(request: HttpRequest) -> HttpResponse:
    """The user's own details: the name documents carry (set by the practice administrator)
    and the credentials printed under it, which the user edits."""
    account = Account.for_user(request.user)
    form = CredentialsForm(request.POST if request.method == "POST" else None, instance=account)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your credentials are saved.")
        return redirect("account_details")
    return render(request, "accounts/account_details.html", {"form": form})


def _clock(request: HttpRequest) -> JsonResponse:
    """The seconds left, and whether the device is handed to a client: the hand-over
    middleware (measures.handover) marks such requests with the locked screen's address, and
    idle.js then puts that screen in place of every other open tab of the therapist's."""
    data = {"seconds_left": policy.seconds_left(request.session)}
    locked_url = getattr(request, "handover_locked_url", None)
    if locked_url:
        data.update(handover=True, locked_url=locked_url)
    return JsonResponse(data)


@keeps_idle_clock
@practice_admin_allowed
@require_GET
def session_status(request: HttpRequest) -> JsonResponse:
    """How long this session has left; asking does not count as activity."""
    return _clock(request)


@keeps_idle_clock
@practice_admin_allowed
@require_POST
def session_keepalive(request: HttpRequest) -> JsonResponse:
    """The "Stay signed in" button: the whole idle timeout starts again from now, except while
    the device is handed to a client (the clock then runs from the hand-over, so that the
    client's side cannot keep the sign-in open for ever)."""
    if not getattr(request, "handover_locked_url", None):
        policy.touch(request.session, force=True)
    return _clock(request)


@method_decorator(practice_admin_allowed, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view keeps this session and invalidates the others through the password hash;
    the account's session epoch ends them as well, whatever the session backend."""

    template_name = "registration/password_change.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        end_all_sessions(self.request.user)
        # ...except this one, which carries on under the new epoch.
        policy.start(self.request.session, epoch=Account.for_user(self.request.user).session_epoch)
        log_event(action=Action.PASSWORD_CHANGED, request=self.request, obj=self.request.user)
        return response


password_change_done = practice_admin_allowed(
    auth_views.PasswordChangeDoneView.as_view(
        template_name="registration/password_change_done.html"
    )
)
sign_in = login_not_required(SignInView.as_view())

_sign_out = auth_views.LogoutView.as_view()


@before_two_factor
@practice_admin_allowed
def sign_out(request: HttpRequest) -> HttpResponse:
    """Sign out here and everywhere else, and have the browser drop its cache, cookies and
    storage for the site."""
    if request.method == "POST" and request.user.is_authenticated:
        end_all_sessions(request.user)
    response = _sign_out(request)
    # Only a real sign-out (a POST with a valid CSRF token): a cross-site GET, e.g. an image,
    # must not be able to wipe the site's data.
    if request.method == "POST" and response.status_code < 400:
        response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response
