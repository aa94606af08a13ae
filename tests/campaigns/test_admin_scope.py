"""Staff who are not superusers work in the admin screens within their subtree: a street's system
administrator edits the street's campaign, only reads the district's and leaves the
installation-wide calendar alone; a street's security administrator edits the street's people,
cannot grant admin rights. Both have passed the second factor (tests/twofactor.py)."""

import pytest
from django.contrib.auth.models import Permission

from campaigns.models import CalendarDay, Campaign, Membership, Role, User
from tests.factories import UserFactory, make_campaign, member
from tests.twofactor import verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def street_admin(tree):
    user = member(UserFactory(username="t_street_admin", full_name="韩管理"), tree.street_a, Role.ADMIN)
    user.is_staff = True
    user.save()
    models = ["campaign", "orgunit", "calendarday", "campaignphase"]
    user.user_permissions.add(*Permission.objects.filter(content_type__model__in=models))
    return user


@pytest.fixture
def street_security(tree):
    user = member(UserFactory(username="t_street_security", full_name="韩安全"), tree.street_a, Role.SECURITY)
    user.is_staff = True
    user.save()
    return user


def _campaign_form(campaign, **changes):
    data = {
        "name": campaign.name,
        "territory": campaign.territory_id,
        "year": campaign.year,
        "phase": campaign.phase,
        "min_visit_minutes": campaign.min_visit_minutes,
        "assessment_weight": campaign.assessment_weight,
        "allowed_modes": ["in_person"],  # checkboxes
        **changes,
    }
    for prefix in ("phases", "tiers", "checklist"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    return data


def test_street_admin_only_reads_the_district_campaign(client, street_admin, campaign):
    verified(client, street_admin)
    url = f"/admin/campaigns/campaign/{campaign.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    r = client.post(url, _campaign_form(campaign, phase_locked="on", name="被改名"))
    assert r.status_code == 403
    campaign.refresh_from_db()
    assert (campaign.name, campaign.phase_locked) == ("测试区2026年大走访", False)


def test_street_admin_cannot_delete_the_district_campaign_from_the_list(client, street_admin, campaign):
    verified(client, street_admin)
    r = client.post(
        "/admin/campaigns/campaign/",
        {"action": "delete_selected", "_selected_action": [campaign.pk], "post": "yes"},
    )
    assert r.status_code == 403
    assert Campaign.objects.filter(pk=campaign.pk).exists()


def test_street_admin_cannot_move_a_campaign_to_the_district(client, tree, street_admin):
    own = make_campaign(tree.street_a, name="东城街道2026年大走访")
    verified(client, street_admin)
    r = client.post(f"/admin/campaigns/campaign/{own.pk}/change/", _campaign_form(own, territory=tree.district.pk))
    assert r.status_code == 200 and "选择一个有效的选项" in r.content.decode()
    own.refresh_from_db()
    assert own.territory == tree.street_a


def test_street_admin_edits_the_streets_own_campaign(client, tree, street_admin):
    own = make_campaign(tree.street_a, name="东城街道2026年大走访")
    verified(client, street_admin)
    r = client.post(f"/admin/campaigns/campaign/{own.pk}/change/", _campaign_form(own, min_visit_minutes=45))
    assert r.status_code == 302
    own.refresh_from_db()
    assert own.min_visit_minutes == 45


def test_street_security_admin_sees_no_one_outside_the_street(client, cast, street_security):
    verified(client, street_security)
    page = client.get("/admin/campaigns/user/").content.decode()
    assert cast.cadre.username in page and cast.office_b.username not in page
    assert client.get(f"/admin/campaigns/user/{cast.office_b.pk}/change/").status_code == 302  # "does not exist"


def test_street_security_admin_cannot_make_someone_a_superuser(client, cast, street_security):
    verified(client, street_security)
    url = f"/admin/campaigns/user/{cast.cadre.pk}/change/"
    assert 'name="is_superuser"' not in client.get(url).content.decode()
    data = {
        "username": cast.cadre.username,
        "full_name": cast.cadre.full_name,
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "memberships-TOTAL_FORMS": 1,
        "memberships-INITIAL_FORMS": 1,
        "memberships-0-id": Membership.objects.get(user=cast.cadre).pk,
        "memberships-0-user": cast.cadre.pk,
        "memberships-0-unit": cast.cadre.memberships.get().unit_id,
        "memberships-0-role": Role.CADRE,
    }
    data["full_name"] = "李网格（已改）"
    assert client.post(url, data).status_code == 302  # saved: the rest of the form went through
    cadre = User.objects.get(pk=cast.cadre.pk)
    assert (cadre.full_name, cadre.is_superuser, cadre.is_staff) == ("李网格（已改）", False, False)


def test_street_security_admin_does_not_see_a_persons_roles_outside_the_street(client, tree, cast, street_security):
    member(cast.cadre, tree.street_b, Role.OFFICE)
    verified(client, street_security)
    page = client.get(f"/admin/campaigns/user/{cast.cadre.pk}/change/").content.decode()
    assert 'name="memberships-INITIAL_FORMS" value="1"' in page


def test_street_admin_leaves_the_calendar_alone(client, street_admin):
    verified(client, street_admin)
    r = client.post("/admin/campaigns/calendarday/add/", {"date": "2027-01-04", "is_workday": "", "name": "假日"})
    assert r.status_code == 403
    assert not CalendarDay.objects.filter(date="2027-01-04").exists()
