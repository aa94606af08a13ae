"""Two factors: the administrator roles log in with a TOTP code (page and token), enrol with a QR
code drawn by the server and get recovery codes; everyone may enrol, and then needs the code too."""

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken

from campaigns.models import Role
from tests.factories import UserFactory, member
from tests.twofactor import code, device_for

pytestmark = pytest.mark.django_db
PASSWORD = "Zoufang-Test-1"


@pytest.fixture
def sysadmin(tree):
    user = member(UserFactory(username="t_sysadmin", full_name="系统管理"), tree.district, Role.ADMIN)
    user.is_staff = True
    user.save()
    return user


def test_token_login_of_an_account_with_a_device_asks_for_the_code(api, sysadmin):
    device_for(sysadmin)
    r = api().post("/api/auth/token/", {"username": "t_sysadmin", "password": PASSWORD}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "otp_required"
    r = api().post("/api/auth/token/", {"username": "t_sysadmin", "password": PASSWORD, "otp": code()})
    assert r.status_code == 200 and r.json()["token"]
    r = api().post("/api/auth/token/", {"username": "t_sysadmin", "password": PASSWORD, "otp": "000000"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_otp"


def test_an_administrator_without_a_device_gets_no_token(api, sysadmin):
    r = api().post("/api/auth/token/", {"username": "t_sysadmin", "password": PASSWORD}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "otp_required"


def test_the_login_page_asks_an_administrator_for_the_code(client, sysadmin):
    device_for(sysadmin)
    page = client.post("/accounts/login/", {"username": "t_sysadmin", "password": PASSWORD})
    assert page.status_code == 200 and "请输入动态口令" in page.content.decode()
    r = client.post("/accounts/login/", {"username": "t_sysadmin", "password": PASSWORD, "otp": code()})
    assert r.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_an_administrator_without_a_device_must_enrol_before_anything_else(client, sysadmin):
    assert client.post("/accounts/login/", {"username": "t_sysadmin", "password": PASSWORD}).status_code == 302
    r = client.get("/admin/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/two-factor/")
    assert client.get("/api/campaigns/").json()["code"] == "otp_required"
    page = client.get("/accounts/two-factor/").content.decode()
    assert "<svg" in page and "须启用双因素认证" in page
    device = sysadmin.totpdevice_set.get()
    from django_otp.oath import totp

    r = client.post("/accounts/two-factor/", {"code": f"{totp(device.bin_key):06d}"})
    codes = r.context["codes"]
    assert len(codes) == 10 and StaticToken.objects.filter(device__user=sysadmin).count() == 10
    assert client.get("/admin/").status_code == 200
    # A recovery code stands in for the phone once.
    other = Client()
    form = {"username": "t_sysadmin", "password": PASSWORD, "otp": codes[0]}
    assert other.post("/accounts/login/", form).status_code == 302
    assert Client().post("/accounts/login/", form).status_code == 200


def test_the_installation_superuser_must_enrol_like_the_administrator_roles(client, api, cast):
    assert cast.admin.is_superuser
    r = api().post("/api/auth/token/", {"username": "t_admin", "password": PASSWORD}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "otp_required"
    assert client.post("/accounts/login/", {"username": "t_admin", "password": PASSWORD}).status_code == 302
    r = client.get("/admin/audit/record/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/two-factor/")
    assert "须启用双因素认证" in client.get("/accounts/two-factor/").content.decode()


def test_a_cadre_works_without_a_second_factor_and_may_enrol(client, cast):
    assert client.post("/accounts/login/", {"username": "t_cadre", "password": PASSWORD}).status_code == 302
    assert client.get("/").status_code == 200
    assert "<svg" in client.get("/accounts/two-factor/").content.decode()
    device_for(cast.cadre)
    page = Client().post("/accounts/login/", {"username": "t_cadre", "password": PASSWORD})
    assert "请输入动态口令" in page.content.decode()


def test_the_installation_can_require_it_for_office_staff(api, cast, settings):
    settings.ZOUFANG_SECURITY = {**settings.ZOUFANG_SECURITY, "OTP_FOR_OFFICE": True}
    r = api().post("/api/auth/token/", {"username": "t_office", "password": PASSWORD}, format="json")
    assert r.json()["code"] == "otp_required"
    assert api().post("/api/auth/token/", {"username": "t_cadre", "password": PASSWORD}).status_code == 200
