"""Two-factor sign-in with django-otp: one TOTP authenticator per user, plus backup codes.

The QR code is drawn here, by segno (pure Python), so the secret never leaves the server.
"""

import secrets

import segno
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

BACKUP_CODE_COUNT = 10
BACKUP_CODE_LENGTH = 10
AUTHENTICATOR_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
# Lower case letters and digits without the look-alikes 0/o, 1/l/i.
_BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_authenticator(user) -> TOTPDevice:
    """The not yet confirmed authenticator shown during set-up (the same one on a reload, so
    that a code from the app scanned first still works)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def qr_code_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// URL as an inline SVG QR code."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", border=4, omitsize=False
    )


def secret_for_typing(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for apps that cannot scan."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def verify(user, code: str):
    """The device that accepts `code` (the authenticator's six digits or an unused backup
    code), or None. A TOTP code is accepted once only (django-otp records the last time step),
    and a backup code is used up."""
    code = "".join(code.split()).lower().replace("-", "")
    if not code or len(code) > 32:
        return None
    with transaction.atomic():
        if code.isdigit():
            for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
                if device.verify_token(code):
                    return device
        else:
            for device in StaticDevice.objects.select_for_update().filter(
                user=user, confirmed=True
            ):
                if device.verify_token(code):
                    return device
    return None


def confirm_authenticator(device: TOTPDevice, code: str) -> bool:
    """Confirm the set-up when `code` is the app's current code; the code is then spent."""
    code = "".join(code.split())
    if not code.isdigit() or not device.verify_token(code):
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return True


def unused_code(device: TOTPDevice) -> str | None:
    """A code the device accepts now: the current time step's, or, when that one was already
    used (a code works once), the next step's, which django-otp's one-step tolerance accepts.
    None when both were used: the next one comes with the next step (30 seconds)."""
    now_t = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    t = max(now_t, device.last_t + 1)
    if t > now_t + device.tolerance:
        return None
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, 0)
    generator.time = device.t0 + t * device.step
    return str(generator.token()).zfill(device.digits)


def new_backup_codes(user) -> list[str]:
    """Replace the user's backup codes with ten new ones and return them (shown once)."""
    codes = [
        "".join(secrets.choice(_BACKUP_ALPHABET) for _ in range(BACKUP_CODE_LENGTH))
        for _ in range(BACKUP_CODE_COUNT)
    ]
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def remaining_backup_codes(user) -> list[str]:
    return list(
        StaticToken.objects.filter(device__user=user, device__confirmed=True)
        .order_by("id")
        .values_list("token", flat=True)
    )


def reset(user) -> None:
    """Remove every second factor: the user sets up an authenticator at the next sign-in."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


def format_backup_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"
