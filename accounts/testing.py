"""Signing in from tests and benchmarks without typing a one-time code.

`sign_in(client, user)` leaves a Django test client exactly where the real two-step sign-in
leaves a browser: authenticated, verified by a confirmed TOTP device, with the session policy's
marks set. Browser tests copy the resulting session cookie. It skips the pages themselves;
tests/accounts/test_real_sign_in.py walks them for every role.
"""

import base64

from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import policy, two_factor
from .models import Account


def totp_device(user) -> TOTPDevice:
    """The user's confirmed authenticator, made if there is none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return device


def current_code(device: TOTPDevice, *, step_offset: int = 0) -> str:
    """The six digits an authenticator app would show now (or `step_offset` steps away)."""
    code = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift + step_offset,
    )
    return str(code).zfill(device.digits)


def code_for_secret(secret: str, *, step_offset: int = 0) -> str:
    """What an authenticator app shows for the base32 key typed from the set-up page
    (#totp-secret, in groups of four)."""
    text = secret.replace(" ", "")
    generator = TOTP(base64.b32decode(text + "=" * (-len(text) % 8)))
    generator.drift = step_offset
    return str(generator.token()).zfill(generator.digits)


def sign_in(client, user) -> None:
    """Sign `user` in on a django.test.Client as if through password and 2FA."""
    device = totp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    policy.start(session, epoch=Account.for_user(user).session_epoch)
    session.save()


def unused_code(device: TOTPDevice) -> str:
    """A code the server will accept now and has not accepted before (a test may sign in twice
    within one 30-second step): accounts.two_factor.unused_code, after a fresh read."""
    device.refresh_from_db()
    code = two_factor.unused_code(device)
    if code is None:
        raise RuntimeError("every code of this time window was used; wait for the next one")
    return code


def sign_in_through_pages(client, username: str, password: str, **extra):
    """The real two steps: password, then a code from the user's authenticator (made first if
    the user has none, as if set up earlier). Returns the second step's response, or the first
    step's when the password was refused."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is not None:
        totp_device(user)
    response = client.post(reverse("login"), {"username": username, "password": password}, **extra)
    if response.status_code != 302 or not response.url.startswith(reverse("two_factor_verify")):
        return response
    return client.post(response.url, {"otp_token": unused_code(totp_device(user))}, **extra)


def password_works(username: str, password: str) -> bool:
    """Whether the password step would accept this pair (through django-axes, which needs a
    request to know the address)."""
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    request = RequestFactory().post(reverse("login"))
    return authenticate(request, username=username, password=password) is not None
