"""Logging in as someone who must use a second factor (the administrator roles): a client whose
session has passed the TOTP step, and a valid code for the demo secret."""

import base64

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from campaigns.demo import DEMO_TOTP_SECRET


def code(secret: str = DEMO_TOTP_SECRET) -> str:
    """The current six-digit code for a base32 secret."""
    return f"{totp(base64.b32decode(secret + '=' * (-len(secret) % 8))):06d}"


def device_for(user):
    """The person's confirmed TOTP device (made with the demo secret if they have none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        key = base64.b32decode(DEMO_TOTP_SECRET).hex()
        device = TOTPDevice.objects.create(user=user, name="测试", key=key, confirmed=True)
    return device


def verified(client: Client, user) -> Client:
    """Log `client` in as `user` with the second factor passed, as the login page would."""
    device = device_for(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def verified_client(user) -> Client:
    return verified(Client(), user)
