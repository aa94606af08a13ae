"""三员分立: the system, security and audit administrators each do their own work and are refused
the others' pages and APIs; none can give themself another's rights."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from audit.models import Event, Record
from audit.services import record
from campaigns.models import Membership, Role, User
from tests.factories import UserFactory, member
from tests.twofactor import device_for, verified

pytestmark = pytest.mark.django_db


def _staff(tree, username, role):
    user = member(UserFactory(username=username, full_name=username), tree.district, role)
    user.is_staff = True
    user.save()
    device_for(user)
    return user


@pytest.fixture
def trio(tree):
    return {
        "admin": _staff(tree, "t_sys", Role.ADMIN),
        "security": _staff(tree, "t_sec", Role.SECURITY),
        "auditor": _staff(tree, "t_aud", Role.AUDITOR),
    }


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# (what, how to ask) -> who may; everyone else is refused.
def _pages(cast, campaign):
    return {
        "units": ("admin", "get", "/admin/campaigns/orgunit/add/"),
        "campaign": ("admin", "get", f"/admin/campaigns/campaign/{campaign.pk}/change/"),
        "calendar": ("admin", "get", "/admin/campaigns/calendarday/add/"),
        "accounts": ("security", "get", "/admin/campaigns/user/add/"),
        "lockouts": ("security", "get", "/admin/axes/accessattempt/"),
        "audit page": ("auditor", "get", "/audit/"),
        "audit admin": ("auditor", "get", "/admin/audit/record/"),
    }


def _apis(cast, campaign):
    return {
        "phase switches": ("admin", "get", "/api/campaign-phases/", None),
        "phase switch": ("admin", "post", f"/api/campaign-phases/{campaign.pk}/switch/", {"phase": "rectification"}),
        "audit records": ("auditor", "get", "/api/audit/records/", None),
        "audit chain": ("auditor", "get", "/api/audit/chain/", None),
    }


def test_each_administrator_gets_only_their_own_pages(trio, cast, campaign):
    for name, (owner, _method, url) in _pages(cast, campaign).items():
        for who, user in trio.items():
            status = verified(Client(), user).get(url).status_code
            if who == owner:
                assert status == 200, (name, who, status)
            else:
                assert status in (302, 403), (name, who, status)  # 302: the admin's "no permission" login


def test_each_administrator_gets_only_their_own_apis(trio, cast, campaign):
    for name, (owner, method, url, body) in _apis(cast, campaign).items():
        for who, user in trio.items():
            status = getattr(_api(user), method)(url, body, format="json").status_code
            if who == owner:
                assert status == 200, (name, who, status)
            else:
                assert status in (403, 404), (name, who, status)


def test_the_system_administrator_reads_people_but_cannot_change_them(trio, cast):
    client = verified(Client(), trio["admin"])
    url = f"/admin/campaigns/user/{cast.cadre.pk}/change/"
    assert 'name="_save"' not in client.get(url).content.decode()
    assert client.post(url, {"username": "x", "full_name": "改名"}).status_code == 403
    assert User.objects.get(pk=cast.cadre.pk).full_name == "李网格"


def _user_form(user, memberships):
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "is_active": "on",
        "memberships-TOTAL_FORMS": len(memberships),
        "memberships-INITIAL_FORMS": 0,
    }
    for i, (unit, role) in enumerate(memberships):
        data.update({f"memberships-{i}-user": user.pk, f"memberships-{i}-unit": unit.pk, f"memberships-{i}-role": role})
    return data


def test_the_security_administrator_gives_roles_but_no_administrator_role_and_none_to_themself(trio, tree, cast):
    security = trio["security"]
    client = verified(Client(), security)
    url = f"/admin/campaigns/user/{cast.cadre_c.pk}/change/"
    r = client.post(url, _user_form(cast.cadre_c, [(tree.community_a, Role.OFFICE)]))
    assert r.status_code == 302
    assert Membership.objects.filter(user=cast.cadre_c, role=Role.OFFICE).exists()
    for role in (Role.ADMIN, Role.AUDITOR, Role.SECURITY):
        r = client.post(url, _user_form(cast.cadre_c, [(tree.district, role)]))
        assert r.status_code == 200 and "选择一个有效的选项" in r.content.decode()
    assert not Membership.objects.filter(user=cast.cadre_c, role__in=[Role.ADMIN, Role.AUDITOR]).exists()
    own = f"/admin/campaigns/user/{security.pk}/change/"
    client.post(own, _user_form(security, [(tree.district, Role.AUDITOR)]))
    assert list(Membership.objects.filter(user=security).values_list("role", flat=True)) == [Role.SECURITY]


def test_the_auditor_and_the_security_administrator_see_no_households_or_cases(trio, tree, cast):
    from tests.visits.factories import HouseholdFactory

    HouseholdFactory(grid=tree.grid_a1)
    assert _api(trio["admin"]).get("/api/households/").json()["count"] == 1
    for who in ("security", "auditor"):
        assert _api(trio[who]).get("/api/households/").json()["count"] == 0
        assert _api(trio[who]).get("/api/grievances/").json()["count"] == 0


def test_nobody_erases_their_own_traces(trio, cast):
    r = record(Event.CONFIG, actor=trio["auditor"], data={"x": 1})
    client = verified(Client(), trio["auditor"])
    assert client.post(f"/admin/audit/record/{r.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Record.objects.filter(pk=r.pk).exists()
