"""API tokens expire, are revocable by their owner and the security administrator, are stored as
digests only and end with a password change; pages carry a CSP with no inline script."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from knox.models import AuthToken

from tests.conftest import FROZEN_NOW

pytestmark = pytest.mark.django_db
PASSWORD = "Zoufang-Test-1"
ROOT = Path(__file__).resolve().parents[2]


def _token(api, username="t_cadre"):
    return api().post("/api/auth/token/", {"username": username, "password": PASSWORD}).json()["token"]


def _me(api, token):
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/users/me/")


def test_a_token_is_stored_as_a_digest_and_expires_after_seven_days(api, cast, time_machine):
    token = _token(api)
    assert not AuthToken.objects.filter(digest=token).exists()
    stored = AuthToken.objects.get(user=cast.cadre)
    assert token not in (stored.digest, stored.token_key) and len(stored.token_key) < len(token)
    assert settings.REST_KNOX["TOKEN_TTL"] == timedelta(days=7)
    assert _me(api, token).status_code == 200
    time_machine.move_to(FROZEN_NOW + timedelta(days=7, minutes=1), tick=False)
    assert _me(api, token).status_code == 401


def test_an_expired_token_is_refused_and_removed_and_the_others_go_at_the_next_login(api, cast, time_machine):
    old, kept = _token(api), _token(api)
    time_machine.move_to(FROZEN_NOW + timedelta(days=7, minutes=1), tick=False)
    fresh = _token(api)  # the login removes the two that ran out
    assert AuthToken.objects.filter(user=cast.cadre).count() == 1
    assert _me(api, fresh).status_code == 200
    assert _me(api, old).status_code == 401 and _me(api, kept).status_code == 401
    time_machine.move_to(FROZEN_NOW + timedelta(days=14, minutes=2), tick=False)
    assert _me(api, fresh).status_code == 401  # refused once expired, and deleted with it
    assert not AuthToken.objects.filter(user=cast.cadre).exists()


def test_the_owner_revokes_a_token(api, cast):
    token, other = _token(api), _token(api)
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.post("/api/auth/token/revoke/", {}).json() == {"revoked": 1}
    assert _me(api, token).status_code == 401 and _me(api, other).status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {other}")
    assert client.post("/api/auth/token/revoke/", {"all": True}).json() == {"revoked": 1}
    assert _me(api, other).status_code == 401


def test_a_password_change_ends_every_token(api, cast):
    token = _token(api)
    cast.cadre.set_password("Another-Pass-2")
    cast.cadre.save()
    assert _me(api, token).status_code == 401


def test_the_security_administrator_sees_and_revokes_tokens_and_lifts_locks(api, tree, cast):
    from django.test import Client

    from campaigns.models import Role
    from tests.factories import UserFactory, member
    from tests.twofactor import verified

    security = member(UserFactory(username="t_sec", full_name="安全"), tree.district, Role.SECURITY)
    security.is_staff = True
    security.save()
    token = _token(api)
    for _ in range(5):
        api().post("/api/auth/token/", {"username": "t_office", "password": "wrong"})
    client = verified(Client(), security)
    page = client.get("/admin/knox/authtoken/").content.decode()
    assert cast.cadre.full_name in page and token not in page
    digest = AuthToken.objects.get(user=cast.cadre).digest
    r = client.post(
        "/admin/knox/authtoken/", {"action": "delete_selected", "_selected_action": [digest], "post": "yes"}
    )
    assert r.status_code == 302 and _me(api, token).status_code == 401
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get(username="t_office")
    assert "t_office" in client.get("/admin/axes/accessattempt/").content.decode()  # who is locked
    r = client.post(
        "/admin/axes/accessattempt/", {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"}
    )
    assert r.status_code == 302
    assert api().post("/api/auth/token/", {"username": "t_office", "password": PASSWORD}).status_code == 200


def test_a_lockout_holds_for_the_address_that_failed_only(api, cast):
    for _ in range(5):
        api().post("/api/auth/token/", {"username": "t_office", "password": "wrong"}, REMOTE_ADDR="198.51.100.9")
    locked = api().post("/api/auth/token/", {"username": "t_office", "password": PASSWORD}, REMOTE_ADDR="198.51.100.9")
    assert locked.status_code == 403
    r = api().post("/api/auth/token/", {"username": "t_office", "password": PASSWORD}, REMOTE_ADDR="192.0.2.1")
    assert r.status_code == 200


def test_pages_carry_a_csp_without_inline_script_and_a_permissions_policy(client, cast):
    client.force_login(cast.cadre)
    r = client.get("/")
    csp = r["Content-Security-Policy"]
    script = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "'self'" in script and "unsafe-inline" not in script and "unsafe-eval" not in script
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "microphone=()" in r["Permissions-Policy"]


def test_no_template_has_an_inline_script_or_event_handler():
    offenders = []
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]:
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+=", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
