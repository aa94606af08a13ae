"""Second factor (TOTP, RFC 6238: 30 s, 6 digits, SHA-1) for logins: who must use it, checking
a code, enrolling a device with a QR code drawn here, recovery codes.

GB/T 22239-2019 level 3 asks administrators for two combined authentication techniques, one of
them cryptographic. The three administrator roles and the installation superuser must use a
second factor; everyone may enrol;
`ZOUFANG_SECURITY["OTP_FOR_OFFICE"]` extends the duty to office staff installation-wide. Once a
person has a confirmed device, every password login of theirs asks for a code, wherever it comes
from (login page, token login).
"""

import base64
import secrets

import segno
from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user, match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .access import scope
from .choices import ADMIN_ROLES, Role

RECOVERY_CODES = 10
ISSUER = "走访"


def required_for(user) -> bool:
    """Whether `user` may not work without a verified second factor."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:  # the installation account holds every right: never on one factor
        return True
    roles = scope(user).roles
    if roles & ADMIN_ROLES:
        return True
    if settings.ZOUFANG_SECURITY["OTP_FOR_OFFICE"] and Role.OFFICE in roles:
        return True
    return has_device(user)


def has_device(user) -> bool:
    return user_has_device(user, confirmed=True)


def check(user, code: str):
    """The confirmed device (TOTP or recovery code) accepting `code`, or None."""
    code = (code or "").strip().replace(" ", "")
    if not code:
        return None
    return match_token(user, code)


def totp_device(user):
    """The person's TOTP device: the confirmed one, else the one being enrolled (made here)."""
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="动态口令", confirmed=False)
    return device


def secret_base32(device) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def provisioning_uri(device) -> str:
    return device.config_url


def qr_svg(device) -> str:
    """The enrolment QR code as inline SVG, drawn here: the secret never leaves the server."""
    return segno.make(provisioning_uri(device), error="m").svg_inline(scale=4)


@transaction.atomic
def confirm(user, device, code: str) -> list[str] | None:
    """Confirm an enrolment with a first code; returns fresh recovery codes, None if wrong."""
    if not device.verify_token((code or "").strip()):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return new_recovery_codes(user)


@transaction.atomic
def new_recovery_codes(user) -> list[str]:
    """Replace the person's recovery codes (each works once) with new ones."""
    static, _ = StaticDevice.objects.get_or_create(user=user, defaults={"name": "恢复码", "confirmed": True})
    static.token_set.all().delete()
    codes = [secrets.token_hex(4) for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


@transaction.atomic
def reset(user) -> None:
    """Remove every second-factor device of the person (a lost phone): they enrol again."""
    for device in devices_for_user(user, confirmed=None):
        device.delete()


def set_demo_device(user, secret_b32: str) -> None:
    """Give a demo account the TOTP device with the documented secret (demo only)."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8)).hex()
    device = TOTPDevice.objects.filter(user=user).first()
    if device is None:
        TOTPDevice.objects.create(user=user, name="演示动态口令", key=key, step=30, digits=6, confirmed=True)
    elif device.key != key or not device.confirmed:
        device.key, device.confirmed = key, True
        device.save(update_fields=["key", "confirmed"])
