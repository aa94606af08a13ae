"""`seed_demo` builds the demo district once; running it again changes nothing."""

import base64
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from campaigns.models import Campaign, Membership, OrgUnit, Role, User

pytestmark = pytest.mark.django_db(transaction=False)


def _counts():
    return (OrgUnit.objects.count(), User.objects.count(), Membership.objects.count(), Campaign.objects.count())


def test_seed_demo_builds_accounts_for_every_role_and_is_idempotent(demo_district, client):
    first = _counts()
    call_command("seed_demo", "--force", verbosity=0)
    assert _counts() == first

    roles = {
        "leader": (Role.LEADER, "district"),
        "office": (Role.OFFICE, "street"),
        "cadre": (Role.CADRE, "community"),
        "cadre2": (Role.CADRE, "community"),
        "handler": (Role.HANDLER, "department"),
        "inspector": (Role.INSPECTOR, "district"),
        "admin": (Role.ADMIN, "district"),
        "security": (Role.SECURITY, "district"),
        "auditor": (Role.AUDITOR, "district"),
    }
    for username, (role, level) in roles.items():
        m = Membership.objects.select_related("unit").get(user__username=username)
        assert (m.role, m.unit.level) == (role, level)
    # 三员分立: three staff administrators with a TOTP device each, none of them a superuser.
    for username in ("admin", "security", "auditor"):
        user = User.objects.get(username=username)
        assert (user.is_superuser, user.is_staff) == (False, True)
        device = TOTPDevice.objects.get(user=user)
        assert (device.confirmed, device.step, device.digits) == (True, 30, 6)
        assert device.bin_key == base64.b32decode("ZOUFANGDEMOTOTPSECRETAAAAAAAAAAA")
    assert not User.objects.filter(is_superuser=True).exists()
    streets = list(OrgUnit.objects.filter(level="street").order_by("path"))
    cadre_unit = Membership.objects.get(user__username="cadre").unit
    cadre2_unit = Membership.objects.get(user__username="cadre2").unit
    assert cadre_unit.parent == streets[0] and cadre2_unit.parent == streets[1]
    assert Membership.objects.get(user__username="office").unit == streets[0]

    campaign = Campaign.objects.get()
    today = timezone.localdate()
    assert campaign.phases.get(kind="organise").start == today - timedelta(days=60)
    assert campaign.phase == "visiting"
    assert campaign.phase_on(today) == "visiting"

    response = client.post("/accounts/login/", {"username": "cadre", "password": "zoufang-demo"}, follow=True)
    assert "您好，李志强" in response.content.decode()


def test_seed_demo_routes_categories_to_the_demo_departments():
    from grievances.models import GrievanceCategory

    call_command("seed_demo", "--force", "--households", "20", verbosity=0)
    routed = dict(GrievanceCategory.objects.values_list("code", "default_department__code"))
    # 归口 by top-level category, a child following its parent unless the demo says otherwise.
    assert (routed["childcare_edu"], routed["kindergarten"]) == ("D01-EDU", "D01-EDU")
    assert (routed["elderly_care"], routed["pension"]) == ("D01-CIVIL", "D01-HRSS")
    assert (routed["housing_env"], routed["sanitation"], routed["public_order"]) == ("D01-HOUSING", None, None)
